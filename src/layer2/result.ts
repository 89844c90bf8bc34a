/**
 * What every layer 2 decoder returns: the decoded value, or the reason the input was dropped.
 *
 * Decoders never throw on what arrives from the network; a reason is a short, stable string
 * that callers can use as a metric label when they count drops.
 */
export type Decoded<T, Reason extends string> =
  { readonly ok: true; readonly value: T } | { readonly ok: false; readonly reason: Reason };

/** A successful decoding. */
export function decoded<T>(value: T): { readonly ok: true; readonly value: T } {
  return { ok: true, value };
}

/** A dropped input and why. */
export function dropped<Reason extends string>(
  reason: Reason,
): { readonly ok: false; readonly reason: Reason } {
  return { ok: false, reason };
}
