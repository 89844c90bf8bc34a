/** MessageReader: cutting a TCP byte stream into messages, failing early on a bad header. */
import { expect } from 'chai';
import { MessageReader, type ReadResult } from '../../src/bgp/index.js';
import { GOLDEN_MESSAGES, KEEPALIVE, MARKER, UPDATE_V6, hexBytes } from './fixtures.js';
import { hex } from './helpers.js';

function drain(reader: MessageReader): ReadResult[] {
  const out: ReadResult[] = [];
  for (let r = reader.next(); r !== null; r = reader.next()) {
    out.push(r);
    if (r.kind === 'error') break;
  }
  return out;
}

function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

describe('bgp MessageReader', () => {
  const stream = concat(GOLDEN_MESSAGES);

  it('returns every message of a stream pushed in one chunk, as views of it', () => {
    const reader = new MessageReader();
    reader.push(stream);
    const results = drain(reader);
    expect(results.map((r) => (r.kind === 'message' ? hex(r.bytes) : 'error'))).to.deep.equal(
      GOLDEN_MESSAGES.map(hex),
    );
    for (const r of results)
      if (r.kind === 'message') expect(r.bytes.buffer).to.equal(stream.buffer);
    expect(reader.bufferedBytes).to.equal(0);
  });

  it('returns the same messages when the stream arrives a byte at a time or in odd chunks', () => {
    for (const size of [1, 2, 7, 18, 19, 20, 100]) {
      const reader = new MessageReader();
      const got: string[] = [];
      for (let at = 0; at < stream.length; at += size) {
        reader.push(stream.subarray(at, at + size));
        for (const r of drain(reader)) got.push(r.kind === 'message' ? hex(r.bytes) : 'error');
      }
      expect(got, `chunks of ${size}`).to.deep.equal(GOLDEN_MESSAGES.map(hex));
    }
  });

  it('waits for the rest of a message', () => {
    const reader = new MessageReader();
    reader.push(UPDATE_V6.subarray(0, 30));
    expect(reader.next()).to.equal(null);
    reader.push(UPDATE_V6.subarray(30));
    expect(reader.next()).to.deep.equal({ kind: 'message', bytes: UPDATE_V6 });
    expect(reader.next()).to.equal(null);
  });

  it('fails on a bad marker byte as soon as it arrives: 1/1', () => {
    const reader = new MessageReader();
    reader.push(hexBytes('ff ff 00'));
    const result = reader.next();
    expect(result?.kind === 'error' && [result.error.code, result.error.subcode]).to.deep.equal([
      1, 1,
    ]);
  });

  it('fails on a bad length without waiting for the bytes it promises: 1/2, data = length', () => {
    for (const length of ['00 12', '10 01', 'ff ff']) {
      const reader = new MessageReader();
      reader.push(hexBytes(MARKER, length));
      const result = reader.next();
      if (result?.kind !== 'error') throw new Error('expected an error');
      expect([result.error.code, result.error.subcode, hex(result.error.data)]).to.deep.equal([
        1,
        2,
        hex(hexBytes(length)),
      ]);
    }
  });

  it('stays failed, and ignores later bytes', () => {
    const reader = new MessageReader();
    reader.push(KEEPALIVE);
    reader.push(hexBytes('00'));
    expect(reader.next()?.kind).to.equal('message');
    const first = reader.next();
    expect(first?.kind).to.equal('error');
    reader.push(KEEPALIVE);
    expect(reader.next()).to.deep.equal(first);
    expect(reader.bufferedBytes).to.equal(0);
  });

  it('leaves type checks to decodeMessage', () => {
    const reader = new MessageReader();
    reader.push(hexBytes(MARKER, '00 13', '09'));
    expect(reader.next()?.kind).to.equal('message');
  });
});
