/**
 * LZW against Go's compress/lzw: every compressed payload the captures
 * hold, and SHA-256 digests of Go 1.19's `lzw.NewWriter(w, lzw.LSB, 8)`
 * output for inputs long enough to fill and reset the table many times.
 * The inputs come from a xorshift32 generator that the Go program used
 * too (x ^= x<<13; x ^= x>>17; x ^= x<<5, on uint32).
 */
import { createHash } from 'node:crypto';
import { decode as referenceDecode } from '@msgpack/msgpack';
import { expect } from 'chai';
import fc from 'fast-check';
import { CodecError } from '../src/errors.js';
import { lzwCompress, lzwDecompress } from '../src/lzw.js';
import { decryptPacket, decryptStream, Keyring } from '../src/security.js';
import { MessageType } from '../src/types.js';
import { ENC_KEY, allSamples } from './captures.js';

const sha256 = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');
const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

type Kind = 'random' | 'abcd' | 'zeros' | 'nibbles';

function generate(kind: Kind, n: number, seed: number): Uint8Array {
  let x = seed >>> 0;
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    x = (x ^ (x << 13)) >>> 0;
    x = (x ^ (x >>> 17)) >>> 0;
    x = (x ^ (x << 5)) >>> 0;
    if (kind === 'random') out[i] = x & 0xff;
    else if (kind === 'abcd') out[i] = 0x61 + ((x >>> 24) & 3);
    else if (kind === 'nibbles') out[i] = (x >>> 24) & 15;
  }
  return out;
}

function expectLzwError(f: () => unknown, kind: string): void {
  try {
    f();
  } catch (e) {
    expect(e).to.be.instanceOf(CodecError);
    expect((e as CodecError).kind, (e as CodecError).message).to.equal(kind);
    return;
  }
  expect.fail('expected a CodecError');
}

describe('lzw: the compressed payloads Go sent', () => {
  const keyring = new Keyring([ENC_KEY]);
  /** Every compress struct in the captures, read with @msgpack/msgpack. */
  const bufs: { name: string; buf: Uint8Array }[] = [];
  for (const s of allSamples()) {
    let plain: Uint8Array | null = s.wire;
    if (s.encrypted) {
      if (s.transport === 'UDP') plain = decryptPacket(keyring, s.wire);
      else {
        const r = decryptStream(keyring, s.wire);
        plain = typeof r !== 'string' && 'plaintext' in r ? r.plaintext : null;
      }
    }
    if (plain === null) throw new Error(`${s.name}: cannot decrypt`);
    if (plain[0] === MessageType.hasCrc) plain = plain.subarray(5);
    if (plain[0] !== MessageType.compress) continue;
    const struct = referenceDecode(plain.subarray(1), { rawStrings: true }) as { Buf: Uint8Array };
    bufs.push({ name: s.name, buf: struct.Buf });
  }

  it('there are compressed UDP payloads and TCP streams among them', () => {
    expect(bufs.filter((b) => b.name.includes('UDP')).length).to.be.greaterThan(10);
    expect(bufs.filter((b) => b.name.includes('TCP')).length).to.equal(10);
  });

  it('each decompresses to a message and recompresses to the very same bytes', () => {
    for (const { name, buf } of bufs) {
      const plain = lzwDecompress(buf, 1 << 20);
      // A compound (UDP) or a push/pull (TCP): what the decodings show there.
      expect(plain[0], name).to.be.oneOf([MessageType.compound, MessageType.pushPull]);
      expect(hex(lzwCompress(plain)), name).to.equal(hex(buf));
    }
  });
});

