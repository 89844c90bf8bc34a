/**
 * Neighbor Discovery (RFC 4861): Neighbor Solicitation and Neighbor Advertisement with their
 * link-layer address options, and the validity checks of RFC 4861 sections 7.1.1 and 7.1.2.
 *
 * Neighbor Solicitation (section 4.3), ICMPv6 type 135:
 *
 *   0  type 135, code 0, checksum     4 bytes (the ICMPv6 header)
 *   4  reserved                       4 bytes, ignored on receipt
 *   8  target address                 16 bytes
 *  24  options
 *
 * Neighbor Advertisement (section 4.4), ICMPv6 type 136:
 *
 *   0  type 136, code 0, checksum     4 bytes
 *   4  R S O flags (bits 31, 30, 29), 29 reserved bits
 *   8  target address                 16 bytes
 *  24  options
 *
 * Options (section 4.6): type (1 byte), length in units of 8 bytes (1 byte), data. Source
 * (type 1) and Target (type 2) Link-Layer Address options carry a 6-byte MAC on Ethernet, so
 * their length is 1 (RFC 2464 section 6). Other options are skipped.
 */
import { copyRange, requireLength } from '../bytes/index.js';
import {
  ICMPV6_HEADER_LENGTH,
  decodeIcmpv6Message,
  encodeIcmpv6Message,
  type Icmpv6DropReason,
  type Icmpv6Message,
} from './icmpv6.js';
import { NEXT_HEADER_ICMPV6 } from './checksum.js';
import {
  encodeIpv6Packet,
  isIpv6Multicast,
  isIpv6Unspecified,
  solicitedNodeMulticast,
  type Ipv6Header,
  type Ipv6Packet,
} from './ipv6.js';
import { bytesEqual } from '../bytes/index.js';
import { MAC_LENGTH } from './mac.js';
import { decoded, dropped, type Decoded } from './result.js';

/** ICMPv6 types of the two messages (RFC 4861 section 4). */
export const NdpType = { NeighborSolicitation: 135, NeighborAdvertisement: 136 } as const;

/** Hop limit of every Neighbor Discovery message; anything else came through a router. */
export const NDP_HOP_LIMIT = 255;

/** Option types of the link-layer address options (RFC 4861 section 4.6.1). */
export const NdpOptionType = { SourceLinkLayerAddress: 1, TargetLinkLayerAddress: 2 } as const;

/** ICMPv6 body bytes before the options: reserved or flags (4) and target (16). */
const FIXED_BODY_LENGTH = 20;

/** A Source or Target Link-Layer Address option holding an Ethernet address. */
export interface LinkLayerAddressOption {
  readonly direction: 'source' | 'target';
  /** 6 bytes. */
  readonly address: Uint8Array;
}

/** Neighbor Solicitation: who has `targetAddress`? */
export interface NeighborSolicitation {
  readonly kind: 'neighbor-solicitation';
  /** 16 bytes. */
  readonly targetAddress: Uint8Array;
  readonly options: readonly LinkLayerAddressOption[];
}

/** Neighbor Advertisement: `targetAddress` is at the MAC in the target link-layer option. */
export interface NeighborAdvertisement {
  readonly kind: 'neighbor-advertisement';
  /** R: the sender is a router. */
  readonly router: boolean;
  /** S: sent in answer to a solicitation. */
  readonly solicited: boolean;
  /** O: replace a cached link-layer address. */
  readonly override: boolean;
  /** 16 bytes. */
  readonly targetAddress: Uint8Array;
  readonly options: readonly LinkLayerAddressOption[];
}

export type NdpMessage = NeighborSolicitation | NeighborAdvertisement;

