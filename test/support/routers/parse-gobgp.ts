/**
 * Reads what GoBGP's CLI prints with `-j`:
 *
 * - `gobgp global rib -a ipv4|ipv6 -j`: an object from prefix to its paths;
 *   each path has `attrs`, a list of path attributes keyed by their type
 *   code (1 ORIGIN as 0/1/2, 2 AS_PATH as segments, 3 NEXT_HOP, 5
 *   LOCAL_PREF, 8 COMMUNITIES as 32-bit numbers, 14 MP_REACH_NLRI with the
 *   IPv6 next hop), and `neighbor-ip` for a path learned from a peer.
 * - `gobgp neighbor ADDR -j`: `state.session_state`, a number in GoBGP's
 *   API enum (1 idle ... 6 established).
 */
import {
  canonicalAddress,
  canonicalPrefix,
  communityFromNumber,
  isRecord,
  parseJson,
  sortCommunities,
  sortRoutes,
} from './rib.js';
import type { RibRoute, SessionState } from './types.js';

const ORIGINS: readonly RibRoute['origin'][] = ['igp', 'egp', 'incomplete'];

/** The API's SessionState enum; 0 is "unknown". */
const SESSION_STATES: readonly (SessionState | undefined)[] = [
  undefined,
  'idle',
  'connect',
  'active',
  'opensent',
  'openconfirm',
  'established',
];

function numberField(record: Record<string, unknown>, field: string): number | undefined {
  const value = record[field];
  return typeof value === 'number' ? value : undefined;
}

function stringField(record: Record<string, unknown>, field: string): string | undefined {
  const value = record[field];
  return typeof value === 'string' ? value : undefined;
}

function parsePath(prefix: string, path: unknown): RibRoute {
  if (!isRecord(path) || !Array.isArray(path['attrs'])) {
    throw new Error(`gobgp rib: a path of ${prefix} without attrs: ${JSON.stringify(path)}`);
  }
  const route: RibRoute = {
    prefix: canonicalPrefix(prefix),
    nextHops: [],
    asPath: [],
    localPref: null,
    communities: [],
    origin: 'incomplete',
  };
  for (const attr of path['attrs']) {
    if (!isRecord(attr)) continue;
    switch (attr['type']) {
      case 1: {
        const origin = ORIGINS[numberField(attr, 'value') ?? -1];
        if (origin === undefined) throw new Error(`gobgp rib: origin ${JSON.stringify(attr)}`);
        route.origin = origin;
        break;
      }
      case 2: {
        const segments = attr['as_paths'];
        if (!Array.isArray(segments)) break;
        for (const segment of segments) {
          const asns = isRecord(segment) ? segment['asns'] : undefined;
          if (Array.isArray(asns)) route.asPath.push(...asns.filter((n) => typeof n === 'number'));
        }
        break;
      }
      case 3:
      case 14: {
        // NEXT_HOP for IPv4 routes, MP_REACH_NLRI's next hop(s) for IPv6 ones.
        for (const field of ['nexthop', 'linklocal_nexthop']) {
          const hop = stringField(attr, field);
          if (hop !== undefined && hop !== '' && hop !== '::') {
            route.nextHops.push(canonicalAddress(hop));
          }
        }
        break;
      }
      case 5:
        route.localPref = numberField(attr, 'value') ?? null;
        break;
      case 8: {
        const values = attr['communities'];
        if (Array.isArray(values)) {
          route.communities = sortCommunities(
            values.filter((v) => typeof v === 'number').map(communityFromNumber),
          );
        }
        break;
      }
      default:
        break;
    }
  }
  const from = stringField(path, 'neighbor-ip');
  // A path the router originated has no neighbour (GoBGP prints "<nil>" in some versions).
  if (from !== undefined && from !== '' && from !== '<nil>') {
    route.fromPeer = canonicalAddress(from);
  }
  return route;
}

/** `gobgp global rib -a ipv4|ipv6 -j` -> one RibRoute per path. */
export function parseGobgpRib(text: string): RibRoute[] {
  const trimmed = text.trim();
  // An empty table prints nothing, or null, depending on the version.
  if (trimmed === '' || trimmed === 'null') return [];
  const value = parseJson(trimmed, 'gobgp global rib');
  if (!isRecord(value))
    throw new Error(`gobgp global rib: not an object: ${trimmed.slice(0, 200)}`);
  const routes: RibRoute[] = [];
  for (const [prefix, paths] of Object.entries(value)) {
    if (!Array.isArray(paths)) throw new Error(`gobgp global rib: ${prefix} has no path list`);
    for (const path of paths) routes.push(parsePath(prefix, path));
  }
  return sortRoutes(routes);
}

/** `gobgp neighbor ADDR -j` -> the session state. */
export function parseGobgpNeighborState(text: string): SessionState {
  const value = parseJson(text.trim(), 'gobgp neighbor');
  const state = isRecord(value) ? value['state'] : undefined;
  const raw = isRecord(state) ? state['session_state'] : undefined;
  // Numbers in GoBGP 3's JSON; older releases printed the name.
  const parsed =
    typeof raw === 'number'
      ? SESSION_STATES[raw]
      : typeof raw === 'string'
        ? SESSION_STATES.find((s) => s !== undefined && raw.toLowerCase().endsWith(s))
        : undefined;
  if (parsed === undefined) {
    throw new Error(`gobgp neighbor: no session state in ${text.trim().slice(0, 300)}`);
  }
  return parsed;
}

/** `gobgp neighbor ADDR -j` -> the hold time the session runs with (the smaller offer), or undefined before OPENs crossed. */
export function parseGobgpNegotiatedHoldTime(text: string): number | undefined {
  const value = parseJson(text.trim(), 'gobgp neighbor');
  const timers = isRecord(value) ? value['timers'] : undefined;
  const state = isRecord(timers) ? timers['state'] : undefined;
  const hold = isRecord(state) ? state['negotiated_hold_time'] : undefined;
  return typeof hold === 'number' ? hold : undefined;
}
