/**
 * What this speaker should do about one Service (pure): announce its IP,
 * and how, or withdraw it, and why. The rules and the reasons' names are
 * v0.9's (`speaker/main.go` handleService and the protocols'
 * ShouldAnnounce; docs/COMPAT.md section 3), so logs read the same.
 */
import {
  nodeSelectorsMatch,
  type BalancerClass,
  type Config,
  type Pool,
  type Protocol,
} from '../config/index.js';
import { cidrContains, formatIP, type IPAddress } from '../ip/index.js';
import {
  electAnnouncer,
  homeAssignment,
  liveFromHome,
  type AddressAssignment,
} from '../layer2/index.js';
import { readServiceAddress, type NodeFacts, type ServiceFacts } from '../service/index.js';
import { healthyEndpoints, type ReadyEndpoints } from './endpoints.js';
import type { HomeCache } from './home-cache.js';

export interface SpeakerView {
  readonly config: Config;
  /** This speaker's node name. */
  readonly myNode: string;
  /** Live memberlist members, or null when memberlist is off (every node counts). */
  readonly live: ReadonlySet<string> | null;
  /** Every Node of the cluster, for the balancer classes' node selectors. */
  readonly nodes: readonly NodeFacts[];
  /** Keeps home assignments between decisions; without it they are computed each time. */
  readonly homes?: HomeCache;
}

export type WithdrawReason =
  | 'serviceDeleted'
  | 'notLoadBalancer'
  | 'noIPAllocated'
  | 'invalidIP'
  | 'ipNotAllowed'
  | 'notOwner'
  | 'noLocalEndpoints'
  | 'noEndpoints'
  /** A `spec.loadBalancerClass` of another implementation. */
  | 'otherLoadBalancerClass'
  /** A balancer class the config does not have, or two different ones named. */
  | 'noBalancerClass';

/**
 * One address this node announces, resolved once here: parsed, in canonical text, and
 * placed in its pool. The protocols take it as it is (BGP reads the pool's
 * bgp-advertisements; layer 2 the address), so neither parses nor looks up again.
 */
export interface Announcement {
  /** Canonical text (dotted decimal, RFC 5952): what logs, metrics and Events show. */
  readonly ip: string;
  /** The same address, parsed. */
  readonly address: IPAddress;
  /** Its pool in the config decided on; for a balancer class, the class's pool (named after it). */
  readonly pool: Pool;
}

export type Decision =
  | {
      readonly kind: 'announce';
      readonly protocol: Protocol;
      /** The addresses this node announces: the Service's one, or its share of a class's. */
      readonly announcements: readonly Announcement[];
      /** For a Service of a balancer class: who announces each of its addresses. */
      readonly assignment?: AddressAssignment;
    }
  | {
      readonly kind: 'withdraw';
      readonly reason: WithdrawReason;
      /** For layer 2, the node that does announce (null: nobody can). */
      readonly announcer?: string | null;
      /** The Service's IP when it has a usable one, for logs. */
      readonly ip?: string;
      /** For a Service of a balancer class: who announces each of its addresses. */
      readonly assignment?: AddressAssignment;
    };

export function decide(
  service: ServiceFacts | undefined,
  endpoints: ReadyEndpoints,
  view: SpeakerView,
): Decision {
  if (service === undefined) return { kind: 'withdraw', reason: 'serviceDeleted' };
  if (!service.isLoadBalancer) return { kind: 'withdraw', reason: 'notLoadBalancer' };
  switch (service.class.kind) {
    case 'foreign':
      return { kind: 'withdraw', reason: 'otherLoadBalancerClass' };
    case 'invalid':
      return { kind: 'withdraw', reason: 'noBalancerClass' };
    case 'class': {
      const name = service.class.className;
      const balancerClass = view.config.balancerClasses.find((c) => c.name === name);
      if (balancerClass === undefined) return { kind: 'withdraw', reason: 'noBalancerClass' };
      return decideScaledOut(service, balancerClass, endpoints, view);
    }
    case 'none':
      break;
  }
  // v0.9 announces only a Service with exactly one address.
  const [only, ...more] = service.ingress;
  if (only === undefined || more.length > 0) return { kind: 'withdraw', reason: 'noIPAllocated' };
  // As v0.9's speaker read it (net.ParseIP of Go 1.13): an IPv4-mapped or leading-zero spelling is the IPv4 address.
  const parsed = readServiceAddress(only);
  if (!parsed.ok) return { kind: 'withdraw', reason: 'invalidIP' };
  const announcement = announcementFor(view.config, parsed.value);
  if (announcement === undefined)
    return { kind: 'withdraw', reason: 'ipNotAllowed', ip: formatIP(parsed.value) };
  const { ip, pool } = announcement;
  if (pool.protocol === 'layer2') {
    const announcer = layer2Announcer(service.key, endpoints, view.live);
    if (announcer !== view.myNode) return { kind: 'withdraw', reason: 'notOwner', announcer, ip };
  } else {
    // v0.9's BGP rule (speaker/bgp_controller.go ShouldAnnounce): Local needs a healthy
    // endpoint on this node, Cluster a healthy endpoint anywhere; an IP also listed as not
    // ready is not healthy.
    const healthy = healthyEndpoints(endpoints);
    if (service.externalTrafficPolicy === 'Local' && !healthy.nodes.includes(view.myNode))
      return { kind: 'withdraw', reason: 'noLocalEndpoints', ip };
    if (!healthy.any) return { kind: 'withdraw', reason: 'noEndpoints', ip };
  }
  return { kind: 'announce', protocol: pool.protocol, announcements: [announcement] };
}

