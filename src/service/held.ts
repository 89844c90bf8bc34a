/**
 * The addresses Services hold in their status, and the check both daemons
 * put a config to before they take it: a config is refused when an address
 * a Service holds lies in no pool of it. v0.9 makes this check on what it
 * holds in memory (the controller's allocator, controller/main.go SetConfig;
 * the speaker's announced IPs, speaker/main.go SetConfig); the statuses hold
 * every address a running controller holds, so reading them gives a
 * starting daemon, which holds nothing yet, the same answer as the running
 * one. The controller, `plan`, `migrate check` and the speaker share it, so
 * a config one of them refuses none of them takes.
 */
import { Allocator, type Orphan } from '../allocator/index.js';
import type { Config } from '../config/index.js';
import { formatIP, type IPAddress } from '../ip/index.js';
import { readServiceAddress } from './address.js';
import { balancerChoice } from './balancer-class.js';
import type { ServiceRequest } from './request.js';

/**
 * The addresses Services hold (in their status) that lie in no pool of the
 * allocator's config. Services that are not LoadBalancers or are of
 * another implementation's class hold nothing of ours.
 */
export function heldOutsidePools(
  allocator: Allocator,
  requests: Iterable<ServiceRequest>,
): Orphan[] {
  const orphans: Orphan[] = [];
  for (const request of requests) {
    if (!request.isLoadBalancer || balancerChoice(request.balancer).kind === 'foreign') continue;
    for (const held of heldAddresses(request)) {
      if (allocator.poolFor(held) === undefined)
        orphans.push({ service: request.key, ip: formatIP(held) });
    }
  }
  return orphans;
}

/**
 * Why `config` must not be taken while `requests` hold what they hold, or
 * undefined when every held address lies in one of its pools.
 */
export function heldAddressesRefusal(
  config: Config,
  requests: Iterable<ServiceRequest>,
): string | undefined {
  const candidate = new Allocator();
  candidate.setPools(config);
  const orphans = heldOutsidePools(candidate, requests);
  if (orphans.length === 0) return undefined;
  const listed = orphans.map((o) => `${o.service} (${o.ip})`).join(', ');
  return `the new config leaves assigned IPs outside every pool: ${listed}`;
}

/**
 * The addresses the Service's status holds that parse (as v0.9 read them,
 * readServiceAddress): for a v0.9 Service
 * only when it holds exactly one (v0.9 reads no other status as an
 * assignment), for a Service of a class every one.
 */
export function heldAddresses(request: ServiceRequest): IPAddress[] {
  const parsed = request.ingress.map((text) => readServiceAddress(text));
  if (balancerChoice(request.balancer).kind === 'none') {
    const only = parsed.length === 1 ? parsed[0] : undefined;
    return only?.ok === true ? [only.value] : [];
  }
  return parsed.flatMap((p) => (p.ok ? [p.value] : []));
}
