/**
 * MessagePack: byte for byte against go-msgpack 0.5 (vectors produced by
 * Debian's golang-github-hashicorp-go-msgpack-dev with memberlist's
 * `codec.MsgpackHandle{}`, Go 1.19), and both directions against
 * @msgpack/msgpack, an implementation we did not write.
 */
import { createHash } from 'node:crypto';
import { decode as referenceDecode, encode as referenceEncode } from '@msgpack/msgpack';
import { expect } from 'chai';
import fc from 'fast-check';
import { MsgpackError } from '../src/errors.js';
import {
  MsgpackExt,
  MsgpackFloat,
  decodeValue,
  encodeValue,
  type Decoded,
  type Encodable,
} from '../src/msgpack.js';
import { hexBytes } from './decodings.js';

const RUNS = { seed: 20240611, numRuns: 400 };

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const sha256 = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');

function expectError(f: () => unknown, kind: 'truncated' | 'invalid'): MsgpackError {
  try {
    f();
  } catch (e) {
    expect(e).to.be.instanceOf(MsgpackError);
    const err = e as MsgpackError;
    expect(err.kind, err.message).to.equal(kind);
    return err;
  }
  return expect.fail('expected a MsgpackError');
}

describe('msgpack: what go-msgpack 0.5 writes', () => {
  const goVectors: [string, Encodable, string][] = [
    [
      'ping with all 0.2 fields, a 40-byte name (str16) and u32 max',
      {
        SeqNo: 4294967295,
        Node: 'n'.repeat(40),
        SourceAddr: Uint8Array.of(10, 0, 0, 1),
        SourcePort: 65535,
        SourceNode: '\u00e9',
      },
      '85a44e6f6465da0028' +
        '6e'.repeat(40) +
        'a55365714e6fceffffffffaa536f7572636541646472a40a000001aa536f757263654e6f6465a2c3a9aa536f75726365506f7274cdffff',
    ],
    [
      'indirectPing to an IPv6 target, Nack false, uint8 SeqNo',
      {
        SeqNo: 128,
        Target: hexBytes('20010db8000000000000000000000001'),
        Port: 7946,
        Node: 'x',
        Nack: false,
      },
      '85a44e61636bc2a44e6f6465a178a4506f7274cd1f0aa55365714e6fcc80a6546172676574b020010db8000000000000000000000001',
    ],
    [
      'ack with an empty, non-nil payload',
      { SeqNo: 256, Payload: new Uint8Array(0) },
      '82a75061796c6f6164a0a55365714e6fcd0100',
    ],
    [
      'ack with a payload',
      { SeqNo: 65536, Payload: Uint8Array.of(1, 2, 3) },
      '82a75061796c6f6164a3010203a55365714e6fce00010000',
    ],
    ['err', { Error: 'boom' }, '81a54572726f72a4626f6f6d'],
    [
      'alive with 300 bytes of meta',
      {
        Incarnation: 70000,
        Node: 'node-1',
        Addr: Uint8Array.of(192, 0, 2, 1),
        Port: 7946,
        Meta: new Uint8Array(300).fill(0xab),
        Vsn: Uint8Array.of(1, 5, 2, 0, 0, 0),
      },
      '86a441646472a4c0000201ab496e6361726e6174696f6ece00011170a44d657461da012c' +
        'ab'.repeat(300) +
        'a44e6f6465a66e6f64652d31a4506f7274cd1f0aa356736ea6010502000000',
    ],
    [
      'push/pull header',
      { Nodes: 300, UserStateLen: 70000, Join: false },
      '83a44a6f696ec2a54e6f646573cd012cac5573657253746174654c656ece00011170',
    ],
    [
      'integers at every boundary',
      [
        0, 1, 127, 128, 255, 256, 65535, 65536, 4294967295, 4294967296, 9007199254740991, -1, -32,
        -33, -128, -129, -32768, -32769, -2147483648, -2147483649, -9007199254740991,
      ],
      'dc001500017fcc80ccffcd0100cdffffce00010000ceffffffffcf0000000100000000cf001fffffffffffff' +
        'ffe0d0dfd080d1ff7fd18000d2ffff7fffd280000000d3ffffffff7fffffffd3ffe0000000000001',
    ],
    ['an array of 20 (array16)', new Array<number>(20).fill(0), 'dc0014' + '00'.repeat(20)],
    ['bools and nil', [true, false, null], '93c3c2c0'],
  ];
  for (const [name, value, expected] of goVectors) {
    it(name, () => {
      expect(hex(encodeValue(value))).to.equal(expected);
      // And our decoder reads Go's bytes back to the same structure.
      const { value: back, end } = decodeValue(hexBytes(expected));
      expect(end).to.equal(expected.length / 2);
      expect(hex(encodeValue(toEncodable(back)))).to.equal(expected);
    });
  }

  it('alive with 70000 bytes of meta (str32) and nil/zero fields', () => {
    const out = encodeValue({
      Incarnation: 0,
      Node: '',
      Addr: null,
      Port: 0,
      Meta: new Uint8Array(70000).fill(0x6d),
      Vsn: null,
    });
    expect(out.length).to.equal(70047);
    expect(sha256(out)).to.equal(
      '8fea0674a43d11026af605d5c086ddb71341404dab3365fd15b0fb174a1c0c28',
    );
  });

  it('strings of 0, 1, 31, 32, 255 and 256 bytes: fixstr then str16, never str8', () => {
    const out = encodeValue([
      '',
      'a',
      's'.repeat(31),
      's'.repeat(32),
      's'.repeat(255),
      's'.repeat(256),
    ]);
    expect(out.length).to.equal(588);
    expect(sha256(out)).to.equal(
      '6d1887fcf3076735dc94327a9ca54a89301d38d76acd0e2d2bde9e45c20f3d49',
    );
    expect(out.includes(0xd9)).to.equal(false);
  });

  it('a string of 65536 bytes (str32) and an array of 70000 (array32)', () => {
    expect(sha256(encodeValue('z'.repeat(65536)))).to.equal(
      '6feaead07ae43ec5ec0f3da87fe0628876ccd334698177da53bd1e3902748c24',
    );
    expect(sha256(encodeValue(new Array<number>(70000).fill(0)))).to.equal(
      '195f61db4a03cc89115d7fe125c6d9374acebf51a319091a3f6f7c5f158e6bd7',
    );
  });

  it('omits undefined entries and sorts keys by their UTF-8 bytes', () => {
    // UTF-8: 'Z' 5a < 'a' 61 < 'é' c3a9 < U+FF5A efbd9a < U+1F600 f09f9880, while
    // JavaScript's UTF-16 order would put U+1F600 (d83d de00) before U+FF5A.
    const out = encodeValue({
      '\u{1f600}': 1,
      '\uff5a': 2,
      a: 3,
      Z: 4,
      '\u00e9': 5,
      gone: undefined,
    });
    const { value } = decodeValue(out);
    expect([...(value as Map<string, Decoded>).keys()]).to.deep.equal([
      'Z',
      'a',
      '\u00e9',
      '\uff5a',
      '\u{1f600}',
    ]);
  });

  it('refuses numbers that are not safe integers', () => {
    expect(() => encodeValue(1.5)).to.throw(RangeError);
    expect(() => encodeValue(2 ** 53)).to.throw(RangeError);
    expect(() => encodeValue(Number.NaN)).to.throw(RangeError);
  });
});

