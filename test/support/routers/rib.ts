/**
 * Small pieces the three RIB parsers share, so that a route reads the same
 * whichever router printed it: prefixes and addresses in one canonical
 * text form, communities as sorted 'A:B', one sort order for the paths.
 */
import { compareIP, formatCidr, formatIP, parseCidr, parseIP } from '../../../src/ip/index.js';
import type { RibRoute } from './types.js';

/** '2001:DB8:1:0::/64' -> '2001:db8:1::/64'; throws on anything that is not a prefix. */
export function canonicalPrefix(text: string): string {
  const parsed = parseCidr(text.trim());
  if (!parsed.ok) throw new Error(`not a prefix: ${JSON.stringify(text)} (${parsed.error})`);
  return formatCidr(parsed.value.cidr);
}

/** An address in canonical text; throws on anything else. */
export function canonicalAddress(text: string): string {
  const parsed = parseIP(text.trim());
  if (!parsed.ok) throw new Error(`not an address: ${JSON.stringify(text)} (${parsed.error})`);
  return formatIP(parsed.value);
}

/** A community held as one 32-bit number (GoBGP's JSON): high half, low half. */
export function communityFromNumber(value: number): string {
  if (!Number.isInteger(value) || value < 0 || value > 0xffffffff) {
    throw new Error(`not a 32-bit community: ${value}`);
  }
  return `${Math.floor(value / 0x10000)}:${value % 0x10000}`;
}

/**
 * The well-known communities (RFC 1997, RFC 3765, RFC 7999, RFC 8326) by
 * the names routers print for them (FRR writes `noExport` in its JSON).
 */
const WELL_KNOWN: Readonly<Record<string, string>> = {
  gracefulShutdown: '65535:0',
  blackhole: '65535:666',
  noExport: '65535:65281',
  noAdvertise: '65535:65282',
  localAs: '65535:65283',
  noPeer: '65535:65284',
};

/** A community as 'A:B', whether the router printed numbers or a well-known name. */
export function communityText(community: string): string {
  return WELL_KNOWN[community] ?? community;
}

function communityParts(community: string): [number, number] {
  const match = /^(\d+):(\d+)$/.exec(community);
  if (match === null) throw new Error(`not a community A:B: ${JSON.stringify(community)}`);
  return [Number(match[1]), Number(match[2])];
}

/** Sorted numerically, A then B (what a MetalLB config's order does not fix). */
export function sortCommunities(communities: readonly string[]): string[] {
  return communities.map(communityText).sort((x, y) => {
    const [xa, xb] = communityParts(x);
    const [ya, yb] = communityParts(y);
    return xa - ya || xb - yb;
  });
}

export function originFromName(name: string): RibRoute['origin'] {
  const lower = name.trim().toLowerCase();
  if (lower === 'igp' || lower === 'i') return 'igp';
  if (lower === 'egp' || lower === 'e') return 'egp';
  if (lower === 'incomplete' || lower === '?') return 'incomplete';
  throw new Error(`unknown BGP origin ${JSON.stringify(name)}`);
}

/** Address order (IPv4 first), for canonical addresses or prefixes; '' (none) first. */
function compareAddressText(a: string, b: string): number {
  if (a === '' || b === '') return Number(a !== '') - Number(b !== '');
  const [x, xLength] = a.split('/');
  const [y, yLength] = b.split('/');
  const px = parseIP(x ?? '');
  const py = parseIP(y ?? '');
  if (!px.ok || !py.ok) return a.localeCompare(b);
  return compareIP(px.value, py.value) || Number(xLength ?? 0) - Number(yLength ?? 0);
}

/** By prefix, then by the peer it came from (originated routes first), in address order. */
export function sortRoutes(routes: RibRoute[]): RibRoute[] {
  return routes.sort(
    (a, b) =>
      compareAddressText(a.prefix, b.prefix) ||
      compareAddressText(a.fromPeer ?? '', b.fromPeer ?? ''),
  );
}

/** Narrowing helpers for the routers' JSON. */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function parseJson(text: string, what: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new Error(`${what}: not JSON (${(error as Error).message}): ${text.slice(0, 300)}`, {
      cause: error,
    });
  }
}
