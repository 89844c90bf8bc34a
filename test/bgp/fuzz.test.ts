/**
 * Seeded, bounded fuzzing of everything the session reads from a peer: mutations of the golden
 * messages (bit flips, bytes set to awkward values, truncations, extensions, insertions,
 * deletions, edits of the length fields inside the message) go through MessageReader in random
 * chunk sizes and then decodeMessage, and straight into decodeMessage too.
 *
 * Nothing may throw; every outcome is a message or an error with code 1, 2 or 3 and a subcode
 * RFC 4271 section 6 defines for it (0 for malformed OPEN parameters). Deterministic for a
 * seed; environment knobs BGP_FUZZ_SEED (default 0x42475034) and BGP_FUZZ_RUNS (100000).
 */
import { expect } from 'chai';
import {
  MessageReader,
  decodeMessage,
  type BgpError,
  type CodecContext,
} from '../../src/bgp/index.js';
import { GOLDEN_MESSAGES } from './fixtures.js';

const SEED = Number(process.env.BGP_FUZZ_SEED ?? 0x42475034);
const RUNS = Number(process.env.BGP_FUZZ_RUNS ?? 100000);

const SUBCODES: ReadonlyMap<number, ReadonlySet<number>> = new Map([
  [1, new Set([1, 2, 3])],
  [2, new Set([0, 1, 3, 4, 6])],
  [3, new Set([1, 2, 3, 4, 5, 6, 8, 9, 10, 11])],
]);

/** xorshift32: small, seeded, good enough to pick mutations. */
function prng(seed: number): (n: number) => number {
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

function concat(...parts: Uint8Array[]): Uint8Array {
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

function mutate(random: (n: number) => number, input: Uint8Array): Uint8Array {
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

/** Plain checks in the hot loop: chai's assertions would take most of the time. */
function check(condition: boolean, what: string): void {
  if (!condition) throw new Error(what);
}

function checkError(error: BgpError): void {
  const known = SUBCODES.get(error.code)?.has(error.subcode) ?? false;
  check(known, `unexpected error ${error.code}/${error.subcode}: ${error.reason}`);
  check(error.data instanceof Uint8Array, 'error data is not bytes');
}

function decodeAndCheck(
  bytes: Uint8Array,
  context: CodecContext,
  tally: Map<string, number>,
): void {
  const result = decodeMessage(bytes, context);
  let key: string;
  if (result.ok) {
    if (result.treatAsWithdraw !== undefined) {
      check(result.message.type === 'update', 'treat-as-withdraw on a non-UPDATE');
      checkError(result.treatAsWithdraw);
      check(result.treatAsWithdraw.code === 3, 'treat-as-withdraw with a code other than 3');
      key = `withdraw 3/${result.treatAsWithdraw.subcode}`;
    } else {
      key = `ok ${result.message.type}`;
    }
  } else {
    checkError(result.error);
    key = `error ${result.error.code}/${result.error.subcode}`;
  }
  tally.set(key, (tally.get(key) ?? 0) + 1);
}

describe('bgp fuzz', function () {
  this.timeout(60000);

  it(`${RUNS} mutated messages through MessageReader and decodeMessage: no exception, known errors only`, () => {
    const random = prng(SEED);
    const tally = new Map<string, number>();
    const started = Date.now();
    for (let run = 0; run < RUNS; run++) {
      const seed = GOLDEN_MESSAGES[random(GOLDEN_MESSAGES.length)] ?? new Uint8Array(0);
      const bytes = mutate(random, seed);
      const context: CodecContext = { fourOctetAs: random(2) === 0 };

      decodeAndCheck(bytes, context, tally);

      // The same bytes as a stream, followed by a good message, in random chunks.
      const reader = new MessageReader();
      const stream = concat(bytes, seed);
      for (let at = 0; at < stream.length;) {
        const size = 1 + random(64);
        reader.push(stream.subarray(at, at + size));
        at += size;
        for (let r = reader.next(); r !== null; r = reader.next()) {
          if (r.kind === 'error') {
            checkError(r.error);
            check(r.error.code === 1, 'the reader reported a non-header error');
            break;
          }
          check(r.bytes.length >= 19 && r.bytes.length <= 4096, 'framed length out of bounds');
          decodeAndCheck(r.bytes, context, tally);
        }
      }
    }
    const seconds = (Date.now() - started) / 1000;
    // Keep the run bounded, and make sure the mutations reach past the header checks.
    expect(seconds).to.be.below(30);
    for (const key of ['ok update', 'withdraw 3/1', 'error 3/10', 'error 2/0', 'error 1/2']) {
      expect(tally.get(key) ?? 0, key).to.be.above(0);
    }
  });
});
