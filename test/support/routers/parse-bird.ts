/**
 * Reads what BIRD 2's `birdc` prints (text; BIRD has no JSON output):
 *
 * `show route all table master4` lists each prefix once, its first path on
 * the prefix's line and every further path on a line of its own below
 * (indented with spaces), each followed by tab-indented detail lines:
 *
 *     203.0.113.10/32      unicast [v4_198_51_100_1 10:03:04.940] * (100) [AS64512?]
 *             via 198.51.100.1 on eth0
 *             Type: BGP univ
 *             BGP.origin: Incomplete
 *             BGP.as_path: 64512
 *             BGP.next_hop: 198.51.100.1
 *             BGP.local_pref: 100
 *             BGP.community: (64512,100) (64512,7)
 *
 * The word after the prefix is `unicast` when BIRD can reach the next hop
 * and `unreachable` when it cannot (an iBGP or multihop route whose next
 * hop has no route): the BGP attributes are there either way. The name in
 * brackets is the BGP protocol (the session) it came from; the harness
 * names each session after its peer's address (birdProtocolName), which is
 * how a path is traced back to its peer.
 *
 * `show protocols all NAME` has a `BGP state:` line with the session state.
 */
import {
  canonicalAddress,
  canonicalPrefix,
  originFromName,
  sortCommunities,
  sortRoutes,
} from './rib.js';
import type { RibRoute, SessionState } from './types.js';

/** A BIRD protocol name for the session with this peer: 'v4_127_0_0_1', 'v6__1'. */
export function birdProtocolName(peerAddress: string): string {
  const address = canonicalAddress(peerAddress);
  return address.includes(':')
    ? `v6_${address.replace(/:/g, '_')}`
    : `v4_${address.replace(/\./g, '_')}`;
}

/** The peer address a birdProtocolName stands for; undefined for any other protocol. */
export function peerOfBirdProtocol(name: string): string | undefined {
  if (name.startsWith('v4_')) return name.slice(3).replace(/_/g, '.');
  if (name.startsWith('v6_')) return name.slice(3).replace(/_/g, ':');
  return undefined;
}

/** `PREFIX  TYPE [PROTO ...` or, for a further path of the same prefix, `  TYPE [PROTO ...`. */
const PATH_LINE = /^(\S+)?\s+[a-z]+\s+\[([A-Za-z0-9_]+)[\s\]]/;
const ATTRIBUTE_LINE = /^\s+BGP\.([a-z_]+):\s*(.*)$/;

function emptyRoute(prefix: string, protocol: string): RibRoute {
  const route: RibRoute = {
    prefix,
    nextHops: [],
    asPath: [],
    localPref: null,
    communities: [],
    origin: 'incomplete',
  };
  const peer = peerOfBirdProtocol(protocol);
  if (peer !== undefined) route.fromPeer = canonicalAddress(peer);
  return route;
}

function applyAttribute(route: RibRoute, name: string, value: string): void {
  switch (name) {
    case 'origin':
      route.origin = originFromName(value);
      break;
    case 'as_path':
      // Sequences print as plain numbers, sets as {a b}: every number, in order.
      route.asPath = [...value.matchAll(/\d+/g)].map((m) => Number(m[0]));
      break;
    case 'next_hop':
      route.nextHops = value
        .split(/\s+/)
        .filter((t) => t !== '')
        .map(canonicalAddress);
      break;
    case 'local_pref':
      route.localPref = Number(value);
      break;
    case 'community':
      route.communities = sortCommunities(
        [...value.matchAll(/\((\d+),\s*(\d+)\)/g)].map((m) => `${m[1]}:${m[2]}`),
      );
      break;
    default:
      // med, large_community, ext_community, originator_id ...: not part of RibRoute.
      break;
  }
}

/** `birdc show route all [table ...]` -> one RibRoute per BGP path. */
export function parseBirdRoutes(text: string): RibRoute[] {
  const routes: RibRoute[] = [];
  let prefix: string | undefined;
  let current: RibRoute | undefined;
  let isBgp = false;
  const flush = (): void => {
    if (current !== undefined && isBgp) routes.push(current);
    current = undefined;
  };
  for (const line of text.split('\n')) {
    if (line.startsWith('BIRD ') || line.startsWith('Table ') || line.trim() === '') continue;
    const path = PATH_LINE.exec(line);
    if (path !== null) {
      flush();
      if (path[1] !== undefined) prefix = canonicalPrefix(path[1]);
      if (prefix === undefined) throw new Error(`bird routes: a path before any prefix: ${line}`);
      current = emptyRoute(prefix, path[2] ?? '');
      isBgp = false;
      continue;
    }
    if (current === undefined) continue;
    if (/^\s+Type:\s+BGP\b/.test(line)) isBgp = true;
    const attribute = ATTRIBUTE_LINE.exec(line);
    if (attribute !== null)
      applyAttribute(current, attribute[1] ?? '', (attribute[2] ?? '').trim());
  }
  flush();
  return sortRoutes(routes);
}

const BIRD_STATES: Record<string, SessionState> = {
  // The protocol is stopped (disabled, or failed to start).
  down: 'idle',
  idle: 'idle',
  connect: 'connect',
  active: 'active',
  // BIRD's word for a passive session listening for its peer: RFC 4271's Active.
  passive: 'active',
  opensent: 'opensent',
  openconfirm: 'openconfirm',
  established: 'established',
};

/** `birdc show protocols all NAME` -> the session state. */
export function parseBirdProtocolState(text: string): SessionState {
  const match = /^\s*BGP state:\s+(\S+)/m.exec(text);
  const state = match === null ? undefined : BIRD_STATES[(match[1] ?? '').toLowerCase()];
  if (state === undefined) {
    throw new Error(`bird protocol: no BGP state in ${text.trim().slice(0, 300)}`);
  }
  return state;
}
