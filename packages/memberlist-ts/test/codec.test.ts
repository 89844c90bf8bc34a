/**
 * The memberlist codec against real Go traffic: every unique payload of
 * vectors.txt and every UDP payload and TCP stream of plain.pcap,
 * mixed4.pcap and enc.pcap decodes to what the captures' decodings show,
 * and re-encoding with the same framing gives the captured bytes. Then
 * what the captures do not hold (Go-written bytes for the other messages,
 * round trips) and malformed input, which must be dropped, never thrown.
 */
import { expect } from 'chai';
import fc from 'fast-check';
import {
  CodecError,
  MAX_PUSH_NODES,
  MAX_STREAM_BYTES,
  addCrc,
  compressMessage,
  decodeMessage,
  decodePacket,
  decodeStreamMessage,
  encodeCompound,
  encodeMessage,
  encodePacket,
  encodeStreamMessage,
  splitCompound,
} from '../src/codec.js';
import { encodeValue } from '../src/msgpack.js';
import { Keyring, decryptPacket, decryptStream } from '../src/security.js';
import { DEFAULT_VSN, MessageType, type PacketMessage, type PushPull } from '../src/types.js';
import { ENC_KEY, allSamples, vectorSamples, type Sample } from './captures.js';
import { hexBytes, type Node } from './decodings.js';
import { expectPacketTree, expectStreamTree } from './expected.js';

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const RUNS = { seed: 7946, numRuns: 300 };
const keyring = new Keyring([ENC_KEY]);

/** The plaintext of a sample and the decoding tree below any encryption line. */
function plaintextOf(s: Sample): { plain: Uint8Array; node: Node } {
  const [first, second] = s.nodes;
  if (first === undefined) throw new Error(`${s.name}: no decoding`);
  if (!s.encrypted) {
    expect(s.nodes.length).to.equal(1);
    return { plain: s.wire, node: first };
  }
  if (s.transport === 'UDP') {
    if (first.layer.kind !== 'encrypted' || second === undefined) throw new Error(s.name);
    const plain = decryptPacket(keyring, s.wire);
    if (plain === null) return expect.fail(`${s.name}: did not decrypt`);
    expect(plain.length).to.equal(first.layer.plaintextLength);
    return { plain, node: second };
  }
  if (first.layer.kind !== 'encryptedStream') throw new Error(s.name);
  const opened = decryptStream(keyring, s.wire);
  if (typeof opened === 'string' || 'error' in opened) {
    return expect.fail(`${s.name}: ${JSON.stringify(opened)}`);
  }
  expect(opened.plaintext.length).to.equal(first.layer.plaintextLength);
  const [child] = first.children;
  if (child === undefined) throw new Error(s.name);
  return { plain: opened.plaintext, node: child };
}

describe('memberlist codec: captured Go traffic, byte for byte', () => {
  const samples = allSamples();

  it('covers every vector and every payload of the three captures', () => {
    const count = (prefix: string) => samples.filter((s) => s.name.startsWith(prefix)).length;
    expect(count('vectors.txt')).to.equal(39);
    expect(count('plain UDP')).to.equal(19);
    expect(count('plain TCP')).to.equal(2);
    expect(count('mixed4 UDP')).to.equal(179);
    expect(count('mixed4 TCP')).to.equal(6);
    expect(count('enc UDP')).to.equal(20);
    expect(count('enc TCP')).to.equal(2);
  });

  for (const s of samples) {
    it(s.name, () => {
      const { plain, node } = plaintextOf(s);
      if (s.transport === 'UDP') {
        const leaves = expectPacketTree(plain, node, s.name);
        const decoded = decodePacket(plain);
        expect(decoded.dropped).to.equal(0);
        expect(decoded.messages).to.deep.equal(leaves);
        // Same framing: the CRC as captured; compression on, as on these Go
        // nodes, so encodePacket must also agree on when it did not pay off.
        const again = encodePacket(decoded.messages, {
          crc: plain[0] === MessageType.hasCrc,
          compress: true,
        });
        expect(hex(again)).to.equal(hex(plain));
      } else {
        const result = decodeStreamMessage(plain);
        if (result === 'incomplete') return expect.fail('incomplete');
        expect(result.consumed).to.equal(plain.length);
        if (result.message.type !== MessageType.pushPull) return expect.fail('not a push/pull');
        expectStreamTree(plain, node, result.message, s.name);
        expect(hex(encodeStreamMessage(result.message, { compress: true }))).to.equal(hex(plain));
        // Every strict prefix is a stream still arriving.
        for (let n = 0; n < plain.length; n++) {
          expect(decodeStreamMessage(plain.subarray(0, n)), `prefix ${n}`).to.equal('incomplete');
        }
      }
    });
  }
});