/** Why a Neighbor Discovery message was dropped, by itself (without its IPv6 header). */
export type NdpMessageDropReason =
  /** An ICMPv6 type other than 135 or 136. */
  | 'icmpv6-type'
  /** ICMP code is not 0. */
  | 'ndp-code'
  /** ICMP length below 24 bytes. */
  | 'ndp-short'
  /** The target address is multicast. */
  | 'ndp-target-multicast'
  /** An option of length zero, or one running past the end of the message. */
  | 'ndp-option-length'
  /** A link-layer address option that does not hold a 6-byte Ethernet address. */
  | 'ndp-link-layer-address';

/** Why an IPv6 packet did not hold a valid Neighbor Discovery message. */
export type NdpDropReason =
  | NdpMessageDropReason
  | Icmpv6DropReason
  /** Next Header is not ICMPv6. */
  | 'not-icmpv6'
  /** Hop limit is not 255. */
  | 'ndp-hop-limit'
  /** The IPv6 source is multicast (never a valid source, RFC 4291 section 2.7). */
  | 'ndp-source-multicast'
  /** A solicitation from :: not sent to a solicited-node multicast address. */
  | 'ndp-unspecified-destination'
  /** A solicitation from :: carrying a source link-layer address option. */
  | 'ndp-unspecified-source-link-layer'
  /** An advertisement to a multicast address with the Solicited flag set. */
  | 'ndp-solicited-multicast';

/** The message as the ICMPv6 type, code and body it travels in. */
export function encodeNdpMessage(message: NdpMessage): Icmpv6Message {
  requireLength('NDP target address', message.targetAddress, 16);
  for (const option of message.options) requireLength('link-layer address', option.address, 6);
  const body = new Uint8Array(FIXED_BODY_LENGTH + message.options.length * 8);
  if (message.kind === 'neighbor-advertisement') {
    body[0] =
      (message.router ? 0x80 : 0) | (message.solicited ? 0x40 : 0) | (message.override ? 0x20 : 0);
  }
  body.set(message.targetAddress, 4);
  let offset = FIXED_BODY_LENGTH;
  for (const option of message.options) {
    body[offset] =
      option.direction === 'source'
        ? NdpOptionType.SourceLinkLayerAddress
        : NdpOptionType.TargetLinkLayerAddress;
    body[offset + 1] = 1; // one unit of 8 bytes: type, length, 6-byte MAC
    body.set(option.address, offset + 2);
    offset += 8;
  }
  const type =
    message.kind === 'neighbor-solicitation'
      ? NdpType.NeighborSolicitation
      : NdpType.NeighborAdvertisement;
  return { type, code: 0, body };
}

/** Decodes a Neighbor Solicitation or Advertisement from a checksum-verified ICMPv6 message. */
export function decodeNdpMessage(
  message: Icmpv6Message,
): Decoded<NdpMessage, NdpMessageDropReason> {
  if (
    message.type !== NdpType.NeighborSolicitation &&
    message.type !== NdpType.NeighborAdvertisement
  ) {
    return dropped('icmpv6-type');
  }
  if (message.code !== 0) return dropped('ndp-code');
  const { body } = message;
  if (ICMPV6_HEADER_LENGTH + body.length < 24) return dropped('ndp-short');
  const targetAddress = copyRange(body, 4, 20);
  if (isIpv6Multicast(targetAddress)) return dropped('ndp-target-multicast');
  const options = decodeOptions(body.subarray(FIXED_BODY_LENGTH));
  if (!options.ok) return options;
  if (message.type === NdpType.NeighborSolicitation) {
    return decoded({ kind: 'neighbor-solicitation', targetAddress, options: options.value });
  }
  const flags = body[0] ?? 0;
  return decoded({
    kind: 'neighbor-advertisement',
    router: (flags & 0x80) !== 0,
    solicited: (flags & 0x40) !== 0,
    override: (flags & 0x20) !== 0,
    targetAddress,
    options: options.value,
  });
}

