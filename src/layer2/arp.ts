/**
 * ARP for IPv4 over Ethernet (RFC 826), the only combination a layer 2 speaker needs.
 *
 * Packet layout (28 bytes), all fields big-endian:
 *
 *   0  hardware type (ar$hrd)   2 bytes  1 = Ethernet
 *   2  protocol type (ar$pro)   2 bytes  0x0800 = IPv4
 *   4  hardware length (ar$hln) 1 byte   6
 *   5  protocol length (ar$pln) 1 byte   4
 *   6  operation (ar$op)        2 bytes  1 = request, 2 = reply
 *   8  sender hardware address  6 bytes
 *  14  sender protocol address  4 bytes
 *  18  target hardware address  6 bytes
 *  24  target protocol address  4 bytes
 *
 * Anything after byte 28 (Ethernet padding) is ignored.
 */
import { copyRange, requireLength, viewOf } from '../bytes/index.js';
import { MAC_LENGTH } from './mac.js';
import { decoded, dropped, type Decoded } from './result.js';

/** Length of an Ethernet/IPv4 ARP packet. */
export const ARP_PACKET_LENGTH = 28;

/** ARP hardware type of Ethernet (RFC 826; IANA ARP parameters). */
export const ARP_HARDWARE_ETHERNET = 1;

/** ARP protocol type of IPv4: its EtherType. */
export const ARP_PROTOCOL_IPV4 = 0x0800;

/** ARP operations (RFC 826 ar$op). */
export const ArpOperation = { Request: 1, Reply: 2 } as const;
export type ArpOperation = (typeof ArpOperation)[keyof typeof ArpOperation];

/** An Ethernet/IPv4 ARP packet. Hardware addresses are 6 bytes, protocol addresses 4. */
export interface ArpPacket {
  readonly operation: ArpOperation;
  readonly senderHardwareAddress: Uint8Array;
  readonly senderProtocolAddress: Uint8Array;
  readonly targetHardwareAddress: Uint8Array;
  readonly targetProtocolAddress: Uint8Array;
}

/** Why an ARP packet was dropped. */
export type ArpDropReason =
  /** Fewer bytes than the field being read. */
  | 'arp-short'
  /** Hardware type is not Ethernet. */
  | 'arp-hardware-type'
  /** Protocol type is not IPv4. */
  | 'arp-protocol-type'
  /** Hardware length is not 6 or protocol length is not 4. */
  | 'arp-address-length'
  /** Operation is neither request nor reply (RARP and InARP live elsewhere). */
  | 'arp-operation';

/** Encodes a 28-byte ARP packet. Throws a RangeError for wrong address lengths. */
export function encodeArpPacket(packet: ArpPacket): Uint8Array {
  requireLength('ARP sender hardware address', packet.senderHardwareAddress, MAC_LENGTH);
  requireLength('ARP sender protocol address', packet.senderProtocolAddress, 4);
  requireLength('ARP target hardware address', packet.targetHardwareAddress, MAC_LENGTH);
  requireLength('ARP target protocol address', packet.targetProtocolAddress, 4);
  if (packet.operation !== ArpOperation.Request && packet.operation !== ArpOperation.Reply) {
    throw new RangeError(`ARP operation must be 1 or 2, got ${String(packet.operation)}`);
  }
  const out = new Uint8Array(ARP_PACKET_LENGTH);
  const view = viewOf(out);
  view.setUint16(0, ARP_HARDWARE_ETHERNET);
  view.setUint16(2, ARP_PROTOCOL_IPV4);
  out[4] = MAC_LENGTH;
  out[5] = 4;
  view.setUint16(6, packet.operation);
  out.set(packet.senderHardwareAddress, 8);
  out.set(packet.senderProtocolAddress, 14);
  out.set(packet.targetHardwareAddress, 18);
  out.set(packet.targetProtocolAddress, 24);
  return out;
}

/** Decodes an ARP packet, refusing every hardware/protocol combination but Ethernet/IPv4. */
export function decodeArpPacket(bytes: Uint8Array): Decoded<ArpPacket, ArpDropReason> {
  // The fixed part first: it says how long the addresses are.
  if (bytes.length < 8) return dropped('arp-short');
  const view = viewOf(bytes);
  if (view.getUint16(0) !== ARP_HARDWARE_ETHERNET) return dropped('arp-hardware-type');
  if (view.getUint16(2) !== ARP_PROTOCOL_IPV4) return dropped('arp-protocol-type');
  if (view.getUint8(4) !== MAC_LENGTH || view.getUint8(5) !== 4) {
    return dropped('arp-address-length');
  }
  const operation = view.getUint16(6);
  if (operation !== ArpOperation.Request && operation !== ArpOperation.Reply) {
    return dropped('arp-operation');
  }
  if (bytes.length < ARP_PACKET_LENGTH) return dropped('arp-short');
  return decoded({
    operation,
    senderHardwareAddress: copyRange(bytes, 8, 14),
    senderProtocolAddress: copyRange(bytes, 14, 18),
    targetHardwareAddress: copyRange(bytes, 18, 24),
    targetProtocolAddress: copyRange(bytes, 24, 28),
  });
}
