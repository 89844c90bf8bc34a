/**
 * MessagePack as memberlist speaks it.
 *
 * The encoder writes exactly what go-msgpack 0.5 (hashicorp/go-msgpack, with
 * memberlist's default `MsgpackHandle`) writes for memberlist's structs:
 * - strings AND byte slices use the old "raw" str family: fixstr up to 31
 *   bytes, then `0xda` (u16 length), then `0xdb` (u32). Without `WriteExt`
 *   go-msgpack never emits `0xd9` (str8) nor the bin types, and Go peers
 *   expect byte fields such as `Addr` and `Vsn` as str;
 * - maps: fixmap up to 15 entries, then `0xde`, then `0xdf` (arrays alike);
 * - a struct is a map keyed by field name in sorted (byte) order, and an
 *   `omitempty` field that is empty is left out: here a key whose value is
 *   `undefined` is omitted;
 * - a non-negative integer takes the smallest unsigned form (positive
 *   fixint, `0xcc`..`0xcf`), a negative one the smallest signed form
 *   (negative fixint, `0xd0`..`0xd3`), as go-msgpack's `encodeInt` does.
 *
 * The decoder is liberal and reads every MessagePack type (the 2013 spec
 * and the current one): str and bin both come back as raw bytes
 * (`Uint8Array`, byte fields travel as str), maps as `Map` with keys decoded
 * as UTF-8, floats as `MsgpackFloat` and extension values as `MsgpackExt` so
 * that a field reader can refuse them (go-msgpack refuses a float for an
 * integer field) while a value under an unknown key is still skipped, as Go
 * skips it. 64-bit integers outside the safe JavaScript range are refused.
 * Only `0xc1` (never used) is invalid as a type byte.
 */
import { ByteWriter } from './bytes.js';
import { MsgpackError } from './errors.js';

// ---------------------------------------------------------------------------
// Values

/** A decoded float32/float64 (memberlist never sends one). */
export class MsgpackFloat {
  constructor(readonly value: number) {}
}

/** A decoded extension value (memberlist never sends one). */
export class MsgpackExt {
  constructor(
    readonly type: number,
    readonly data: Uint8Array,
  ) {}
}

export type Decoded =
  | null
  | boolean
  | number
  | Uint8Array
  | MsgpackFloat
  | MsgpackExt
  | Decoded[]
  | Map<string, Decoded>;

export type Encodable =
  null | boolean | number | string | Uint8Array | readonly Encodable[] | EncodableObject;

export interface EncodableObject {
  readonly [key: string]: Encodable | undefined;
}

const utf8Encoder = new TextEncoder();
// ignoreBOM keeps a leading U+FEFF, so names round-trip byte for byte.
const utf8Decoder = new TextDecoder('utf-8', { ignoreBOM: true });

/** Bytes as text the way Go hands a `string` field over: invalid sequences become U+FFFD. */
export function utf8(bytes: Uint8Array): string {
  return utf8Decoder.decode(bytes);
}

export function utf8Bytes(text: string): Uint8Array {
  return utf8Encoder.encode(text);
}

// ---------------------------------------------------------------------------
// Encoder

const MAX_ENCODE_DEPTH = 64;

/** Encodes one value. Throws RangeError/TypeError for values we never send (our own bug). */
export function encodeValue(value: Encodable): Uint8Array {
  const w = new ByteWriter();
  writeValue(w, value);
  return w.finish();
}

export function writeValue(w: ByteWriter, value: Encodable, depth = 0): void {
  if (depth > MAX_ENCODE_DEPTH) throw new RangeError('msgpack: value nested too deeply');
  if (value === null) {
    w.u8(0xc0);
  } else if (typeof value === 'boolean') {
    w.u8(value ? 0xc3 : 0xc2);
  } else if (typeof value === 'number') {
    writeInteger(w, value);
  } else if (typeof value === 'string') {
    writeRaw(w, utf8Bytes(value));
  } else if (value instanceof Uint8Array) {
    writeRaw(w, value);
  } else if (isEncodableArray(value)) {
    writeContainerHeader(w, 0x90, 0xdc, 0xdd, value.length);
    for (const item of value) writeValue(w, item, depth + 1);
  } else {
    writeObject(w, value, depth);
  }
}

function isEncodableArray(
  value: readonly Encodable[] | EncodableObject,
): value is readonly Encodable[] {
  return Array.isArray(value);
}

function writeInteger(w: ByteWriter, n: number): void {
  if (!Number.isSafeInteger(n)) throw new RangeError(`msgpack: ${n} is not a safe integer`);
  if (n >= 0) {
    if (n <= 0x7f) {
      w.u8(n);
    } else if (n <= 0xff) {
      w.u8(0xcc);
      w.u8(n);
    } else if (n <= 0xffff) {
      w.u8(0xcd);
      w.u16(n);
    } else if (n <= 0xffffffff) {
      w.u8(0xce);
      w.u32(n);
    } else {
      w.u8(0xcf);
      writeBig(w, BigInt(n));
    }
  } else if (n >= -32) {
    w.u8(n & 0xff);
  } else if (n >= -0x80) {
    w.u8(0xd0);
    w.u8(n & 0xff);
  } else if (n >= -0x8000) {
    w.u8(0xd1);
    w.u16(n & 0xffff);
  } else if (n >= -0x80000000) {
    w.u8(0xd2);
    w.u32(n >>> 0);
  } else {
    w.u8(0xd3);
    writeBig(w, BigInt.asUintN(64, BigInt(n)));
  }
}

