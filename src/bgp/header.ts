/**
 * The message header, RFC 4271 section 4.1:
 *
 *   0  Marker   16 bytes  all ones
 *  16  Length    2 bytes  the whole message, header included: 19..4096
 *  18  Type      1 byte   1 OPEN, 2 UPDATE, 3 NOTIFICATION, 4 KEEPALIVE, 5 ROUTE-REFRESH
 *
 * The checks of RFC 4271 section 6.1, in its order: marker (Connection Not Synchronized),
 * length (Bad Message Length, Data = the length field), type (Bad Message Type, Data = the
 * type field).
 */
import { ByteWriter, readUint16, requireUint } from '../bytes/index.js';
import { headerError } from './errors.js';
import {
  HEADER_LENGTH,
  HeaderSubcode,
  MAX_MESSAGE_LENGTH,
  MessageType,
  type BgpError,
} from './types.js';

const MARKER_LENGTH = 16;

/** What the first bytes of a message say so far. */
export type HeaderCheck =
  | { readonly kind: 'incomplete' }
  | { readonly kind: 'header'; readonly length: number; readonly type: number }
  | { readonly kind: 'error'; readonly error: BgpError };

/**
 * Checks the marker and the length bounds over whatever part of the header is available,
 * so a reader can fail on a bad marker or length before the rest of the message arrives.
 */
export function checkHeader(bytes: Uint8Array): HeaderCheck {
  const markerBytes = Math.min(bytes.length, MARKER_LENGTH);
  for (let i = 0; i < markerBytes; i++) {
    if (bytes[i] !== 0xff) {
      return {
        kind: 'error',
        error: headerError(HeaderSubcode.notSynchronized, 'the marker is not all ones'),
      };
    }
  }
  if (bytes.length < MARKER_LENGTH + 2) return { kind: 'incomplete' };
  const length = readUint16(bytes, MARKER_LENGTH);
  if (length < HEADER_LENGTH || length > MAX_MESSAGE_LENGTH) {
    return { kind: 'error', error: badLength(length, 'outside 19..4096') };
  }
  if (bytes.length < HEADER_LENGTH) return { kind: 'incomplete' };
  return { kind: 'header', length, type: bytes[MARKER_LENGTH + 2] ?? 0 };
}

/** RFC 4271 section 6.1: Bad Message Length, the Data field is the erroneous Length field. */
export function badLength(length: number, why: string): BgpError {
  const data = new Uint8Array([(length >>> 8) & 0xff, length & 0xff]);
  return headerError(HeaderSubcode.badLength, `message length ${length} ${why}`, data);
}

/**
 * The per-type length rules of RFC 4271 section 6.1 (and RFC 2918 section 3 for
 * ROUTE-REFRESH): an unknown type is Bad Message Type, a length that cannot hold the type's
 * fixed fields is Bad Message Length.
 */
export function checkTypeLength(type: number, length: number): BgpError | null {
  switch (type) {
    case MessageType.open:
      return length < 29 ? badLength(length, 'is too short for an OPEN (29)') : null;
    case MessageType.update:
      return length < 23 ? badLength(length, 'is too short for an UPDATE (23)') : null;
    case MessageType.notification:
      return length < 21 ? badLength(length, 'is too short for a NOTIFICATION (21)') : null;
    case MessageType.keepalive:
      return length !== 19 ? badLength(length, 'is not 19 for a KEEPALIVE') : null;
    case MessageType.routeRefresh:
      return length !== 23 ? badLength(length, 'is not 23 for a ROUTE-REFRESH') : null;
    default:
      return headerError(
        HeaderSubcode.badType,
        `unknown message type ${type}`,
        new Uint8Array([type]),
      );
  }
}

/** Writes the header and `body` as one message. Throws a RangeError above 4096 bytes. */
export function frameMessage(type: number, body: Uint8Array): Uint8Array {
  const length = HEADER_LENGTH + body.length;
  if (length > MAX_MESSAGE_LENGTH) {
    throw new RangeError(`message of ${length} bytes exceeds ${MAX_MESSAGE_LENGTH}`);
  }
  requireUint('message type', type, 0xff);
  const writer = new ByteWriter();
  for (let i = 0; i < MARKER_LENGTH; i++) writer.u8(0xff);
  return writer.u16(length).u8(type).bytes(body).finish();
}
