/**
 * BGP-4 messages as plain data, field for field as RFC 4271 section 4 lays
 * them out, with the extensions a MetalLB speaker meets: capabilities
 * (RFC 5492), multiprotocol NLRI (RFC 4760), 4-octet AS numbers (RFC 6793),
 * communities (RFC 1997) and route refresh (RFC 2918). The codec
 * (`codec.ts`) turns these into bytes and back; nothing here does I/O.
 */
import type { Cidr, IPAddress } from '../ip/index.js';

/** RFC 4271 section 4.1: the 19-byte header, and the largest message (4096 bytes). */
export const HEADER_LENGTH = 19;
export const MAX_MESSAGE_LENGTH = 4096;

/** Message type codes (RFC 4271 section 4.1, RFC 2918 section 3). */
export const MessageType = {
  open: 1,
  update: 2,
  notification: 3,
  keepalive: 4,
  routeRefresh: 5,
} as const;

/** Address family identifiers (IANA) and the one subsequent family we use. */
export const AFI_IPV4 = 1;
export const AFI_IPV6 = 2;
export const SAFI_UNICAST = 1;

/** RFC 6793 section 9: the 2-octet stand-in for an AS number above 65535. */
export const AS_TRANS = 23456;

export type Capability =
  /** Code 1, RFC 4760 section 8. */
  | { readonly kind: 'multiprotocol'; readonly afi: number; readonly safi: number }
  /** Code 2, RFC 2918 section 2. */
  | { readonly kind: 'routeRefresh' }
  /** Code 65, RFC 6793 section 3: the speaker's real AS number. */
  | { readonly kind: 'fourOctetAs'; readonly asn: number }
  /** Any other capability, kept as received. */
  | { readonly kind: 'unknown'; readonly code: number; readonly value: Uint8Array };

export interface OpenMessage {
  readonly type: 'open';
  /** Always 4 when we send it. */
  readonly version: number;
  /** The 2-octet My Autonomous System field: AS_TRANS when the real AS is above 65535. */
  readonly myAs: number;
  /** Seconds; 0 or at least 3. */
  readonly holdTime: number;
  /** BGP Identifier as an unsigned 32-bit number. */
  readonly bgpId: number;
  /** From the Capabilities optional parameter(s) (type 2), in order received. */
  readonly capabilities: readonly Capability[];
}

/** RFC 4271 section 4.3, ORIGIN values. */
export const Origin = { igp: 0, egp: 1, incomplete: 2 } as const;
export type OriginCode = (typeof Origin)[keyof typeof Origin];

/** AS_PATH segment types: RFC 4271 section 4.3 (1, 2) and RFC 5065 (3, 4). */
export interface AsPathSegment {
  readonly type: 1 | 2 | 3 | 4;
  readonly asns: readonly number[];
}

/** RFC 4760 section 3. Next hops: one global, or a global and a link-local (IPv6). */
export interface MpReach {
  readonly afi: number;
  readonly safi: number;
  readonly nextHops: readonly IPAddress[];
  readonly nlri: readonly Cidr[];
}

/** RFC 4760 section 4. */
export interface MpUnreach {
  readonly afi: number;
  readonly safi: number;
  readonly withdrawn: readonly Cidr[];
}

/** An attribute we carry but do not interpret (RFC 4271 section 5: optional transitive ones are passed on as-is). */
export interface RawAttribute {
  readonly flags: number;
  readonly typeCode: number;
  readonly value: Uint8Array;
}

/** The path attributes of an UPDATE; absent ones are undefined. */
export interface PathAttributes {
  readonly origin?: OriginCode;
  readonly asPath?: readonly AsPathSegment[];
  /** IPv4 NEXT_HOP (type 3). */
  readonly nextHop?: IPAddress;
  readonly multiExitDisc?: number;
  readonly localPref?: number;
  /** RFC 1997 values (`A<<16 | B`), in the order on the wire; the encoder sorts ascending. */
  readonly communities?: readonly number[];
  readonly mpReach?: MpReach;
  readonly mpUnreach?: MpUnreach;
  /** Every other attribute, in the order received. */
  readonly other?: readonly RawAttribute[];
}

export interface UpdateMessage {
  readonly type: 'update';
  /** IPv4 Withdrawn Routes. */
  readonly withdrawn: readonly Cidr[];
  readonly attributes: PathAttributes;
  /** IPv4 Network Layer Reachability Information. */
  readonly nlri: readonly Cidr[];
}

export interface NotificationMessage {
  readonly type: 'notification';
  readonly code: number;
  readonly subcode: number;
  readonly data: Uint8Array;
}

export interface KeepaliveMessage {
  readonly type: 'keepalive';
}

export interface RouteRefreshMessage {
  readonly type: 'routeRefresh';
  readonly afi: number;
  readonly safi: number;
}

export type Message =
  OpenMessage | UpdateMessage | NotificationMessage | KeepaliveMessage | RouteRefreshMessage;

/** What the codec needs to know about the session: RFC 6793 changes how AS_PATH is written. */
export interface CodecContext {
  /** Both sides sent the 4-octet AS capability: AS numbers in AS_PATH are 4 bytes. */
  readonly fourOctetAs: boolean;
}

/** NOTIFICATION error codes, RFC 4271 section 4.5 (and RFC 4486, RFC 7313 for 6 and 7). */
export const ErrorCode = {
  messageHeader: 1,
  openMessage: 2,
  updateMessage: 3,
  holdTimerExpired: 4,
  fsm: 5,
  cease: 6,
  routeRefresh: 7,
} as const;

/** Subcodes, RFC 4271 section 6.1-6.3, RFC 5492 section 5 (unsupported capability), RFC 4486 (cease). */
export const HeaderSubcode = { notSynchronized: 1, badLength: 2, badType: 3 } as const;
export const OpenSubcode = {
  unsupportedVersion: 1,
  badPeerAs: 2,
  badBgpId: 3,
  unsupportedOptionalParameter: 4,
  unacceptableHoldTime: 6,
  unsupportedCapability: 7,
} as const;
export const UpdateSubcode = {
  malformedAttributeList: 1,
  unrecognizedWellKnown: 2,
  missingWellKnown: 3,
  attributeFlags: 4,
  attributeLength: 5,
  invalidOrigin: 6,
  invalidNextHop: 8,
  optionalAttribute: 9,
  invalidNetworkField: 10,
  malformedAsPath: 11,
} as const;
export const CeaseSubcode = {
  maxPrefixes: 1,
  adminShutdown: 2,
  peerDeconfigured: 3,
  adminReset: 4,
  connectionRejected: 5,
  otherConfigurationChange: 6,
  collisionResolution: 7,
  outOfResources: 8,
} as const;

/** A protocol error found while decoding: the NOTIFICATION to send, and why, in words. */
export interface BgpError {
  readonly code: number;
  readonly subcode: number;
  /** The Data field the RFC prescribes for this error (e.g. the bad length, the bad attribute). */
  readonly data: Uint8Array;
  readonly reason: string;
}

/**
 * The result of decoding one message:
 * - `ok`: the message; for an UPDATE, `treatAsWithdraw` is set when RFC 7606
 *   says to keep the session and treat the UPDATE's routes as withdrawn
 *   (the error is reported, not sent);
 * - not `ok`: the session must be closed with this NOTIFICATION.
 */
export type DecodeResult =
  | { readonly ok: true; readonly message: Message; readonly treatAsWithdraw?: BgpError }
  | { readonly ok: false; readonly error: BgpError };
