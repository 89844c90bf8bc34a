/**
 * Ethernet II frames (DIX; IEEE 802.3 with a type field): destination, source, EtherType and
 * payload. The frame check sequence is not included: packet sockets neither deliver nor expect it.
 *
 * VLAN tags: Linux removes the 802.1Q tag before a packet socket bound to an interface sees the
 * frame (the tag travels in the packet's metadata), so the frames the responder reads are
 * untagged. A frame that still carries a tag (EtherType 0x8100 or 0x88a8) is not parsed further
 * here; the frame decoder drops it as 'vlan-tagged', because it belongs to a VLAN interface, not
 * to the one it was read from.
 */
import { copyRange, requireLength, requireUint, viewOf } from '../bytes/index.js';
import { decoded, dropped, type Decoded } from './result.js';
import { MAC_LENGTH } from './mac.js';

/** Destination (6) + source (6) + EtherType (2). */
export const ETHERNET_HEADER_LENGTH = 14;

/**
 * Smallest payload of an Ethernet frame: 60 bytes on the wire before the FCS, less the header.
 * Encoders pad up to it with zeros, as Go's ethernet package (used by v0.9) does.
 */
export const ETHERNET_MIN_PAYLOAD = 46;

/** EtherType values (IEEE registry) that the layer 2 code knows. */
export const EtherType = {
  IPv4: 0x0800,
  ARP: 0x0806,
  VLAN: 0x8100,
  IPv6: 0x86dd,
  ServiceVLAN: 0x88a8,
} as const;

/** An Ethernet II frame. */
export interface EthernetFrame {
  readonly destination: Uint8Array;
  readonly source: Uint8Array;
  readonly etherType: number;
  /** Everything after the header, padding included. */
  readonly payload: Uint8Array;
}

/** Why an Ethernet frame was dropped. */
export type EthernetDropReason = 'ethernet-short';

/** Encodes a frame, padding the payload with zeros to ETHERNET_MIN_PAYLOAD bytes. */
export function encodeEthernetFrame(frame: EthernetFrame): Uint8Array {
  requireLength('Ethernet destination', frame.destination, MAC_LENGTH);
  requireLength('Ethernet source', frame.source, MAC_LENGTH);
  requireUint('EtherType', frame.etherType, 0xffff);
  const payloadLength = Math.max(frame.payload.length, ETHERNET_MIN_PAYLOAD);
  const out = new Uint8Array(ETHERNET_HEADER_LENGTH + payloadLength);
  out.set(frame.destination, 0);
  out.set(frame.source, 6);
  out[12] = frame.etherType >> 8;
  out[13] = frame.etherType & 0xff;
  out.set(frame.payload, ETHERNET_HEADER_LENGTH);
  return out;
}

/** Decodes a frame; the payload is everything after the 14-byte header. */
export function decodeEthernetFrame(bytes: Uint8Array): Decoded<EthernetFrame, EthernetDropReason> {
  if (bytes.length < ETHERNET_HEADER_LENGTH) return dropped('ethernet-short');
  return decoded({
    destination: copyRange(bytes, 0, 6),
    source: copyRange(bytes, 6, 12),
    etherType: viewOf(bytes).getUint16(12),
    payload: copyRange(bytes, ETHERNET_HEADER_LENGTH, bytes.length),
  });
}
