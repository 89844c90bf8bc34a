/**
 * The frames a node sends when it takes an address over, so that neighbours update their
 * caches at once instead of when their entries expire (docs/COMPAT.md section 3).
 *
 * IPv4, per interface, one ARP request and one ARP reply (v0.9's arpResponder.Gratuitous):
 * Ethernet destination broadcast, sender = (our MAC, the address), target protocol address =
 * the address. The target hardware address is ff:ff:ff:ff:ff:ff in both, because v0.9 built
 * them with mdlayher's arp.NewPacket(op, mac, ip, ethernet.Broadcast, ip); RFC 5227 section 3
 * would put zeros in the request, but receivers ignore the field in both (RFC 826 never reads
 * it) and matching v0.9 keeps mixed clusters byte-identical.
 *
 * IPv6, per interface, one unsolicited Neighbor Advertisement (RFC 4861 section 7.2.6) to
 * ff02::1 (Ethernet 33:33:00:00:00:01) with Override set, Solicited and Router clear, and our
 * MAC in a Target Link-Layer Address option, hop limit 255. Its IPv6 source is the address
 * itself; v0.9 sent from the interface's link-local address, which receivers accept alike.
 */
import { ArpOperation } from './arp.js';
import { ipv4Bytes, ipv6Bytes, parseAddressBytes, type AddressBytes } from './address.js';
import { encodeArpFrame, encodeNdpFrame } from './frames.js';
import { IPV6_ALL_NODES, ipv6MulticastMac } from './ipv6.js';
import { BROADCAST_MAC, MAC_LENGTH } from './mac.js';
import { requireLength } from '../bytes/index.js';

/**
 * The gratuitous ARP request and reply announcing IPv4 `ip` at `mac`, in that order.
 * Throws a RangeError unless `ip` is IPv4 text and `mac` is 6 bytes.
 */
export function gratuitousArp(ip: string, mac: Uint8Array): Uint8Array[] {
  return arpAnnouncement(ipv4Bytes(ip), mac);
}

/**
 * The unsolicited Neighbor Advertisement announcing IPv6 `ip` at `mac`.
 * Throws a RangeError unless `ip` is IPv6 text and `mac` is 6 bytes.
 */
export function unsolicitedNeighborAdvertisement(ip: string, mac: Uint8Array): Uint8Array {
  return ndpAnnouncement(ipv6Bytes(ip), mac);
}

/**
 * The frames of one announcement round for `ip` on one interface: the two ARP frames for
 * IPv4, the one advertisement for IPv6. Throws a RangeError for text that is not an address.
 */
export function announcementFrames(ip: string, mac: Uint8Array): Uint8Array[] {
  const parsed = parseAddressBytes(ip);
  if (parsed === null) throw new RangeError(`${JSON.stringify(ip)} is not an IP address`);
  return addressAnnouncementFrames(parsed, mac);
}

/**
 * The same frames for an address already in bytes (the announcer holds its addresses so, and
 * builds a round without parsing). Throws a RangeError unless `mac` is 6 bytes.
 */
export function addressAnnouncementFrames(address: AddressBytes, mac: Uint8Array): Uint8Array[] {
  return address.family === 4
    ? arpAnnouncement(address.bytes, mac)
    : [ndpAnnouncement(address.bytes, mac)];
}

function arpAnnouncement(address: Uint8Array, mac: Uint8Array): Uint8Array[] {
  requireLength('MAC address', mac, MAC_LENGTH);
  return [ArpOperation.Request, ArpOperation.Reply].map((operation) =>
    encodeArpFrame(
      { destination: BROADCAST_MAC, source: mac },
      {
        operation,
        senderHardwareAddress: mac,
        senderProtocolAddress: address,
        targetHardwareAddress: BROADCAST_MAC,
        targetProtocolAddress: address,
      },
    ),
  );
}

function ndpAnnouncement(address: Uint8Array, mac: Uint8Array): Uint8Array {
  requireLength('MAC address', mac, MAC_LENGTH);
  return encodeNdpFrame(
    { destination: ipv6MulticastMac(IPV6_ALL_NODES), source: mac },
    { source: address, destination: IPV6_ALL_NODES },
    {
      kind: 'neighbor-advertisement',
      router: false,
      solicited: false,
      override: true,
      targetAddress: address,
      options: [{ direction: 'target', address: mac }],
    },
  );
}