/**
 * A Service of a balancer class (docs/SCALEOUT.md): its addresses that are
 * the class's, spread over the class's nodes by the scale-out assignment.
 * `Cluster` needs a ready endpoint anywhere, as kube-proxy forwards from a
 * balancer node without one; `Local` needs one on the node itself.
 */
function decideScaledOut(
  service: ServiceFacts,
  balancerClass: BalancerClass,
  endpoints: ReadyEndpoints,
  view: SpeakerView,
): Decision {
  const owned = new Map<string, Announcement>();
  for (const text of service.ingress) {
    const parsed = readServiceAddress(text);
    if (!parsed.ok) continue;
    // An address outside the class (a config change the controller has not caught up with yet) is not announced.
    if (!poolContains(balancerClass.pool, parsed.value)) continue;
    const ip = formatIP(parsed.value);
    if (!owned.has(ip)) owned.set(ip, { ip, address: parsed.value, pool: balancerClass.pool });
  }
  const ips = [...owned.keys()];
  if (ips.length === 0)
    return {
      kind: 'withdraw',
      reason: service.ingress.length === 0 ? 'noIPAllocated' : 'ipNotAllowed',
    };
  const local = service.externalTrafficPolicy === 'Local';
  if (!local && !endpoints.anyReady) return { kind: 'withdraw', reason: 'noEndpoints' };
  const members = view.nodes.filter((node) =>
    nodeSelectorsMatch(balancerClass.nodeSelectors, node.labels),
  );
  const usable = new Set(
    members
      .map((node) => node.name)
      .filter((name) => view.live === null || view.live.has(name))
      .filter((name) => !local || endpoints.nodes.includes(name)),
  );
  const home =
    view.homes?.home(view.nodes, balancerClass, service.key, ips, members) ??
    homeAssignment(service.key, ips, members);
  const assignment = liveFromHome(service.key, ips, members, home, usable);
  const mine = [...owned.values()].filter((a) => assignment.get(a.ip) === view.myNode);
  if (mine.length === 0)
    return {
      kind: 'withdraw',
      reason: local && !endpoints.nodes.includes(view.myNode) ? 'noLocalEndpoints' : 'notOwner',
      assignment,
    };
  return { kind: 'announce', protocol: 'layer2', announcements: mine, assignment };
}

/**
 * v0.9's layer 2 election: the nodes with a ready endpoint (even for
 * `externalTrafficPolicy: Cluster`, a v0.9 quirk kept so that old and new
 * speakers elect the same node), less those memberlist does not see alive.
 */
export function layer2Announcer(
  serviceKey: string,
  endpoints: ReadyEndpoints,
  live: ReadonlySet<string> | null,
): string | null {
  const candidates =
    live === null ? endpoints.nodes : endpoints.nodes.filter((node) => live.has(node));
  return electAnnouncer(serviceKey, candidates);
}

/** The pool whose addresses contain `ip`, first in config order (v0.9's poolFor). */
export function poolOf(config: Config, ip: IPAddress): Pool | undefined {
  return config.pools.find((pool) => poolContains(pool, ip));
}

/** `address` as the protocols are handed it, or undefined when it is in no pool (v0.9's poolFor). */
export function announcementFor(config: Config, address: IPAddress): Announcement | undefined {
  const pool = poolOf(config, address);
  return pool === undefined ? undefined : { ip: formatIP(address), address, pool };
}

/** The name of the address pool, or else of the balancer class, that `ip` belongs to. */
export function ownerOf(config: Config, ip: IPAddress): string | undefined {
  return (
    poolOf(config, ip)?.name ?? config.balancerClasses.find((c) => poolContains(c.pool, ip))?.name
  );
}

function poolContains(pool: Pool, ip: IPAddress): boolean {
  return pool.cidrs.some((cidr) => cidrContains(cidr, ip));
}
