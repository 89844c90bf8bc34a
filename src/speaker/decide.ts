/**
 * What this speaker should do about one Service (pure): announce its IP,
 * and how, or withdraw it, and why. The rules and the reasons' names are
 * v0.9's (`speaker/main.go` handleService and the protocols'
 * ShouldAnnounce; COMPAT.md section 3), so logs read the same.
 */
import type { Config, Pool, Protocol } from '../config/index.js';
import { cidrContains, formatIP, parseIP, type IPAddress } from '../ip/index.js';
import { electAnnouncer } from '../layer2/index.js';
import type { ReadyEndpoints } from './endpoints.js';

/** The parts of a Service the decision depends on. */
export interface ServiceFacts {
  /** `namespace/name`: also what the layer 2 election hashes. */
  readonly key: string;
  readonly isLoadBalancer: boolean;
  /** `status.loadBalancer.ingress[].ip`, as written by the controller. */
  readonly ingress: readonly string[];
  /** `Cluster` (the API server's default) or `Local`. */
  readonly externalTrafficPolicy: string;
}

export interface SpeakerView {
  readonly config: Config;
  /** This speaker's node name. */
  readonly myNode: string;
  /** Live memberlist members, or null when memberlist is off (every node counts). */
  readonly live: ReadonlySet<string> | null;
}

export type WithdrawReason =
  | 'serviceDeleted'
  | 'notLoadBalancer'
  | 'noIPAllocated'
  | 'invalidIP'
  | 'ipNotAllowed'
  | 'notOwner'
  | 'noLocalEndpoints'
  | 'noEndpoints';

export type Decision =
  | {
      readonly kind: 'announce';
      readonly protocol: Protocol;
      readonly ip: string;
      readonly pool: string;
    }
  | {
      readonly kind: 'withdraw';
      readonly reason: WithdrawReason;
      /** For layer 2, the node that does announce (null: nobody can). */
      readonly announcer?: string | null;
      /** The Service's IP when it has a usable one, for logs. */
      readonly ip?: string;
    };

export function decide(
  service: ServiceFacts | undefined,
  endpoints: ReadyEndpoints,
  view: SpeakerView,
): Decision {
  if (service === undefined) return { kind: 'withdraw', reason: 'serviceDeleted' };
  if (!service.isLoadBalancer) return { kind: 'withdraw', reason: 'notLoadBalancer' };
  // v0.9 announces only a Service with exactly one address.
  const [only, ...more] = service.ingress;
  if (only === undefined || more.length > 0) return { kind: 'withdraw', reason: 'noIPAllocated' };
  const parsed = parseIP(only);
  if (!parsed.ok) return { kind: 'withdraw', reason: 'invalidIP' };
  const ip = formatIP(parsed.value);
  const pool = poolOf(view.config, parsed.value);
  if (pool === undefined) return { kind: 'withdraw', reason: 'ipNotAllowed', ip };
  if (pool.protocol === 'layer2') {
    const announcer = layer2Announcer(service.key, endpoints, view.live);
    if (announcer !== view.myNode) return { kind: 'withdraw', reason: 'notOwner', announcer, ip };
  } else {
    // v0.9's BGP rule: Local needs a ready endpoint on this node, Cluster any ready endpoint.
    if (service.externalTrafficPolicy === 'Local' && !endpoints.nodes.includes(view.myNode))
      return { kind: 'withdraw', reason: 'noLocalEndpoints', ip };
    if (!endpoints.anyReady) return { kind: 'withdraw', reason: 'noEndpoints', ip };
  }
  return { kind: 'announce', protocol: pool.protocol, ip, pool: pool.name };
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
  return config.pools.find((pool) => pool.cidrs.some((cidr) => cidrContains(cidr, ip)));
}
