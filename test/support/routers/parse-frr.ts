/**
 * Reads what FRR's `vtysh` prints as JSON:
 *
 * - `show bgp ipv4|ipv6 unicast json detail` (FRR 8.4: the plain `json`
 *   form leaves out communities and LOCAL_PREF): `routes` maps each prefix
 *   to a list whose first element describes the prefix and whose further
 *   elements are its paths, each with `aspath.segments`, `origin`,
 *   `locPrf` when the path has one, `community.list` (already 'A:B'),
 *   `nexthops[].ip` and `peer.peerId`. Releases that nest the paths under
 *   `paths` are read too.
 * - `show bgp neighbors ADDR json`: `{ADDR: {bgpState: 'Established', ...}}`.
 */
import {
  canonicalAddress,
  canonicalPrefix,
  isRecord,
  originFromName,
  parseJson,
  sortCommunities,
  sortRoutes,
} from './rib.js';
import type { RibRoute, SessionState } from './types.js';

function pathsOf(entry: unknown): unknown[] {
  if (Array.isArray(entry)) return entry;
  if (isRecord(entry) && Array.isArray(entry['paths'])) return entry['paths'];
  return [];
}

function asPathOf(path: Record<string, unknown>): number[] {
  const aspath = path['aspath'];
  if (isRecord(aspath) && Array.isArray(aspath['segments'])) {
    return aspath['segments'].flatMap((segment: unknown) => {
      const list = isRecord(segment) ? segment['list'] : undefined;
      return Array.isArray(list) ? list.filter((n): n is number => typeof n === 'number') : [];
    });
  }
  // The brief form has only the text: "64512 4200000001".
  const text = typeof aspath === 'string' ? aspath : path['path'];
  return typeof text === 'string' ? [...text.matchAll(/\d+/g)].map((m) => Number(m[0])) : [];
}

function communitiesOf(path: Record<string, unknown>): string[] {
  const community = path['community'];
  if (!isRecord(community)) return [];
  const list = community['list'];
  if (Array.isArray(list)) {
    return sortCommunities(list.filter((c): c is string => typeof c === 'string'));
  }
  const text = community['string'];
  return typeof text === 'string' ? sortCommunities(text.split(/\s+/).filter((c) => c !== '')) : [];
}

function parsePath(prefix: string, path: Record<string, unknown>): RibRoute {
  const origin = path['origin'];
  const localPref = path['locPrf'] ?? path['localpref'] ?? path['localPref'];
  const nexthops = Array.isArray(path['nexthops']) ? path['nexthops'] : [];
  const route: RibRoute = {
    prefix,
    nextHops: nexthops.flatMap((hop: unknown) => {
      const ip = isRecord(hop) ? hop['ip'] : undefined;
      return typeof ip === 'string' ? [canonicalAddress(ip)] : [];
    }),
    asPath: asPathOf(path),
    localPref: typeof localPref === 'number' ? localPref : null,
    communities: communitiesOf(path),
    origin: typeof origin === 'string' ? originFromName(origin) : 'incomplete',
  };
  const peer = path['peer'];
  const peerId = isRecord(peer) ? peer['peerId'] : path['peerId'];
  // A path FRR originated itself names no peer, or the unspecified address.
  if (typeof peerId === 'string' && peerId !== '0.0.0.0' && peerId !== '::') {
    route.fromPeer = canonicalAddress(peerId);
  }
  return route;
}

/** `vtysh -c 'show bgp ipv4|ipv6 unicast json detail'` -> one RibRoute per path. */
export function parseFrrRoutes(text: string): RibRoute[] {
  const value = parseJson(text.trim(), 'frr show bgp');
  const routes = isRecord(value) ? value['routes'] : undefined;
  if (routes === undefined) return [];
  if (!isRecord(routes))
    throw new Error(`frr show bgp: routes is not an object: ${text.slice(0, 200)}`);
  const result: RibRoute[] = [];
  for (const [prefix, entry] of Object.entries(routes)) {
    const canonical = canonicalPrefix(prefix);
    for (const path of pathsOf(entry)) {
      // The element that only describes the prefix (advertisedTo ...) has no next hops.
      if (isRecord(path) && Array.isArray(path['nexthops']))
        result.push(parsePath(canonical, path));
    }
  }
  return sortRoutes(result);
}

const FRR_STATES: Record<string, SessionState> = {
  idle: 'idle',
  connect: 'connect',
  active: 'active',
  opensent: 'opensent',
  openconfirm: 'openconfirm',
  established: 'established',
  // FRR's own transitional states: the session is down.
  clearing: 'idle',
  deleted: 'idle',
};

/** `vtysh -c 'show bgp neighbors ADDR json'` -> the session state. */
export function parseFrrNeighborState(text: string): SessionState {
  const value = parseJson(text.trim(), 'frr show bgp neighbors');
  if (isRecord(value)) {
    for (const neighbour of Object.values(value)) {
      const state = isRecord(neighbour) ? neighbour['bgpState'] : undefined;
      const mapped = typeof state === 'string' ? FRR_STATES[state.toLowerCase()] : undefined;
      if (mapped !== undefined) return mapped;
    }
  }
  throw new Error(`frr neighbor: no bgpState in ${text.trim().slice(0, 300)}`);
}
