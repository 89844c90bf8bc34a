/**
 * The one error family the memberlist decoders throw. Everything read from
 * the network either decodes or fails with a `CodecError`, whose `kind` lets
 * a caller tell "wait for more bytes" from "drop this".
 */

/**
 * - `truncated`: the input ended inside a value; more bytes may complete it
 *   (a TCP reader waits, a UDP reader drops).
 * - `invalid`: the bytes can never form a valid message.
 * - `too-large`: a declared or produced size is over our limits.
 */
export type CodecErrorKind = 'truncated' | 'invalid' | 'too-large';

export class CodecError extends Error {
  override readonly name: string = 'CodecError';
  constructor(
    readonly kind: CodecErrorKind,
    message: string,
  ) {
    super(message);
  }
}

/** A MessagePack decoding failure (see msgpack.ts). */
export class MsgpackError extends CodecError {
  override readonly name: string = 'MsgpackError';
}
