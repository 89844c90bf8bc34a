/**
 * The memberlist wire messages as plain data, named and shaped after
 * HashiCorp memberlist's own structs (net.go) so that a reader can hold the
 * two side by side. Byte fields stay bytes (`Uint8Array`); names are strings
 * (UTF-8 on the wire). The package README says what is compatible.
 */

/** The first byte of every message (memberlist `messageType`). */
export const MessageType = {
  ping: 0,
  indirectPing: 1,
  ack: 2,
  suspect: 3,
  alive: 4,
  dead: 5,
  pushPull: 6,
  compound: 7,
  user: 8,
  compress: 9,
  encrypt: 10,
  nack: 11,
  hasCrc: 12,
  err: 13,
} as const;
export type MessageType = (typeof MessageType)[keyof typeof MessageType];

/** Node states as push/pull carries them (memberlist `NodeStateType`). */
export const NodeState = { alive: 0, suspect: 1, dead: 2, left: 3 } as const;
export type NodeState = (typeof NodeState)[keyof typeof NodeState];

/**
 * Protocol and delegate versions, in wire order:
 * [protocol min, max, current, delegate min, max, current].
 */
export type Vsn = readonly [number, number, number, number, number, number];

/** What a v0.9 speaker advertises (memberlist v0.1.7 defaults). */
export const DEFAULT_VSN: Vsn = [1, 5, 2, 0, 0, 0];

/** Optional reply-to fields memberlist 0.2 adds to pings (omitted when empty). */
export interface ReplyTo {
  readonly sourceAddr?: Uint8Array;
  readonly sourcePort?: number;
  readonly sourceNode?: string;
}

export interface Ping extends ReplyTo {
  readonly type: typeof MessageType.ping;
  readonly seqNo: number;
  /** The name of the node the ping is meant for; others ignore it. */
  readonly node: string;
}

export interface IndirectPing extends ReplyTo {
  readonly type: typeof MessageType.indirectPing;
  readonly seqNo: number;
  /** 4 or 16 bytes. */
  readonly target: Uint8Array;
  readonly port: number;
  readonly node: string;
  readonly nack: boolean;
}

export interface Ack {
  readonly type: typeof MessageType.ack;
  readonly seqNo: number;
  /** nil on the wire when absent (v0.9 sets no ping delegate). */
  readonly payload: Uint8Array | null;
}

export interface Nack {
  readonly type: typeof MessageType.nack;
  readonly seqNo: number;
}

export interface Suspect {
  readonly type: typeof MessageType.suspect;
  readonly incarnation: number;
  readonly node: string;
  readonly from: string;
}

export interface Dead {
  readonly type: typeof MessageType.dead;
  readonly incarnation: number;
  readonly node: string;
  readonly from: string;
}

export interface Alive {
  readonly type: typeof MessageType.alive;
  readonly incarnation: number;
  readonly node: string;
  /** 4 bytes for IPv4, 16 for IPv6. */
  readonly addr: Uint8Array;
  readonly port: number;
  /** nil on the wire when absent; at most 512 bytes. */
  readonly meta: Uint8Array | null;
  readonly vsn: Vsn;
}

export interface ErrorResponse {
  readonly type: typeof MessageType.err;
  readonly error: string;
}

/** A raw user message (memberlist passes it to the delegate; v0.9 sets none). */
export interface UserMessage {
  readonly type: typeof MessageType.user;
  readonly data: Uint8Array;
}

/** One record of a push/pull exchange (memberlist `pushNodeState`). */
export interface PushNodeState {
  readonly name: string;
  readonly addr: Uint8Array;
  readonly port: number;
  readonly meta: Uint8Array | null;
  readonly incarnation: number;
  readonly state: NodeState;
  readonly vsn: Vsn;
}

/** A whole push/pull exchange: header, records, user state. TCP only. */
export interface PushPull {
  readonly type: typeof MessageType.pushPull;
  readonly join: boolean;
  readonly nodes: readonly PushNodeState[];
  /** Delegate state that follows the records; empty in a v0.9 cluster. */
  readonly userState: Uint8Array;
}

/** Every message that carries meaning (compound, compress, CRC and encrypt are framing). */
export type Message =
  | Ping
  | IndirectPing
  | Ack
  | Nack
  | Suspect
  | Dead
  | Alive
  | ErrorResponse
  | UserMessage
  | PushPull;

/** Messages that travel in UDP datagrams (push/pull is TCP only). */
export type PacketMessage = Exclude<Message, PushPull>;

/** Messages that gossip spreads (memberlist's broadcast queue). */
export type Broadcast = Alive | Suspect | Dead;
