/**
 * Public API of the bytes module: what the wire codecs (layer 2's ARP and NDP, BGP) share to
 * write and read big-endian fields. Pure; it imports nothing of ours. Other modules import
 * only from here.
 */
export { ByteWriter } from './writer.js';
export { bytesEqual, copyRange, readUint16, readUint32, viewOf } from './read.js';
export { requireLength, requireUint } from './require.js';
