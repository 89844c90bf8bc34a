/**
 * Encryption against enc.pcap (sealed by Go memberlist with the v0.9 key of
 * the secret `abcdefghijklmnopqrstuvwx`), and against node:crypto used
 * directly for what the capture lacks (version 0 padding, other key sizes).
 */
import { createCipheriv } from 'node:crypto';
import { expect } from 'chai';
import fc from 'fast-check';
import { decodePacket, decodeStreamMessage } from '../src/codec.js';
import {
  Keyring,
  decryptPacket,
  decryptStream,
  encryptPacket,
  encryptStream,
  encryptionOverhead,
  v09SecretKey,
} from '../src/security.js';
import { MessageType } from '../src/types.js';
import { ENC_KEY, ENC_SECRET, captureSamples } from './captures.js';

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const text = (s: string): Uint8Array => new TextEncoder().encode(s);

describe('security: the v0.9 key', () => {
  it('is the first 16 bytes of secret || sha256("") (docs/MEMBERLIST.md examples)', () => {
    const key = (s: string) => {
      const k = v09SecretKey(s);
      return k === null ? null : hex(k);
    };
    expect(key('abc')).to.equal('616263e3b0c44298fc1c149afbf4c899');
    expect(key(ENC_SECRET)).to.equal(hex(text('abcdefghijklmnop')));
    expect(key('abcdefghijklmnop')).to.equal(hex(text('abcdefghijklmnop')));
    // sha256("") = e3b0c442 98fc1c14 9afbf4c8 996fb924 27ae41e4 649b934c a495991b 7852b855
    expect(key('')).to.equal(null);
    expect(key('a')).to.equal('61e3b0c44298fc1c149afbf4c8996fb9');
  });

  it("takes the secret's bytes as Go's string holds them, UTF-8 or not", () => {
    const key = (b: Uint8Array) => {
      const k = v09SecretKey(b);
      return k === null ? null : hex(k);
    };
    expect(key(text('abc'))).to.equal('616263e3b0c44298fc1c149afbf4c899');
    expect(key(new Uint8Array([0xff]))).to.equal('ffe3b0c44298fc1c149afbf4c8996fb9');
    expect(key(new Uint8Array(0))).to.equal(null);
  });
});

describe('security: keyring', () => {
  it('takes 16, 24 and 32-byte keys, primary first, and nothing else', () => {
    const ring = new Keyring([new Uint8Array(24), new Uint8Array(16).fill(1), new Uint8Array(32)]);
    expect(ring.primary).to.have.length(24);
    expect(ring.keys).to.have.length(3);
    for (const bad of [0, 8, 15, 17, 31, 33, 64]) {
      expect(() => new Keyring([new Uint8Array(bad)]), `${bad}`).to.throw(RangeError);
    }
    expect(() => new Keyring([])).to.throw(RangeError);
  });

  it('overhead matches memberlist encryptOverhead', () => {
    expect(encryptionOverhead(1)).to.equal(29);
    expect(encryptionOverhead(0)).to.equal(45);
  });
});

