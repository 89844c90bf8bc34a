/**
 * Public API of the IP module: pure IPv4/IPv6 address, prefix and range arithmetic on bigint.
 * Other modules import only from here.
 */

export type { Family, IPAddress, Parsed } from './address.js';
export {
  bitLength,
  compareIP,
  formatIP,
  ipEquals,
  isIPv4Mapped,
  maxValue,
  parseIP,
  unmapIPv4,
} from './address.js';
export { byteLength, ipFromBytes, ipToBytes } from './bytes.js';

export type { Cidr } from './cidr.js';
export {
  cidrContains,
  cidrFirst,
  cidrLast,
  cidrSize,
  cidrToRange,
  cidrsOverlap,
  formatCidr,
  makeCidr,
  nthAddress,
  parseCidr,
} from './cidr.js';

export type { IPRange } from './range.js';
export { makeRange, rangeSize, rangeToCidrs, rangesOverlap } from './range.js';
export { readGoCidr, readGoIP, type GoReading } from './go.js';
