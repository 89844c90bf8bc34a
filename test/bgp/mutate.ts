/**
 * Seeded mutations of whole BGP messages, for the fuzz tests: bit flips,
 * awkward byte values, truncations, extensions, insertions, deletions,
 * edits of inner length fields, and a header length made to agree so the
 * body parsers are reached.
 */
/** xorshift32: small, seeded, good enough to pick mutations. */
export function prng(seed: number): (n: number) => number {
  let state = seed >>> 0 || 1;
  return (n: number) => {
    state ^= state << 13;
    state >>>= 0;
    state ^= state >>> 17;
    state ^= state << 5;
    state >>>= 0;
    return state % n;
  };
}

const AWKWARD = [
  0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x0f, 0x10, 0x11, 0x1f, 0x20, 0x21, 0x40, 0x7f, 0x80, 0x81,
  0xc0, 0xfe, 0xff,
];

export function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

function randomBytes(random: (n: number) => number, count: number): Uint8Array {
  const out = new Uint8Array(count);
  for (let i = 0; i < count; i++) out[i] = random(256);
  return out;
}

export function mutate(random: (n: number) => number, input: Uint8Array): Uint8Array {
  let bytes: Uint8Array = Uint8Array.from(input);
  const edits = 1 + random(4);
  for (let e = 0; e < edits; e++) {
    const at = bytes.length === 0 ? 0 : random(bytes.length);
    switch (random(8)) {
      case 0: // flip a bit
        if (bytes.length > 0) bytes[at] = (bytes[at] ?? 0) ^ (1 << random(8));
        break;
      case 1: // an awkward byte value
        if (bytes.length > 0) bytes[at] = AWKWARD[random(AWKWARD.length)] ?? 0;
        break;
      case 2: // truncate
        bytes = bytes.slice(0, at);
        break;
      case 3: // extend with random bytes
        bytes = concat(bytes, randomBytes(random, 1 + random(40)));
        break;
      case 4: // insert a byte
        bytes = concat(bytes.subarray(0, at), randomBytes(random, 1), bytes.subarray(at));
        break;
      case 5: // delete a byte
        bytes = concat(bytes.subarray(0, at), bytes.subarray(at + 1));
        break;
      case 6: // edit a 1- or 2-byte length field past the header (attribute, segment, prefix lengths)
        if (bytes.length > 19) {
          const field = 19 + random(bytes.length - 19);
          bytes[field] = (bytes[field] ?? 0) + (random(2) === 0 ? 1 : -1);
        }
        break;
      default: // make the header length agree with the new size, so the body parsers are reached
        if (bytes.length >= 18) {
          bytes[16] = (bytes.length >> 8) & 0xff;
          bytes[17] = bytes.length & 0xff;
        }
    }
  }
  return bytes;
}
