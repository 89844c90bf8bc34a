/**
 * Layer 2 I/O for the ARP and NDP responders: whole Ethernet frames in and
 * out of one interface, through the native addon. No parsing here: the
 * codecs read and build the frames.
 */
import { EventEmitter } from 'node:events';
import {
  nativeAddon,
  type NativeIpv6Membership,
  type NativePacketSocket,
  type PacketSocketKind,
} from '../native/index.js';

export type { PacketSocketKind } from '../native/index.js';

/** The interface a socket is bound to (a NetInterface from interfaces.ts fits). */
export interface InterfaceRef {
  readonly name: string;
  readonly index: number;
}

/** A system error from the addon, re-thrown with what failed where; keeps `code`. */
export interface SystemError extends Error {
  code?: string;
  errno?: number;
  syscall?: string;
}

function inContext(error: unknown, context: string): SystemError {
  if (!(error instanceof Error)) return new Error(`${context}: ${String(error)}`);
  const { code, errno, syscall } = error as SystemError;
  const wrapped: SystemError = new Error(`${context}: ${error.message}`, { cause: error });
  if (code !== undefined) wrapped.code = code;
  if (errno !== undefined) wrapped.errno = errno;
  if (syscall !== undefined) wrapped.syscall = syscall;
  return wrapped;
}

export interface PacketSocketEvents {
  /** One received Ethernet frame, header included; never one this host sent. */
  frame: [Buffer];
  /** A receive error (e.g. ENETDOWN when the link goes down); the socket stays open. */
  error: [Error];
}

/**
 * A packet socket on one interface: 'arp' delivers every ARP frame; 'ndp'
 * delivers only ICMPv6 Neighbor Solicitations (a kernel filter drops other
 * IPv6 traffic before it reaches us). As with Node's own sockets, an
 * 'error' without a listener is thrown as an uncaught exception.
 */
export class PacketSocket extends EventEmitter<PacketSocketEvents> {
  #native: NativePacketSocket | undefined;

  private constructor(
    readonly iface: InterfaceRef,
    readonly kind: PacketSocketKind,
  ) {
    super();
  }

  /** Opens and binds the socket; throws (EPERM without CAP_NET_RAW, ENODEV for a gone interface). */
  static open(iface: InterfaceRef, kind: PacketSocketKind): PacketSocket {
    const addon = nativeAddon();
    const socket = new PacketSocket(iface, kind);
    try {
      socket.#native = new addon.PacketSocket(
        iface.index,
        kind,
        (frame) => socket.emit('frame', frame),
        (error) => socket.emit('error', inContext(error, socket.#describe('receive'))),
      );
    } catch (error) {
      throw inContext(error, socket.#describe('open'));
    }
    return socket;
  }

  get closed(): boolean {
    return this.#native === undefined;
  }

  /** Sends one whole Ethernet frame (header included) on the interface. */
  send(frame: Uint8Array): void {
    this.#call('send', (native) => native.send(frame));
  }

  /**
   * Makes the NIC deliver frames for a multicast MAC, e.g. 33:33:ff:xx:xx:xx
   * of a solicited-node group (RFC 4861 section 7.2.1, RFC 2464 section 7).
   * Counted: each add needs its own drop. All are dropped on close().
   */
  addMembership(mac: Uint8Array): void {
    this.#call('add multicast membership', (native) => native.addMembership(mac));
  }

  dropMembership(mac: Uint8Array): void {
    this.#call('drop multicast membership', (native) => native.dropMembership(mac));
  }

  /** Stops receiving and releases the socket; idempotent. Nothing is emitted after it. */
  close(): void {
    this.#native?.close();
    this.#native = undefined;
  }

  /** Lets the process exit while this socket is open (as net.Socket#unref). */
  unref(): this {
    this.#native?.unref();
    return this;
  }

  ref(): this {
    this.#native?.ref();
    return this;
  }

  #describe(what: string): string {
    return `${what} on ${this.kind} socket of ${this.iface.name}`;
  }

  #call(what: string, action: (native: NativePacketSocket) => void): void {
    const native = this.#native;
    if (native === undefined) throw new Error(`${this.#describe(what)}: the socket is closed`);
    try {
      action(native);
    } catch (error) {
      throw inContext(error, this.#describe(what));
    }
  }
}

/**
 * IPv6 multicast groups joined at the IP level on one interface, so the
 * kernel sends MLD reports (RFC 3810) and switches that snoop MLD forward
 * solicitations for the group to this port. One per interface.
 *
 * Joins are counted per group: several announced IPs can share one
 * solicited-node group (it keeps only the last 24 bits, RFC 4291 section
 * 2.7.1), and the kernel refuses a second join of a group on one socket.
 */
export class Ipv6GroupMembership {
  #native: NativeIpv6Membership | undefined;
  readonly #joins = new Map<string, number>();

  private constructor(
    readonly iface: InterfaceRef,
    native: NativeIpv6Membership,
  ) {
    this.#native = native;
  }

  static open(iface: InterfaceRef): Ipv6GroupMembership {
    const addon = nativeAddon();
    try {
      return new Ipv6GroupMembership(iface, new addon.Ipv6Membership(iface.index));
    } catch (error) {
      throw inContext(error, `open IPv6 group membership on ${iface.name}`);
    }
  }

  get closed(): boolean {
    return this.#native === undefined;
  }

  /** The groups joined, as hex of their 16 bytes, with their counts. */
  joined(): ReadonlyMap<string, number> {
    return this.#joins;
  }

  /** Joins `group` (16 bytes); the kernel joins only on the first of several joins. */
  join(group: Uint8Array): void {
    const key = groupKey(group);
    const count = this.#joins.get(key) ?? 0;
    if (count === 0) this.#call('join', group, (native) => native.join(group));
    this.#joins.set(key, count + 1);
  }

  /** Undoes one join; the kernel leaves with the last. Leaving a group never joined throws. */
  leave(group: Uint8Array): void {
    const key = groupKey(group);
    const count = this.#joins.get(key) ?? 0;
    if (count === 0) throw new Error(`leave IPv6 group ${key} on ${this.iface.name}: not joined`);
    if (count === 1) this.#call('leave', group, (native) => native.leave(group));
    if (count === 1) this.#joins.delete(key);
    else this.#joins.set(key, count - 1);
  }

  /** Leaves every group (closing the socket does that) and releases it; idempotent. */
  close(): void {
    this.#native?.close();
    this.#native = undefined;
    this.#joins.clear();
  }

  #call(what: string, group: Uint8Array, action: (native: NativeIpv6Membership) => void): void {
    const context = `${what} IPv6 group ${groupKey(group)} on ${this.iface.name}`;
    const native = this.#native;
    if (native === undefined) throw new Error(`${context}: closed`);
    try {
      action(native);
    } catch (error) {
      throw inContext(error, context);
    }
  }
}

function groupKey(group: Uint8Array): string {
  if (group.length !== 16) throw new TypeError(`an IPv6 group has 16 bytes, not ${group.length}`);
  return Buffer.from(group).toString('hex');
}
