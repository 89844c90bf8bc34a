/**
 * The native addon (native/, built by `npm ci` through binding.gyp): what
 * Node cannot do by itself on Linux. This file is the one place that loads
 * it and says its types. It is loaded on first use, so code that never
 * needs it (the controller, the lab, BGP sessions without a password) runs
 * without it.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

/** An AF_PACKET socket bound to one interface for ARP or IPv6 NDP frames. */
export interface NativePacketSocket {
  /** Sends one whole Ethernet frame; throws an Error with `code` (e.g. 'ENETDOWN'). */
  send(frame: Uint8Array): void;
  /** PACKET_ADD_MEMBERSHIP of a multicast MAC (6 bytes); counted by the kernel. */
  addMembership(mac: Uint8Array): void;
  dropMembership(mac: Uint8Array): void;
  /** Stops reading and closes the descriptor; idempotent. */
  close(): void;
  /** Whether the open socket keeps the event loop alive (it does by default). */
  ref(): void;
  unref(): void;
}

/** A raw ICMPv6 socket that never reads, used only to join IPv6 groups on one interface. */
export interface NativeIpv6Membership {
  /** IPV6_JOIN_GROUP of a 16-byte group address; EADDRINUSE when already joined. */
  join(group: Uint8Array): void;
  leave(group: Uint8Array): void;
  close(): void;
}

export type PacketSocketKind = 'arp' | 'ndp';

export interface NativeAddon {
  /**
   * 'arp' receives every ARP frame (ethertype 0x0806); 'ndp' receives IPv6
   * frames (0x86DD) that a kernel filter has reduced to ICMPv6 Neighbor
   * Solicitations. Frames this host sends are never delivered.
   */
  PacketSocket: new (
    ifindex: number,
    kind: PacketSocketKind,
    onFrame: (frame: Buffer) => void,
    onError: (error: Error) => void,
  ) => NativePacketSocket;
  Ipv6Membership: new (ifindex: number) => NativeIpv6Membership;
  /**
   * setsockopt(TCP_MD5SIG) on a TCP socket descriptor: RFC 2385 signatures
   * for segments to and from `peerAddress`. An empty key removes it.
   */
  setTcpMd5(fd: number, peerAddress: string, key: Uint8Array): void;
  /**
   * Starts a non-blocking connect() from a new TCP socket of `host`'s family,
   * keyed for `host` first when `key` has bytes (so the SYN is signed), bound
   * to `localAddress` (port 0) when given. Throws at once when the socket
   * cannot be set up (bind: EADDRNOTAVAIL, ...); otherwise calls `onDone`
   * exactly once: `(null, fd)` when connected, the descriptor then being the
   * caller's to adopt or close, or `(error, -1)` with `code` such as
   * 'ECONNREFUSED', 'ETIMEDOUT', 'EHOSTUNREACH', or 'ABORT_ERR' after cancel().
   */
  TcpDial: new (
    host: string,
    port: number,
    localAddress: string | null,
    key: Uint8Array | null,
    onDone: (error: Error | null, fd: number) => void,
  ) => NativeTcpDial;
}

/** A pending dial of the addon's. */
export interface NativeTcpDial {
  /**
   * Closes the descriptor and calls onDone with an AbortError (code
   * 'ABORT_ERR') synchronously, if still pending; does nothing after onDone.
   */
  cancel(): void;
}

/** This file runs from dist/src/native/; node-gyp writes to build/Release/ at the package root. */
export const ADDON_PATH = fileURLToPath(
  new URL('../../../build/Release/metallb_native.node', import.meta.url),
);

let loaded: NativeAddon | undefined;

/** The addon, loaded once; throws a clear Error when it is not built or does not load. */
export function nativeAddon(): NativeAddon {
  loaded ??= loadAddon(ADDON_PATH);
  return loaded;
}

/** Loads the addon file at `path` (exported for the test of its error messages). */
export function loadAddon(path: string): NativeAddon {
  if (!existsSync(path)) {
    throw new Error(`the native addon is not built (${path} is missing): run npm ci`);
  }
  const require = createRequire(import.meta.url);
  try {
    const addon: unknown = require(path);
    return addon as NativeAddon;
  } catch (cause) {
    const reason = cause instanceof Error ? cause.message : String(cause);
    throw new Error(`the native addon at ${path} does not load (${reason}): run npm ci`, {
      cause,
    });
  }
}
