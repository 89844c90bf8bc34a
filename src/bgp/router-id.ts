/**
 * The BGP Identifier of a session, chosen as v0.9.6 chooses it
 * (internal/bgp/bgp.go: New, connect, getRouterID, hashRouterId):
 *
 * 1. the peer's `router-id`, if it is IPv4 (v0.9's New keeps only
 *    `routerID.To4()`, so an IPv6 router-id is dropped without a word; an
 *    IPv4-mapped one is its IPv4 address);
 * 2. else our end of the connection, if it is IPv4;
 * 3. else, over IPv6, the first IPv4 address of the first interface that
 *    holds our end of the connection;
 * 4. else the CRC-32 (IEEE) of the node name, its bytes written
 *    little-endian as the four octets of the identifier.
 *
 * RFC 6286 section 2.1 only asks for a 4-octet number unique within the AS,
 * so any of these is a valid identifier; 0 is not (section 2.2), which the
 * caller checks.
 */
import { crc32 } from 'node:zlib';
import { ipEquals, unmapIPv4, type IPAddress } from '../ip/index.js';

/** The addresses of one interface, in the order the kernel lists them. */
export type InterfaceAddresses = readonly IPAddress[];

export interface RouterIdInputs {
  /** The peer's `router-id`, as the config holds it; null when not set. */
  readonly configured: IPAddress | null;
  /** Our end of the TCP connection. */
  readonly local: IPAddress;
  /** The host's interfaces in index order (Go's net.Interfaces order), each with its addresses. */
  readonly interfaces: readonly InterfaceAddresses[];
  /** v0.9's myNode: the Kubernetes node name. */
  readonly nodeName: string;
}

/** The identifier v0.9 puts in its OPEN, as an IPv4 address. */
export function chooseRouterId({
  configured,
  local,
  interfaces,
  nodeName,
}: RouterIdInputs): IPAddress {
  const configuredV4 = configured === null ? null : unmapIPv4(configured);
  if (configuredV4 !== null && configuredV4.family === 4) return configuredV4;
  const localV4 = unmapIPv4(local);
  if (localV4.family === 4) return localV4;
  const holder = interfaces.find((addresses) => addresses.some((a) => ipEquals(a, local)));
  // v0.9 stops at the first interface holding the address, IPv4 on it or not.
  const v4 = holder?.map(unmapIPv4).find((a) => a.family === 4);
  return v4 ?? nodeNameRouterId(nodeName);
}

/** v0.9 hashRouterId: crc32.ChecksumIEEE(name) written with binary.LittleEndian as a net.IP. */
export function nodeNameRouterId(nodeName: string): IPAddress {
  const checksum = crc32(Buffer.from(nodeName, 'utf8'));
  const octets = [
    checksum & 0xff,
    (checksum >>> 8) & 0xff,
    (checksum >>> 16) & 0xff,
    checksum >>> 24,
  ];
  return { family: 4, value: octets.reduce((value, octet) => value * 256n + BigInt(octet), 0n) };
}
