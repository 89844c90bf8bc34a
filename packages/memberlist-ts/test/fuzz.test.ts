/**
 * Seeded fuzzing of everything a member reads from the network, starting
 * from the captured Go traffic (every UDP payload and TCP stream of the
 * captures and vectors, the encrypted ones of enc.pcap included).
 *
 * Datagrams: 100,000 mutants (bit flips, byte insertions and deletions,
 * truncations, MessagePack and compound length tweaks, field values swapped
 * for awkward ones, splices between payloads, extra nesting), mutated at
 * any layer: inside a CRC frame (with the CRC redone or left stale), inside
 * a compress message (re-compressed), inside a compound, or in the
 * ciphertext. Mutated plaintexts are also sealed again with the right key,
 * so the decoder behind decryption is fuzzed too. Each goes through
 * `decodeDatagram`, which must return (never throw), and every message it
 * yields goes to a `MemberlistState` on a fake clock, which must not throw
 * and must stay sane (its own member alive, every field in range).
 *
 * TCP streams: mutated captured streams (plain, and sealed again or
 * mutated in the ciphertext) through `decryptStream` (must return) and
 * `decodeStreamMessage` (must return or throw CodecError); a push/pull
 * that decodes is merged into a state, which must stay sane.
 *
 * Deterministic for a seed. A failure names the seed, the case and the
 * mutations, and prints the input as hex. Environment knobs:
 * MEMBERLIST_FUZZ_SEED (default 0x6d6c667a), MEMBERLIST_FUZZ_DATAGRAMS
 * (100000), MEMBERLIST_FUZZ_STREAMS (20000).
 */
import {
  CodecError,
  addCrc,
  compressMessage,
  decodeMessage,
  decodeStreamMessage,
  decompressAt,
  encodeMessage,
  splitCompound,
} from '../src/codec.js';
import { decodeDatagram, encodeDatagram, type DecodedDatagram } from '../src/datagram.js';
import { encodeValue, decodeValue, type Decoded } from '../src/msgpack.js';
import { LAN_TIMINGS } from '../src/options.js';
import {
  Keyring,
  decryptPacket,
  decryptStream,
  encryptPacket,
  encryptStream,
} from '../src/security.js';
import { MemberlistState, type Endpoint, type Member, type StateIO } from '../src/state.js';
import { MessageType, NodeState, type PacketMessage } from '../src/types.js';
import { ENC_KEY, allSamples } from './captures.js';
import { seededRandom } from './sim.js';

function envInt(name: string): number | undefined {
  const text = process.env[name];
  if (text === undefined || text.trim() === '') return undefined;
  const n = Number(text);
  if (!Number.isSafeInteger(n) || n < 0) throw new Error(`${name}=${text} is not an integer`);
  return n;
}

const SEED = (envInt('MEMBERLIST_FUZZ_SEED') ?? 0x6d6c667a) >>> 0;
const DATAGRAMS = envInt('MEMBERLIST_FUZZ_DATAGRAMS') ?? 100_000;
const STREAMS = envInt('MEMBERLIST_FUZZ_STREAMS') ?? 20_000;
/** A fresh state every this many datagrams, so each sees a bounded history. */
const STATE_LIFETIME = 500;
const MAX_DATAGRAM = 65_536;

const ring = new Keyring([ENC_KEY]);
const LOOPBACK = Uint8Array.of(127, 0, 0, 1);

