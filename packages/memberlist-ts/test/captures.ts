/**
 * The captured memberlist traffic paired with its decodings: every UDP
 * payload and TCP stream of plain.pcap, mixed4.pcap and enc.pcap next to
 * the entry of the matching .txt, and every vector of vectors.txt.
 */
import { join } from 'node:path';
import { VECTORS } from './support/paths.js';
import { endpointText, readPcap } from './support/pcap.js';
import { readDecodings, type Entry, type Node } from './decodings.js';

/** The secret of enc.pcap, and the v0.9 key it gives. */
export const ENC_SECRET = 'abcdefghijklmnopqrstuvwx';
export const ENC_KEY = new TextEncoder().encode('abcdefghijklmnop');

export interface Sample {
  /** For test titles: file, transport, index, endpoints. */
  readonly name: string;
  readonly transport: 'UDP' | 'TCP';
  /** What went over the wire (encrypted in enc.pcap). */
  readonly wire: Uint8Array;
  readonly encrypted: boolean;
  /** The decoding's tree: for encrypted UDP the first node is the `encrypted` line. */
  readonly nodes: Node[];
}

export function captureSamples(file: 'plain' | 'mixed4' | 'enc'): Sample[] {
  const capture = readPcap(join(VECTORS, `${file}.pcap`));
  const entries = readDecodings(join(VECTORS, `${file}.txt`));
  const udpEntries = entries.filter((e) => e.transport === 'UDP');
  const tcpEntries = entries.filter((e) => e.transport === 'TCP');
  if (udpEntries.length !== capture.udp.length || tcpEntries.length !== capture.tcp.length) {
    throw new Error(
      `${file}: ${capture.udp.length} UDP / ${capture.tcp.length} TCP in the pcap, ` +
        `${udpEntries.length} / ${tcpEntries.length} in the text`,
    );
  }
  const samples: Sample[] = [];
  const check = (entry: Entry, src: string, dst: string, length: number, what: string): void => {
    if (entry.src !== src || entry.dst !== dst || entry.length !== length) {
      throw new Error(
        `${what}: pcap ${src} -> ${dst} ${length}B vs text ${entry.src} -> ${entry.dst} ${entry.length}B`,
      );
    }
  };
  capture.udp.forEach((d, i) => {
    const entry = udpEntries[i] as Entry;
    const src = endpointText(d.src);
    const dst = endpointText(d.dst);
    check(entry, src, dst, d.payload.length, `${file} UDP #${i}`);
    if (Math.abs((entry.time ?? 0) - d.time) > 1e-5) throw new Error(`${file} UDP #${i}: time`);
    samples.push({
      name: `${file} UDP #${i} ${src} -> ${dst} ${d.payload.length}B`,
      transport: 'UDP',
      wire: d.payload,
      encrypted: file === 'enc',
      nodes: entry.nodes,
    });
  });
  capture.tcp.forEach((s, i) => {
    const entry = tcpEntries[i] as Entry;
    const src = endpointText(s.src);
    const dst = endpointText(s.dst);
    check(entry, src, dst, s.data.length, `${file} TCP #${i}`);
    samples.push({
      name: `${file} TCP #${i} ${src} -> ${dst} ${s.data.length}B`,
      transport: 'TCP',
      wire: s.data,
      encrypted: file === 'enc',
      nodes: entry.nodes,
    });
  });
  return samples;
}

export function vectorSamples(): Sample[] {
  return readDecodings(join(VECTORS, 'vectors.txt')).map((e, i) => {
    if (e.bytes === undefined || e.bytes.length !== e.length) throw new Error(`vector #${i}`);
    return {
      name: `vectors.txt #${i} (${e.transport}) ${e.length}B`,
      transport: 'UDP' as const,
      wire: e.bytes,
      encrypted: false,
      nodes: e.nodes,
    };
  });
}

export function allSamples(): Sample[] {
  return [
    ...vectorSamples(),
    ...captureSamples('plain'),
    ...captureSamples('mixed4'),
    ...captureSamples('enc'),
  ];
}
