/**
 * The JSON view of a Config printed by `metallb-ts config validate --json`
 * and compared by the fixture tests. Keys may be added, never renamed.
 */
import { formatCidr, formatIP } from '../ip/index.js';
import { formatCommunity } from './community.js';
import type {
  BalancerClass,
  Config,
  ConfigError,
  ConfigWarning,
  NodeSelector,
  Peer,
  Pool,
} from './types.js';

export interface PoolView {
  readonly name: string;
  readonly protocol: string;
  readonly cidrs: string[];
  readonly avoidBuggyIps: boolean;
  readonly autoAssign: boolean;
  /** Usable addresses as a decimal string (an IPv6 pool can hold 2^64 and more). */
  readonly addresses: string;
  readonly bgpAdvertisements: {
    readonly aggregationLength: number;
    /** Only present when the advertisement opts in to IPv6 (metallb-ts). */
    readonly aggregationLengthV6?: number;
    readonly localPref: number;
    readonly communities: string[];
  }[];
}

export interface PeerView {
  readonly myAsn: number;
  readonly peerAsn: number;
  readonly peerAddress: string;
  readonly peerPort: number;
  readonly holdTimeSeconds: number;
  readonly routerId: string | null;
  /** The password itself is never printed. */
  readonly hasPassword: boolean;
  readonly nodeSelectors: NodeSelectorView[];
}

export interface NodeSelectorView {
  readonly matchLabels: Record<string, string>;
  readonly matchExpressions: { key: string; operator: string; values: string[] }[];
}

/** A balancer class (docs/SCALEOUT.md); its addresses as a pool's are shown. */
export interface BalancerClassView {
  readonly name: string;
  readonly cidrs: string[];
  readonly avoidBuggyIps: boolean;
  /** Usable addresses as a decimal string. */
  readonly addresses: string;
  readonly ipsPerService: number;
  /** Empty: every node is a balancer node of the class. */
  readonly nodeSelectors: NodeSelectorView[];
}

export interface ConfigView {
  readonly pools: PoolView[];
  readonly peers: PeerView[];
  /** Only present when there are classes, so the view of a v0.9 config is v0.9's. */
  readonly balancerClasses?: BalancerClassView[];
}

export type ValidationView =
  | {
      readonly valid: true;
      readonly config: ConfigView;
      /** What v0.9 accepted as written but probably not as meant, and what it made of it. */
      readonly warnings: ConfigWarning[];
    }
  | { readonly valid: false; readonly errors: ConfigError[] };

export function poolView(pool: Pool): PoolView {
  return {
    name: pool.name,
    protocol: pool.protocol,
    cidrs: pool.cidrs.map(formatCidr),
    avoidBuggyIps: pool.avoidBuggyIps,
    autoAssign: pool.autoAssign,
    addresses: pool.addressCount.toString(),
    bgpAdvertisements: pool.bgpAdvertisements.map((ad) => ({
      aggregationLength: ad.aggregationLength,
      ...(ad.aggregationLengthV6 === null ? {} : { aggregationLengthV6: ad.aggregationLengthV6 }),
      localPref: ad.localPref,
      communities: ad.communities.map(formatCommunity),
    })),
  };
}

function selectorView(selector: NodeSelector): NodeSelectorView {
  return {
    matchLabels: { ...selector.matchLabels },
    matchExpressions: selector.matchExpressions.map((req) => ({
      key: req.key,
      operator: req.operator,
      values: [...req.values],
    })),
  };
}

export function peerView(peer: Peer): PeerView {
  return {
    myAsn: peer.myAsn,
    peerAsn: peer.peerAsn,
    peerAddress: formatIP(peer.address),
    peerPort: peer.port,
    holdTimeSeconds: peer.holdTimeSeconds,
    routerId: peer.routerId === null ? null : formatIP(peer.routerId),
    hasPassword: peer.password !== null,
    nodeSelectors: peer.nodeSelectors.map(selectorView),
  };
}

export function balancerClassView(balancerClass: BalancerClass): BalancerClassView {
  return {
    name: balancerClass.name,
    cidrs: balancerClass.pool.cidrs.map(formatCidr),
    avoidBuggyIps: balancerClass.pool.avoidBuggyIps,
    addresses: balancerClass.pool.addressCount.toString(),
    ipsPerService: balancerClass.ipsPerService,
    nodeSelectors: balancerClass.nodeSelectors.map(selectorView),
  };
}

export function configView(config: Config): ConfigView {
  return {
    pools: config.pools.map(poolView),
    peers: config.peers.map(peerView),
    ...(config.balancerClasses.length === 0
      ? {}
      : { balancerClasses: config.balancerClasses.map(balancerClassView) }),
  };
}
