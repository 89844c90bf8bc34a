/**
 * A v0.9 Config as the resources of current MetalLB (`metallb.io`, the
 * CRDs of v0.13 and later; checked against v0.15's): one IPAddressPool per
 * pool, an L2Advertisement per layer2 pool, a BGPAdvertisement per
 * advertisement of a bgp pool, a BGPPeer per peer with its password in a
 * Secret, and one Community holding the `bgp-communities` aliases.
 *
 * Meaning is kept: the same addresses (CIDRs as masked, ranges as first-last),
 * auto-assign and avoid-buggy-ips; advertisements for every peer and node as
 * in v0.9 (no `peers` or `nodeSelectors` on them); communities by their
 * alias when exactly one alias names the value, by value otherwise.
 */
import type { Config, Peer, Pool } from '../config/index.js';
import { formatCommunity } from '../config/index.js';
import { cidrFirst, cidrLast, formatCidr, formatIP } from '../ip/index.js';
import { assignNames } from './names.js';

export const METALLB_API = 'metallb.io/v1beta1';
export const BGP_PEER_API = 'metallb.io/v1beta2';
/** BGPPeer.spec.peerPort is at most this in the CRD. */
export const MAX_CRD_PEER_PORT = 16384;
const DEFAULT_PEER_PORT = 179;

/** A resource as written out: plain JSON. */
export interface Resource {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: { readonly name: string; readonly namespace: string };
  readonly [field: string]: unknown;
}

export interface Rename {
  readonly kind: string;
  readonly from: string;
  readonly to: string;
}

export interface CrdConversion {
  readonly resources: readonly Resource[];
  /** v0.9 names that are not valid object names, and what they became. */
  readonly renames: readonly Rename[];
  /** What cannot be said in the CRDs: the conversion is not faithful when any. */
  readonly problems: readonly string[];
  /** What to check by hand after switching. */
  readonly notes: readonly string[];
  /**
   * metallb-ts extensions current MetalLB has no resource for, left out;
   * the rest is still written (unlike problems).
   */
  readonly warnings: readonly string[];
}