describe("lzw: Go's writer, bit for bit", () => {
  const cases: [Kind, number, number, number, string][] = [
    ['random', 0, 1, 3, 'ca175b7b97e4180ff4b1dc13271f897a7d711d6da53ddd112d60bf4ac100e23e'],
    ['random', 1, 1, 4, 'de15f3e7cd78c66b4cca70134c2bdab351ca011570a6e07f4e21c118d3365392'],
    ['random', 20000, 7, 27338, '25330b5c408fd03612ab075dcbd378aeb142e5a3bc05d25a120318f7aa79d68b'],
    ['abcd', 100000, 3, 29858, '83e6c53604187eeaa6faf76f02c31f1ef9382f044ab77d909ff8067ba932bd3d'],
    ['zeros', 70000, 1, 438, '2719b2d46a92eef0c5c42036bdc2f3753083e734a0e8675e78f324d4828411de'],
  ];
  for (const [kind, n, seed, length, digest] of cases) {
    it(`${n} bytes of ${kind}: same output as Go, and back`, () => {
      const input = generate(kind, n, seed);
      const out = lzwCompress(input);
      expect(out.length).to.equal(length);
      expect(sha256(out)).to.equal(digest);
      expect(hex(lzwDecompress(out, n))).to.equal(hex(input));
    });
  }

  it('an empty input is clear + end, 9 bits each, least significant bit first', () => {
    // 256 | 257 << 9 = 2^8 + 2^9 + 2^17 = 0x020300.
    expect(hex(lzwCompress(new Uint8Array(0)))).to.equal('000302');
    expect(lzwDecompress(Uint8Array.of(0x00, 0x03, 0x02), 10)).to.deep.equal(new Uint8Array(0));
  });

  it('random inputs of 3930 to 3950 bytes, where the table fills up as the data ends', () => {
    // Each length n uses seed n; Go's outputs, each prefixed with its length
    // as a big-endian u32, concatenated. Around these lengths the table
    // fills (the writer resets after 3838 codes): for n = 3941 the reset
    // happens while closing (a clear just before the end code), for 3943 on
    // the last code of the loop; some shorter inputs end before it.
    const parts: Uint8Array[] = [];
    for (let n = 3930; n <= 3950; n++) {
      const out = lzwCompress(generate('random', n, n));
      const len = new Uint8Array(4);
      new DataView(len.buffer).setUint32(0, out.length);
      parts.push(len, out);
    }
    expect(sha256(Buffer.concat(parts))).to.equal(
      'fa260ed1ba59b08b431b4092769121c7317b90594afed4bec01e56c3f72b0b78',
    );
  });

  it('round-trips any input', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.uint8Array({ maxLength: 20000 }),
          fc.uint8Array({ min: 0, max: 3, maxLength: 40000 }),
          fc
            .array(fc.constantFrom(0x41, 0x42), { maxLength: 10000 })
            .map((a) => Uint8Array.from(a)),
        ),
        (input) => {
          expect(hex(lzwDecompress(lzwCompress(input), input.length))).to.equal(hex(input));
        },
      ),
      { seed: 1, numRuns: 200 },
    );
  });
});

describe('lzw: the reader', () => {
  /**
   * An LZW writer that never resets: once 4095 codes are assigned it keeps
   * using the full table (the "deferred clear" other GIF-style encoders
   * use). Go 1.19's lzw reader decoded this writer's output for
   * `generate('nibbles', 200000, 99)` (SHA-256 pinned below) back to the input.
   */
  function compressWithoutReset(input: Uint8Array): Uint8Array {
    const out: number[] = [];
    let bits = 0;
    let nBits = 0;
    const write = (code: number, w: number): void => {
      bits |= code << nBits;
      nBits += w;
      while (nBits >= 8) {
        out.push(bits & 0xff);
        bits >>>= 8;
        nBits -= 8;
      }
    };
    let width = 9;
    let readerHi = 257;
    const table = new Map<number, number>();
    let next = 258;
    const emit = (code: number): void => {
      write(code, width);
      readerHi++;
      if (readerHi >= 1 << width) {
        if (width === 12) readerHi--;
        else width++;
      }
    };
    let w = input[0] ?? 0;
    for (let i = 1; i < input.length; i++) {
      const c = input[i] ?? 0;
      const known = table.get(w * 256 + c);
      if (known !== undefined) {
        w = known;
        continue;
      }
      emit(w);
      if (next < 4096) table.set(w * 256 + c, next++);
      w = c;
    }
    emit(w);
    write(257, width);
    if (nBits > 0) out.push(bits & 0xff);
    return Uint8Array.from(out);
  }

  it('reads a stream whose table fills up without a clear, as Go does', () => {
    const input = generate('nibbles', 200000, 99);
    const stream = compressWithoutReset(input);
    expect(sha256(stream)).to.equal(
      '3338d14d9f7394917ff6c066316aff73d6f093653082644d5206cb18af0cc907',
    );
    expect(sha256(lzwDecompress(stream, input.length))).to.equal(
      'c6ce941fbdeec6dc28b286b651b105e4d6d5ae7fe4c27e35cec994e414858ebd',
    );
  });

  it('fails cleanly: no end code, a code not yet defined, output over the limit', () => {
    const good = lzwCompress(generate('abcd', 5000, 5));
    expectLzwError(() => lzwDecompress(good.subarray(0, good.length - 2), 1e6), 'invalid');
    expectLzwError(() => lzwDecompress(new Uint8Array(0), 1e6), 'invalid');
    // clear, then code 300 while only 257 exists.
    expectLzwError(() => lzwDecompress(Uint8Array.of(0x00, 0x59, 0x02), 1e6), 'invalid');
    expectLzwError(() => lzwDecompress(good, 4999), 'too-large');
    expect(lzwDecompress(good, 5000)).to.have.length(5000);
    // Bytes after the end code are ignored, as Go's reader does.
    expect(hex(lzwDecompress(Uint8Array.from([...good, 0xff, 0xff]), 5000))).to.equal(
      hex(generate('abcd', 5000, 5)),
    );
  });

  it('never throws anything but CodecError on garbage', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 3000 }), (bytes) => {
        try {
          lzwDecompress(bytes, 100_000);
        } catch (e) {
          expect(e).to.be.instanceOf(CodecError);
        }
      }),
      { seed: 2, numRuns: 2000 },
    );
  });
});