/** Turns a decoded value back into something our encoder takes (floats and ext are not). */
function toEncodable(value: Decoded): Encodable {
  if (value instanceof Map) {
    const out: Record<string, Encodable> = {};
    for (const [k, v] of value) out[k] = toEncodable(v);
    return out;
  }
  if (Array.isArray(value)) return value.map(toEncodable);
  if (value instanceof MsgpackFloat || value instanceof MsgpackExt) {
    throw new Error('not encodable');
  }
  return value;
}

/** A comparable plain form of a value as @msgpack/msgpack returns it (rawStrings). */
function plainFromReference(value: unknown): unknown {
  if (value instanceof Uint8Array) return hex(value);
  if (Array.isArray(value)) return value.map(plainFromReference);
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value).map(([k, v]) => [k, plainFromReference(v)] as const);
    return Object.fromEntries(entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  }
  return value;
}

function plainFromOurs(value: Decoded): unknown {
  if (value instanceof Uint8Array) return hex(value);
  if (value instanceof MsgpackFloat) return value.value;
  if (value instanceof MsgpackExt) return { ext: value.type, data: hex(value.data) };
  if (Array.isArray(value)) return value.map(plainFromOurs);
  if (value instanceof Map) {
    const entries = [...value].map(([k, v]) => [k, plainFromOurs(v)] as const);
    return Object.fromEntries(entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  }
  return value;
}

/** Our value with strings as their UTF-8 bytes, as a rawStrings decoder sees them. */
function plainFromEncodable(value: Encodable): unknown {
  if (typeof value === 'string') return Buffer.from(value, 'utf8').toString('hex');
  if (value instanceof Uint8Array) return hex(value);
  if (Array.isArray(value)) return (value as readonly Encodable[]).map(plainFromEncodable);
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, Encodable>).map(
      ([k, v]) => [k, plainFromEncodable(v)] as const,
    );
    return Object.fromEntries(entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  }
  return value;
}

