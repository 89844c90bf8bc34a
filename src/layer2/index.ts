/**
 * Public API of the layer 2 module: ARP and NDP frames (codecs), the responder that answers
 * them, the gratuitous announcements and their schedule, and the election of the announcing
 * node. Everything here is pure; the packet socket and the interface list live beside it.
 * Other modules import only from here.
 */

export type { Decoded } from './result.js';

export type { AddressBytes } from './address.js';
export {
  canonicalAddress,
  formatAddressBytes,
  ipv4Bytes,
  ipv6Bytes,
  parseAddressBytes,
} from './address.js';

export { BROADCAST_MAC, MAC_LENGTH, formatMac, isUnicastMac, macEquals, parseMac } from './mac.js';

export type { EthernetDropReason, EthernetFrame } from './ethernet.js';
export {
  ETHERNET_HEADER_LENGTH,
  ETHERNET_MIN_PAYLOAD,
  EtherType,
  decodeEthernetFrame,
  encodeEthernetFrame,
} from './ethernet.js';

export type { ArpDropReason, ArpPacket } from './arp.js';
export {
  ARP_HARDWARE_ETHERNET,
  ARP_PACKET_LENGTH,
  ARP_PROTOCOL_IPV4,
  ArpOperation,
  decodeArpPacket,
  encodeArpPacket,
} from './arp.js';

export { NEXT_HEADER_ICMPV6, icmpv6Checksum, internetChecksum } from './checksum.js';

export type { Ipv6DropReason, Ipv6Header, Ipv6Packet } from './ipv6.js';
export {
  IPV6_ALL_NODES,
  IPV6_HEADER_LENGTH,
  IPV6_UNSPECIFIED,
  decodeIpv6Packet,
  encodeIpv6Packet,
  ipv6MulticastMac,
  isIpv6Multicast,
  isIpv6Unspecified,
  solicitedNodeMulticast,
} from './ipv6.js';
export { solicitedNodeGroup } from './multicast.js';
export type { SolicitedNodeGroup } from './multicast.js';

export type { Icmpv6DropReason, Icmpv6Message } from './icmpv6.js';
export { ICMPV6_HEADER_LENGTH, decodeIcmpv6Message, encodeIcmpv6Message } from './icmpv6.js';

export type {
  LinkLayerAddressOption,
  NdpDropReason,
  NdpMessage,
  NdpMessageDropReason,
  NdpPacket,
  NdpPacketAddresses,
  NeighborAdvertisement,
  NeighborSolicitation,
} from './ndp.js';
export {
  NDP_HOP_LIMIT,
  NdpOptionType,
  NdpType,
  decodeNdpMessage,
  decodeNdpPacket,
  encodeNdpMessage,
  encodeNdpPacket,
} from './ndp.js';

export type { DecodedFrame, FrameAddresses, FrameDropReason } from './frames.js';
export { decodeFrame, decodeFramePayload, encodeArpFrame, encodeNdpFrame } from './frames.js';

export type {
  AnnouncedAddresses,
  IgnoreReason,
  Layer2Protocol,
  ReceivingInterface,
  ResponderDecision,
} from './responder.js';
export { respond } from './responder.js';
export { AnnouncedSet } from './announced.js';

export {
  addressAnnouncementFrames,
  announcementFrames,
  gratuitousArp,
  unsolicitedNeighborAdvertisement,
} from './gratuitous.js';

export type { GratuitousTimings } from './schedule.js';
export {
  DEFAULT_GRATUITOUS_TIMINGS,
  GRATUITOUS_DURATION_MS,
  GRATUITOUS_INTERVAL_MS,
  GratuitousSchedule,
} from './schedule.js';

export { announcerOrder, electAnnouncer, electionKey } from './election.js';
export {
  byAge,
  homeAssignment,
  liveAssignment,
  liveFromHome,
  pairWeight,
  type AddressAssignment,
  type BalancerNode,
} from './scaleout.js';

// The I/O shell: the native packet sockets, the interface list, and the announcer built on them.
export type { NetInterface, ListInterfacesOptions } from './interfaces.js';
export { answersArp, answersNdp, listInterfaces, usableForLayer2 } from './interfaces.js';
export type { PacketSocketKind, InterfaceRef } from './packet-socket.js';
export { Ipv6GroupMembership, PacketSocket } from './packet-socket.js';
export {
  Layer2Announcer,
  type Layer2AnnouncerOptions,
  type Layer2Counters,
  type Layer2LogLevel,
  type Layer2Target,
} from './announcer.js';
export {
  SYSTEM_LAYER2,
  type FrameHandlers,
  type FrameSocket,
  type GroupJoins,
  type Layer2System,
} from './system.js';
