/**
 * The layer 2 responder: given one received Ethernet frame, decide whether to answer it and
 * build the answer. Pure: the caller reads frames from a packet socket, calls `respond`, sends
 * `reply` on the same interface, and counts what it did.
 *
 * What is answered follows MetalLB v0.9's layer2 responders (internal/layer2/arp.go and
 * ndp.go over mdlayher's arp and ndp packages), with the differences noted where they apply:
 *
 * ARP (RFC 826): a request (op 1) for an announced IPv4 address, Ethernet destination
 * broadcast or our MAC, gets a reply from our MAC: sender = (our MAC, the address), target =
 * the requester's sender hardware and protocol addresses, Ethernet destination = the
 * requester's sender hardware address (what mdlayher's Client.Reply does).
 *
 * NDP (RFC 4861): a valid Neighbor Solicitation for an announced IPv6 address gets a solicited
 * Neighbor Advertisement (section 7.2.4) with Override set and our MAC in a Target Link-Layer
 * Address option, from the target address itself, hop limit 255. Differences from v0.9, which
 * wrote through the kernel's ICMPv6 socket: v0.9 sent from the interface's link-local address
 * (ndisc6 rejects an answer whose source is not the target), left Override clear on solicited
 * advertisements, and ignored solicitations without a Source Link-Layer Address option,
 * including Duplicate Address Detection probes from ::. Here a probe from :: is answered to
 * ff02::1 with Solicited clear, as section 7.2.4 asks, so a host about to configure the
 * address learns that it is taken.
 */
import { ArpOperation } from './arp.js';
import { formatAddressBytes } from './address.js';
import { bytesEqual } from '../bytes/index.js';
import { decodeEthernetFrame } from './ethernet.js';
import {
  decodeFramePayload,
  encodeArpFrame,
  encodeNdpFrame,
  type DecodedFrame,
  type FrameDropReason,
} from './frames.js';
import {
  IPV6_ALL_NODES,
  ipv6MulticastMac,
  isIpv6Unspecified,
  solicitedNodeMulticast,
} from './ipv6.js';
import { BROADCAST_MAC, isUnicastMac, macEquals } from './mac.js';

/**
 * The addresses this node announces, looked up by canonical text (dotted decimal, RFC 5952).
 * A `Set<string>` of canonical addresses fits, and so does an `AnnouncedSet`, which also
 * accepts non-canonical text.
 */
export interface AnnouncedAddresses {
  has(ip: string): boolean;
}

/** The interface the frame arrived on. */
export interface ReceivingInterface {
  readonly name: string;
  /** 6 bytes. */
  readonly mac: Uint8Array;
}

/** Which protocol a frame or answer belongs to. */
export type Layer2Protocol = 'arp' | 'ndp';

/** Why a frame got no answer. */
export type IgnoreReason =
  | FrameDropReason
  /** The interface has no usable Ethernet address (not 6 bytes, zero, or multicast). */
  | 'interface-mac'
  /** The frame came from our own MAC (a looped-back announcement of ours, for example). */
  | 'own-frame'
  /** An ARP reply: nothing to answer (v0.9 dropReasonARPReply). */
  | 'arp-reply'
  /** An ARP request sent neither to broadcast nor to our MAC (v0.9 dropReasonEthernetDestination). */
  | 'ethernet-destination'
  /** A Neighbor Advertisement (v0.9 dropReasonMessageType). */
  | 'not-solicitation'
  /** A solicitation sent neither to the target nor to its solicited-node group (RFC 4861 4.3). */
  | 'ipv6-destination'
  /** A request for an address we do not announce (v0.9 dropReasonAnnounceIP). */
  | 'not-announced';

/** What to do with a frame. */
export type ResponderDecision =
  | {
      readonly kind: 'reply';
      /** The whole Ethernet frame to send on the receiving interface. */
      readonly reply: Uint8Array;
      /** The address asked for, canonical text. */
      readonly ip: string;
      readonly protocol: Layer2Protocol;
    }
  | {
      readonly kind: 'ignore';
      readonly reason: IgnoreReason;
      /** Present when the frame was a well-formed request: the address asked for. */
      readonly ip?: string;
      /** Present once the frame decoded as ARP or Neighbor Discovery. */
      readonly protocol?: Layer2Protocol;
    };