const keyArb = fc.string({ unit: 'binary', maxLength: 12 });
const intArb = fc.oneof(
  fc.integer({ min: -40, max: 300 }),
  fc.integer({ min: -0x80000001, max: 0x100000001 }),
  fc.maxSafeInteger(),
  fc.constantFrom(
    -(2 ** 31),
    -(2 ** 31) - 1,
    2 ** 32 - 1,
    2 ** 32,
    Number.MAX_SAFE_INTEGER,
    Number.MIN_SAFE_INTEGER,
  ),
);
const stringArb = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.string({ unit: 'grapheme-ascii', minLength: 250, maxLength: 300 }),
);
const bytesArb = fc.uint8Array({ maxLength: 300 });

const encodableArb: fc.Arbitrary<Encodable> = fc.letrec<{ value: Encodable }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.constant(null),
    fc.boolean(),
    intArb,
    stringArb,
    bytesArb,
    fc.array(tie('value'), { maxLength: 20 }),
    fc.dictionary(keyArb, tie('value'), { maxKeys: 20 }),
  ),
})).value;

describe('msgpack: against @msgpack/msgpack', () => {
  it('what we write, @msgpack/msgpack reads as the same value', () => {
    fc.assert(
      fc.property(encodableArb, (value) => {
        const decoded: unknown = referenceDecode(encodeValue(value), { rawStrings: true });
        expect(plainFromReference(decoded)).to.deep.equal(plainFromEncodable(value));
      }),
      RUNS,
    );
  });

  it('for values without byte strings or strings of 32-255 bytes, our bytes are its bytes', () => {
    const asciiKey = fc.string({ unit: 'grapheme-ascii', maxLength: 10 });
    const simple: fc.Arbitrary<Encodable> = fc.letrec<{ value: Encodable }>((tie) => ({
      value: fc.oneof(
        { depthSize: 'small' },
        fc.constant(null),
        fc.boolean(),
        intArb,
        fc.string({ unit: 'binary', maxLength: 7 }), // at most 28 UTF-8 bytes: fixstr
        fc.array(tie('value'), { maxLength: 20 }),
        fc.dictionary(asciiKey, tie('value'), { maxKeys: 20 }),
      ),
    })).value;
    fc.assert(
      fc.property(simple, (value) => {
        // (It would write str8 for 32-255 bytes and bin for bytes, which Go never does.)
        expect(hex(encodeValue(value))).to.equal(hex(referenceEncode(value, { sortKeys: true })));
      }),
      RUNS,
    );
  });

  const foreignArb: fc.Arbitrary<unknown> = fc.letrec<{ value: unknown }>((tie) => ({
    value: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      fc.constant(null),
      fc.boolean(),
      intArb,
      fc.double({ noNaN: true }),
      fc.string({ unit: 'binary', maxLength: 300 }),
      bytesArb,
      fc.array(tie('value'), { maxLength: 20 }),
      fc.dictionary(keyArb, tie('value'), { maxKeys: 20 }),
    ),
  })).value;

  it('what @msgpack/msgpack writes (str8, bin, floats), we read back', () => {
    fc.assert(
      fc.property(foreignArb, fc.boolean(), (value, float32) => {
        const bytes = referenceEncode(value, { forceFloat32: float32 });
        const { value: ours, end } = decodeValue(bytes);
        expect(end).to.equal(bytes.length);
        const theirs: unknown = referenceDecode(bytes, { rawStrings: true });
        expect(plainFromOurs(ours)).to.deep.equal(plainFromReference(theirs));
      }),
      RUNS,
    );
  });

  it('every strict prefix of a valid value is "truncated", never "invalid"', () => {
    fc.assert(
      fc.property(foreignArb, (value) => {
        const bytes = referenceEncode(value);
        for (let n = 0; n < bytes.length; n++) {
          expectError(() => decodeValue(bytes.subarray(0, n)), 'truncated');
        }
      }),
      { ...RUNS, numRuns: 100 },
    );
  });
});

