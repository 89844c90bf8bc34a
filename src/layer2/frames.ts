/**
 * Whole Ethernet frames as a packet socket delivers them: Ethernet II carrying ARP, or IPv6
 * carrying a Neighbor Discovery message; and the builders for the frames we send.
 */
import { decodeArpPacket, encodeArpPacket, type ArpDropReason, type ArpPacket } from './arp.js';
import {
  EtherType,
  decodeEthernetFrame,
  encodeEthernetFrame,
  type EthernetDropReason,
  type EthernetFrame,
} from './ethernet.js';
import { decodeIpv6Packet, type Ipv6DropReason, type Ipv6Header } from './ipv6.js';
import {
  decodeNdpPacket,
  encodeNdpPacket,
  type NdpDropReason,
  type NdpMessage,
  type NdpPacketAddresses,
} from './ndp.js';
import { decoded, dropped, type Decoded } from './result.js';

/** A frame the layer 2 code understands. */
export type DecodedFrame =
  | { readonly kind: 'arp'; readonly ethernet: EthernetFrame; readonly arp: ArpPacket }
  | {
      readonly kind: 'ndp';
      readonly ethernet: EthernetFrame;
      readonly ipv6: Ipv6Header;
      readonly ndp: NdpMessage;
    };

/** Why a frame was dropped, from any layer. */
export type FrameDropReason =
  | EthernetDropReason
  /** An 802.1Q / 802.1ad tag is still in the frame (see ethernet.ts). */
  | 'vlan-tagged'
  /** Neither ARP nor IPv6. */
  | 'ethertype'
  | ArpDropReason
  | Ipv6DropReason
  | NdpDropReason;

/** Decodes a whole frame down to its ARP packet or Neighbor Discovery message. Never throws. */
export function decodeFrame(bytes: Uint8Array): Decoded<DecodedFrame, FrameDropReason> {
  const ethernet = decodeEthernetFrame(bytes);
  if (!ethernet.ok) return ethernet;
  return decodeFramePayload(ethernet.value);
}

/** The second half of decodeFrame, for a caller that looked at the Ethernet header first. */
export function decodeFramePayload(
  ethernet: EthernetFrame,
): Decoded<DecodedFrame, FrameDropReason> {
  switch (ethernet.etherType) {
    case EtherType.ARP: {
      const arp = decodeArpPacket(ethernet.payload);
      return arp.ok ? decoded({ kind: 'arp', ethernet, arp: arp.value }) : arp;
    }
    case EtherType.IPv6: {
      const ipv6 = decodeIpv6Packet(ethernet.payload);
      if (!ipv6.ok) return ipv6;
      const ndp = decodeNdpPacket(ipv6.value);
      if (!ndp.ok) return ndp;
      return decoded({ kind: 'ndp', ethernet, ipv6: ndp.value.header, ndp: ndp.value.message });
    }
    case EtherType.VLAN:
    case EtherType.ServiceVLAN:
      return dropped('vlan-tagged');
    default:
      return dropped('ethertype');
  }
}

/** Ethernet addresses of an outgoing frame (6 bytes each). */
export interface FrameAddresses {
  readonly destination: Uint8Array;
  readonly source: Uint8Array;
}

/** An ARP packet in an Ethernet frame (padded to the 60-byte minimum). */
export function encodeArpFrame(ethernet: FrameAddresses, packet: ArpPacket): Uint8Array {
  return encodeEthernetFrame({
    destination: ethernet.destination,
    source: ethernet.source,
    etherType: EtherType.ARP,
    payload: encodeArpPacket(packet),
  });
}

/** A Neighbor Discovery message in an IPv6 packet (hop limit 255) in an Ethernet frame. */
export function encodeNdpFrame(
  ethernet: FrameAddresses,
  ipv6: NdpPacketAddresses,
  message: NdpMessage,
): Uint8Array {
  return encodeEthernetFrame({
    destination: ethernet.destination,
    source: ethernet.source,
    etherType: EtherType.IPv6,
    payload: encodeNdpPacket(ipv6, message),
  });
}