export function toCrds(config: Config, namespace: string): CrdConversion {
  const resources: Resource[] = [];
  const renames: Rename[] = [];
  const problems: string[] = [];
  const notes: string[] = [];
  const meta = (name: string) => ({ name, namespace });

  const poolNames = assignNames(
    config.pools.map((p) => p.name),
    'pool',
  );
  const warnings: string[] = [];
  config.pools.forEach((pool, i) => {
    const name = poolNames[i] ?? pool.name;
    // v0.9 read a range that ends before it starts, or mixes families, as no address
    // (config/addresses.ts); written as it stands, current MetalLB would refuse the pool.
    const empty = pool.entries.filter((entry) => entry.cidrs.length === 0);
    for (const entry of empty) {
      warnings.push(
        `pool ${JSON.stringify(pool.name)}: ${JSON.stringify(entry.text)} covers no address (as v0.9 read it) and is left out of IPAddressPool ${name}`,
      );
    }
    if (name !== pool.name) {
      renames.push({ kind: 'IPAddressPool', from: pool.name, to: name });
      notes.push(
        `pool ${JSON.stringify(pool.name)} is IPAddressPool ${name}: Services whose metallb.universe.tf/address-pool annotation names it must name ${name}`,
      );
    }
    resources.push({
      apiVersion: METALLB_API,
      kind: 'IPAddressPool',
      metadata: meta(name),
      spec: {
        addresses: pool.entries.filter((entry) => entry.cidrs.length > 0).map(entryText),
        autoAssign: pool.autoAssign,
        avoidBuggyIPs: pool.avoidBuggyIps,
      },
    });
  });

  const aliases = aliasByValue(config.communities);
  const advertisementNames = assignNames(
    config.pools.flatMap((pool, i) =>
      pool.protocol === 'bgp'
        ? pool.bgpAdvertisements.map((_, j) =>
            pool.bgpAdvertisements.length === 1 ? `${poolNames[i]}` : `${poolNames[i]}-${j + 1}`,
          )
        : [],
    ),
    'advertisement',
  );
  let advertisement = 0;
  config.pools.forEach((pool, i) => {
    const poolName = poolNames[i] ?? pool.name;
    if (pool.protocol === 'layer2') {
      resources.push({
        apiVersion: METALLB_API,
        kind: 'L2Advertisement',
        metadata: meta(poolName),
        spec: { ipAddressPools: [poolName] },
      });
      return;
    }
    for (const ad of pool.bgpAdvertisements) {
      const name = advertisementNames[advertisement++] ?? poolName;
      const communities = ad.communities.map(
        (value) => aliases.get(value) ?? formatCommunity(value),
      );
      resources.push({
        apiVersion: METALLB_API,
        kind: 'BGPAdvertisement',
        metadata: meta(name),
        spec: {
          ipAddressPools: [poolName],
          aggregationLength: ad.aggregationLength,
          // The metallb-ts IPv6 opt-in maps onto the CRD's own field (whose default, 128, current MetalLB applies).
          ...(ad.aggregationLengthV6 === null
            ? {}
            : { aggregationLengthV6: ad.aggregationLengthV6 }),
          ...(ad.localPref === 0 ? {} : { localPref: ad.localPref }),
          ...(communities.length === 0 ? {} : { communities }),
        },
      });
    }
  });

  if (config.communities.size > 0) {
    resources.push({
      apiVersion: METALLB_API,
      kind: 'Community',
      metadata: meta('bgp-communities'),
      spec: {
        communities: [...config.communities].map(([alias, value]) => ({
          name: alias,
          value: formatCommunity(value),
        })),
      },
    });
  }

  const peerNames = assignNames(config.peers.map(peerBaseName), 'peer');
  config.peers.forEach((peer, i) => {
    const name = peerNames[i] ?? `peer-${i + 1}`;
    const where = `peer ${formatIP(peer.address)}`;
    if (peer.port > MAX_CRD_PEER_PORT) {
      problems.push(
        `${where}: peer-port ${peer.port} cannot be written: BGPPeer allows ports up to ${MAX_CRD_PEER_PORT}`,
      );
    }
    let passwordSecret: { name: string; namespace: string } | undefined;
    if (peer.password !== null) {
      passwordSecret = { name: `${name}-bgp-password`, namespace };
      resources.push({
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: meta(passwordSecret.name),
        type: 'kubernetes.io/basic-auth',
        stringData: { password: peer.password },
      });
    }
    if (peer.myAsn !== peer.peerAsn) {
      notes.push(
        `${where} is eBGP: v0.9 reached it over any number of hops; if it is not directly connected, set spec.ebgpMultiHop: true on BGPPeer ${name}`,
      );
    }
    resources.push({
      apiVersion: BGP_PEER_API,
      kind: 'BGPPeer',
      metadata: meta(name),
      spec: {
        myASN: peer.myAsn,
        peerASN: peer.peerAsn,
        peerAddress: formatIP(peer.address),
        ...(peer.port === DEFAULT_PEER_PORT ? {} : { peerPort: peer.port }),
        holdTime: `${peer.holdTimeSeconds}s`,
        ...(peer.routerId === null ? {} : { routerID: formatIP(peer.routerId) }),
        ...(passwordSecret === undefined ? {} : { passwordSecret }),
        ...(peer.nodeSelectors.length === 0 ? {} : { nodeSelectors: nodeSelectors(peer) }),
      },
    });
  });

  if (config.balancerClasses.length > 0) {
    const classes = config.balancerClasses.map((c) => JSON.stringify(c.name)).join(', ');
    warnings.push(
      `balancer classes ${classes} (data key balancer-classes) are not carried over: they are a metallb-ts extension and current MetalLB has no equivalent resource; Services of a class (loadBalancerClass metallb-ts.io/...) are left alone by MetalLB`,
    );
  }

  return { resources, renames, problems, notes, warnings };
}

/** A CIDR entry as its masked prefix, a range as `first-last`; both as v0.9 read them. */
function entryText(entry: Pool['entries'][number]): string {
  const first = entry.cidrs[0];
  const last = entry.cidrs[entry.cidrs.length - 1];
  if (first === undefined || last === undefined) return entry.text;
  if (!entry.text.includes('-')) return formatCidr(first);
  return `${formatIP(cidrFirst(first))}-${formatIP(cidrLast(last))}`;
}

/** The alias of each value that exactly one usable alias names. */
function aliasByValue(communities: ReadonlyMap<string, number>): Map<number, string> {
  const names = new Map<number, string[]>();
  for (const [alias, value] of communities) {
    // An alias that reads as a community (`A:B`, `large:...`) would be taken as one.
    if (alias.includes(':')) continue;
    names.set(value, [...(names.get(value) ?? []), alias]);
  }
  const single = new Map<number, string>();
  for (const [value, list] of names)
    if (list.length === 1 && list[0] !== undefined) single.set(value, list[0]);
  return single;
}

/** `peer-192-0-2-1`, `peer-2001-db8--1-port-1179`. */
function peerBaseName(peer: Peer): string {
  const address = formatIP(peer.address).replace(/[.:]/g, '-');
  return peer.port === DEFAULT_PEER_PORT ? `peer-${address}` : `peer-${address}-port-${peer.port}`;
}

function nodeSelectors(peer: Peer): Record<string, unknown>[] {
  return peer.nodeSelectors.map((selector) => ({
    ...(Object.keys(selector.matchLabels).length === 0
      ? {}
      : { matchLabels: { ...selector.matchLabels } }),
    ...(selector.matchExpressions.length === 0
      ? {}
      : {
          matchExpressions: selector.matchExpressions.map((e) => ({
            key: e.key,
            operator: e.operator,
            ...(e.values.length === 0 ? {} : { values: [...e.values] }),
          })),
        }),
  }));
}