describe('msgpack: the liberal decoder', () => {
  it('reads str8, bin and ext as bytes and extension values', () => {
    expect(hex(decodeValue(hexBytes('d903616263')).value as Uint8Array)).to.equal('616263');
    expect(hex(decodeValue(hexBytes('c403010203')).value as Uint8Array)).to.equal('010203');
    expect(hex(decodeValue(hexBytes('c5000101')).value as Uint8Array)).to.equal('01');
    expect(hex(decodeValue(hexBytes('c60000000101')).value as Uint8Array)).to.equal('01');
    const ext = decodeValue(hexBytes('d4ff2a')).value;
    expect(ext).to.be.instanceOf(MsgpackExt);
    expect((ext as MsgpackExt).type).to.equal(-1);
    const ext8 = decodeValue(hexBytes('c70205aabb')).value as MsgpackExt;
    expect([ext8.type, hex(ext8.data)]).to.deep.equal([5, 'aabb']);
    const f = decodeValue(hexBytes('ca3fc00000')).value;
    expect(f).to.be.instanceOf(MsgpackFloat);
    expect((f as MsgpackFloat).value).to.equal(1.5);
  });

  it('keeps the offset it was given and reports where the value ended', () => {
    expect(decodeValue(hexBytes('ffff01c0'), 2)).to.deep.equal({ value: 1, end: 3 });
  });

  it('map keys may be bin; repeated keys keep the last value', () => {
    const { value } = decodeValue(hexBytes('82c4016101a16102'));
    expect([...(value as Map<string, Decoded>)]).to.deep.equal([['a', 2]]);
  });

  it('refuses 0xc1, non-string map keys and 64-bit integers past 2^53', () => {
    expectError(() => decodeValue(hexBytes('c1')), 'invalid');
    expectError(() => decodeValue(hexBytes('810102')), 'invalid');
    expectError(() => decodeValue(hexBytes('cf0020000000000000')), 'invalid');
    expectError(() => decodeValue(hexBytes('d3ffdfffffffffffff')), 'invalid');
    expect(decodeValue(hexBytes('cf001fffffffffffff')).value).to.equal(Number.MAX_SAFE_INTEGER);
    expect(decodeValue(hexBytes('d3ffe0000000000001')).value).to.equal(Number.MIN_SAFE_INTEGER);
  });

  it('bounds nesting depth without recursing past it', () => {
    const deep = new Uint8Array(100_000).fill(0x91); // arrays of one array of one array...
    expectError(() => decodeValue(deep), 'invalid');
    const ok = Uint8Array.from([...new Array<number>(5).fill(0x91), 0xc0]);
    expect(() => decodeValue(ok, 0, { maxDepth: 5 })).not.to.throw();
    expectError(() => decodeValue(ok, 0, { maxDepth: 4 }), 'invalid');
  });

  it('refuses declared sizes over the limits before waiting for the bytes', () => {
    expectError(() => decodeValue(hexBytes('dbffffffff')), 'invalid');
    expectError(() => decodeValue(hexBytes('ddffffffff')), 'invalid');
    expectError(() => decodeValue(hexBytes('dfffffffff')), 'invalid');
    expectError(() => decodeValue(hexBytes('da0100'), 0, { maxBytes: 255 }), 'invalid');
    expectError(() => decodeValue(hexBytes('dc0100'), 0, { maxItems: 255 }), 'invalid');
    // Within the limits, a declared size the input lacks is only truncated.
    expectError(() => decodeValue(hexBytes('da0100')), 'truncated');
    expectError(() => decodeValue(hexBytes('dc0100')), 'truncated');
  });

  it('never throws anything but MsgpackError on random bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
        try {
          decodeValue(bytes);
        } catch (e) {
          expect(e).to.be.instanceOf(MsgpackError);
        }
      }),
      { ...RUNS, numRuns: 3000 },
    );
  });
});
