/**
 * Reads the classic pcap files of captured traffic (libpcap format: a
 * 24-byte file header, then per packet a 16-byte record header and the
 * frame). Only what the fixtures hold: Ethernet (link type 1), IPv4, UDP
 * and TCP. UDP payloads come back in capture order; TCP payloads are
 * reassembled per direction in sequence order, retransmissions skipped.
 */
import { readFileSync } from 'node:fs';

export interface Endpoint {
  readonly ip: string;
  readonly port: number;
}

export interface UdpDatagram {
  /** Seconds since the epoch, with microseconds (or nanoseconds) as the fraction. */
  readonly time: number;
  readonly src: Endpoint;
  readonly dst: Endpoint;
  readonly payload: Uint8Array;
}

export interface TcpStream {
  /** When the first segment of this direction was captured. */
  readonly time: number;
  readonly src: Endpoint;
  readonly dst: Endpoint;
  /** Everything this direction carried, in sequence order. */
  readonly data: Uint8Array;
}

export interface Capture {
  readonly udp: UdpDatagram[];
  /** One per direction that carried data, in order of first appearance. */
  readonly tcp: TcpStream[];
}

const LINKTYPE_ETHERNET = 1;
const ETHERTYPE_IPV4 = 0x0800;
const ETHERTYPE_VLAN = 0x8100;
const PROTO_TCP = 6;
const PROTO_UDP = 17;
const TCP_SYN = 0x02;

export function endpointText(e: Endpoint): string {
  return `${e.ip}:${e.port}`;
}

interface Segment {
  readonly seq: number;
  readonly data: Uint8Array;
}

interface Flow {
  readonly time: number;
  readonly src: Endpoint;
  readonly dst: Endpoint;
  /** The sequence number of the first payload byte, once known. */
  isn: number | undefined;
  readonly segments: Segment[];
}

export function readPcap(path: string): Capture {
  return parsePcap(new Uint8Array(readFileSync(path)));
}

export function parsePcap(file: Uint8Array): Capture {
  const view = new DataView(file.buffer, file.byteOffset, file.byteLength);
  if (file.length < 24) throw new Error('pcap: file header cut off');
  const magic = view.getUint32(0, true);
  let little: boolean;
  let fractionScale: number;
  if (magic === 0xa1b2c3d4 || magic === 0xa1b23c4d) {
    little = true;
  } else if (magic === 0xd4c3b2a1 || magic === 0x4d3cb2a1) {
    little = false;
  } else {
    throw new Error(`pcap: unknown magic 0x${magic.toString(16)}`);
  }
  // 0xa1b23c4d is the nanosecond-resolution variant.
  if (magic === 0xa1b2c3d4 || magic === 0xd4c3b2a1) fractionScale = 1e6;
  else fractionScale = 1e9;
  const linkType = view.getUint32(20, little);
  if (linkType !== LINKTYPE_ETHERNET) throw new Error(`pcap: link type ${linkType} unsupported`);

  const udp: UdpDatagram[] = [];
  const flows = new Map<string, Flow>();
  let at = 24;
  while (at + 16 <= file.length) {
    const time = view.getUint32(at, little) + view.getUint32(at + 4, little) / fractionScale;
    const captured = view.getUint32(at + 8, little);
    const frameStart = at + 16;
    at = frameStart + captured;
    if (at > file.length) throw new Error('pcap: packet record cut off');
    const frame = file.subarray(frameStart, at);
    readFrame(frame, time, udp, flows);
  }
  const tcp = [...flows.values()].filter((f) => f.segments.length > 0).map(assemble);
  return { udp, tcp };
}

function ipText(bytes: Uint8Array): string {
  return Array.from(bytes).join('.');
}

function readFrame(
  frame: Uint8Array,
  time: number,
  udp: UdpDatagram[],
  flows: Map<string, Flow>,
): void {
  const view = new DataView(frame.buffer, frame.byteOffset, frame.byteLength);
  if (frame.length < 14) return;
  let etherType = view.getUint16(12);
  let ipStart = 14;
  if (etherType === ETHERTYPE_VLAN && frame.length >= 18) {
    etherType = view.getUint16(16);
    ipStart = 18;
  }
  if (etherType !== ETHERTYPE_IPV4 || frame.length < ipStart + 20) return;
  const versionIhl = view.getUint8(ipStart);
  if (versionIhl >> 4 !== 4) return;
  const ihl = (versionIhl & 0x0f) * 4;
  // The IP total length, not the frame, bounds the packet (Ethernet pads short frames).
  const totalLength = view.getUint16(ipStart + 2);
  const fragment = view.getUint16(ipStart + 6);
  if ((fragment & 0x3fff) !== 0) throw new Error('pcap: IP fragments are not supported');
  const protocol = view.getUint8(ipStart + 9);
  const srcIp = ipText(frame.subarray(ipStart + 12, ipStart + 16));
  const dstIp = ipText(frame.subarray(ipStart + 16, ipStart + 20));
  const ipEnd = Math.min(frame.length, ipStart + totalLength);
  const l4 = ipStart + ihl;
  if (protocol === PROTO_UDP && ipEnd >= l4 + 8) {
    const udpLength = view.getUint16(l4 + 4);
    udp.push({
      time,
      src: { ip: srcIp, port: view.getUint16(l4) },
      dst: { ip: dstIp, port: view.getUint16(l4 + 2) },
      payload: frame.slice(l4 + 8, Math.min(ipEnd, l4 + udpLength)),
    });
  } else if (protocol === PROTO_TCP && ipEnd >= l4 + 20) {
    const src = { ip: srcIp, port: view.getUint16(l4) };
    const dst = { ip: dstIp, port: view.getUint16(l4 + 2) };
    const seq = view.getUint32(l4 + 4);
    const dataOffset = (view.getUint8(l4 + 12) >> 4) * 4;
    const flags = view.getUint8(l4 + 13);
    const key = `${endpointText(src)}>${endpointText(dst)}`;
    let flow = flows.get(key);
    if (flow === undefined) {
      flow = { time, src, dst, isn: undefined, segments: [] };
      flows.set(key, flow);
    }
    if ((flags & TCP_SYN) !== 0) flow.isn = (seq + 1) >>> 0;
    const data = frame.slice(l4 + dataOffset, ipEnd);
    if (data.length > 0) flow.segments.push({ seq, data });
  }
}

/** Lays the segments out by sequence number relative to the first byte. */
function assemble(flow: Flow): TcpStream {
  const first = flow.segments[0];
  const base = flow.isn ?? first?.seq ?? 0;
  const placed = flow.segments
    .map((s) => ({ offset: (s.seq - base) >>> 0, data: s.data }))
    .sort((a, b) => a.offset - b.offset);
  const chunks: Uint8Array[] = [];
  let next = 0;
  for (const { offset, data } of placed) {
    if (offset > next) throw new Error(`pcap: TCP ${flow.src.port}->${flow.dst.port} misses bytes`);
    // A retransmission repeats bytes we have: keep only what is new.
    if (offset + data.length <= next) continue;
    chunks.push(data.subarray(next - offset));
    next = offset + data.length;
  }
  const out = new Uint8Array(next);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return { time: flow.time, src: flow.src, dst: flow.dst, data: out };
}
