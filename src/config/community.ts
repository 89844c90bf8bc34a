/**
 * BGP communities (RFC 1997) as v0.9 writes them: `A:B`, each half a
 * decimal number that fits 16 bits; the value is `A<<16 | B`.
 */
import type { Parsed } from '../ip/index.js';

const DECIMAL = /^[0-9]+$/;

export function parseCommunity(text: string): Parsed<number> {
  const halves = text.split(':');
  if (halves.length !== 2) {
    return {
      ok: false,
      error: `${JSON.stringify(text)} is not a community: expected A:B, such as 64500:100`,
    };
  }
  const [high, low] = halves as [string, string];
  for (const half of [high, low]) {
    if (!DECIMAL.test(half) || Number(half) > 0xffff) {
      return {
        ok: false,
        error: `${JSON.stringify(text)} is not a community: ${JSON.stringify(half)} must be a number from 0 to 65535`,
      };
    }
  }
  return { ok: true, value: Number(high) * 0x10000 + Number(low) };
}

export function formatCommunity(value: number): string {
  return `${Math.floor(value / 0x10000)}:${value % 0x10000}`;
}
