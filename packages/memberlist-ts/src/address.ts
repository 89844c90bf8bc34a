/**
 * Member addresses: memberlist carries them as 4 or 16 raw bytes plus a
 * port; people and flags write them as `host:port` (`[v6]:port`).
 *
 * Node validates the text (`net.isIP`); the WHATWG URL host parser and
 * serializer do the IPv6 work both ways: it reads every RFC 4291 text form
 * and writes RFC 5952's (section 4: lower case, no leading zeros, `::` for
 * the first longest run of two or more zero groups).
 */
import { isIP } from 'node:net';

export interface Endpoint {
  readonly addr: Uint8Array;
  readonly port: number;
}

/** `[v6]` through the URL host serializer: RFC 5952 text, embedded IPv4 as two groups. */
function canonicalV6(text: string): string {
  return new URL(`http://[${text}]/`).hostname.slice(1, -1);
}

/**
 * A literal address as 4 or 16 bytes; undefined when it is none. Zone
 * indexes (`fe80::1%eth0`) are refused: memberlist has no field for them.
 */
export function addrToBytes(text: string): Uint8Array | undefined {
  const family = isIP(text);
  if (family === 4) return Uint8Array.from(text.split('.'), Number);
  if (family !== 6 || text.includes('%')) return undefined;
  const [head = '', tail] = canonicalV6(text).split('::');
  const groups = (part: string | undefined): number[] =>
    part ? part.split(':').map((g) => parseInt(g, 16)) : [];
  const before = groups(head);
  const after = groups(tail);
  const words = [...before, ...Array<number>(8 - before.length - after.length).fill(0), ...after];
  return Uint8Array.from(words.flatMap((w) => [w >> 8, w & 0xff]));
}

/** The address as text (RFC 5952 for IPv6), or `?` for a length that is no address. */
export function formatAddr(bytes: Uint8Array): string {
  if (bytes.length === 4) return bytes.join('.');
  if (bytes.length !== 16) return '?';
  // RFC 5952 section 5: an IPv4-mapped address (::ffff:0:0/96) ends in dotted decimal.
  if (bytes.subarray(0, 10).every((b) => b === 0) && bytes[10] === 0xff && bytes[11] === 0xff) {
    return `::ffff:${bytes.subarray(12).join('.')}`;
  }
  const words: string[] = [];
  for (let i = 0; i < 16; i += 2)
    words.push((((bytes[i] ?? 0) << 8) | (bytes[i + 1] ?? 0)).toString(16));
  return canonicalV6(words.join(':'));
}

/** host:port, IPv6 in brackets. */
export function formatEndpoint(e: Endpoint): string {
  const host = formatAddr(e.addr);
  return e.addr.length === 16 ? `[${host}]:${e.port}` : `${host}:${e.port}`;
}

/**
 * Parses `host:port` or `[v6]:port` with a literal address (memberlist joins
 * by address; v0.9 hands it pod IPs). `defaultPort` applies to a bare address.
 */
export function parseEndpoint(text: string, defaultPort?: number): Endpoint | string {
  let host = text.trim();
  let portText: string | undefined;
  const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(host);
  if (bracketed) {
    host = bracketed[1] ?? '';
    portText = bracketed[2];
  } else if ((host.match(/:/g) ?? []).length === 1) {
    const colon = host.indexOf(':');
    portText = host.slice(colon + 1);
    host = host.slice(0, colon);
  }
  const addr = addrToBytes(host);
  if (addr === undefined) return `"${text}": "${host}" is not an IPv4 or IPv6 address`;
  const port = portText === undefined ? defaultPort : Number(portText);
  if (port === undefined) return `"${text}": a port is needed`;
  if (!Number.isInteger(port) || port < 1 || port > 65535) return `"${text}": port must be 1-65535`;
  return { addr, port };
}
