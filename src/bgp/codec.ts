/**
 * Whole messages: `encodeMessage` writes one with its header, `decodeMessage` reads one that
 * `MessageReader` framed, with every check of RFC 4271 section 6 and the UPDATE error
 * handling of RFC 7606. Decoding never throws; encoding throws a RangeError only for
 * programming errors (a field out of range, a message over 4096 bytes).
 */
import { badLength, checkHeader, checkTypeLength, frameMessage } from './header.js';
import {
  decodeNotificationBody,
  decodeRouteRefreshBody,
  encodeNotificationBody,
  encodeRouteRefreshBody,
} from './notification.js';
import { decodeOpenBody, encodeOpenBody } from './open.js';
import { decodeUpdateBody, encodeUpdateBody } from './update.js';
import { headerError } from './errors.js';
import {
  HEADER_LENGTH,
  HeaderSubcode,
  MessageType,
  type CodecContext,
  type DecodeResult,
  type Message,
} from './types.js';

export function encodeMessage(message: Message, context: CodecContext): Uint8Array {
  switch (message.type) {
    case 'open':
      return frameMessage(MessageType.open, encodeOpenBody(message));
    case 'update':
      return frameMessage(MessageType.update, encodeUpdateBody(message, context));
    case 'notification':
      return frameMessage(MessageType.notification, encodeNotificationBody(message));
    case 'keepalive':
      return frameMessage(MessageType.keepalive, new Uint8Array(0));
    case 'routeRefresh':
      return frameMessage(MessageType.routeRefresh, encodeRouteRefreshBody(message));
  }
}

export function decodeMessage(bytes: Uint8Array, context: CodecContext): DecodeResult {
  const header = checkHeader(bytes);
  if (header.kind === 'error') return { ok: false, error: header.error };
  if (header.kind === 'incomplete') {
    // Fewer than 19 bytes: report the length field if there is one.
    if (bytes.length >= 18) {
      const length = ((bytes[16] ?? 0) << 8) | (bytes[17] ?? 0);
      return { ok: false, error: badLength(length, `but only ${bytes.length} bytes arrived`) };
    }
    return {
      ok: false,
      error: headerError(HeaderSubcode.badLength, `only ${bytes.length} bytes, no whole header`),
    };
  }
  if (header.length !== bytes.length) {
    return {
      ok: false,
      error: badLength(header.length, `does not match the ${bytes.length} bytes given`),
    };
  }
  const typeError = checkTypeLength(header.type, header.length);
  if (typeError !== null) return { ok: false, error: typeError };
  const body = bytes.subarray(HEADER_LENGTH);
  switch (header.type) {
    case MessageType.open: {
      const open = decodeOpenBody(body);
      return open.ok ? { ok: true, message: open.value } : open;
    }
    case MessageType.update: {
      const update = decodeUpdateBody(body, context);
      if (!update.ok) return update;
      const { message, treatAsWithdraw } = update.value;
      return treatAsWithdraw === undefined
        ? { ok: true, message }
        : { ok: true, message, treatAsWithdraw };
    }
    case MessageType.notification:
      return { ok: true, message: decodeNotificationBody(body) };
    case MessageType.routeRefresh:
      return { ok: true, message: decodeRouteRefreshBody(body) };
    default:
      // MessageType.keepalive: checkTypeLength lets only the five known types through.
      return { ok: true, message: { type: 'keepalive' } };
  }
}
