/**
 * Holds our decoding against the captures' decoded text, layer by layer:
 * CRC value, compound lengths, compress sizes, message fields. The framing
 * bytes are read here with independent means where one exists (node:zlib's
 * CRC-32, @msgpack/msgpack for the compress struct) so that a shared
 * misunderstanding in our codec cannot pass.
 */
import { crc32 } from 'node:zlib';
import { decode as referenceDecode } from '@msgpack/msgpack';
import { expect } from 'chai';
import { checkCrc, splitCompound } from '../src/framing.js';
import { lzwCompress, lzwDecompress } from '../src/lzw.js';
import { decodeMessage } from '../src/messages.js';
import {
  MessageType,
  type Message,
  type PacketMessage,
  type PushNodeState,
  type PushPull,
} from '../src/types.js';
import type { Fields, Node, Value } from './decodings.js';

type Comparable = Record<string, string | number | boolean | null>;

function comparable(fields: Fields): Comparable {
  const out: Comparable = {};
  for (const [k, v] of Object.entries(fields)) {
    out[k] = v instanceof Uint8Array ? `0x${Buffer.from(v).toString('hex')}` : v;
  }
  return out;
}

const bytesOf = (b: Uint8Array | readonly number[]): Uint8Array => Uint8Array.from(b);

/** The names memberlist's Go structs give our fields (net.go). */
export function goFields(m: Message): Fields {
  const replyTo = (r: { sourceAddr?: Uint8Array; sourcePort?: number; sourceNode?: string }) => ({
    ...(r.sourceAddr !== undefined ? { SourceAddr: r.sourceAddr } : {}),
    ...(r.sourcePort !== undefined ? { SourcePort: r.sourcePort } : {}),
    ...(r.sourceNode !== undefined ? { SourceNode: r.sourceNode } : {}),
  });
  switch (m.type) {
    case MessageType.ping:
      return { SeqNo: m.seqNo, Node: m.node, ...replyTo(m) };
    case MessageType.indirectPing:
      return {
        SeqNo: m.seqNo,
        Target: m.target,
        Port: m.port,
        Node: m.node,
        Nack: m.nack,
        ...replyTo(m),
      };
    case MessageType.ack:
      return { SeqNo: m.seqNo, Payload: m.payload };
    case MessageType.nack:
      return { SeqNo: m.seqNo };
    case MessageType.suspect:
    case MessageType.dead:
      return { Incarnation: m.incarnation, Node: m.node, From: m.from };
    case MessageType.alive:
      return {
        Incarnation: m.incarnation,
        Node: m.node,
        Addr: m.addr,
        Port: m.port,
        Meta: m.meta,
        Vsn: bytesOf(m.vsn),
      };
    case MessageType.err:
      return { Error: m.error };
    case MessageType.user:
      return { Data: m.data };
    case MessageType.pushPull:
      return { Join: m.join, Nodes: m.nodes.length, UserStateLen: m.userState.length };
  }
}

export function recordFields(n: PushNodeState): Fields {
  return {
    Addr: n.addr,
    Incarnation: n.incarnation,
    Meta: n.meta,
    Name: n.name,
    Port: n.port,
    State: n.state,
    Vsn: bytesOf(n.vsn),
  };
}

const NAMES: Record<number, string> = Object.fromEntries(
  Object.entries(MessageType).map(([name, type]) => [type, name]),
);

export function expectFields(actual: Fields, expected: Fields, where: string): void {
  expect(comparable(actual), where).to.deep.equal(comparable(expected));
}

