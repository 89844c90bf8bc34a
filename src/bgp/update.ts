/**
 * The UPDATE message body, RFC 4271 section 4.3:
 *
 *   Withdrawn Routes Length            2 bytes
 *   Withdrawn Routes                   that many bytes of IPv4 prefixes
 *   Total Path Attribute Length        2 bytes
 *   Path Attributes                    that many bytes
 *   Network Layer Reachability Info    the rest: IPv4 prefixes
 *
 * Lengths that overrun the message are Malformed Attribute List (RFC 4271 section 6.3); a
 * prefix that cannot be read is Invalid Network Field, a session reset (RFC 7606 section 5.3),
 * because treat-as-withdraw needs the routes to be known.
 */
import { encodeAttributes } from './attributes.js';
import { decodeAttributeList } from './attribute-list.js';
import { ByteWriter, readUint16, requireUint } from '../bytes/index.js';
import { failed, okValue, updateError, type BodyResult } from './errors.js';
import { readPrefixes, writePrefixes } from './prefixes.js';
import { UpdateSubcode, type BgpError, type CodecContext, type UpdateMessage } from './types.js';

export function encodeUpdateBody(update: UpdateMessage, context: CodecContext): Uint8Array {
  const withdrawn = new ByteWriter();
  writePrefixes(withdrawn, 4, update.withdrawn);
  const withdrawnBytes = withdrawn.finish();
  const attributes = encodeAttributes(update.attributes, context);
  requireUint('Withdrawn Routes Length', withdrawnBytes.length, 0xffff);
  requireUint('Total Path Attribute Length', attributes.length, 0xffff);
  const writer = new ByteWriter()
    .u16(withdrawnBytes.length)
    .bytes(withdrawnBytes)
    .u16(attributes.length)
    .bytes(attributes);
  writePrefixes(writer, 4, update.nlri);
  return writer.finish();
}

export interface DecodedUpdate {
  readonly message: UpdateMessage;
  readonly treatAsWithdraw?: BgpError;
}

export function decodeUpdateBody(
  body: Uint8Array,
  context: CodecContext,
): BodyResult<DecodedUpdate> {
  const malformed = (reason: string) =>
    failed(updateError(UpdateSubcode.malformedAttributeList, reason));
  if (body.length < 4) return malformed('UPDATE body is too short');
  const withdrawnLength = readUint16(body, 0);
  const attributesStart = 2 + withdrawnLength + 2;
  if (attributesStart > body.length) {
    return malformed(`Withdrawn Routes Length ${withdrawnLength} overruns the message`);
  }
  const attributesLength = readUint16(body, attributesStart - 2);
  const nlriStart = attributesStart + attributesLength;
  if (nlriStart > body.length) {
    return malformed(`Total Path Attribute Length ${attributesLength} overruns the message`);
  }
  const withdrawn = readPrefixes(body.subarray(2, 2 + withdrawnLength), 4);
  if (!withdrawn.ok) {
    return failed(
      updateError(UpdateSubcode.invalidNetworkField, `Withdrawn Routes: ${withdrawn.reason}`),
    );
  }
  const nlri = readPrefixes(body.subarray(nlriStart), 4);
  if (!nlri.ok)
    return failed(updateError(UpdateSubcode.invalidNetworkField, `NLRI: ${nlri.reason}`));
  const decoded = decodeAttributeList(
    body.subarray(attributesStart, nlriStart),
    context,
    nlri.prefixes.length > 0,
  );
  if (!decoded.ok) return decoded;
  const message: UpdateMessage = {
    type: 'update',
    withdrawn: withdrawn.prefixes,
    attributes: decoded.value.attributes,
    nlri: nlri.prefixes,
  };
  const { treatAsWithdraw } = decoded.value;
  return okValue(treatAsWithdraw === undefined ? { message } : { message, treatAsWithdraw });
}