describe('memberlist codec: messages the captures do not hold', () => {
  // Bodies written by go-msgpack 0.5 for memberlist's structs (see msgpack.test.ts).
  const goWritten: [string, string, PacketMessage][] = [
    ['err', '0d81a54572726f72a4626f6f6d', { type: MessageType.err, error: 'boom' }],
    [
      'ack with a payload',
      '0282a75061796c6f6164a3010203a55365714e6fce00010000',
      { type: MessageType.ack, seqNo: 65536, payload: Uint8Array.of(1, 2, 3) },
    ],
    [
      'ack with an empty payload (not nil)',
      '0282a75061796c6f6164a0a55365714e6fcd0100',
      { type: MessageType.ack, seqNo: 256, payload: new Uint8Array(0) },
    ],
    [
      'indirectPing to an IPv6 target',
      '0185a44e61636bc2a44e6f6465a178a4506f7274cd1f0aa55365714e6fcc80a6546172676574b020010db8000000000000000000000001',
      {
        type: MessageType.indirectPing,
        seqNo: 128,
        target: hexBytes('20010db8000000000000000000000001'),
        port: 7946,
        node: 'x',
        nack: false,
      },
    ],
    [
      'ping with a long name and every reply-to field',
      '0085a44e6f6465da0028' +
        '6e'.repeat(40) +
        'a55365714e6fceffffffffaa536f7572636541646472a40a000001aa536f757263654e6f6465a2c3a9aa536f75726365506f7274cdffff',
      {
        type: MessageType.ping,
        seqNo: 4294967295,
        node: 'n'.repeat(40),
        sourceAddr: Uint8Array.of(10, 0, 0, 1),
        sourcePort: 65535,
        sourceNode: '\u00e9',
      },
    ],
    [
      'alive with meta',
      '0486a441646472a4c0000201ab496e6361726e6174696f6ece00011170a44d657461da012c' +
        'ab'.repeat(300) +
        'a44e6f6465a66e6f64652d31a4506f7274cd1f0aa356736ea6010502000000',
      {
        type: MessageType.alive,
        incarnation: 70000,
        node: 'node-1',
        addr: Uint8Array.of(192, 0, 2, 1),
        port: 7946,
        meta: new Uint8Array(300).fill(0xab),
        vsn: [1, 5, 2, 0, 0, 0],
      },
    ],
  ];
  for (const [name, wire, message] of goWritten) {
    it(name, () => {
      expect(decodeMessage(hexBytes(wire))).to.deep.equal(message);
      expect(hex(encodeMessage(message))).to.equal(wire);
    });
  }

  it('a user message is the type byte and the raw bytes over UDP', () => {
    const m = { type: MessageType.user, data: Uint8Array.of(0xc1, 0, 0xff) } as const;
    expect(hex(encodeMessage(m))).to.equal('08c100ff');
    expect(decodeMessage(hexBytes('08c100ff'))).to.deep.equal(m);
  });

  it('reads what older or other peers may send: missing fields are zero, unknown keys ignored, bin accepted', () => {
    // ping {SeqNo: 3, Extra: 1.5 (float64), Node: bin8 "a"}; no Source* fields (v0.1.7).
    const wire = hexBytes('0083a55365714e6f03a54578747261cb3ff8000000000000a44e6f6465c40161');
    expect(decodeMessage(wire)).to.deep.equal({ type: MessageType.ping, seqNo: 3, node: 'a' });
    // alive without Vsn reads as version zero (the state layer ignores it).
    expect(decodeMessage(hexBytes('0481a44e6f6465a161'))).to.deep.equal({
      type: MessageType.alive,
      incarnation: 0,
      node: 'a',
      addr: new Uint8Array(0),
      port: 0,
      meta: null,
      vsn: [0, 0, 0, 0, 0, 0],
    });
    // Go ignores bytes after the struct.
    expect(decodeMessage(hexBytes('0b81a55365714e6f05ffff'))).to.deep.equal({
      type: MessageType.nack,
      seqNo: 5,
    });
  });

  it('refuses what go-msgpack refuses for these fields', () => {
    const bad = [
      '0b81a55365714e6fff', // negative SeqNo
      '0b81a55365714e6fcf0000000100000000', // SeqNo over uint32
      '0b81a55365714e6fcb3ff0000000000000', // float SeqNo
      '0b81a55365714e6fa131', // string SeqNo
      '0181a44e61636b02', // Nack = 2
      '0481a356736ea3010502', // Vsn of 3 bytes
      '0bc0', // nil instead of a struct
      '0b', // no body
      '0e80', // unknown type 14
      '0680', // push/pull over UDP
      '0c00000000', // CRC frame where a message is expected
    ];
    for (const wire of bad) {
      expect(() => decodeMessage(hexBytes(wire)), wire).to.throw(CodecError);
    }
  });

  const bytesArb = fc.uint8Array({ maxLength: 40 });
  const u32 = fc.integer({ min: 0, max: 0xffffffff });
  const u16 = fc.integer({ min: 0, max: 0xffff });
  const name = fc.string({ unit: 'binary', maxLength: 40 });
  const replyTo = fc.record(
    {
      sourceAddr: fc.uint8Array({ minLength: 1, maxLength: 16 }),
      sourcePort: fc.integer({ min: 1, max: 0xffff }),
      sourceNode: fc.string({ unit: 'binary', minLength: 1, maxLength: 20 }),
    },
    { requiredKeys: [] },
  );
  const vsn = fc.tuple(
    fc.nat(255),
    fc.nat(255),
    fc.nat(255),
    fc.nat(255),
    fc.nat(255),
    fc.nat(255),
  );
  const messageArb: fc.Arbitrary<PacketMessage> = fc.oneof(
    fc
      .tuple(u32, name, replyTo)
      .map(([seqNo, node, r]) => ({ type: MessageType.ping, seqNo, node, ...r })),
    fc
      .tuple(u32, bytesArb, u16, name, fc.boolean(), replyTo)
      .map(([seqNo, target, port, node, nack, r]) => ({
        type: MessageType.indirectPing,
        seqNo,
        target,
        port,
        node,
        nack,
        ...r,
      })),
    fc
      .tuple(u32, fc.option(bytesArb))
      .map(([seqNo, payload]) => ({ type: MessageType.ack, seqNo, payload })),
    u32.map((seqNo) => ({ type: MessageType.nack, seqNo })),
    fc
      .tuple(fc.constantFrom(MessageType.suspect, MessageType.dead), u32, name, name)
      .map(([type, incarnation, node, from]) => ({ type, incarnation, node, from })),
    fc
      .tuple(u32, name, bytesArb, u16, fc.option(fc.uint8Array({ maxLength: 512 })), vsn)
      .map(([incarnation, node, addr, port, meta, v]) => ({
        type: MessageType.alive,
        incarnation,
        node,
        addr,
        port,
        meta,
        vsn: v,
      })),
    name.map((error) => ({ type: MessageType.err, error })),
    bytesArb.map((data) => ({ type: MessageType.user, data })),
  );

  it('every message round-trips, alone and in packets with any framing', () => {
    fc.assert(
      fc.property(
        fc.array(messageArb, { minLength: 1, maxLength: 10 }),
        fc.boolean(),
        fc.boolean(),
        (messages, crc, compress) => {
          for (const m of messages) expect(decodeMessage(encodeMessage(m))).to.deep.equal(m);
          const decoded = decodePacket(encodePacket(messages, { crc, compress }));
          expect(decoded).to.deep.equal({ messages, dropped: 0 });
        },
      ),
      RUNS,
    );
  });

  it('encodePacket compresses only when that is smaller, and refuses no message or too many', () => {
    const ping = { type: MessageType.ping, seqNo: 1, node: 'a' } as const;
    expect(hex(encodePacket([ping], { crc: false, compress: true }))).to.equal(
      hex(encodeMessage(ping)),
    );
    const many = new Array<PacketMessage>(40).fill(ping);
    const packet = encodePacket(many, { crc: false, compress: true });
    expect(packet[0]).to.equal(MessageType.compress);
    expect(decodePacket(packet).messages).to.have.length(40);
    expect(() => encodePacket([], { crc: false, compress: false })).to.throw(RangeError);
    // Go's decodeCompoundMessage does uint8 arithmetic on the count: 128+ parts break it.
    expect(() =>
      encodePacket(new Array<PacketMessage>(128).fill(ping), { crc: false, compress: false }),
    ).to.throw(RangeError);
  });
});

