/**
 * The test helper that reads the captures: a synthetic pcap with UDP, TCP
 * segments out of order, a retransmission and Ethernet padding, built here
 * from the file format (libpcap) and RFC 791/768/793 headers.
 */
import { expect } from 'chai';
import { parsePcap } from './support/pcap.js';

function u16(n: number): number[] {
  return [(n >> 8) & 0xff, n & 0xff];
}
function u32(n: number): number[] {
  return [(n >>> 24) & 0xff, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff];
}
function le32(n: number): number[] {
  return [n & 0xff, (n >>> 8) & 0xff, (n >>> 16) & 0xff, (n >>> 24) & 0xff];
}

function frame(protocol: number, l4: number[], pad = 0): number[] {
  const ip = [
    0x45,
    0,
    ...u16(20 + l4.length),
    0,
    0,
    0x40,
    0,
    64,
    protocol,
    0,
    0,
    ...[192, 0, 2, 1],
    ...[192, 0, 2, 2],
  ];
  const ether = [...new Array<number>(12).fill(0), 0x08, 0x00];
  return [...ether, ...ip, ...l4, ...new Array<number>(pad).fill(0xee)];
}

function udp(src: number, dst: number, payload: number[]): number[] {
  return frame(17, [...u16(src), ...u16(dst), ...u16(8 + payload.length), 0, 0, ...payload], 6);
}

function tcp(seq: number, flags: number, payload: number[]): number[] {
  return frame(6, [
    ...u16(40000),
    ...u16(7946),
    ...u32(seq),
    ...u32(0),
    0x50,
    flags,
    ...u16(65535),
    0,
    0,
    0,
    0,
    ...payload,
  ]);
}

function pcap(frames: number[][]): Uint8Array {
  const out = [...le32(0xa1b2c3d4), 2, 0, 4, 0, ...le32(0), ...le32(0), ...le32(65535), ...le32(1)];
  frames.forEach((f, i) =>
    out.push(...le32(100 + i), ...le32(500), ...le32(f.length), ...le32(f.length), ...f),
  );
  return Uint8Array.from(out);
}

describe('test support: pcap reader', () => {
  it('returns UDP payloads without Ethernet padding, with endpoints and times', () => {
    const { udp: datagrams, tcp: streams } = parsePcap(pcap([udp(7946, 7947, [1, 2, 3])]));
    expect(streams).to.deep.equal([]);
    expect(datagrams).to.have.length(1);
    expect(datagrams[0]).to.deep.include({
      time: 100.0005,
      src: { ip: '192.0.2.1', port: 7946 },
      dst: { ip: '192.0.2.2', port: 7947 },
    });
    expect(Array.from(datagrams[0]?.payload ?? [])).to.deep.equal([1, 2, 3]);
  });

  it('reassembles TCP in sequence order and skips retransmitted bytes', () => {
    const isn = 0xfffffffe; // sequence numbers wrap inside the stream
    const frames = [
      tcp(isn, 0x02, []), // SYN
      tcp(isn + 4, 0x18, [4, 5, 6]), // arrives before its predecessor
      tcp(isn + 1, 0x18, [1, 2, 3]),
      tcp(isn + 1, 0x18, [1, 2, 3]), // retransmission
      tcp(isn + 3, 0x18, [3, 4]), // overlapping retransmission
      tcp(isn + 7, 0x11, [7]), // FIN with data
    ];
    const { tcp: streams } = parsePcap(pcap(frames));
    expect(streams).to.have.length(1);
    expect(Array.from(streams[0]?.data ?? [])).to.deep.equal([1, 2, 3, 4, 5, 6, 7]);
    expect(streams[0]?.src).to.deep.equal({ ip: '192.0.2.1', port: 40000 });
  });
});
