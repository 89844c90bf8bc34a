/**
 * A whole datagram on the wire: the pure framing (packet.ts) plus
 * encryption, both ways. Outgoing: message or compound -> compress (only if
 * smaller) -> CRC (if asked) -> encrypt (with a key). Incoming: decrypt ->
 * CRC -> messages. What cannot be read is reported with a reason to count.
 */
import { checkCrc } from './framing.js';
import { decodePacket, framePacket } from './packet.js';
import { decryptPacket, encryptPacket, type Keyring } from './security.js';
import { MessageType, type PacketMessage } from './types.js';

export type DropReason = 'decrypt' | 'plaintext' | 'crc' | 'malformed' | 'oversize';

export interface DatagramOptions {
  readonly crc: boolean;
  readonly compress: boolean;
  /** The primary key, or null to send plaintext. */
  readonly key: Uint8Array | null;
}

/** Frames already-encoded messages (one, or several as a compound) into one datagram, sealed when keyed. */
export function encodeDatagram(parts: readonly Uint8Array[], options: DatagramOptions): Uint8Array {
  const framed = framePacket(parts, options);
  return options.key ? encryptPacket(options.key, framed) : framed;
}

export type DecodedDatagram =
  | { readonly ok: true; readonly messages: PacketMessage[]; readonly dropped: number }
  | { readonly ok: false; readonly reason: DropReason; readonly error: string };

/** Largest datagram read (memberlist's receive buffer). */
export const MAX_DATAGRAM_BYTES = 65_536;

/**
 * Reads one datagram. With a keyring every datagram must open with one of
 * its keys (memberlist with GossipVerifyIncoming, its default); without
 * one, an encrypted datagram is refused as unreadable.
 */
export function decodeDatagram(bytes: Uint8Array, keyring: Keyring | null): DecodedDatagram {
  if (bytes.length > MAX_DATAGRAM_BYTES) {
    return { ok: false, reason: 'oversize', error: `datagram of ${bytes.length} bytes` };
  }
  let plain = bytes;
  if (keyring) {
    const opened = decryptPacket(keyring, bytes);
    if (opened === null) {
      // Tell "the sender has no key" from "the sender has another key": the
      // first is a half-configured rollout, the second a wrong secret.
      const asPlain = decodePacket(bytes);
      if (asPlain.messages.length > 0 && asPlain.dropped === 0) {
        return { ok: false, reason: 'plaintext', error: 'plaintext datagram while a key is set' };
      }
      return { ok: false, reason: 'decrypt', error: 'no installed key opens the datagram' };
    }
    plain = opened;
  }
  if (plain[0] === MessageType.hasCrc && plain.length >= 5 && checkCrc(plain) === null) {
    return { ok: false, reason: 'crc', error: 'checksum mismatch' };
  }
  const decoded = decodePacket(plain);
  if (decoded.messages.length === 0) {
    const hint = keyring ? '' : ' (encrypted, while no key is set?)';
    return { ok: false, reason: 'malformed', error: `${decoded.reason ?? 'no message'}${hint}` };
  }
  return { ok: true, messages: decoded.messages, dropped: decoded.dropped };
}
