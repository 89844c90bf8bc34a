/**
 * The push/pull exchange (memberlist `sendLocalState` / `readRemoteState`):
 * type byte 6, a `pushPullHeader{Join, Nodes, UserStateLen}` map, `Nodes`
 * `pushNodeState` maps, then `UserStateLen` raw bytes of delegate state.
 */
import type { ByteWriter } from './bytes.js';
import { CodecError } from './errors.js';
import {
  asStruct,
  readBool,
  readBytes,
  readBytesOrNull,
  readCount,
  readString,
  readUint,
  readVsn,
} from './fields.js';
import { checkUint, vsnBytes } from './messages.js';
import { decodeValue, writeValue, type DecodeLimits } from './msgpack.js';
import { MessageType, type NodeState, type PushNodeState, type PushPull } from './types.js';

/** memberlist's `maxPushStateBytes`: the most a stream may carry. */
export const MAX_STREAM_BYTES = 20 * 1024 * 1024;
/** The most push/pull records we accept (memberlist sets none; a record is ~60 bytes). */
export const MAX_PUSH_NODES = 100_000;

const STREAM_LIMITS: Partial<DecodeLimits> = { maxDepth: 4, maxBytes: MAX_STREAM_BYTES };

export function writePushPull(w: ByteWriter, m: PushPull): void {
  w.u8(MessageType.pushPull);
  writeValue(w, { Join: m.join, Nodes: m.nodes.length, UserStateLen: m.userState.length });
  for (const n of m.nodes) {
    writeValue(w, {
      Addr: n.addr,
      Incarnation: checkUint(n.incarnation, 0xffffffff, 'Incarnation'),
      Meta: n.meta,
      Name: n.name,
      Port: checkUint(n.port, 0xffff, 'Port'),
      State: checkUint(n.state, 3, 'State'),
      Vsn: vsnBytes(n.vsn),
    });
  }
  // Go writes the user state only when the delegate returned some.
  w.bytes(m.userState);
}

function isNodeState(n: number): n is NodeState {
  return n === 0 || n === 1 || n === 2 || n === 3;
}

function readRecord(bytes: Uint8Array, offset: number): { node: PushNodeState; end: number } {
  const { value, end } = decodeValue(bytes, offset, STREAM_LIMITS);
  const w = 'pushNodeState';
  const s = asStruct(value, w);
  const state = readUint(s, 'State', Number.MAX_SAFE_INTEGER, w);
  if (!isNodeState(state)) throw new CodecError('invalid', `${w}.State: unknown state ${state}`);
  const node: PushNodeState = {
    name: readString(s, 'Name', w),
    addr: readBytes(s, 'Addr', w),
    port: readUint(s, 'Port', 0xffff, w),
    meta: readBytesOrNull(s, 'Meta', w),
    incarnation: readUint(s, 'Incarnation', 0xffffffff, w),
    state,
    vsn: readVsn(s, 'Vsn', w),
  };
  return { node, end };
}

/**
 * Reads a push/pull whose header starts at `offset` (just after the type
 * byte). Throws `CodecError`: `truncated` if the bytes end early (a stream
 * reader waits for more), `too-large` past our limits, `invalid` otherwise.
 */
export function readPushPull(
  bytes: Uint8Array,
  offset: number,
): { message: PushPull; end: number } {
  const header = decodeValue(bytes, offset, STREAM_LIMITS);
  const h = asStruct(header.value, 'pushPullHeader');
  const count = readCount(h, 'Nodes', 'pushPullHeader');
  const userStateLen = readCount(h, 'UserStateLen', 'pushPullHeader');
  const join = readBool(h, 'Join', 'pushPullHeader');
  if (count > MAX_PUSH_NODES) {
    throw new CodecError('too-large', `push/pull of ${count} nodes (at most ${MAX_PUSH_NODES})`);
  }
  if (userStateLen > MAX_STREAM_BYTES) {
    throw new CodecError('too-large', `push/pull user state of ${userStateLen} bytes`);
  }
  let at = header.end;
  const nodes: PushNodeState[] = [];
  for (let i = 0; i < count; i++) {
    const { node, end } = readRecord(bytes, at);
    nodes.push(node);
    at = end;
  }
  if (bytes.length - at < userStateLen) {
    throw new CodecError('truncated', 'push/pull user state is cut off');
  }
  const userState = bytes.slice(at, at + userStateLen);
  return {
    message: { type: MessageType.pushPull, join, nodes, userState },
    end: at + userStateLen,
  };
}
