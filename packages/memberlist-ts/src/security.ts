/**
 * memberlist's encryption (security.go, keyring.go) and MetalLB v0.9's key.
 *
 * A sealed payload is a version byte, a random 12-byte nonce, then AES-GCM
 * ciphertext with its 16-byte tag. Version 1 (what every node at protocol
 * >= 2 sends) seals the plaintext as is; version 0 first pads it PKCS#7 to
 * the 16-byte block. UDP payloads are sealed without associated data; a
 * TCP stream is `0x0A`, a big-endian u32 length L, then L sealed bytes, and
 * those first 5 bytes are the associated data. The key length picks
 * AES-128/192/256; a receiver tries every key in its ring.
 */
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { MAX_STREAM_BYTES } from './pushpull.js';
import { MessageType } from './types.js';

const NONCE_SIZE = 12;
const TAG_SIZE = 16;
const BLOCK_SIZE = 16;
const HEADER_SIZE = 5; // 0x0A + u32 length, for streams

export type EncryptionVersion = 0 | 1;

/**
 * The key MetalLB v0.9 derives from its memberlist secret: it appends
 * sha256("") to the secret (Go's `sha256.New().Sum(secret)`, meant as a
 * hash of the secret) and keeps the first 16 bytes. So a secret of 16 bytes
 * or more is its own first 16 bytes, a shorter one is padded with the
 * digest of nothing. An empty secret means no encryption. Go's string is
 * bytes: give the secret's bytes where they may not be UTF-8 (from the
 * environment); text is taken as its UTF-8 bytes.
 */
export function v09SecretKey(secret: string | Uint8Array): Uint8Array | null {
  if (secret.length === 0) return null;
  const material = Buffer.concat([
    typeof secret === 'string' ? Buffer.from(secret, 'utf8') : secret,
    createHash('sha256').update(new Uint8Array(0)).digest(),
  ]);
  return new Uint8Array(material.subarray(0, 16));
}

function cipherName(key: Uint8Array): 'aes-128-gcm' | 'aes-192-gcm' | 'aes-256-gcm' {
  switch (key.length) {
    case 16:
      return 'aes-128-gcm';
    case 24:
      return 'aes-192-gcm';
    case 32:
      return 'aes-256-gcm';
    default:
      throw new RangeError(`memberlist: a key must be 16, 24 or 32 bytes, not ${key.length}`);
  }
}

/** The keys a node accepts; the first (primary) one seals what it sends. */
export class Keyring {
  readonly keys: readonly Uint8Array[];

  /** Throws RangeError without keys or for a key that is not 16, 24 or 32 bytes. */
  constructor(keys: readonly Uint8Array[]) {
    if (keys.length === 0) throw new RangeError('memberlist: a keyring needs a key');
    for (const k of keys) cipherName(k);
    this.keys = keys.map((k) => new Uint8Array(k));
  }

  get primary(): Uint8Array {
    const [first] = this.keys;
    if (first === undefined) throw new RangeError('memberlist: empty keyring');
    return first;
  }
}

/** Bytes a sealed payload adds (memberlist `encryptOverhead`; version 0 counts a full pad block). */
export function encryptionOverhead(version: EncryptionVersion = 1): number {
  return 1 + NONCE_SIZE + TAG_SIZE + (version === 0 ? BLOCK_SIZE : 0);
}

function seal(
  key: Uint8Array,
  plaintext: Uint8Array,
  aad: Uint8Array | null,
  nonce: Uint8Array | undefined,
  version: EncryptionVersion,
): Uint8Array {
  const iv = nonce ?? new Uint8Array(randomBytes(NONCE_SIZE));
  if (iv.length !== NONCE_SIZE)
    throw new RangeError(`memberlist: nonce must be ${NONCE_SIZE} bytes`);
  let data = plaintext;
  if (version === 0) {
    const pad = BLOCK_SIZE - (plaintext.length % BLOCK_SIZE);
    data = new Uint8Array(plaintext.length + pad);
    data.set(plaintext);
    data.fill(pad, plaintext.length);
  }
  const cipher = createCipheriv(cipherName(key), key, iv);
  if (aad !== null) cipher.setAAD(aad);
  const body = Buffer.concat([cipher.update(data), cipher.final()]);
  const tag = cipher.getAuthTag();
  const out = new Uint8Array(1 + NONCE_SIZE + body.length + TAG_SIZE);
  out[0] = version;
  out.set(iv, 1);
  out.set(body, 1 + NONCE_SIZE);
  out.set(tag, 1 + NONCE_SIZE + body.length);
  return out;
}

