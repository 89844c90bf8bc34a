/**
 * The solicited-node multicast group a speaker must receive for each IPv6 address it
 * announces: Neighbor Solicitations for the address are sent there (RFC 4861 section 7.2.2).
 * A packet socket joins it by its Ethernet address (PACKET_ADD_MEMBERSHIP, PACKET_MR_MULTICAST).
 */
import { formatAddressBytes, ipv6Bytes } from './address.js';
import { ipv6MulticastMac, solicitedNodeMulticast } from './ipv6.js';

/** A solicited-node multicast group. */
export interface SolicitedNodeGroup {
  /** The group address, canonical text (ff02::1:ffXX:XXXX). */
  readonly address: string;
  /** Its Ethernet multicast address (33:33:ff:XX:XX:XX), 6 bytes. */
  readonly mac: Uint8Array;
}

/** The solicited-node group of IPv6 `ip`. Throws a RangeError unless `ip` is IPv6 text. */
export function solicitedNodeGroup(ip: string): SolicitedNodeGroup {
  const group = solicitedNodeMulticast(ipv6Bytes(ip));
  return { address: formatAddressBytes(group), mac: ipv6MulticastMac(group) };
}