describe('security: enc.pcap', () => {
  const samples = captureSamples('enc');
  const ring = new Keyring([ENC_KEY]);

  for (const s of samples) {
    it(`opens ${s.name}, and sealing with its nonce gives the same bytes`, () => {
      const [first] = s.nodes;
      if (s.transport === 'UDP') {
        if (first?.layer.kind !== 'encrypted') return expect.fail('no encrypted line');
        expect(s.wire[0]).to.equal(first.layer.version);
        const plain = decryptPacket(ring, s.wire);
        if (plain === null) return expect.fail('did not open');
        expect(plain.length).to.equal(first.layer.plaintextLength);
        expect(decodePacket(plain).dropped).to.equal(0); // the structure: codec.test.ts
        expect(hex(encryptPacket(ENC_KEY, plain, s.wire.subarray(1, 13)))).to.equal(hex(s.wire));
      } else {
        if (first?.layer.kind !== 'encryptedStream') return expect.fail('no encrypt line');
        const view = new DataView(s.wire.buffer, s.wire.byteOffset, s.wire.byteLength);
        expect(s.wire[0]).to.equal(MessageType.encrypt);
        expect(view.getUint32(1)).to.equal(first.layer.length);
        expect(s.wire[5]).to.equal(first.layer.version);
        const opened = decryptStream(ring, s.wire);
        if (typeof opened === 'string' || !('plaintext' in opened))
          return expect.fail(JSON.stringify(opened));
        expect(opened.consumed).to.equal(s.wire.length);
        expect(opened.plaintext.length).to.equal(first.layer.plaintextLength);
        expect(decodeStreamMessage(opened.plaintext)).to.not.equal('incomplete');
        expect(hex(encryptStream(ENC_KEY, opened.plaintext, s.wire.subarray(6, 18)))).to.equal(
          hex(s.wire),
        );
        for (let n = 0; n < s.wire.length; n++) {
          expect(decryptStream(ring, s.wire.subarray(0, n)), `prefix ${n}`).to.equal('incomplete');
        }
      }
    });
  }

  it('a wrong key opens nothing; a ring tries every key', () => {
    const wrong = new Keyring([v09SecretKey('abc') ?? new Uint8Array(16)]);
    const both = new Keyring([new Uint8Array(32), ENC_KEY]);
    for (const s of samples) {
      if (s.transport === 'UDP') {
        expect(decryptPacket(wrong, s.wire)).to.equal(null);
        expect(decryptPacket(both, s.wire)).to.not.equal(null);
      } else {
        expect(decryptStream(wrong, s.wire)).to.deep.equal({ error: 'no key opens the stream' });
        expect(decryptStream(both, s.wire)).to.have.property('plaintext');
      }
    }
  });

  it('any flipped byte makes a packet or a stream unreadable', () => {
    const ring1 = ring;
    const udp = samples.find((s) => s.transport === 'UDP' && s.wire.length < 100);
    const tcp = samples.find((s) => s.transport === 'TCP');
    if (udp === undefined || tcp === undefined) return expect.fail('samples');
    for (let i = 0; i < udp.wire.length; i++) {
      const copy = Uint8Array.from(udp.wire);
      copy[i] = (copy[i] ?? 0) ^ 0x01;
      expect(decryptPacket(ring1, copy), `byte ${i}`).to.equal(null);
    }
    for (let i = 0; i < tcp.wire.length; i++) {
      const copy = Uint8Array.from(tcp.wire);
      copy[i] = (copy[i] ?? 0) ^ 0x80;
      const r = decryptStream(ring1, copy);
      // The length field may now promise more than there is (wait) or too much (error).
      if (r !== 'incomplete') expect(r, `byte ${i}`).to.have.property('error');
    }
  });
});