function writeBig(w: ByteWriter, n: bigint): void {
  w.u32(Number(n >> 32n));
  w.u32(Number(n & 0xffffffffn));
}

/** go-msgpack's str container: never str8 (`0xd9`) without `WriteExt`. */
function writeRaw(w: ByteWriter, bytes: Uint8Array): void {
  writeContainerHeader(w, 0xa0, 0xda, 0xdb, bytes.length, 32);
  w.bytes(bytes);
}

function writeContainerHeader(
  w: ByteWriter,
  fix: number,
  b16: number,
  b32: number,
  length: number,
  fixCutoff = 16,
): void {
  if (length < fixCutoff) {
    w.u8(fix | length);
  } else if (length <= 0xffff) {
    w.u8(b16);
    w.u16(length);
  } else if (length <= 0xffffffff) {
    w.u8(b32);
    w.u32(length);
  } else {
    throw new RangeError(`msgpack: container of ${length} is too large`);
  }
}

function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const d = (a[i] ?? 0) - (b[i] ?? 0);
    if (d !== 0) return d;
  }
  return a.length - b.length;
}

function writeObject(w: ByteWriter, obj: EncodableObject, depth: number): void {
  const entries: { key: Uint8Array; value: Encodable }[] = [];
  for (const [key, value] of Object.entries(obj)) {
    if (value !== undefined) entries.push({ key: utf8Bytes(key), value });
  }
  // go-msgpack writes struct fields sorted by name.
  entries.sort((a, b) => compareBytes(a.key, b.key));
  writeContainerHeader(w, 0x80, 0xde, 0xdf, entries.length);
  for (const { key, value } of entries) {
    writeRaw(w, key);
    writeValue(w, value, depth + 1);
  }
}

// ---------------------------------------------------------------------------
// Decoder

export interface DecodeLimits {
  /** Deepest nesting of arrays and maps (the top value is depth 0). */
  readonly maxDepth: number;
  /** Most entries in one array or map. */
  readonly maxItems: number;
  /** Longest str, bin or ext payload. */
  readonly maxBytes: number;
}

export const DEFAULT_DECODE_LIMITS: DecodeLimits = {
  maxDepth: 32,
  maxItems: 1_000_000,
  maxBytes: 20 * 1024 * 1024,
};

/**
 * Decodes one value starting at `offset`; `end` is the offset after it.
 * Throws only `MsgpackError`: `truncated` when `buf` ends inside the value
 * (more bytes may complete it), `invalid` otherwise (including a limit
 * exceeded: a declared length is checked against the limit before the
 * bytes are awaited, so a stream reader never waits for a huge value).
 */
export function decodeValue(
  buf: Uint8Array,
  offset = 0,
  limits: Partial<DecodeLimits> = {},
): { value: Decoded; end: number } {
  const reader = new Reader(buf, offset, { ...DEFAULT_DECODE_LIMITS, ...limits });
  const value = reader.value(0);
  return { value, end: reader.pos };
}

class Reader {
  private readonly view: DataView;

  constructor(
    private readonly buf: Uint8Array,
    public pos: number,
    private readonly limits: DecodeLimits,
  ) {
    this.view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
    if (!Number.isInteger(pos) || pos < 0 || pos > buf.length) {
      throw new MsgpackError('invalid', `msgpack: offset ${pos} is outside the buffer`);
    }
  }

  private need(n: number, what: string): void {
    if (this.buf.length - this.pos < n) {
      throw new MsgpackError(
        'truncated',
        `msgpack: input ends inside ${what} at offset ${this.pos}`,
      );
    }
  }

  private u8(what: string): number {
    this.need(1, what);
    return this.view.getUint8(this.pos++);
  }

  private u16(what: string): number {
    this.need(2, what);
    const v = this.view.getUint16(this.pos);
    this.pos += 2;
    return v;
  }

  private u32(what: string): number {
    this.need(4, what);
    const v = this.view.getUint32(this.pos);
    this.pos += 4;
    return v;
  }

  private take(n: number, what: string): Uint8Array {
    if (n > this.limits.maxBytes) {
      throw new MsgpackError(
        'invalid',
        `msgpack: ${what} of ${n} bytes is over the limit of ${this.limits.maxBytes}`,
      );
    }
    this.need(n, what);
    const out = this.buf.slice(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }

  private uint64(): number {
    this.need(8, 'uint64');
    const v = this.view.getBigUint64(this.pos);
    this.pos += 8;
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) {
      throw new MsgpackError('invalid', `msgpack: uint64 ${v} is beyond the safe integer range`);
    }
    return Number(v);
  }

