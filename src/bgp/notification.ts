/**
 * NOTIFICATION (RFC 4271 section 4.5) and ROUTE-REFRESH (RFC 2918 section 3) bodies:
 *
 *   NOTIFICATION                       ROUTE-REFRESH
 *   Error code      1 byte             AFI        2 bytes
 *   Error subcode   1 byte             Reserved   1 byte (0, ignored on receipt)
 *   Data            the rest           SAFI       1 byte
 *
 * KEEPALIVE (RFC 4271 section 4.4) has no body at all.
 */
import { ByteWriter, copyRange, readUint16, requireUint } from '../bytes/index.js';
import type { NotificationMessage, RouteRefreshMessage } from './types.js';

export function encodeNotificationBody(notification: NotificationMessage): Uint8Array {
  requireUint('error code', notification.code, 0xff);
  requireUint('error subcode', notification.subcode, 0xff);
  return new ByteWriter()
    .u8(notification.code)
    .u8(notification.subcode)
    .bytes(notification.data)
    .finish();
}

/** The header check guarantees at least 2 bytes. */
export function decodeNotificationBody(body: Uint8Array): NotificationMessage {
  return {
    type: 'notification',
    code: body[0] ?? 0,
    subcode: body[1] ?? 0,
    data: copyRange(body, 2, body.length),
  };
}

export function encodeRouteRefreshBody(refresh: RouteRefreshMessage): Uint8Array {
  requireUint('AFI', refresh.afi, 0xffff);
  requireUint('SAFI', refresh.safi, 0xff);
  return new ByteWriter().u16(refresh.afi).u8(0).u8(refresh.safi).finish();
}

/** The header check guarantees exactly 4 bytes. */
export function decodeRouteRefreshBody(body: Uint8Array): RouteRefreshMessage {
  return { type: 'routeRefresh', afi: readUint16(body, 0), safi: body[3] ?? 0 };
}