describe('security: what the capture does not show', () => {
  const key = ENC_KEY;
  const nonce = Uint8Array.from({ length: 12 }, (_, i) => i + 1);

  /** memberlist's version 0, built from the description: PKCS#7 pad to 16, then seal. */
  function sealV0ByHand(k: Uint8Array, plaintext: Uint8Array, aad?: Uint8Array): Uint8Array {
    const pad = 16 - (plaintext.length % 16);
    const padded = Buffer.concat([plaintext, Buffer.alloc(pad, pad)]);
    const cipher = createCipheriv(`aes-${k.length * 8}-gcm` as 'aes-128-gcm', k, nonce);
    if (aad !== undefined) cipher.setAAD(aad);
    const body = Buffer.concat([cipher.update(padded), cipher.final()]);
    return Uint8Array.from(Buffer.concat([Buffer.of(0), nonce, body, cipher.getAuthTag()]));
  }

  it('version 0 (PKCS#7 padded) seals as described and opens, for every pad length', () => {
    const ring = new Keyring([key]);
    for (let n = 0; n <= 40; n++) {
      const plain = Uint8Array.from({ length: n }, (_, i) => i);
      const sealed = encryptPacket(key, plain, nonce, 0);
      expect(hex(sealed), `${n}`).to.equal(hex(sealV0ByHand(key, plain)));
      expect(sealed.length).to.equal(encryptionOverhead(0) + n - (n % 16));
      expect(hex(decryptPacket(ring, sealed) ?? new Uint8Array([0xff]))).to.equal(hex(plain));
    }
  });

  it('version 0 with a bad pad is refused, even under the right key', () => {
    const ring = new Keyring([key]);
    // A "padded" plaintext that ends in 0x00, or in 0x11 (> block), or in a mismatched run.
    for (const tail of [[0], [0x11], [3, 2, 3]]) {
      const raw = Uint8Array.from([...new Uint8Array(16 - tail.length), ...tail]);
      const cipher = createCipheriv('aes-128-gcm', key, nonce);
      const body = Buffer.concat([cipher.update(raw), cipher.final()]);
      const sealed = Uint8Array.from(
        Buffer.concat([Buffer.of(0), nonce, body, cipher.getAuthTag()]),
      );
      expect(decryptPacket(ring, sealed), `${tail.join(',')}`).to.equal(null);
    }
  });

  it('version 1 with AES-192 and AES-256 keys, streams included', () => {
    for (const size of [24, 32]) {
      const k = Uint8Array.from({ length: size }, (_, i) => 255 - i);
      const ring = new Keyring([k]);
      const plain = text('hello memberlist');
      const sealed = encryptPacket(k, plain, nonce);
      const cipher = createCipheriv(`aes-${size * 8}-gcm` as 'aes-192-gcm', k, nonce);
      const body = Buffer.concat([cipher.update(plain), cipher.final()]);
      expect(hex(sealed)).to.equal(
        hex(Buffer.concat([Buffer.of(1), nonce, body, cipher.getAuthTag()])),
      );
      expect(decryptPacket(ring, sealed)).to.deep.equal(plain);
      const stream = encryptStream(k, plain, nonce);
      expect(decryptStream(ring, stream)).to.deep.equal({
        plaintext: plain,
        consumed: stream.length,
      });
      // Version 0 streams open too (memberlist's decryptPayload handles both).
      const header = Uint8Array.of(MessageType.encrypt, 0, 0, 0, 1 + 12 + 32 + 16);
      const v0 = Uint8Array.from([...header, ...sealV0ByHand(k, plain, header)]);
      expect(hex(encryptStream(k, plain, nonce, 0))).to.equal(hex(v0));
      expect(decryptStream(ring, v0)).to.deep.equal({ plaintext: plain, consumed: v0.length });
    }
  });

  it('a random nonce each time when none is given', () => {
    const a = encryptPacket(key, text('x'));
    const b = encryptPacket(key, text('x'));
    expect(hex(a.subarray(1, 13))).to.not.equal(hex(b.subarray(1, 13)));
  });

  it('refuses short payloads, unknown versions and oversized or plaintext streams', () => {
    const ring = new Keyring([key]);
    const sealed = encryptPacket(key, new Uint8Array(0), nonce);
    expect(sealed.length).to.equal(29);
    expect(decryptPacket(ring, sealed)).to.deep.equal(new Uint8Array(0));
    expect(decryptPacket(ring, sealed.subarray(0, 28))).to.equal(null);
    expect(decryptPacket(ring, new Uint8Array(0))).to.equal(null);
    const v2 = Uint8Array.from(sealed);
    v2[0] = 2;
    expect(decryptPacket(ring, v2)).to.equal(null);
    expect(
      decryptStream(ring, Uint8Array.of(MessageType.encrypt, 0x01, 0x40, 0x00, 0x01)),
    ).to.have.property('error');
    expect(decryptStream(ring, Uint8Array.of(MessageType.compress, 0x80))).to.deep.equal({
      error: 'the stream is not encrypted',
    });
    expect(decryptStream(ring, new Uint8Array(0))).to.equal('incomplete');
  });

  it('never throws on random bytes', () => {
    const ring = new Keyring([key]);
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 120 }), (bytes) => {
        decryptPacket(ring, bytes);
        decryptStream(ring, Uint8Array.from([MessageType.encrypt, ...bytes]));
      }),
      { seed: 3, numRuns: 1000 },
    );
  });
});