  private int64(): number {
    this.need(8, 'int64');
    const v = this.view.getBigInt64(this.pos);
    this.pos += 8;
    if (v > BigInt(Number.MAX_SAFE_INTEGER) || v < BigInt(Number.MIN_SAFE_INTEGER)) {
      throw new MsgpackError('invalid', `msgpack: int64 ${v} is beyond the safe integer range`);
    }
    return Number(v);
  }

  value(depth: number): Decoded {
    const b = this.u8('a value');
    if (b <= 0x7f) return b;
    if (b >= 0xe0) return b - 0x100;
    if (b <= 0x8f) return this.map(b & 0x0f, depth);
    if (b <= 0x9f) return this.array(b & 0x0f, depth);
    if (b <= 0xbf) return this.take(b & 0x1f, 'fixstr');
    switch (b) {
      case 0xc0:
        return null;
      case 0xc2:
        return false;
      case 0xc3:
        return true;
      case 0xc4:
        return this.take(this.u8('bin8 length'), 'bin8');
      case 0xc5:
        return this.take(this.u16('bin16 length'), 'bin16');
      case 0xc6:
        return this.take(this.u32('bin32 length'), 'bin32');
      case 0xc7:
        return this.ext(this.u8('ext8 length'));
      case 0xc8:
        return this.ext(this.u16('ext16 length'));
      case 0xc9:
        return this.ext(this.u32('ext32 length'));
      case 0xca: {
        this.need(4, 'float32');
        const f = this.view.getFloat32(this.pos);
        this.pos += 4;
        return new MsgpackFloat(f);
      }
      case 0xcb: {
        this.need(8, 'float64');
        const f = this.view.getFloat64(this.pos);
        this.pos += 8;
        return new MsgpackFloat(f);
      }
      case 0xcc:
        return this.u8('uint8');
      case 0xcd:
        return this.u16('uint16');
      case 0xce:
        return this.u32('uint32');
      case 0xcf:
        return this.uint64();
      case 0xd0: {
        this.need(1, 'int8');
        return this.view.getInt8(this.pos++);
      }
      case 0xd1: {
        this.need(2, 'int16');
        const v = this.view.getInt16(this.pos);
        this.pos += 2;
        return v;
      }
      case 0xd2: {
        this.need(4, 'int32');
        const v = this.view.getInt32(this.pos);
        this.pos += 4;
        return v;
      }
      case 0xd3:
        return this.int64();
      case 0xd4:
        return this.ext(1);
      case 0xd5:
        return this.ext(2);
      case 0xd6:
        return this.ext(4);
      case 0xd7:
        return this.ext(8);
      case 0xd8:
        return this.ext(16);
      case 0xd9:
        return this.take(this.u8('str8 length'), 'str8');
      case 0xda:
        return this.take(this.u16('str16 length'), 'str16');
      case 0xdb:
        return this.take(this.u32('str32 length'), 'str32');
      case 0xdc:
        return this.array(this.u16('array16 length'), depth);
      case 0xdd:
        return this.array(this.u32('array32 length'), depth);
      case 0xde:
        return this.map(this.u16('map16 length'), depth);
      case 0xdf:
        return this.map(this.u32('map32 length'), depth);
      default:
        // Only 0xc1 is left: "never used" in every version of the spec.
        throw new MsgpackError(
          'invalid',
          `msgpack: 0x${b.toString(16)} is not a type at offset ${this.pos - 1}`,
        );
    }
  }

  private ext(length: number): MsgpackExt {
    this.need(1, 'ext type');
    const t = this.view.getInt8(this.pos++);
    return new MsgpackExt(t, this.take(length, 'ext data'));
  }

  /** Checks a declared entry count against the limits and the bytes left. */
  private checkCount(count: number, bytesPerItem: number, what: string, depth: number): void {
    if (depth >= this.limits.maxDepth) {
      throw new MsgpackError('invalid', `msgpack: nesting deeper than ${this.limits.maxDepth}`);
    }
    if (count > this.limits.maxItems) {
      throw new MsgpackError(
        'invalid',
        `msgpack: ${what} of ${count} entries is over the limit of ${this.limits.maxItems}`,
      );
    }
    // Every entry takes at least one byte per value: a count the input
    // cannot hold is truncated before we loop over it.
    this.need(count * bytesPerItem, what);
  }

  private array(count: number, depth: number): Decoded[] {
    this.checkCount(count, 1, 'array', depth);
    const out: Decoded[] = [];
    for (let i = 0; i < count; i++) out.push(this.value(depth + 1));
    return out;
  }

  private map(count: number, depth: number): Map<string, Decoded> {
    this.checkCount(count, 2, 'map', depth);
    const out = new Map<string, Decoded>();
    for (let i = 0; i < count; i++) {
      const keyAt = this.pos;
      const key = this.value(depth + 1);
      if (!(key instanceof Uint8Array)) {
        throw new MsgpackError('invalid', `msgpack: map key at offset ${keyAt} is not a string`);
      }
      // A repeated key overwrites, as it does when Go decodes into a struct.
      out.set(utf8(key), this.value(depth + 1));
    }
    return out;
  }
}
