/**
 * What the layer 2 announcer needs of the machine: the interface list,
 * packet sockets, IPv6 group joins, a clock and timers. `SYSTEM_LAYER2` is
 * the real thing (sysfs, the addon's sockets, unref'd Node timers); a test
 * hands the announcer fakes instead, so its shell runs without root.
 */
import { listInterfaces, type NetInterface } from './interfaces.js';
import { Ipv6GroupMembership, PacketSocket, type PacketSocketKind } from './packet-socket.js';

/** A packet socket as the announcer uses it: `PacketSocket`, or a fake. */
export interface FrameSocket {
  send(frame: Uint8Array): void;
  addMembership(mac: Uint8Array): void;
  dropMembership(mac: Uint8Array): void;
  close(): void;
}

/** IPv6 groups joined at the IP level on one interface: `Ipv6GroupMembership`, or a fake. */
export interface GroupJoins {
  join(group: Uint8Array): void;
  leave(group: Uint8Array): void;
  close(): void;
}

/** What a socket reports to the announcer. */
export interface FrameHandlers {
  frame(frame: Uint8Array): void;
  error(error: Error): void;
}

/** Where the announcer's I/O and time come from. */
export interface Layer2System {
  /** The interfaces now (sysfs). */
  listInterfaces(): NetInterface[];
  /** Opens an ARP or NDP socket on the interface; throws when it cannot. */
  openSocket(iface: NetInterface, kind: PacketSocketKind, handlers: FrameHandlers): FrameSocket;
  /** Opens the IP-level group joins of the interface; throws when it cannot. */
  openGroups(iface: NetInterface): GroupJoins;
  /** Milliseconds, for the gratuitous schedule. */
  now(): number;
  /** Runs `work` once after `ms`; the returned function cancels it. */
  after(ms: number, work: () => void): () => void;
  /** Runs `work` every `ms`; the returned function cancels it. */
  every(ms: number, work: () => void): () => void;
}

/**
 * The machine: sysfs, the addon's packet sockets, the wall clock, and timers
 * that never keep the process alive.
 */
export const SYSTEM_LAYER2: Layer2System = {
  listInterfaces: () => listInterfaces(),
  openSocket: (iface, kind, handlers) => {
    const socket = PacketSocket.open(iface, kind);
    socket.on('frame', (frame) => handlers.frame(frame));
    socket.on('error', (error) => handlers.error(error));
    return socket;
  },
  openGroups: (iface) => Ipv6GroupMembership.open(iface),
  now: () => Date.now(),
  after: (ms, work) => {
    const timer = setTimeout(work, ms);
    timer.unref();
    return () => clearTimeout(timer);
  },
  every: (ms, work) => {
    const timer = setInterval(work, ms);
    timer.unref();
    return () => clearInterval(timer);
  },
};
