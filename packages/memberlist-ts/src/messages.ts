/**
 * One memberlist message: its type byte, then the struct as a MessagePack
 * map keyed by memberlist's Go field names (net.go), or raw bytes for a
 * user message. Framing (compound, compress, CRC, encryption) is in
 * framing.ts; TCP streams in stream.ts.
 */
import { ByteWriter } from './bytes.js';
import { CodecError } from './errors.js';
import {
  asStruct,
  readBool,
  readBytes,
  readBytesOrNull,
  readString,
  readUint,
  readVsn,
  type Struct,
} from './fields.js';
import { decodeValue, writeValue, type DecodeLimits, type EncodableObject } from './msgpack.js';
import {
  MessageType,
  type PacketMessage,
  type ReplyTo,
  type UserMessage,
  type Vsn,
} from './types.js';

/** Messages whose body is a MessagePack struct (all but the raw user message). */
export type StructMessage = Exclude<PacketMessage, UserMessage>;

const STRUCT_TYPES: ReadonlySet<number> = new Set([
  MessageType.ping,
  MessageType.indirectPing,
  MessageType.ack,
  MessageType.nack,
  MessageType.suspect,
  MessageType.dead,
  MessageType.alive,
  MessageType.err,
]);

const U16 = 0xffff;
const U32 = 0xffffffff;

/** Checks a value we are about to send (a bad one is our own bug, so it throws RangeError). */
export function checkUint(value: number, max: number, what: string): number {
  if (!Number.isInteger(value) || value < 0 || value > max) {
    throw new RangeError(`memberlist: ${what} ${value} is not an integer in 0..${max}`);
  }
  return value;
}

export function vsnBytes(vsn: Vsn): Uint8Array {
  return Uint8Array.from(vsn, (v, i) => checkUint(v, 0xff, `Vsn[${i}]`));
}

/** The 0.2 reply-to fields; `omitempty` in Go, so empty ones are left out. */
function replyToFields(m: ReplyTo): EncodableObject {
  return {
    SourceAddr: m.sourceAddr !== undefined && m.sourceAddr.length > 0 ? m.sourceAddr : undefined,
    SourcePort:
      m.sourcePort !== undefined && m.sourcePort !== 0
        ? checkUint(m.sourcePort, U16, 'SourcePort')
        : undefined,
    SourceNode: m.sourceNode !== undefined && m.sourceNode !== '' ? m.sourceNode : undefined,
  };
}

/** The struct memberlist sends for a message, keyed by Go field name. */
export function messageFields(m: StructMessage): EncodableObject {
  switch (m.type) {
    case MessageType.ping:
      return { SeqNo: checkUint(m.seqNo, U32, 'SeqNo'), Node: m.node, ...replyToFields(m) };
    case MessageType.indirectPing:
      return {
        SeqNo: checkUint(m.seqNo, U32, 'SeqNo'),
        Target: m.target,
        Port: checkUint(m.port, U16, 'Port'),
        Node: m.node,
        Nack: m.nack,
        ...replyToFields(m),
      };
    case MessageType.ack:
      return { SeqNo: checkUint(m.seqNo, U32, 'SeqNo'), Payload: m.payload };
    case MessageType.nack:
      return { SeqNo: checkUint(m.seqNo, U32, 'SeqNo') };
    case MessageType.suspect:
    case MessageType.dead:
      return {
        Incarnation: checkUint(m.incarnation, U32, 'Incarnation'),
        Node: m.node,
        From: m.from,
      };
    case MessageType.alive:
      return {
        Incarnation: checkUint(m.incarnation, U32, 'Incarnation'),
        Node: m.node,
        Addr: m.addr,
        Port: checkUint(m.port, U16, 'Port'),
        Meta: m.meta,
        Vsn: vsnBytes(m.vsn),
      };
    case MessageType.err:
      return { Error: m.error };
  }
}