/** Reads the options, keeping link-layer address options and skipping the others. */
function decodeOptions(
  bytes: Uint8Array,
): Decoded<LinkLayerAddressOption[], 'ndp-option-length' | 'ndp-link-layer-address'> {
  const options: LinkLayerAddressOption[] = [];
  let offset = 0;
  while (offset < bytes.length) {
    if (bytes.length - offset < 2) return dropped('ndp-option-length');
    const type = bytes[offset] ?? 0;
    const units = bytes[offset + 1] ?? 0;
    // RFC 4861 section 4.6: a zero length MUST make the receiver discard the packet (and would
    // loop forever otherwise).
    if (units === 0) return dropped('ndp-option-length');
    const end = offset + units * 8;
    if (end > bytes.length) return dropped('ndp-option-length');
    if (
      type === NdpOptionType.SourceLinkLayerAddress ||
      type === NdpOptionType.TargetLinkLayerAddress
    ) {
      if (units !== 1) return dropped('ndp-link-layer-address');
      options.push({
        direction: type === NdpOptionType.SourceLinkLayerAddress ? 'source' : 'target',
        address: copyRange(bytes, offset + 2, offset + 2 + MAC_LENGTH),
      });
    }
    offset = end;
  }
  return decoded(options);
}

/** A Neighbor Discovery message with the IPv6 header it arrived in. */
export interface NdpPacket {
  readonly header: Ipv6Header;
  readonly message: NdpMessage;
}

/**
 * Decodes and validates the Neighbor Discovery message of an IPv6 packet: ICMPv6 next header
 * and checksum, then the checks of RFC 4861 sections 7.1.1 (solicitations) and 7.1.2
 * (advertisements).
 */
export function decodeNdpPacket(packet: Ipv6Packet): Decoded<NdpPacket, NdpDropReason> {
  const { header } = packet;
  if (header.nextHeader !== NEXT_HEADER_ICMPV6) return dropped('not-icmpv6');
  const icmp = decodeIcmpv6Message(packet.payload, header.source, header.destination);
  if (!icmp.ok) return icmp;
  const message = decodeNdpMessage(icmp.value);
  if (!message.ok) return message;
  const reason = headerProblem(header, message.value);
  if (reason !== null) return dropped(reason);
  return decoded({ header, message: message.value });
}

/** The section 7.1.1 / 7.1.2 checks that involve the IPv6 header. */
function headerProblem(header: Ipv6Header, message: NdpMessage): NdpDropReason | null {
  if (header.hopLimit !== NDP_HOP_LIMIT) return 'ndp-hop-limit';
  if (isIpv6Multicast(header.source)) return 'ndp-source-multicast';
  if (message.kind === 'neighbor-solicitation' && isIpv6Unspecified(header.source)) {
    // Duplicate Address Detection probes (RFC 4862 section 5.4.2).
    if (!bytesEqual(header.destination, solicitedNodeMulticast(message.targetAddress))) {
      return 'ndp-unspecified-destination';
    }
    if (message.options.some((option) => option.direction === 'source')) {
      return 'ndp-unspecified-source-link-layer';
    }
  }
  if (
    message.kind === 'neighbor-advertisement' &&
    isIpv6Multicast(header.destination) &&
    message.solicited
  ) {
    return 'ndp-solicited-multicast';
  }
  return null;
}

/** What to put in the IPv6 header of an outgoing Neighbor Discovery message. */
export interface NdpPacketAddresses {
  /** 16 bytes. */
  readonly source: Uint8Array;
  /** 16 bytes. */
  readonly destination: Uint8Array;
}

/** Encodes a Neighbor Discovery message as a whole IPv6 packet, hop limit 255. */
export function encodeNdpPacket(addresses: NdpPacketAddresses, message: NdpMessage): Uint8Array {
  const { source, destination } = addresses;
  const icmp = encodeIcmpv6Message(encodeNdpMessage(message), source, destination);
  return encodeIpv6Packet({
    header: {
      trafficClass: 0,
      flowLabel: 0,
      nextHeader: NEXT_HEADER_ICMPV6,
      hopLimit: NDP_HOP_LIMIT,
      source,
      destination,
    },
    payload: icmp,
  });
}
