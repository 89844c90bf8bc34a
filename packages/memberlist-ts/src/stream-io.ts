/**
 * One message each way over a TCP connection (memberlist's join, push/pull
 * and fallback ping): write it, framed and perhaps encrypted; read one as
 * chunks arrive, bounded in size and time.
 */
import type { Socket } from 'node:net';
import { CodecError } from './errors.js';
import { MAX_STREAM_BYTES } from './pushpull.js';
import { decryptStream, encryptStream, type Keyring } from './security.js';
import { decodeStreamMessage, encodeStreamMessage, type StreamMessage } from './stream.js';

export interface StreamSecurity {
  /** With a keyring, every stream is encrypted both ways and plaintext is refused. */
  readonly keyring: Keyring | null;
  readonly compress: boolean;
}

export async function writeStreamMessage(
  socket: Socket,
  message: StreamMessage,
  security: StreamSecurity,
): Promise<void> {
  const plain = encodeStreamMessage(message, { compress: security.compress });
  const bytes = security.keyring ? encryptStream(security.keyring.primary, plain) : plain;
  await new Promise<void>((resolve, reject) => {
    socket.write(bytes, (error) => (error ? reject(error) : resolve()));
  });
}

/**
 * Reads one message from the connection. Rejects on timeout, on a closed
 * connection before a whole message, on garbage, on a stream over 20 MiB,
 * and, with a key, on a stream that is not encrypted or that no key opens.
 */
export function readStreamMessage(
  socket: Socket,
  security: StreamSecurity,
  timeoutMs: number,
): Promise<StreamMessage> {
  return new Promise((resolve, reject) => {
    let buffered = new Uint8Array(0);
    let settled = false;
    const finish = (error: Error | null, message?: StreamMessage): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.off('data', onData);
      socket.off('end', onEnd);
      socket.off('error', onError);
      socket.off('close', onEnd);
      if (error) reject(error);
      else if (message) resolve(message);
    };
    const onData = (chunk: Buffer): void => {
      const next = new Uint8Array(buffered.length + chunk.length);
      next.set(buffered);
      next.set(chunk, buffered.length);
      buffered = next;
      if (buffered.length > MAX_STREAM_BYTES + 5) {
        finish(new Error(`stream over ${MAX_STREAM_BYTES} bytes`));
        return;
      }
      try {
        const message = tryRead(buffered, security.keyring);
        if (message) finish(null, message);
      } catch (error) {
        finish(error instanceof Error ? error : new Error(String(error)));
      }
    };
    const onEnd = (): void => finish(new Error('connection closed before a whole message'));
    const onError = (error: Error): void => finish(error);
    const timer = setTimeout(
      () => finish(new Error(`no whole message within ${timeoutMs} ms`)),
      timeoutMs,
    );
    socket.on('data', onData);
    socket.once('end', onEnd);
    socket.once('close', onEnd);
    socket.once('error', onError);
  });
}

/** A whole message from the bytes so far, or undefined while more are needed. */
function tryRead(bytes: Uint8Array, keyring: Keyring | null): StreamMessage | undefined {
  let plain = bytes;
  if (keyring) {
    const opened = decryptStream(keyring, bytes);
    if (opened === 'incomplete') return undefined;
    if ('error' in opened) throw new Error(`encryption: ${opened.error}`);
    plain = opened.plaintext;
  }
  const decoded = decodeStreamMessage(plain);
  if (decoded === 'incomplete') {
    // Decrypted frames are whole: a message cut short inside one is garbage.
    if (keyring) throw new CodecError('invalid', 'stream: encrypted frame holds a partial message');
    return undefined;
  }
  return decoded.message;
}