/** Writes type byte + body. */
export function writeMessage(w: ByteWriter, m: PacketMessage): void {
  w.u8(m.type);
  if (m.type === MessageType.user) w.bytes(m.data);
  else writeValue(w, messageFields(m));
}

/** Encodes one message as memberlist's `encode(msgType, struct)` does. */
export function encodeMessage(m: PacketMessage): Uint8Array {
  const w = new ByteWriter(64);
  writeMessage(w, m);
  return w.finish();
}

function readReplyTo(s: Struct, where: string): ReplyTo {
  // Empty means absent: Go's omitempty cannot tell them apart either.
  const sourceAddr = readBytes(s, 'SourceAddr', where);
  const sourcePort = readUint(s, 'SourcePort', U16, where);
  const sourceNode = readString(s, 'SourceNode', where);
  return {
    ...(sourceAddr.length > 0 ? { sourceAddr } : {}),
    ...(sourcePort !== 0 ? { sourcePort } : {}),
    ...(sourceNode !== '' ? { sourceNode } : {}),
  };
}

/** Reads a struct body (already decoded) as the message of type `type`. */
export function messageFromStruct(type: number, s: Struct): StructMessage | null {
  switch (type) {
    case MessageType.ping: {
      const w = 'ping';
      return {
        type,
        seqNo: readUint(s, 'SeqNo', U32, w),
        node: readString(s, 'Node', w),
        ...readReplyTo(s, w),
      };
    }
    case MessageType.indirectPing: {
      const w = 'indirectPing';
      return {
        type,
        seqNo: readUint(s, 'SeqNo', U32, w),
        target: readBytes(s, 'Target', w),
        port: readUint(s, 'Port', U16, w),
        node: readString(s, 'Node', w),
        nack: readBool(s, 'Nack', w),
        ...readReplyTo(s, w),
      };
    }
    case MessageType.ack:
      return {
        type,
        seqNo: readUint(s, 'SeqNo', U32, 'ack'),
        payload: readBytesOrNull(s, 'Payload', 'ack'),
      };
    case MessageType.nack:
      return { type, seqNo: readUint(s, 'SeqNo', U32, 'nack') };
    case MessageType.suspect:
    case MessageType.dead: {
      const w = type === MessageType.suspect ? 'suspect' : 'dead';
      return {
        type,
        incarnation: readUint(s, 'Incarnation', U32, w),
        node: readString(s, 'Node', w),
        from: readString(s, 'From', w),
      };
    }
    case MessageType.alive: {
      const w = 'alive';
      return {
        type,
        incarnation: readUint(s, 'Incarnation', U32, w),
        node: readString(s, 'Node', w),
        addr: readBytes(s, 'Addr', w),
        port: readUint(s, 'Port', U16, w),
        meta: readBytesOrNull(s, 'Meta', w),
        vsn: readVsn(s, 'Vsn', w),
      };
    }
    case MessageType.err:
      return { type, error: readString(s, 'Error', 'err') };
    default:
      return null;
  }
}

export function typeName(type: number): string {
  for (const [name, value] of Object.entries(MessageType)) if (value === type) return name;
  return `unknown type ${type}`;
}

/**
 * Decodes one message (type byte + body). Framing types (compound,
 * compress, CRC, encrypt) and push/pull (TCP only) are refused here; use
 * `decodePacket`. As in Go, bytes after the body's map are ignored.
 * Throws only `CodecError`.
 */
export function decodeMessage(bytes: Uint8Array, limits?: Partial<DecodeLimits>): PacketMessage {
  const type = bytes[0];
  if (type === undefined) throw new CodecError('truncated', 'empty message');
  if (type === MessageType.user) return { type, data: bytes.slice(1) };
  if (!STRUCT_TYPES.has(type)) {
    throw new CodecError('invalid', `${typeName(type)} is not a message to decode here`);
  }
  const { value } = decodeValue(bytes, 1, limits);
  const message = messageFromStruct(type, asStruct(value, typeName(type)));
  if (message === null) throw new CodecError('invalid', `${typeName(type)} has no struct`);
  return message;
}