/** Reads a compress struct with @msgpack/msgpack and checks both LZW directions. */
function expectCompressLayer(
  bytes: Uint8Array,
  layer: { algo: number; compressedLength: number; length: number },
  where: string,
): Uint8Array {
  expect(bytes[0], where).to.equal(MessageType.compress);
  const struct = referenceDecode(bytes.subarray(1), { rawStrings: true }) as Record<string, Value>;
  expect(Object.keys(struct).sort(), where).to.deep.equal(['Algo', 'Buf']);
  expect(struct['Algo'], where).to.equal(layer.algo);
  const buf = struct['Buf'];
  if (!(buf instanceof Uint8Array)) return expect.fail(`${where}: Buf is not bytes`);
  expect(buf.length, where).to.equal(layer.compressedLength);
  const inflated = lzwDecompress(buf, 1 << 20);
  expect(inflated.length, where).to.equal(layer.length);
  // Go's lzw writer produced Buf from exactly these bytes: ours must too.
  expect(Buffer.from(lzwCompress(inflated)).equals(buf), `${where}: recompressed`).to.equal(true);
  return inflated;
}

/**
 * Walks a plaintext UDP payload along its decoding and returns the messages
 * at the leaves, in order, checked against the text.
 */
export function expectPacketTree(bytes: Uint8Array, node: Node, where: string): PacketMessage[] {
  const layer = node.layer;
  switch (layer.kind) {
    case 'hasCrc': {
      expect(bytes[0], where).to.equal(MessageType.hasCrc);
      expect(layer.ok, where).to.equal(true);
      const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
      expect(view.getUint32(1), where).to.equal(layer.crc);
      expect(crc32(bytes.subarray(5)) >>> 0, where).to.equal(layer.crc);
      const inner = checkCrc(bytes);
      if (inner === null) return expect.fail(`${where}: checkCrc refused a good CRC`);
      return expectOnlyChild(inner, node, `${where} > hasCrc`);
    }
    case 'compound': {
      expect(bytes[0], where).to.equal(MessageType.compound);
      const { parts, truncated } = splitCompound(bytes.subarray(1));
      expect(truncated, where).to.equal(0);
      expect(
        parts.map((p) => p.length),
        where,
      ).to.deep.equal(layer.lengths);
      expect(node.children.length, where).to.equal(parts.length);
      return parts.flatMap((p, i) =>
        expectPacketTree(p, node.children[i] as Node, `${where} > compound[${i}]`),
      );
    }
    case 'compress': {
      const inflated = expectCompressLayer(bytes, layer, where);
      return expectOnlyChild(inflated, node, `${where} > compress`);
    }
    case 'message': {
      const m = decodeMessage(bytes);
      expect(NAMES[m.type], where).to.equal(layer.name);
      expectFields(goFields(m), layer.fields, where);
      return [m];
    }
    default:
      return expect.fail(`${where}: unexpected ${layer.kind} in a packet`);
  }
}

function expectOnlyChild(bytes: Uint8Array, node: Node, where: string): PacketMessage[] {
  expect(node.children.length, where).to.equal(1);
  return expectPacketTree(bytes, node.children[0] as Node, where);
}

/**
 * Checks a plaintext TCP stream's layers (compress, then the push/pull
 * header and records) against the text, and our decoded push/pull against
 * the same text.
 */
export function expectStreamTree(
  bytes: Uint8Array,
  node: Node,
  decoded: PushPull,
  where: string,
): void {
  let pushPull = node;
  if (node.layer.kind === 'compress') {
    expectCompressLayer(bytes, node.layer, where);
    expect(node.children.length, where).to.equal(1);
    pushPull = node.children[0] as Node;
  }
  if (pushPull.layer.kind !== 'pushPull') return expect.fail(`${where}: no push/pull in the text`);
  expectFields(goFields(decoded), pushPull.layer.header, `${where} header`);
  expect(pushPull.children.length, where).to.equal(decoded.nodes.length);
  pushPull.children.forEach((child, i) => {
    if (child.layer.kind !== 'pushNodeState') return expect.fail(`${where}: record ${i}`);
    expectFields(
      recordFields(decoded.nodes[i] as PushNodeState),
      child.layer.fields,
      `${where} #${i}`,
    );
  });
}
