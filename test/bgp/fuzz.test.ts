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
import { concat, mutate, prng } from './mutate.js';

const SEED = Number(process.env.BGP_FUZZ_SEED ?? 0x42475034);
const RUNS = Number(process.env.BGP_FUZZ_RUNS ?? 100000);

const SUBCODES: ReadonlyMap<number, ReadonlySet<number>> = new Map([
  [1, new Set([1, 2, 3])],
  [2, new Set([0, 1, 3, 4, 6])],
  [3, new Set([1, 2, 3, 4, 5, 6, 8, 9, 10, 11])],
]);

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