describe('memberlist codec: TCP streams', () => {
  const pushPull: PushPull = {
    type: MessageType.pushPull,
    join: false,
    nodes: [
      {
        name: 'a',
        addr: Uint8Array.of(192, 0, 2, 1),
        port: 7946,
        meta: Uint8Array.of(1),
        incarnation: 2,
        state: 3,
        vsn: DEFAULT_VSN,
      },
    ],
    userState: Uint8Array.of(0xde, 0xad),
  };

  it('push/pull: header, records, then the raw user state (written out from net.go)', () => {
    const expected =
      '06' +
      // {Join: false, Nodes: 1, UserStateLen: 2}
      '83a44a6f696ec2a54e6f64657301ac5573657253746174654c656e02' +
      // {Addr, Incarnation: 2, Meta: 0x01, Name: 'a', Port: 7946, State: 3, Vsn}
      '87a441646472a4c0000201ab496e6361726e6174696f6e02a44d657461a101a44e616d65a161' +
      'a4506f7274cd1f0aa5537461746503a356736ea6010502000000' +
      'dead';
    expect(hex(encodeStreamMessage(pushPull, { compress: false }))).to.equal(expected);
    expect(decodeStreamMessage(hexBytes(expected + 'ffff'))).to.deep.equal({
      message: pushPull,
      consumed: expected.length / 2,
    });
  });

  it('a user message over TCP carries a {UserMsgLen} header', () => {
    const m = { type: MessageType.user, data: Uint8Array.of(1, 2, 3) } as const;
    const expected = '0881aa557365724d73674c656e03010203';
    expect(hex(encodeStreamMessage(m, { compress: false }))).to.equal(expected);
    expect(decodeStreamMessage(hexBytes(expected))).to.deep.equal({ message: m, consumed: 17 });
  });

  it('ping, ack and err round-trip, compressed or not', () => {
    const messages = [
      { type: MessageType.ping, seqNo: 9, node: 'n1', sourceNode: 'n2' },
      { type: MessageType.ack, seqNo: 9, payload: null },
      { type: MessageType.err, error: 'no' },
      pushPull,
    ] as const;
    for (const m of messages) {
      for (const compress of [false, true]) {
        const bytes = encodeStreamMessage(m, { compress });
        expect(bytes[0]).to.equal(compress ? MessageType.compress : m.type);
        expect(decodeStreamMessage(bytes)).to.deep.equal({ message: m, consumed: bytes.length });
      }
    }
  });

  function expectStreamError(bytes: Uint8Array, kind: string): void {
    try {
      decodeStreamMessage(bytes);
    } catch (e) {
      expect(e).to.be.instanceOf(CodecError);
      expect((e as CodecError).kind, (e as CodecError).message).to.equal(kind);
      return;
    }
    expect.fail('expected a CodecError');
  }

  it('refuses garbage, other types, nested compress and too much', () => {
    expectStreamError(hexBytes('0480'), 'invalid'); // alive is not sent over TCP
    expectStreamError(hexBytes('0a00000010'), 'invalid'); // still encrypted
    expectStreamError(hexBytes('06c0'), 'invalid');
    expectStreamError(
      compressMessage(compressMessage(encodeStreamMessage(pushPull, { compress: false }))),
      'invalid',
    );
    // The compressed content must be whole: a cut push/pull inside is garbage, not "wait".
    const whole = encodeStreamMessage(pushPull, { compress: false });
    expectStreamError(compressMessage(whole.subarray(0, whole.length - 1)), 'invalid');
    // Headers that promise too much are refused before the bytes arrive.
    const header = (nodes: number, userStateLen: number) =>
      Uint8Array.from([
        6,
        ...encodeValue({ Join: false, Nodes: nodes, UserStateLen: userStateLen }),
      ]);
    expectStreamError(header(MAX_PUSH_NODES + 1, 0), 'too-large');
    expectStreamError(header(0, MAX_STREAM_BYTES + 1), 'too-large');
    expect(decodeStreamMessage(header(MAX_PUSH_NODES, 0))).to.equal('incomplete');
    expectStreamError(
      Uint8Array.from([8, ...encodeValue({ UserMsgLen: MAX_STREAM_BYTES + 1 })]),
      'too-large',
    );
    // A stream that has not finished a message within 20 MiB.
    const endless = new Uint8Array(MAX_STREAM_BYTES);
    endless.set(header(0, MAX_STREAM_BYTES));
    expectStreamError(endless, 'too-large');
  });

  it('never throws anything but CodecError on random or mutated streams', () => {
    const seeds = [
      encodeStreamMessage(pushPull, { compress: true }),
      encodeStreamMessage(pushPull, { compress: false }),
    ];
    fc.assert(
      fc.property(
        fc.oneof(
          fc.uint8Array({ maxLength: 200 }),
          fc
            .tuple(fc.constantFrom(...seeds), fc.nat(), fc.integer({ min: 1, max: 255 }))
            .map(([s, at, x]) => {
              const copy = Uint8Array.from(s);
              const i = at % copy.length;
              copy[i] = (copy[i] ?? 0) ^ x;
              return copy;
            }),
        ),
        (bytes) => {
          try {
            decodeStreamMessage(bytes);
          } catch (e) {
            expect(e).to.be.instanceOf(CodecError);
          }
        },
      ),
      { ...RUNS, numRuns: 2000 },
    );
  });
});