/** Opens version + nonce + ciphertext + tag with the first key that fits, or null. */
function open(keyring: Keyring, sealed: Uint8Array, aad: Uint8Array | null): Uint8Array | null {
  const version = sealed[0];
  if (version !== 0 && version !== 1) return null;
  if (sealed.length < encryptionOverhead(version)) return null;
  const iv = sealed.subarray(1, 1 + NONCE_SIZE);
  const body = sealed.subarray(1 + NONCE_SIZE, sealed.length - TAG_SIZE);
  const tag = sealed.subarray(sealed.length - TAG_SIZE);
  for (const key of keyring.keys) {
    let plain: Uint8Array;
    try {
      const decipher = createDecipheriv(cipherName(key), key, iv);
      decipher.setAuthTag(tag);
      if (aad !== null) decipher.setAAD(aad);
      plain = new Uint8Array(Buffer.concat([decipher.update(body), decipher.final()]));
    } catch {
      continue; // authentication failed: not this key
    }
    return version === 0 ? unpad(plain) : plain;
  }
  return null;
}

/**
 * Strips PKCS#7 padding. memberlist trusts the last byte blindly (and
 * would panic on a bad one); we check it, though only a holder of the key
 * could have sealed a bad pad.
 */
function unpad(padded: Uint8Array): Uint8Array | null {
  const pad = padded[padded.length - 1];
  if (pad === undefined || pad === 0 || pad > BLOCK_SIZE || pad > padded.length) return null;
  for (let i = padded.length - pad; i < padded.length; i++) if (padded[i] !== pad) return null;
  return padded.slice(0, padded.length - pad);
}

/** Seals a UDP payload (memberlist `encryptPayload` without associated data). */
export function encryptPacket(
  key: Uint8Array,
  plaintext: Uint8Array,
  nonce?: Uint8Array,
  version: EncryptionVersion = 1,
): Uint8Array {
  return seal(key, plaintext, null, nonce, version);
}

/** Opens a UDP payload of version 0 or 1 with any key of the ring; null if none opens it. */
export function decryptPacket(keyring: Keyring, bytes: Uint8Array): Uint8Array | null {
  return open(keyring, bytes, null);
}

/** Seals a whole TCP stream: `0x0A`, length, sealed bytes (memberlist `encryptLocalState`). */
export function encryptStream(
  key: Uint8Array,
  plaintext: Uint8Array,
  nonce?: Uint8Array,
  version: EncryptionVersion = 1,
): Uint8Array {
  const sealedLength =
    version === 0
      ? encryptionOverhead(1) + plaintext.length + BLOCK_SIZE - (plaintext.length % BLOCK_SIZE)
      : encryptionOverhead(1) + plaintext.length;
  const header = new Uint8Array(HEADER_SIZE);
  header[0] = MessageType.encrypt;
  new DataView(header.buffer).setUint32(1, sealedLength);
  const sealed = seal(key, plaintext, header, nonce, version);
  const out = new Uint8Array(HEADER_SIZE + sealed.length);
  out.set(header);
  out.set(sealed, HEADER_SIZE);
  return out;
}

export type StreamDecryption =
  | { readonly plaintext: Uint8Array; readonly consumed: number }
  | 'incomplete'
  | { readonly error: string };

/**
 * Opens the encrypted frame at the start of what a connection delivered so
 * far (memberlist `decryptRemoteState`): 'incomplete' until the whole frame
 * is there, then the plaintext and the frame's size, or an error (not an
 * encrypted frame, over 20 MiB, or no key opens it).
 */
export function decryptStream(keyring: Keyring, bytes: Uint8Array): StreamDecryption {
  const type = bytes[0];
  if (type === undefined) return 'incomplete';
  if (type !== MessageType.encrypt) return { error: 'the stream is not encrypted' };
  if (bytes.length < HEADER_SIZE) return 'incomplete';
  const length = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(1);
  if (length > MAX_STREAM_BYTES) {
    return {
      error: `encrypted stream of ${length} bytes is over the limit of ${MAX_STREAM_BYTES}`,
    };
  }
  if (bytes.length < HEADER_SIZE + length) return 'incomplete';
  const plaintext = open(
    keyring,
    bytes.subarray(HEADER_SIZE, HEADER_SIZE + length),
    bytes.subarray(0, HEADER_SIZE),
  );
  if (plaintext === null) return { error: 'no key opens the stream' };
  return { plaintext, consumed: HEADER_SIZE + length };
}
