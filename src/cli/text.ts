/**
 * Input bytes -> text: UTF-8 (a BOM dropped), or where the input stops
 * being text (a NUL byte or a malformed UTF-8 sequence), for one clear error.
 */
import type { ConfigError } from '../config/index.js';

/** UTF-8 text (a BOM dropped), or where the input stops being text: a NUL byte or invalid UTF-8. */
export function decodeText(
  bytes: Buffer,
): { ok: true; text: string } | { ok: false; error: ConfigError } {
  const nul = bytes.indexOf(0);
  const invalid = firstInvalidUtf8(bytes);
  const at = Math.min(nul === -1 ? Infinity : nul, invalid ?? Infinity);
  if (at === Infinity) return { ok: true, text: new TextDecoder('utf-8').decode(bytes) };
  const byte = bytes[at] ?? 0;
  return {
    ok: false,
    error: {
      path: '',
      line: countLines(bytes, at),
      message: `not a text file: byte 0x${byte.toString(16).padStart(2, '0')} at offset ${at} is not UTF-8 text`,
    },
  };
}

/** Offset of the first byte that does not start a well-formed UTF-8 character (RFC 3629 section 4). */
function firstInvalidUtf8(bytes: Buffer): number | null {
  let i = 0;
  while (i < bytes.length) {
    const lead = bytes[i] ?? 0;
    if (lead < 0x80) {
      i++;
      continue;
    }
    const trailing =
      lead >= 0xc2 && lead <= 0xdf
        ? 1
        : lead >= 0xe0 && lead <= 0xef
          ? 2
          : lead >= 0xf0 && lead <= 0xf4
            ? 3
            : 0;
    if (trailing === 0) return i;
    for (let k = 1; k <= trailing; k++) {
      const next = bytes[i + k];
      if (next === undefined || (next & 0xc0) !== 0x80) return i;
    }
    // Overlong forms, UTF-16 surrogates and code points past U+10FFFF.
    const second = bytes[i + 1] ?? 0;
    if (
      (lead === 0xe0 && second < 0xa0) ||
      (lead === 0xed && second >= 0xa0) ||
      (lead === 0xf0 && second < 0x90) ||
      (lead === 0xf4 && second >= 0x90)
    ) {
      return i;
    }
    i += trailing + 1;
  }
  return null;
}

function countLines(bytes: Buffer, offset: number): number {
  let line = 1;
  for (let i = 0; i < offset; i++) if (bytes[i] === 0x0a) line++;
  return line;
}