/**
 * Decides what to do with one received frame. Never throws.
 *
 * Metrics as v0.9 counts them: `requests_received{ip}` and `responses_sent{ip}` both count
 * `reply` decisions (the second only once the reply was sent); v0.9 counted neither for
 * addresses it does not announce, so `not-announced` carries `ip` for logs, not for metrics.
 */
export function respond(
  frame: Uint8Array,
  iface: ReceivingInterface,
  announced: AnnouncedAddresses,
): ResponderDecision {
  if (!isUnicastMac(iface.mac)) return ignore('interface-mac');
  const ethernet = decodeEthernetFrame(frame);
  if (!ethernet.ok) return ignore(ethernet.reason);
  if (macEquals(ethernet.value.source, iface.mac)) return ignore('own-frame');
  const decodedFrame = decodeFramePayload(ethernet.value);
  if (!decodedFrame.ok) return ignore(decodedFrame.reason);
  const value = decodedFrame.value;
  return value.kind === 'arp'
    ? respondToArp(value, iface.mac, announced)
    : respondToNdp(value, iface.mac, announced);
}

function ignore(reason: IgnoreReason, protocol?: Layer2Protocol, ip?: string): ResponderDecision {
  return {
    kind: 'ignore',
    reason,
    ...(protocol === undefined ? {} : { protocol }),
    ...(ip === undefined ? {} : { ip }),
  };
}

function respondToArp(
  frame: Extract<DecodedFrame, { kind: 'arp' }>,
  mac: Uint8Array,
  announced: AnnouncedAddresses,
): ResponderDecision {
  const { arp, ethernet } = frame;
  if (arp.operation !== ArpOperation.Request) return ignore('arp-reply', 'arp');
  const ip = formatAddressBytes(arp.targetProtocolAddress);
  if (!bytesEqual(ethernet.destination, BROADCAST_MAC) && !macEquals(ethernet.destination, mac)) {
    return ignore('ethernet-destination', 'arp', ip);
  }
  if (!announced.has(ip)) return ignore('not-announced', 'arp', ip);
  const reply = encodeArpFrame(
    { destination: arp.senderHardwareAddress, source: mac },
    {
      operation: ArpOperation.Reply,
      senderHardwareAddress: mac,
      senderProtocolAddress: arp.targetProtocolAddress,
      targetHardwareAddress: arp.senderHardwareAddress,
      targetProtocolAddress: arp.senderProtocolAddress,
    },
  );
  return { kind: 'reply', reply, ip, protocol: 'arp' };
}

function respondToNdp(
  frame: Extract<DecodedFrame, { kind: 'ndp' }>,
  mac: Uint8Array,
  announced: AnnouncedAddresses,
): ResponderDecision {
  const { ndp, ipv6, ethernet } = frame;
  if (ndp.kind !== 'neighbor-solicitation') return ignore('not-solicitation', 'ndp');
  const target = ndp.targetAddress;
  const ip = formatAddressBytes(target);
  if (
    !bytesEqual(ipv6.destination, solicitedNodeMulticast(target)) &&
    !bytesEqual(ipv6.destination, target)
  ) {
    return ignore('ipv6-destination', 'ndp', ip);
  }
  if (!announced.has(ip)) return ignore('not-announced', 'ndp', ip);

  // RFC 4861 section 7.2.4: a solicitation from :: is answered to all-nodes, Solicited clear.
  const fromUnspecified = isIpv6Unspecified(ipv6.source);
  const sourceLinkLayer = ndp.options.find((option) => option.direction === 'source');
  const destination = fromUnspecified ? IPV6_ALL_NODES : ipv6.source;
  const ethernetDestination = fromUnspecified
    ? ipv6MulticastMac(IPV6_ALL_NODES)
    : (sourceLinkLayer?.address ?? ethernet.source);
  const reply = encodeNdpFrame(
    { destination: ethernetDestination, source: mac },
    { source: target, destination },
    {
      kind: 'neighbor-advertisement',
      router: false,
      solicited: !fromUnspecified,
      override: true,
      targetAddress: target,
      options: [{ direction: 'target', address: mac }],
    },
  );
  return { kind: 'reply', reply, ip, protocol: 'ndp' };
}