// ---------------------------------------------------------------------------
// Bytes and randomness

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const u8 = (...bytes: number[]): Uint8Array => Uint8Array.from(bytes);

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** murmur3's finalizer: one well-spread 32-bit seed per case from the run's seed. */
function mix(seed: number, index: number): number {
  let h = (seed ^ Math.imul(index + 1, 0x9e3779b1)) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

class Rng {
  readonly next: () => number;
  constructor(readonly seed: number) {
    this.next = seededRandom(seed);
  }
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
  pick<T>(items: readonly T[]): T {
    const item = items[this.int(items.length)];
    if (item === undefined) throw new Error('fuzz: pick from an empty list');
    return item;
  }
  bytes(n: number): Uint8Array {
    return Uint8Array.from({ length: n }, () => this.int(256));
  }
}

// ---------------------------------------------------------------------------
// The corpus: captured payloads, their leaves, and the names and endpoints in them

interface Corpus {
  /** Plaintext datagrams: the captured ones and the opened enc.pcap ones. */
  readonly plainDatagrams: Uint8Array[];
  /** The opened enc.pcap datagrams (the plaintexts the Go sender sealed). */
  readonly openedDatagrams: Uint8Array[];
  readonly sealedDatagrams: Uint8Array[];
  readonly plainStreams: Uint8Array[];
  readonly sealedStreams: Uint8Array[];
  /** Every single message found inside the datagrams (for splices into compounds). */
  readonly leaves: Uint8Array[];
  readonly names: string[];
  /** Where each named member advertised itself. */
  readonly endpoints: Map<string, Endpoint>;
}

function leavesOf(bytes: Uint8Array, out: Uint8Array[], depth = 0): void {
  if (depth > 8 || bytes.length === 0) return;
  try {
    if (bytes[0] === MessageType.hasCrc && bytes.length >= 5) {
      leavesOf(bytes.subarray(5), out, depth + 1);
    } else if (bytes[0] === MessageType.compress) {
      leavesOf(decompressAt(bytes, 1, 1 << 20).payload, out, depth + 1);
    } else if (bytes[0] === MessageType.compound) {
      for (const part of splitCompound(bytes.subarray(1)).parts) leavesOf(part, out, depth + 1);
    } else {
      out.push(bytes);
    }
  } catch (e) {
    if (!(e instanceof CodecError)) throw e;
  }
}

function buildCorpus(): Corpus {
  const corpus: Corpus = {
    plainDatagrams: [],
    openedDatagrams: [],
    sealedDatagrams: [],
    plainStreams: [],
    sealedStreams: [],
    leaves: [],
    names: [],
    endpoints: new Map(),
  };
  for (const s of allSamples()) {
    const stream = s.transport === 'TCP' || s.name.includes('(TCP)');
    if (!s.encrypted) {
      (stream ? corpus.plainStreams : corpus.plainDatagrams).push(s.wire);
      continue;
    }
    if (stream) {
      corpus.sealedStreams.push(s.wire);
      const opened = decryptStream(ring, s.wire);
      if (typeof opened === 'string' || 'error' in opened) throw new Error(`${s.name}: sealed`);
      corpus.plainStreams.push(opened.plaintext);
    } else {
      corpus.sealedDatagrams.push(s.wire);
      const opened = decryptPacket(ring, s.wire);
      if (opened === null) throw new Error(`${s.name}: does not open`);
      corpus.plainDatagrams.push(opened);
      corpus.openedDatagrams.push(opened);
    }
  }
  for (const d of corpus.plainDatagrams) leavesOf(d, corpus.leaves);
  const names = new Set<string>();
  for (const leaf of corpus.leaves) {
    let m: PacketMessage;
    try {
      m = decodeMessage(leaf);
    } catch {
      continue;
    }
    if ('node' in m && m.node !== '') names.add(m.node);
    if ('from' in m && m.from !== '') names.add(m.from);
    if (m.type === MessageType.alive && m.addr.length === 4) {
      corpus.endpoints.set(m.node, { addr: m.addr, port: m.port });
    }
  }
  corpus.names.push(...[...names].sort());
  if (
    corpus.plainDatagrams.length === 0 ||
    corpus.sealedDatagrams.length === 0 ||
    corpus.plainStreams.length === 0 ||
    corpus.sealedStreams.length === 0 ||
    corpus.endpoints.size === 0
  ) {
    throw new Error('fuzz: the captures are missing a kind of payload');
  }
  return corpus;
}

// ---------------------------------------------------------------------------
// Awkward values, by the field they are written into

const str = (bytes: Uint8Array | string): Uint8Array => encodeValue(bytes);

function palettes(names: readonly string[]): {
  byKey: Map<string, Uint8Array[]>;
  any: Uint8Array[];
} {
  const text = new TextEncoder();
  const ints = [
    u8(0x00),
    u8(0x01),
    u8(0x02),
    u8(0x03),
    u8(0x04),
    u8(0x05),
    u8(0x7f),
    u8(0xcc, 0x80),
    u8(0xcc, 0xff),
    u8(0xcd, 0x01, 0x00),
    u8(0xcd, 0xff, 0xff),
    u8(0xce, 0x00, 0x01, 0x00, 0x00),
    u8(0xce, 0xff, 0xff, 0xff, 0xfe),
    u8(0xce, 0xff, 0xff, 0xff, 0xff),
    u8(0xcf, 0, 0, 0, 0x01, 0, 0, 0, 0),
    u8(0xcf, 0, 0x1f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff),
    u8(0xcf, 0, 0x20, 0, 0, 0, 0, 0, 0),
    u8(0xcf, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff),
    u8(0xff),
    u8(0xe0),
    u8(0xd0, 0x05),
    u8(0xd0, 0x80),
    u8(0xd1, 0x80, 0x00),
    u8(0xd2, 0x80, 0, 0, 0),
    u8(0xd3, 0, 0, 0, 0, 0, 0, 0, 0x05),
    u8(0xd3, 0x80, 0, 0, 0, 0, 0, 0, 0),
    u8(0xca, 0x3f, 0x80, 0, 0),
    u8(0xcb, 0x7f, 0xf8, 0, 0, 0, 0, 0, 0),
  ];
  const longName = new Uint8Array(300).fill(0x6e);
  const nameValues = [
    ...names.map((n) => str(n)),
    ...names.slice(0, 2).map((n) => concat(u8(0xc4, n.length), text.encode(n))),
    ...names.slice(0, 2).map((n) => concat(u8(0xd9, n.length), text.encode(n))),
    str(''),
    str(u8(0xff, 0xfe, 0xc3)),
    str(longName),
    str('\ufeffalpha'),
  ];
  const addrs = [
    str(LOOPBACK),
    str(u8(0, 0, 0, 0)),
    str(u8(255, 255, 255, 255)),
    str(u8(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1)),
    str(u8(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 127, 0, 0, 1)),
    str(u8(127, 0, 0)),
    str(u8(127, 0, 0, 1, 0)),
    str(new Uint8Array(0)),
    concat(u8(0xc4, 4), LOOPBACK),
  ];
  const vsns = [
    [1, 5, 2, 0, 0, 0],
    [0, 0, 0, 0, 0, 0],
    [1, 5, 9, 0, 0, 0],
    [5, 1, 2, 0, 0, 0],
    [1, 5, 2, 1, 0, 0],
    [1, 5, 2, 0, 1, 1],
    [1, 1, 1, 0, 0, 0],
    [2, 5, 5, 0, 0, 0],
    [255, 255, 255, 255, 255, 255],
    [1, 5, 2, 0, 0],
    [1, 5, 2, 0, 0, 0, 0],
  ].map((v) => str(Uint8Array.from(v)));
  vsns.push(str(new Uint8Array(0)));
  const bools = [u8(0xc2), u8(0xc3), u8(0x00), u8(0x01), u8(0x02)];
  const blobs = [
    u8(0xc0),
    str(new Uint8Array(0)),
    str(u8(1, 2, 3)),
    str(new Uint8Array(512).fill(7)),
    str(new Uint8Array(513).fill(7)),
    concat(u8(0xc5, 0x04, 0x00), new Uint8Array(1024)),
  ];
  const misc = [
    u8(0xc0),
    u8(0x80),
    u8(0x90),
    u8(0x81, 0xa1, 0x78, 0x01),
    u8(0x92, 0x01, 0xc0),
    u8(0xd4, 0x01, 0x00),
    u8(0xc7, 0x02, 0x05, 0xaa, 0xbb),
    u8(0xc1),
    concat(new Uint8Array(40).fill(0x91), u8(0xc0)),
    u8(0xdf, 0xff, 0xff, 0xff, 0xff),
    u8(0xdd, 0x00, 0x0f, 0x42, 0x40),
    u8(0xdb, 0x7f, 0xff, 0xff, 0xff),
    u8(0xc6, 0xff, 0xff, 0xff, 0xff),
  ];
  const byKey = new Map<string, Uint8Array[]>();
  const set = (keys: readonly string[], values: Uint8Array[]): void => {
    for (const k of keys) byKey.set(k, values);
  };
  set(
    ['SeqNo', 'Incarnation', 'Port', 'SourcePort', 'Nodes', 'UserStateLen', 'Algo', 'UserMsgLen'],
    ints,
  );
  set(['State'], [u8(0), u8(1), u8(2), u8(3), u8(4), u8(0xff), u8(0xcc, 0x80)]);
  set(['Node', 'From', 'SourceNode', 'Name', 'Error'], nameValues);
  set(['Addr', 'Target', 'SourceAddr'], addrs);
  set(['Vsn'], vsns);
  set(['Nack', 'Join'], bools);
  set(['Meta', 'Payload', 'Buf'], blobs);
  return { byKey, any: [...ints, ...nameValues, ...addrs, ...vsns, ...bools, ...blobs, ...misc] };
}

const FIELD_NAMES = [
  'SeqNo',
  'Node',
  'Target',
  'Port',
  'Nack',
  'SourceAddr',
  'SourcePort',
  'SourceNode',
  'Payload',
  'Incarnation',
  'From',
  'Addr',
  'Meta',
  'Vsn',
  'Error',
  'Join',
  'Nodes',
  'UserStateLen',
  'Name',
  'State',
  'Algo',
  'Buf',
  'UserMsgLen',
];

// ---------------------------------------------------------------------------
// Mutations

class Mutator {
  private readonly palette: ReturnType<typeof palettes>;

  constructor(
    private readonly rng: Rng,
    private readonly corpus: Corpus,
    private readonly ops: string[],
  ) {
    this.palette = PALETTE;
  }

  /** Mutates at a random layer: inside CRC, compress and compound frames, or here. */
  deep(b: Uint8Array, depth = 0): Uint8Array {
    const rng = this.rng;
    if (depth < 4 && rng.chance(0.75)) {
      if (b[0] === MessageType.hasCrc && b.length >= 5) {
        this.ops.push('crc>');
        const inner = this.deep(b.subarray(5), depth + 1);
        if (rng.chance(0.85)) return addCrc(inner);
        this.ops.push('stale-crc');
        return concat(b.subarray(0, 5), inner);
      }
      if (b[0] === MessageType.compress) {
        const opened = tryCodec(() => decompressAt(b, 1, 1 << 20));
        if (opened !== undefined) {
          this.ops.push('compress>');
          const inner = this.deep(opened.payload, depth + 1);
          return concat(compressMessage(inner), b.subarray(opened.end));
        }
      }
      if (b[0] === MessageType.compound) {
        const split = tryCodec(() => splitCompound(b.subarray(1)));
        if (split !== undefined && split.parts.length > 0) {
          this.ops.push('compound>');
          return this.compound(split.parts, depth);
        }
      }
    }
    if (rng.chance(0.45)) {
      const s = this.fields(b);
      if (s !== undefined) return s;
    }
    return this.raw(b);
  }

  /** A compound with one part mutated, parts dropped, duplicated, spliced in, or a bad table. */
  private compound(original: readonly Uint8Array[], depth: number): Uint8Array {
    const rng = this.rng;
    const parts = [...original];
    const rounds = 1 + rng.int(2);
    for (let r = 0; r < rounds; r++) {
      const i = rng.int(parts.length);
      const op = rng.int(6);
      if (op <= 1 || parts.length === 0) {
        const part = parts[i];
        if (part !== undefined) {
          this.ops.push(`part${i}>`);
          parts[i] = this.deep(part, depth + 1);
        }
      } else if (op === 2 && parts.length > 1) {
        this.ops.push(`drop-part${i}`);
        parts.splice(i, 1);
      } else if (op === 3) {
        this.ops.push(`dup-part${i}`);
        const part = parts[i];
        if (part !== undefined) parts.splice(i, 0, ...Array<Uint8Array>(1 + rng.int(3)).fill(part));
      } else if (op === 4) {
        const leaf = rng.chance(0.7)
          ? rng.pick(this.corpus.leaves)
          : rng.pick(this.corpus.plainDatagrams);
        this.ops.push(`splice-part@${i}`);
        parts.splice(i, 0, leaf);
      } else {
        this.ops.push('shuffle-parts');
        for (let j = parts.length - 1; j > 0; j--) {
          const k = rng.int(j + 1);
          const a = parts[j];
          const c = parts[k];
          if (a !== undefined && c !== undefined) {
            parts[j] = c;
            parts[k] = a;
          }
        }
      }
    }
    return this.encodeCompound(parts);
  }

  /** Like encodeCompound, but up to 255 parts, and sometimes with a wrong count or length. */
  private encodeCompound(parts: Uint8Array[]): Uint8Array {
    const rng = this.rng;
    const kept = parts.slice(0, 255).filter((p) => p.length <= 0xffff);
    const lengths = kept.map((p) => p.length);
    let count = kept.length;
    if (rng.chance(0.2)) {
      if (rng.chance(0.5)) {
        count = rng.pick([0, count - 1, count + 1, 255].filter((c) => c >= 0 && c <= 255));
        this.ops.push(`compound-count=${count}`);
      } else if (lengths.length > 0) {
        const i = rng.int(lengths.length);
        const len = lengths[i] ?? 0;
        lengths[i] = rng.pick([0, len - 1, len + 1, 0xffff].filter((l) => l >= 0 && l <= 0xffff));
        this.ops.push(`compound-len${i}=${lengths[i]}`);
      }
    }
    const head = new Uint8Array(2 + 2 * lengths.length);
    head[0] = MessageType.compound;
    head[1] = count;
    const view = new DataView(head.buffer);
    lengths.forEach((l, i) => view.setUint16(2 + 2 * i, l));
    return concat(head, ...kept);
  }

  /**
   * Rewrites the MessagePack after the type byte: one field of a map set to
   * an awkward value, removed, added, duplicated, keyed oddly, or the map's
   * count made wrong; or whole values (push/pull records) duplicated,
   * removed or swapped. Undefined when there is no MessagePack to work on.
   */
  private fields(b: Uint8Array): Uint8Array | undefined {
    const rng = this.rng;
    if (b.length < 2) return undefined;
    const values: { value: Decoded; raw: Uint8Array }[] = [];
    let at = 1;
    while (at < b.length && values.length < 64) {
      const start = at;
      const decoded = tryCodec(() => decodeValue(b, start));
      if (decoded === undefined) break;
      values.push({ value: decoded.value, raw: b.subarray(start, decoded.end) });
      at = decoded.end;
    }
    if (values.length === 0) return undefined;
    const tail = b.subarray(at);
    const raws = values.map((v) => v.raw);
    const maps = values.flatMap((v, i) => (v.value instanceof Map ? [i] : []));
    const op = rng.int(10);
    if (op < 7 && maps.length > 0) {
      const i = rng.pick(maps);
      const value = values[i]?.value;
      if (value instanceof Map) raws[i] = this.mapMutation(value);
    } else if (op === 7) {
      const i = rng.int(raws.length);
      this.ops.push(`dup-value${i}`);
      raws.splice(i, 0, ...Array<Uint8Array>(1 + rng.int(4)).fill(raws[i] ?? u8(0xc0)));
    } else if (op === 8 && raws.length > 1) {
      const i = rng.int(raws.length);
      this.ops.push(`drop-value${i}`);
      raws.splice(i, 1);
    } else {
      const i = rng.int(raws.length);
      const j = rng.int(raws.length);
      this.ops.push(`swap-values${i},${j}`);
      const a = raws[i];
      const c = raws[j];
      if (a !== undefined && c !== undefined) {
        raws[i] = c;
        raws[j] = a;
      }
    }
    return concat(b.subarray(0, 1), ...raws, tail);
  }

  private mapMutation(map: Map<string, Decoded>): Uint8Array {
    const rng = this.rng;
    const entries: [Uint8Array, Uint8Array][] = [...map].map(([k, v]) => [str(k), pack(v)]);
    const pickValue = (key: string): Uint8Array => {
      const typed = this.palette.byKey.get(key);
      return typed !== undefined && rng.chance(0.75) ? rng.pick(typed) : rng.pick(this.palette.any);
    };
    const keys = [...map.keys()];
    let count = entries.length;
    const op = rng.int(12);
    if (op < 6 && entries.length > 0) {
      const i = rng.int(entries.length);
      const key = keys[i] ?? '';
      const value = pickValue(key);
      this.ops.push(`${key}=${hex(value).slice(0, 24)}`);
      entries[i] = [str(key), value];
    } else if (op === 6 && entries.length > 0) {
      const i = rng.int(entries.length);
      this.ops.push(`del-${keys[i] ?? ''}`);
      entries.splice(i, 1);
    } else if (op === 7) {
      const key = rng.pick(FIELD_NAMES);
      const value = pickValue(key);
      this.ops.push(`add-${key}=${hex(value).slice(0, 24)}`);
      entries.splice(rng.int(entries.length + 1), 0, [str(key), value]);
    } else if (op === 8 && entries.length > 0) {
      const i = rng.int(entries.length);
      const key = keys[i] ?? '';
      const value = pickValue(key);
      this.ops.push(`dup-key-${key}=${hex(value).slice(0, 24)}`);
      entries.push([str(key), value]);
    } else if (op === 9) {
      const key = rng.pick([
        u8(0x01),
        u8(0xc0),
        u8(0x90),
        u8(0xa0),
        u8(0xc4, 0x04, 0x4e, 0x6f, 0x64, 0x65),
      ]);
      this.ops.push(`odd-key=${hex(key)}`);
      entries.splice(rng.int(entries.length + 1), 0, [key, rng.pick(this.palette.any)]);
    } else if (op === 10) {
      count = Math.max(0, count + rng.pick([-1, 1, 2]));
      this.ops.push(`map-count=${count}`);
    } else {
      this.ops.push('map-reorder');
      entries.reverse();
    }
    return concat(mapHeader(count), ...entries.flat());
  }

  /** Byte-level mutations, one to three stacked. */
  raw(input: Uint8Array): Uint8Array {
    const rng = this.rng;
    let b: Uint8Array = new Uint8Array(input);
    const rounds = 1 + rng.int(3);
    for (let r = 0; r < rounds; r++) {
      const pos = rng.int(b.length + 1);
      switch (rng.int(10)) {
        case 0:
        case 1: {
          if (b.length === 0) break;
          const flips = 1 + rng.int(8);
          for (let f = 0; f < flips; f++) {
            const at = rng.int(b.length);
            const bit = rng.int(8);
            b[at] = (b[at] ?? 0) ^ (1 << bit);
          }
          this.ops.push(`flip${flips}`);
          break;
        }
        case 2: {
          if (b.length === 0) break;
          const at = rng.int(b.length);
          b[at] = rng.pick([
            0x00, 0x01, 0x7f, 0x80, 0xff, 0xc0, 0xc1, 0xda, 0xdb, 0xde, 0xdf, 0x07, 0x09, 0x0c,
          ]);
          this.ops.push(`set@${at}=${b[at]}`);
          break;
        }
        case 3: {
          const n = 1 + rng.int(16);
          const insert =
            rng.chance(0.5) || b.length === 0
              ? rng.bytes(n)
              : b.slice(rng.int(b.length), rng.int(b.length) + n);
          this.ops.push(`ins@${pos}+${insert.length}`);
          b = concat(b.subarray(0, pos), insert, b.subarray(pos));
          break;
        }
        case 4: {
          const n = 1 + rng.int(rng.chance(0.8) ? 8 : 64);
          this.ops.push(`del@${pos}-${n}`);
          b = concat(b.subarray(0, pos), b.subarray(pos + n));
          break;
        }
        case 5: {
          this.ops.push(`trunc@${pos}`);
          b = b.slice(0, pos);
          break;
        }
        case 6: {
          b = this.lengthTweak(b);
          break;
        }
        case 7: {
          const donor = rng.pick(this.corpus.plainDatagrams);
          const cut = rng.int(donor.length + 1);
          this.ops.push(`splice@${pos}+donor@${cut}`);
          b = concat(b.subarray(0, pos), donor.subarray(cut));
          break;
        }
        case 8: {
          if (b.length < 2) break;
          const at = rng.int(b.length - 1);
          const width = at + 4 <= b.length && rng.chance(0.5) ? 4 : 2;
          const value = rng.pick([0, 1, 0x7f, 0x80, 0xff, 0xffff, 0x7fffffff, 0xffffffff]);
          const view = new DataView(b.buffer, b.byteOffset, b.byteLength);
          if (width === 4) view.setUint32(at, value >>> 0);
          else view.setUint16(at, value & 0xffff);
          this.ops.push(`u${width * 8}@${at}=${value}`);
          break;
        }
        default: {
          if (b.length === 0) break;
          const start = rng.int(b.length);
          const chunk = b.slice(start, start + 1 + rng.int(32));
          const times = 1 + rng.int(4);
          this.ops.push(`repeat@${start}x${times}`);
          b = concat(b.subarray(0, pos), ...Array<Uint8Array>(times).fill(chunk), b.subarray(pos));
        }
      }
    }
    return b;
  }

  /**
   * Changes a length: a MessagePack header (fixstr/fixmap/fixarray, the 8,
   * 16 and 32-bit str, bin, array and map headers) or, in a compound, the
   * count or one of the u16 lengths.
   */
  private lengthTweak(b: Uint8Array): Uint8Array {
    const rng = this.rng;
    const out = new Uint8Array(b);
    const view = new DataView(out.buffer);
    if (out[0] === MessageType.compound && out.length >= 2 && rng.chance(0.3)) {
      const count = out[1] ?? 0;
      if (count === 0 || rng.chance(0.4)) {
        out[1] = rng.pick([0, 1, count + 1, count - 1, 127, 128, 255]) & 0xff;
        this.ops.push(`compound-count=${out[1]}`);
      } else {
        const at = 2 + 2 * rng.int(count);
        if (at + 2 <= out.length) {
          const old = view.getUint16(at);
          const value = rng.pick([0, 1, old - 1, old + 1, old * 2, 0xffff]) & 0xffff;
          view.setUint16(at, value);
          this.ops.push(`compound-len@${at}=${value}`);
        }
      }
      return out;
    }
    const candidates: number[] = [];
    for (let i = 0; i < out.length; i++) {
      const t = out[i] ?? 0;
      if (
        (t >= 0x80 && t <= 0xbf) ||
        [0xc4, 0xc5, 0xc6, 0xd9, 0xda, 0xdb, 0xdc, 0xdd, 0xde, 0xdf].includes(t)
      ) {
        candidates.push(i);
      }
    }
    if (candidates.length === 0) return out;
    const at = rng.pick(candidates);
    const t = out[at] ?? 0;
    if (t >= 0x80 && t <= 0xbf) {
      const base = t >= 0xa0 ? 0xa0 : t & 0xf0;
      const max = t >= 0xa0 ? 31 : 15;
      const old = t - base;
      const value = Math.min(
        max,
        Math.max(0, rng.pick([0, old - 1, old + 1, max, rng.int(max + 1)])),
      );
      out[at] = base + value;
      this.ops.push(`len@${at}:${t.toString(16)}->${(base + value).toString(16)}`);
      return out;
    }
    const width = [0xc4, 0xd9].includes(t) ? 1 : [0xc5, 0xda, 0xdc, 0xde].includes(t) ? 2 : 4;
    if (at + 1 + width > out.length) return out;
    const read = (): number =>
      width === 1
        ? view.getUint8(at + 1)
        : width === 2
          ? view.getUint16(at + 1)
          : view.getUint32(at + 1);
    const old = read();
    const max = width === 1 ? 0xff : width === 2 ? 0xffff : 0xffffffff;
    const value = Math.min(
      max,
      Math.max(0, rng.pick([0, 1, old - 1, old + 1, old + 100, max, rng.int(max + 1)])),
    );
    if (width === 1) view.setUint8(at + 1, value);
    else if (width === 2) view.setUint16(at + 1, value);
    else view.setUint32(at + 1, value);
    this.ops.push(`len@${at}:${t.toString(16)} ${old}->${value}`);
    return out;
  }
}

/** Runs a decoder step used only to steer mutations; undefined on a CodecError. */
function tryCodec<T>(run: () => T): T | undefined {
  try {
    return run();
  } catch (e) {
    if (e instanceof CodecError) return undefined;
    throw e;
  }
}

function mapHeader(count: number): Uint8Array {
  if (count <= 15) return u8(0x80 | count);
  return u8(0xde, (count >> 8) & 0xff, count & 0xff);
}

/** MessagePack for a decoded value, as close to what was read as needed to mutate it. */
function pack(v: Decoded): Uint8Array {
  if (v === null || typeof v === 'boolean' || typeof v === 'number' || v instanceof Uint8Array) {
    return encodeValue(v);
  }
  if (Array.isArray(v)) {
    return concat(u8(0xdc, (v.length >> 8) & 0xff, v.length & 0xff), ...v.map(pack));
  }
  if (v instanceof Map) {
    return concat(mapHeader(v.size), ...[...v].flatMap(([k, x]) => [str(k), pack(x)]));
  }
  if ('type' in v) {
    return concat(u8(0xc7, v.data.length & 0xff, v.type & 0xff), v.data.subarray(0, 0xff));
  }
  const out = new Uint8Array(9);
  out[0] = 0xcb;
  new DataView(out.buffer).setFloat64(1, v.value);
  return out;
}

const CORPUS = buildCorpus();
const PALETTE = palettes(CORPUS.names);

// ---------------------------------------------------------------------------
// A state on a fake clock, checked after every input

class Harness {
  now = 1_000_000;
  readonly state: MemberlistState;
  readonly name: string;
  readonly self: Endpoint;
  leaving = false;
  handled = 0;
  /** Fallback pings the state asked for, answered at the next tick. */
  private readonly pendingTcp: { seqNo: number }[] = [];

  constructor(
    private readonly rng: Rng,
    index: number,
  ) {
    this.name = CORPUS.names[index % CORPUS.names.length] ?? 'fuzz';
    this.self = CORPUS.endpoints.get(this.name) ?? { addr: LOOPBACK, port: 7946 };
    const io: StateIO = {
      sendPacket: (to, parts, crc) => {
        checkEndpoint(to, 'sendPacket target');
        if (parts.length === 0) throw new Error('sendPacket without a message');
        encodeDatagram(parts, { crc, compress: false, key: null }); // framing must not refuse it
        for (const part of parts) {
          try {
            decodeMessage(part);
          } catch (e) {
            throw new Error(
              `the state sent a message that does not decode: ${hex(part)}: ${String(e)}`,
              { cause: e },
            );
          }
        }
      },
      tcpPing: (to, ping) => {
        checkEndpoint(to, 'tcpPing target');
        this.pendingTcp.push({ seqNo: ping.seqNo });
      },
      pushPull: (to) => checkEndpoint(to, 'pushPull target'),
      event: (event) => {
        const problem = memberProblem(event.member);
        if (problem !== undefined) throw new Error(`a ${event.kind} event: ${problem}`);
      },
      log: () => undefined,
    };
    const random = seededRandom(rng.int(0x7fffffff));
    this.state = new MemberlistState(
      {
        name: this.name,
        advertise: this.self,
        timings: LAN_TIMINGS,
        encryptionOverhead: rng.chance(0.5) ? 29 : 0,
        clock: () => this.now,
        random,
      },
      io,
    );
    this.state.start();
    // Let it know the captured members before the mutants arrive.
    for (let i = 0; i < 8; i++) {
      const decoded = decodeDatagram(rng.pick(CORPUS.plainDatagrams), null);
      if (decoded.ok) for (const m of decoded.messages) this.state.handlePacket(m, this.source());
    }
    if (rng.chance(0.1)) {
      this.leaving = true;
      this.state.leave(() => undefined);
    }
  }

  source(): Endpoint {
    if (this.rng.chance(0.8)) {
      const [, endpoint] = [...CORPUS.endpoints][this.rng.int(CORPUS.endpoints.size)] ?? [];
      if (endpoint) return endpoint;
    }
    return { addr: LOOPBACK, port: this.rng.int(0x10000) };
  }

  /** Time passes: timers fire, fallback pings come back. */
  tick(): void {
    this.now += this.rng.int(300);
    for (const { seqNo } of this.pendingTcp.splice(0)) {
      this.state.tcpPingResult(seqNo, this.rng.chance(0.5));
    }
    this.state.advance();
  }

  deliver(messages: readonly PacketMessage[]): void {
    const from = this.source();
    for (const m of messages) {
      this.handled += 1;
      this.state.handlePacket(m, from);
    }
  }

  /** Undefined when sane, else what is wrong. */
  problem(): string | undefined {
    const me = this.state.member(this.name);
    if (me === undefined) return 'its own member is gone';
    const expected = this.leaving ? NodeState.left : NodeState.alive;
    if (me.state !== expected) return `its own member is in state ${me.state}, not ${expected}`;
    const members = this.state.members();
    if (members.length > 1 + CORPUS.names.length + this.handled) {
      return `${members.length} members after ${this.handled} messages`;
    }
    for (const m of members) {
      const p = memberProblem(m);
      if (p !== undefined) return `member ${JSON.stringify(m.name)}: ${p}`;
    }
    const live = this.state.liveMembers().length;
    if (!Number.isInteger(live) || live > members.length) return `${live} live members`;
    const health = this.state.health;
    if (!Number.isInteger(health) || health < 0 || health >= LAN_TIMINGS.awarenessMaxMultiplier) {
      return `health ${health}`;
    }
    const pending = this.state.pendingBroadcasts;
    if (!Number.isInteger(pending) || pending < 0) return `${pending} pending broadcasts`;
    const next = this.state.nextDeadline();
    if (next !== undefined && !Number.isFinite(next)) return `next deadline ${next}`;
    return undefined;
  }
}

function checkEndpoint(to: Endpoint, what: string): void {
  if (to.addr.length !== 4 && to.addr.length !== 16) {
    throw new Error(`${what}: address of ${to.addr.length} bytes`);
  }
  if (!Number.isInteger(to.port) || to.port < 0 || to.port > 0xffff) {
    throw new Error(`${what}: port ${to.port}`);
  }
}

function memberProblem(m: Member): string | undefined {
  if (typeof m.name !== 'string') return 'name is not a string';
  if (m.addr.length !== 4 && m.addr.length !== 16) return `address of ${m.addr.length} bytes`;
  if (!Number.isInteger(m.port) || m.port < 0 || m.port > 0xffff) return `port ${m.port}`;
  if (!Number.isInteger(m.incarnation) || m.incarnation < 0 || m.incarnation > 0xffffffff) {
    return `incarnation ${m.incarnation}`;
  }
  if (![NodeState.alive, NodeState.suspect, NodeState.dead, NodeState.left].includes(m.state)) {
    return `state ${String(m.state)}`;
  }
  if (m.vsn.length !== 6 || m.vsn.some((v) => !Number.isInteger(v) || v < 0 || v > 0xff)) {
    return `vsn ${JSON.stringify(m.vsn)}`;
  }
  if (!Number.isFinite(m.stateChange)) return `state change at ${m.stateChange}`;
  if (m.meta !== null && !(m.meta instanceof Uint8Array)) return 'meta is not bytes';
  return undefined;
}

// ---------------------------------------------------------------------------
// Reporting

function describeMessages(messages: readonly unknown[]): string {
  return JSON.stringify(messages, (_k, v: unknown) =>
    v instanceof Uint8Array ? `0x${hex(v)}` : v,
  );
}

function failure(
  what: string,
  index: number,
  caseSeed: number,
  ops: readonly string[],
  inputs: Record<string, Uint8Array>,
  detail: unknown,
): Error {
  const lines = [
    `memberlist fuzz: ${what}: ${detail instanceof Error ? (detail.stack ?? detail.message) : String(detail)}`,
    `reproduce: MEMBERLIST_FUZZ_SEED=0x${SEED.toString(16)} (case ${index}, case seed 0x${caseSeed.toString(16)})`,
    `mutations: ${ops.join(' ') || '(none)'}`,
  ];
  for (const [name, bytes] of Object.entries(inputs)) {
    lines.push(`${name} (${bytes.length} bytes, hex): ${hex(bytes)}`);
  }
  return new Error(lines.join('\n'));
}

function sameOutcome(a: DecodedDatagram, b: DecodedDatagram): boolean {
  if (a.ok !== b.ok) return false;
  if (a.ok && b.ok) return a.messages.length === b.messages.length && a.dropped === b.dropped;
  return !a.ok && !b.ok && a.reason === b.reason;
}

function checkDecoded(d: DecodedDatagram): string | undefined {
  if (typeof d !== 'object' || d === null) return `decodeDatagram returned ${String(d)}`;
  if (d.ok) {
    if (d.messages.length === 0) return 'ok without messages';
    if (!Number.isInteger(d.dropped) || d.dropped < 0) return `dropped ${d.dropped}`;
    for (const m of d.messages) encodeMessage(m); // what the state re-gossips must encode
    return undefined;
  }
  if (!['decrypt', 'plaintext', 'crc', 'malformed', 'oversize'].includes(d.reason)) {
    return `unknown drop reason ${String(d.reason)}`;
  }
  return typeof d.error === 'string' ? undefined : 'no error text';
}

// ---------------------------------------------------------------------------
// The tests

describe(`memberlist fuzz (seed 0x${SEED.toString(16)})`, function () {
  // The budget is ~20 s for the file on a 2-core machine; the margin is for slower ones.
  this.timeout(120_000);

  it('an accusation at incarnation 2^32 - 1 is refuted without throwing (found by this fuzz)', () => {
    // Case 446 of the default seed: alive{Node: self, Incarnation: 0xffffffff}
    // made refute() gossip incarnation 2^32, which encodeMessage refuses, so
    // one datagram threw out of handlePacket (and out of the UDP handler).
    for (const type of [MessageType.alive, MessageType.suspect, MessageType.dead] as const) {
      const harness = new Harness(new Rng(1), 0);
      if (harness.leaving) continue;
      const incarnation = 0xffffffff;
      const node = harness.name;
      harness.deliver([
        type === MessageType.alive
          ? { type, incarnation, node, ...harness.self, meta: u8(1), vsn: [1, 5, 2, 0, 0, 0] }
          : { type, incarnation, node, from: 'someone' },
      ]);
      const problem = harness.problem();
      if (problem !== undefined) throw new Error(`${type}: ${problem}`);
    }
  });

  it(`${DATAGRAMS} mutated datagrams: decodeDatagram never throws, the state stays sane`, () => {
    const counts = { ok: 0, dropped: 0, sealed: 0, messages: 0 };
    const started = performance.now();
    let harness: Harness | undefined;
    for (let index = 0; index < DATAGRAMS; index++) {
      const caseSeed = mix(SEED, index);
      const rng = new Rng(caseSeed);
      const ops: string[] = [];
      const mutator = new Mutator(rng, CORPUS, ops);
      if (harness === undefined || index % STATE_LIFETIME === 0) {
        harness = new Harness(new Rng(mix(SEED ^ 0x57a7e, index)), index / STATE_LIFETIME);
      }
      const inputs: Record<string, Uint8Array> = {};
      let wire: Uint8Array;
      let keyring: Keyring | null = null;
      let plaintext: Uint8Array | undefined;
      const kind = rng.next();
      if (kind < 0.6) {
        // A plaintext datagram, mutated at some layer (twice, now and then).
        let m = mutator.deep(rng.pick(CORPUS.plainDatagrams));
        if (rng.chance(0.15)) m = mutator.deep(m);
        if (rng.chance(0.02)) m = wrap(rng, m, ops);
        wire = m;
        if (rng.chance(0.05)) keyring = ring; // refused as plaintext (or unreadable)
      } else if (kind < 0.88) {
        // Mutated, then sealed again with the right key: the decoder behind decryption.
        const base = rng.chance(0.5)
          ? rng.pick(CORPUS.openedDatagrams)
          : rng.pick(CORPUS.plainDatagrams);
        plaintext = mutator.deep(base);
        const version = rng.chance(0.15) ? 0 : 1;
        ops.push(`seal-v${version}`);
        wire = encryptPacket(ENC_KEY, plaintext, rng.bytes(12), version);
        keyring = ring;
        counts.sealed += 1;
      } else if (kind < 0.97) {
        // The ciphertext itself mutated: must be dropped, never thrown.
        wire = mutator.raw(rng.pick(CORPUS.sealedDatagrams));
        keyring = rng.chance(0.9) ? ring : null;
      } else {
        // Junk: random bytes, nothing, an oversized datagram.
        const pick = rng.int(4);
        wire =
          pick === 0
            ? new Uint8Array(0)
            : pick === 1
              ? concat(rng.pick(CORPUS.plainDatagrams), new Uint8Array(MAX_DATAGRAM))
              : rng.bytes(1 + rng.int(200));
        ops.push(`junk${pick}`);
        keyring = rng.chance(0.5) ? ring : null;
      }
      inputs['input'] = wire;
      if (plaintext !== undefined) inputs['sealed plaintext'] = plaintext;

      let decoded: DecodedDatagram;
      try {
        decoded = decodeDatagram(wire, keyring);
        const problem = checkDecoded(decoded);
        if (problem !== undefined) throw new Error(problem);
        if (plaintext !== undefined && wire.length <= MAX_DATAGRAM) {
          // Decryption must be transparent: the plaintext alone decodes the same.
          const alone = decodeDatagram(plaintext, null);
          if (!sameOutcome(decoded, alone)) {
            throw new Error(
              `sealed: ${describeMessages([decoded])}, plaintext alone: ${describeMessages([alone])}`,
            );
          }
        }
      } catch (e) {
        throw failure(
          `decodeDatagram (keyring: ${keyring ? 'yes' : 'no'})`,
          index,
          caseSeed,
          ops,
          inputs,
          e,
        );
      }
      if (!decoded.ok) {
        counts.dropped += 1;
        continue;
      }
      counts.ok += 1;
      counts.messages += decoded.messages.length;
      try {
        harness.tick();
        harness.deliver(decoded.messages);
        const problem = harness.problem();
        if (problem !== undefined) throw new Error(problem);
      } catch (e) {
        throw failure(
          `the state of ${JSON.stringify(harness.name)} (${harness.handled} messages in, ` +
            `leaving: ${harness.leaving}) on ${describeMessages(decoded.messages)}`,
          index,
          caseSeed,
          ops,
          inputs,
          e,
        );
      }
    }
    const seconds = (performance.now() - started) / 1000;
    console.log(
      `      ${DATAGRAMS} datagrams in ${seconds.toFixed(1)} s: ${counts.ok} decoded ` +
        `(${counts.messages} messages to the state), ${counts.dropped} dropped, ${counts.sealed} re-sealed`,
    );
  });

  it(`${STREAMS} mutated TCP streams: decryptStream returns, decodeStreamMessage returns or throws CodecError`, () => {
    const counts = { message: 0, incomplete: 0, codecError: 0, sealedOpened: 0, merged: 0 };
    const started = performance.now();
    let harness: Harness | undefined;
    for (let index = 0; index < STREAMS; index++) {
      const caseSeed = mix(SEED ^ 0x7c9, index);
      const rng = new Rng(caseSeed);
      const ops: string[] = [];
      const mutator = new Mutator(rng, CORPUS, ops);
      if (harness === undefined || index % 200 === 0) {
        harness = new Harness(new Rng(mix(SEED ^ 0x5712, index)), index / 200);
      }
      const inputs: Record<string, Uint8Array> = {};
      let stream: Uint8Array | undefined;
      const kind = rng.next();
      let step = 'decryptStream';
      try {
        if (kind < 0.55) {
          stream = mutator.deep(rng.pick(CORPUS.plainStreams));
          inputs['stream'] = stream;
        } else {
          let sealed: Uint8Array;
          let plaintext: Uint8Array | undefined;
          if (kind < 0.85) {
            plaintext = mutator.deep(rng.pick(CORPUS.plainStreams));
            inputs['sealed plaintext'] = plaintext;
            const version = rng.chance(0.15) ? 0 : 1;
            ops.push(`seal-v${version}`);
            sealed = encryptStream(ENC_KEY, plaintext, rng.bytes(12), version);
            if (rng.chance(0.1)) {
              sealed = new Uint8Array(sealed);
              const view = new DataView(sealed.buffer);
              const length = view.getUint32(1);
              const value = rng.pick([0, length - 1, length + 1, 20 * 1024 * 1024 + 1, 0xffffffff]);
              view.setUint32(1, value >>> 0);
              ops.push(`stream-length=${value}`);
              plaintext = undefined;
            }
          } else {
            sealed = mutator.raw(rng.pick(CORPUS.sealedStreams));
          }
          inputs['input'] = sealed;
          const opened = decryptStream(ring, sealed);
          const partial = decryptStream(ring, sealed.subarray(0, rng.int(sealed.length)));
          if (partial !== 'incomplete' && !('error' in partial) && !('plaintext' in partial)) {
            throw new Error(`decryptStream of a prefix returned ${String(partial)}`);
          }
          if (opened === 'incomplete' || 'error' in opened) {
            if (plaintext !== undefined) throw new Error(`did not open: ${JSON.stringify(opened)}`);
          } else {
            if (!Number.isInteger(opened.consumed) || opened.consumed > sealed.length) {
              throw new Error(`consumed ${opened.consumed} of ${sealed.length}`);
            }
            if (plaintext !== undefined && hex(opened.plaintext) !== hex(plaintext)) {
              throw new Error('opened to other bytes than were sealed');
            }
            counts.sealedOpened += 1;
            stream = opened.plaintext;
          }
        }
        if (stream === undefined) continue;
        step = 'decodeStreamMessage';
        const outcome = decodeStream(stream);
        if (outcome === 'codec-error') {
          counts.codecError += 1;
          continue;
        }
        if (outcome === 'incomplete') {
          counts.incomplete += 1;
          continue;
        }
        counts.message += 1;
        const { message, consumed } = outcome;
        if (!Number.isInteger(consumed) || consumed < 1 || consumed > stream.length) {
          throw new Error(`consumed ${consumed} of ${stream.length}`);
        }
        // The message's own bytes give the same; any prefix of them is not a message yet.
        const again = decodeStream(stream.subarray(0, consumed));
        if (typeof again !== 'object' || again.consumed !== consumed) {
          throw new Error(`its own ${consumed} bytes decode to ${describeMessages([again])}`);
        }
        const prefix = decodeStream(stream.subarray(0, rng.int(consumed)));
        if (typeof prefix === 'object') {
          throw new Error(`a prefix decoded to ${describeMessages([prefix.message])}`);
        }
        step = 'the state';
        harness.tick();
        if (message.type === MessageType.pushPull) {
          const merged = harness.state.mergeRemoteState(message);
          if (merged.ok) counts.merged += 1;
          else if (typeof merged.error !== 'string') throw new Error('a refusal without a reason');
          harness.handled += message.nodes.length;
        } else if (message.type === MessageType.ping) {
          harness.state.handleStreamPing(message);
        }
        const problem = harness.problem();
        if (problem !== undefined) throw new Error(problem);
      } catch (e) {
        throw failure(step, index, caseSeed, ops, inputs, e);
      }
    }
    const seconds = (performance.now() - started) / 1000;
    console.log(
      `      ${STREAMS} streams in ${seconds.toFixed(1)} s: ${counts.message} messages ` +
        `(${counts.merged} push/pulls merged), ${counts.incomplete} incomplete, ` +
        `${counts.codecError} CodecErrors, ${counts.sealedOpened} sealed ones opened`,
    );
  });
});

/** decodeStreamMessage, with a CodecError as a value and anything else thrown. */
function decodeStream(bytes: Uint8Array): ReturnType<typeof decodeStreamMessage> | 'codec-error' {
  try {
    return decodeStreamMessage(bytes);
  } catch (e) {
    if (e instanceof CodecError) return 'codec-error';
    throw e;
  }
}

/** Extra nesting: compound-of-one and compress layers, up to past the decoder's depth limit. */
function wrap(rng: Rng, m: Uint8Array, ops: string[]): Uint8Array {
  const layers = 1 + rng.int(12);
  ops.push(`wrap${layers}`);
  let out = m;
  for (let i = 0; i < layers; i++) {
    if (rng.chance(0.5)) {
      const head = u8(MessageType.compound, 1, (out.length >> 8) & 0xff, out.length & 0xff);
      out = out.length <= 0xffff ? concat(head, out) : out;
    } else {
      out = compressMessage(out);
    }
  }
  return rng.chance(0.3) ? addCrc(out) : out;
}