describe('memberlist codec: malformed packets are dropped, never thrown', () => {
  const vectors = vectorSamples().map((s) => s.wire);

  it('every strict prefix of every vector drops something and keeps only real messages', () => {
    for (const wire of vectors) {
      const whole = decodePacket(wire).messages;
      for (let n = 0; n < wire.length; n++) {
        const result = decodePacket(wire.subarray(0, n));
        expect(result.dropped, `${hex(wire)} cut at ${n}`).to.be.greaterThan(0);
        expect(result.reason).to.be.a('string');
        for (const m of result.messages) expect(whole).to.deep.include(m);
      }
    }
  });

  it('a bad CRC drops the packet', () => {
    const wire = Uint8Array.from(vectors[0] ?? []);
    expect(wire[0]).to.equal(MessageType.hasCrc);
    wire[wire.length - 1] = (wire[wire.length - 1] ?? 0) ^ 1;
    expect(decodePacket(wire)).to.deep.equal({
      messages: [],
      dropped: 1,
      reason: 'checksum mismatch',
    });
    // CRC is checked at the top only: nested, it is an unknown message type.
    const nested = encodeCompound([addCrc(encodeMessage({ type: MessageType.nack, seqNo: 1 }))]);
    expect(decodePacket(nested).dropped).to.equal(1);
    // Too short to hold a CRC: memberlist hands it on as a (bad) message.
    expect(decodePacket(Uint8Array.of(12, 0, 0)).dropped).to.equal(1);
  });

  it('a compound whose lengths run past the end keeps the whole parts and counts the rest', () => {
    const nack = (seqNo: number) => encodeMessage({ type: MessageType.nack, seqNo });
    const good = encodeCompound([nack(1), nack(2), nack(3), nack(4)]);
    // Cut into the third part: parts 3 and 4 are truncated (memberlist: numParts - idx).
    const cut = good.subarray(0, good.length - nack(4).length - 2);
    expect(splitCompound(cut.subarray(1))).to.deep.include({ truncated: 2 });
    const result = decodePacket(cut);
    expect(result.messages).to.deep.equal([
      { type: MessageType.nack, seqNo: 1 },
      { type: MessageType.nack, seqNo: 2 },
    ]);
    expect(result.dropped).to.equal(2);
    // A length table longer than the packet drops it all.
    expect(decodePacket(Uint8Array.of(7, 5, 0, 1))).to.deep.include({ messages: [], dropped: 1 });
    expect(decodePacket(Uint8Array.of(7))).to.deep.include({ messages: [], dropped: 1 });
    // An empty part and a bad part are dropped one by one; the good one stays.
    const mixed = encodeCompound([new Uint8Array(0), Uint8Array.of(0x0b, 0xc1), nack(9)]);
    expect(decodePacket(mixed)).to.deep.include({
      messages: [{ type: MessageType.nack, seqNo: 9 }],
      dropped: 2,
    });
  });

  it('compress bombs and deep nesting stop at the limits', () => {
    const ping = encodeMessage({ type: MessageType.ping, seqNo: 1, node: 'a' });
    // 2 MiB of zeros compresses to a few kilobytes but inflates past 1 MiB.
    const bomb = compressMessage(new Uint8Array(2 * 1024 * 1024));
    expect(bomb.length).to.be.lessThan(65536);
    const r1 = decodePacket(bomb);
    expect(r1.dropped).to.equal(1);
    expect(r1.reason).to.match(/limit/);
    // The budget is shared by all layers of one packet (here two user messages).
    const half = compressMessage(new Uint8Array(600 * 1024).fill(MessageType.user));
    const r2 = decodePacket(encodeCompound([half, half]));
    expect(r2.messages).to.have.length(1);
    expect(r2.reason).to.match(/limit/);
    // Compress inside compress inside ...
    let nested = ping;
    for (let i = 0; i < 20; i++) nested = compressMessage(nested);
    const r3 = decodePacket(nested);
    expect(r3).to.deep.include({ messages: [], dropped: 1 });
    expect(r3.reason).to.match(/deeper/);
    let compound = ping;
    for (let i = 0; i < 1000; i++) compound = encodeCompound([compound]);
    expect(decodePacket(compound)).to.deep.include({ messages: [], dropped: 1 });
    // Within the limit, nesting is unwrapped as memberlist does.
    let fine = ping;
    for (let i = 0; i < 4; i++) fine = encodeCompound([compressMessage(fine)]);
    expect(decodePacket(fine)).to.deep.equal({ messages: [decodeMessage(ping)], dropped: 0 });
    // A deeply nested MessagePack body.
    const deep = new Uint8Array(100_000).fill(0x91);
    deep[0] = MessageType.ping;
    expect(decodePacket(deep).dropped).to.equal(1);
  });

  it('never throws on random or mutated packets', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.uint8Array({ maxLength: 200 }),
          fc
            .tuple(fc.constantFrom(...vectors), fc.nat(), fc.integer({ min: 1, max: 255 }))
            .map(([v, at, x]) => {
              const copy = Uint8Array.from(v);
              const i = at % copy.length;
              copy[i] = (copy[i] ?? 0) ^ x;
              return copy;
            }),
        ),
        (bytes) => {
          const result = decodePacket(bytes);
          expect(result.dropped).to.be.at.least(0);
          try {
            decodeMessage(bytes);
          } catch (e) {
            expect(e).to.be.instanceOf(CodecError);
          }
        },
      ),
      { ...RUNS, numRuns: 3000 },
    );
  });
});
