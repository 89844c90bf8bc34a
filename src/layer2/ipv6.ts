/**
 * The IPv6 fixed header (RFC 8200 section 3) and the addresses Neighbor Discovery uses.
 *
 * Header layout (40 bytes):
 *
 *   0  version (4 bits) = 6, traffic class (8 bits), flow label (20 bits)
 *   4  payload length   2 bytes  bytes after this header
 *   6  next header      1 byte   58 = ICMPv6
 *   7  hop limit        1 byte
 *   8  source address   16 bytes
 *  24  destination      16 bytes
 *
 * Extension headers are not walked: Neighbor Discovery messages carry none, so a packet whose
 * Next Header is not ICMPv6 is simply not one of ours.
 */
import { copyRange, requireLength, requireUint, viewOf } from '../bytes/index.js';
import { decoded, dropped, type Decoded } from './result.js';

/** Length of the fixed IPv6 header. */
export const IPV6_HEADER_LENGTH = 40;

/** The IPv6 fixed header, without the payload length (the payload carries it). */
export interface Ipv6Header {
  readonly trafficClass: number;
  readonly flowLabel: number;
  readonly nextHeader: number;
  readonly hopLimit: number;
  /** 16 bytes. */
  readonly source: Uint8Array;
  /** 16 bytes. */
  readonly destination: Uint8Array;
}

/** An IPv6 packet: the header and exactly Payload Length bytes after it. */
export interface Ipv6Packet {
  readonly header: Ipv6Header;
  readonly payload: Uint8Array;
}

/** Why an IPv6 packet was dropped. */
export type Ipv6DropReason =
  /** Fewer than 40 bytes. */
  | 'ipv6-short'
  /** Version field is not 6. */
  | 'ipv6-version'
  /** Payload Length says more bytes than arrived. */
  | 'ipv6-truncated';

/** Encodes header and payload; Payload Length is the payload's length. */
export function encodeIpv6Packet(packet: Ipv6Packet): Uint8Array {
  const { header, payload } = packet;
  requireUint('IPv6 traffic class', header.trafficClass, 0xff);
  requireUint('IPv6 flow label', header.flowLabel, 0xfffff);
  requireUint('IPv6 next header', header.nextHeader, 0xff);
  requireUint('IPv6 hop limit', header.hopLimit, 0xff);
  requireLength('IPv6 source', header.source, 16);
  requireLength('IPv6 destination', header.destination, 16);
  // Jumbograms (RFC 2675) would need a Hop-by-Hop option; nothing here comes near 64 KiB.
  requireUint('IPv6 payload length', payload.length, 0xffff);
  const out = new Uint8Array(IPV6_HEADER_LENGTH + payload.length);
  const view = viewOf(out);
  view.setUint32(0, ((6 << 28) | (header.trafficClass << 20) | header.flowLabel) >>> 0);
  view.setUint16(4, payload.length);
  out[6] = header.nextHeader;
  out[7] = header.hopLimit;
  out.set(header.source, 8);
  out.set(header.destination, 24);
  out.set(payload, IPV6_HEADER_LENGTH);
  return out;
}

/**
 * Decodes an IPv6 packet. Bytes beyond Payload Length (Ethernet padding) are dropped from the
 * payload; fewer bytes than it promises is 'ipv6-truncated'.
 */
export function decodeIpv6Packet(bytes: Uint8Array): Decoded<Ipv6Packet, Ipv6DropReason> {
  if (bytes.length < IPV6_HEADER_LENGTH) return dropped('ipv6-short');
  const view = viewOf(bytes);
  const first = view.getUint32(0);
  if (first >>> 28 !== 6) return dropped('ipv6-version');
  const payloadLength = view.getUint16(4);
  if (bytes.length < IPV6_HEADER_LENGTH + payloadLength) return dropped('ipv6-truncated');
  return decoded({
    header: {
      trafficClass: (first >>> 20) & 0xff,
      flowLabel: first & 0xfffff,
      nextHeader: view.getUint8(6),
      hopLimit: view.getUint8(7),
      source: copyRange(bytes, 8, 24),
      destination: copyRange(bytes, 24, 40),
    },
    payload: copyRange(bytes, IPV6_HEADER_LENGTH, IPV6_HEADER_LENGTH + payloadLength),
  });
}

/** `::`, the unspecified address (RFC 4291 section 2.5.2). Shared: never modify it. */
export const IPV6_UNSPECIFIED: Uint8Array = new Uint8Array(16);

/**
 * `ff02::1`, the link-local all-nodes multicast group (RFC 4291 section 2.7.1). Shared: never
 * modify it.
 */
export const IPV6_ALL_NODES: Uint8Array = Uint8Array.from(
  Buffer.from('ff020000000000000000000000000001', 'hex'),
);

/** True for a multicast address, ff00::/8 (RFC 4291 section 2.7). */
export function isIpv6Multicast(address: Uint8Array): boolean {
  return address.length === 16 && address[0] === 0xff;
}

/** True for `::`. */
export function isIpv6Unspecified(address: Uint8Array): boolean {
  return address.length === 16 && address.every((byte) => byte === 0);
}

/**
 * The solicited-node multicast address of an IPv6 address (RFC 4291 section 2.7.1):
 * ff02::1:ff00:0/104 followed by the low 24 bits of the address.
 */
export function solicitedNodeMulticast(address: Uint8Array): Uint8Array {
  requireLength('IPv6 address', address, 16);
  // ff02:0000:0000:0000:0000:0001:ff00:0000
  const group = Uint8Array.from(Buffer.from('ff0200000000000000000001ff000000', 'hex'));
  group.set(address.subarray(13, 16), 13);
  return group;
}

/**
 * The Ethernet destination of an IPv6 multicast group (RFC 2464 section 7): 33:33 followed by
 * the last four bytes of the group address.
 */
export function ipv6MulticastMac(group: Uint8Array): Uint8Array {
  requireLength('IPv6 multicast address', group, 16);
  const mac = Uint8Array.of(0x33, 0x33, 0, 0, 0, 0);
  mac.set(group.subarray(12, 16), 2);
  return mac;
}
