/**
 * What a router installed in a namespace's kernel routing table, read with
 * iproute2 (`ip -n NS -j route show PREFIX`). An ECMP route is one entry
 * with a `nexthops` list; a single path has its `gateway` on the entry
 * itself. The text form, for a BIRD router with three eBGP peers, is
 *
 *     203.0.113.10 proto bird metric 32
 *             nexthop via 198.51.100.1 dev eth0 weight 1
 *             nexthop via 198.51.100.2 dev eth0 weight 1
 *             nexthop via 198.51.100.3 dev eth0 weight 1
 *
 * and for FRR (zebra, with a nexthop group) `203.0.113.10 nhid 16 proto bgp
 * metric 20` over the same lines.
 */
import { compareIP, parseIP } from '../../../src/ip/index.js';
import { canonicalAddress, canonicalPrefix, isRecord, parseJson } from './rib.js';
import { runTool } from './process.js';
import { familyOf } from './spec.js';

export interface KernelRoute {
  /** Canonical prefix with its length: '203.0.113.10/32'. */
  prefix: string;
  /** Who installed it: 'bird', 'bgp' (FRR's zebra), 'kernel' ... */
  protocol: string;
  /** The gateways in address order; one for a plain route, several for a multipath one. */
  nextHops: string[];
}

function gatewayOf(entry: unknown): string[] {
  const gateway = isRecord(entry) ? entry['gateway'] : undefined;
  return typeof gateway === 'string' ? [canonicalAddress(gateway)] : [];
}

function byAddress(a: string, b: string): number {
  const x = parseIP(a);
  const y = parseIP(b);
  return x.ok && y.ok ? compareIP(x.value, y.value) : a.localeCompare(b);
}

/** `ip -j route show ...` -> its routes. */
export function parseIpRoutes(text: string): KernelRoute[] {
  // iproute2 prints nothing at all for an empty list.
  if (text.trim() === '') return [];
  const value = parseJson(text, 'ip -j route');
  if (!Array.isArray(value)) throw new Error(`ip -j route: not a list: ${text.slice(0, 200)}`);
  return value.filter(isRecord).map((entry) => {
    const dst = typeof entry['dst'] === 'string' ? entry['dst'] : '';
    const full = dst.includes('/') ? dst : `${dst}/${familyOf(dst) === 4 ? 32 : 128}`;
    const nexthops = Array.isArray(entry['nexthops']) ? entry['nexthops'] : [];
    const hops = nexthops.length > 0 ? nexthops.flatMap(gatewayOf) : gatewayOf(entry);
    return {
      prefix: dst === 'default' ? dst : canonicalPrefix(full),
      protocol: typeof entry['protocol'] === 'string' ? entry['protocol'] : '',
      nextHops: hops.sort(byAddress),
    };
  });
}

function ipRoute(netns: string, prefix: string, json: boolean): Promise<string> {
  const family = familyOf(prefix) === 4 ? '-4' : '-6';
  return runTool(['ip', '-n', netns, family, ...(json ? ['-j'] : []), 'route', 'show', prefix]);
}

/** The namespace's kernel route for exactly this prefix, or undefined. */
export async function kernelRoute(netns: string, prefix: string): Promise<KernelRoute | undefined> {
  const routes = parseIpRoutes(await ipRoute(netns, canonicalPrefix(prefix), true));
  return routes.find((route) => route.prefix === canonicalPrefix(prefix));
}

/** The same as `ip -n NETNS route show PREFIX` prints it, for messages and text checks. */
export function kernelRouteText(netns: string, prefix: string): Promise<string> {
  return ipRoute(netns, canonicalPrefix(prefix), false);
}
