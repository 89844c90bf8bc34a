/**
 * Messages over TCP (memberlist `rawSendMsgStream` / `readStream`): one
 * exchange per connection, a type byte followed by self-delimiting
 * MessagePack and no length prefix. With compression on (memberlist's
 * default) the whole type byte + payload is wrapped in one compress
 * message, whether or not that makes it smaller. Encryption (`0x0A` + a
 * length) goes around all of that; see security.ts.
 */
import { ByteWriter } from './bytes.js';
import { CodecError } from './errors.js';
import { asStruct, readCount } from './fields.js';
import { compressMessage, decompressAt } from './framing.js';
import { messageFromStruct, typeName, writeMessage } from './messages.js';
import { decodeValue, writeValue, type DecodeLimits } from './msgpack.js';
import { MAX_STREAM_BYTES, readPushPull, writePushPull } from './pushpull.js';
import {
  MessageType,
  type Ack,
  type ErrorResponse,
  type Ping,
  type PushPull,
  type UserMessage,
} from './types.js';

/** What travels over TCP: push/pull and join, the fallback ping and its ack, errors, user data. */
export type StreamMessage = PushPull | Ping | Ack | ErrorResponse | UserMessage;

export interface StreamOptions {
  /** Wrap in a compress message (memberlist's `EnableCompression`, on by default). */
  readonly compress: boolean;
}

const LIMITS: Partial<DecodeLimits> = { maxDepth: 4, maxBytes: MAX_STREAM_BYTES };

/** Encodes what one side writes to the connection (before any encryption). */
export function encodeStreamMessage(m: StreamMessage, options: StreamOptions): Uint8Array {
  const w = new ByteWriter();
  if (m.type === MessageType.pushPull) {
    writePushPull(w, m);
  } else if (m.type === MessageType.user) {
    // Over TCP a user message has a `userMsgHeader{UserMsgLen}` (sendUserMsg).
    w.u8(m.type);
    writeValue(w, { UserMsgLen: m.data.length });
    w.bytes(m.data);
  } else {
    writeMessage(w, m);
  }
  const plain = w.finish();
  return options.compress ? compressMessage(plain) : plain;
}

/** Reads type byte + body at the start of `bytes`. Throws `CodecError`. */
function readBody(bytes: Uint8Array): { message: StreamMessage; end: number } {
  const type = bytes[0];
  if (type === undefined) throw new CodecError('truncated', 'stream: no message type');
  switch (type) {
    case MessageType.pushPull:
      return readPushPull(bytes, 1);
    case MessageType.user: {
      const header = decodeValue(bytes, 1, LIMITS);
      const len = readCount(asStruct(header.value, 'userMsgHeader'), 'UserMsgLen', 'userMsgHeader');
      if (len > MAX_STREAM_BYTES) throw new CodecError('too-large', `user message of ${len} bytes`);
      if (bytes.length - header.end < len) {
        throw new CodecError('truncated', 'stream: user message is cut off');
      }
      const data = bytes.slice(header.end, header.end + len);
      return { message: { type, data }, end: header.end + len };
    }
    case MessageType.ping:
    case MessageType.ack:
    case MessageType.err: {
      const { value, end } = decodeValue(bytes, 1, LIMITS);
      const message = messageFromStruct(type, asStruct(value, typeName(type)));
      if (message === null || message.type !== type) {
        throw new CodecError('invalid', `stream: cannot read ${typeName(type)}`);
      }
      return { message, end };
    }
    case MessageType.encrypt:
      throw new CodecError('invalid', 'stream: the remote encrypts, and no key is set here');
    default:
      throw new CodecError('invalid', `stream: ${typeName(type)} is not sent over TCP`);
  }
}

export type StreamDecoding = { readonly message: StreamMessage; readonly consumed: number };

/**
 * Decodes the message at the start of the bytes a connection has delivered
 * so far (after decryption). Returns 'incomplete' while more bytes are
 * needed, or the message and how many bytes it took (memberlist reads one
 * message per exchange and ignores anything after it). Throws
 * `CodecError` for bytes that can never become a message, and
 * `too-large` once the message passes memberlist's 20 MiB limit.
 */
export function decodeStreamMessage(bytes: Uint8Array): StreamDecoding | 'incomplete' {
  try {
    if (bytes[0] === MessageType.compress) {
      const { payload, end } = decompressAt(bytes, 1, MAX_STREAM_BYTES, LIMITS);
      // The compress message is whole, so its contents must be too; memberlist
      // unwraps one level only (a compress inside is an unknown type there).
      try {
        return { message: readBody(payload).message, consumed: end };
      } catch (e) {
        if (e instanceof CodecError && e.kind === 'truncated') {
          throw new CodecError('invalid', `stream: compressed ${e.message}`);
        }
        throw e;
      }
    }
    const { message, end } = readBody(bytes);
    return { message, consumed: end };
  } catch (e) {
    if (!(e instanceof CodecError) || e.kind !== 'truncated') throw e;
    if (bytes.length >= MAX_STREAM_BYTES) {
      throw new CodecError('too-large', `stream: no message in ${MAX_STREAM_BYTES} bytes`);
    }
    return 'incomplete';
  }
}
