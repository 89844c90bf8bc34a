/**
 * Building the BgpError values the decoders return: the NOTIFICATION code, subcode and the
 * Data field RFC 4271 section 6 prescribes for each error, and a reason in words.
 */
import { ErrorCode, type BgpError } from './types.js';

export function bgpError(
  code: number,
  subcode: number,
  reason: string,
  data: Uint8Array = new Uint8Array(0),
): BgpError {
  return { code, subcode, data, reason };
}

/** An UPDATE Message Error (RFC 4271 section 6.3). */
export function updateError(subcode: number, reason: string, data?: Uint8Array): BgpError {
  return bgpError(ErrorCode.updateMessage, subcode, reason, data);
}

/** An OPEN Message Error (RFC 4271 section 6.2). */
export function openError(subcode: number, reason: string, data?: Uint8Array): BgpError {
  return bgpError(ErrorCode.openMessage, subcode, reason, data);
}

/** A Message Header Error (RFC 4271 section 6.1). */
export function headerError(subcode: number, reason: string, data?: Uint8Array): BgpError {
  return bgpError(ErrorCode.messageHeader, subcode, reason, data);
}

/** What a body decoder returns: the value, or the error that closes the session. */
export type BodyResult<T> =
  { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: BgpError };

export function okValue<T>(value: T): { readonly ok: true; readonly value: T } {
  return { ok: true, value };
}

export function failed(error: BgpError): { readonly ok: false; readonly error: BgpError } {
  return { ok: false, error };
}
