/**
 * Member addresses: memberlist carries them as 4 or 16 raw bytes plus a
 * port; people and flags write them as `host:port` (`[v6]:port`).
 */
import { formatIP, parseIP, type IPAddress } from '../ip/index.js';

export interface Endpoint {
  readonly addr: Uint8Array;
  readonly port: number;
}

export function ipToBytes(ip: IPAddress): Uint8Array {
  const length = ip.family === 4 ? 4 : 16;
  const bytes = new Uint8Array(length);
  let value = ip.value;
  for (let i = length - 1; i >= 0; i--) {
    bytes[i] = Number(value & 0xffn);
    value >>= 8n;
  }
  return bytes;
}

/** The address in 4 or 16 bytes; undefined for any other length. */
export function bytesToIP(bytes: Uint8Array): IPAddress | undefined {
  if (bytes.length !== 4 && bytes.length !== 16) return undefined;
  let value = 0n;
  for (const byte of bytes) value = (value << 8n) | BigInt(byte);
  return { family: bytes.length === 4 ? 4 : 6, value };
}

/** The address as text (RFC 5952 for IPv6), or `?` for a length that is no address. */
export function formatAddr(bytes: Uint8Array): string {
  const ip = bytesToIP(bytes);
  return ip ? formatIP(ip) : '?';
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
  const ip = parseIP(host);
  if (!ip.ok) return `"${text}": ${ip.error}`;
  const port = portText === undefined ? defaultPort : Number(portText);
  if (port === undefined) return `"${text}": a port is needed`;
  if (!Number.isInteger(port) || port < 1 || port > 65535) return `"${text}": port must be 1-65535`;
  return { addr: ipToBytes(ip.value), port };
}
