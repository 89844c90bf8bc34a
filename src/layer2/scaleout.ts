/**
 * Which balancer node announces which address of a scaled-out Service
 * (docs/SCALEOUT.md, "Which node announces which address"). Pure: every
 * speaker computes the same answer from the same Kubernetes objects and the
 * same memberlist view, with no other coordination.
 *
 * Two steps. The home assignment is a function of the class's Nodes and
 * their ages: replaying the nodes oldest first, each newcomer takes
 * addresses from the busiest nodes while that evens the load, then, once
 * every node holds at most one, the address of the lowest-ranked holder if
 * it outranks that holder. A new Node is always the newest, so it is always
 * the last step of the replay: adding one moves at most one address once
 * there are as many nodes as addresses. No function of the node set alone
 * can promise that; the ages are the shared history that can.
 *
 * The live assignment keeps every address whose home node is usable (alive
 * and eligible) there and gives the others to the usable nodes holding the
 * fewest: a node that fails moves only its own addresses.
 */
import { createHash } from 'node:crypto';
import { electionKey } from './election.js';

/** A balancer node of the class: its name and `metadata.creationTimestamp` in ms. */
export interface BalancerNode {
  readonly name: string;
  /** Ms since the epoch; `Infinity` when unknown, which sorts it as the newest. */
  readonly createdAt: number;
}

/** Address -> announcing node, or null when no usable node is left. */
export type AddressAssignment = ReadonlyMap<string, string | null>;

/**
 * How much `node` wants `ip` of the Service (smaller is stronger): the
 * rendezvous weight of the pair, over "node#namespace/name#ip" like the
 * layer 2 election's key.
 */
export function pairWeight(serviceKey: string, ip: string, node: string): Buffer {
  return createHash('sha256').update(`${node}#${serviceKey}#${ip}`, 'utf8').digest();
}

/** Oldest first; equal ages (one-second timestamps) by name, so every speaker agrees. */
export function byAge(nodes: readonly BalancerNode[]): BalancerNode[] {
  const unique = new Map<string, BalancerNode>();
  for (const node of nodes) if (!unique.has(node.name)) unique.set(node.name, node);
  return [...unique.values()].sort(
    (a, b) =>
      (a.createdAt === b.createdAt ? 0 : a.createdAt < b.createdAt ? -1 : 1) ||
      (a.name < b.name ? -1 : a.name > b.name ? 1 : 0),
  );
}

/**
 * Every address's home node: the replay described above. `ips` in the
 * Service's order; each address appears once in the result. Empty without
 * nodes.
 */
export function homeAssignment(
  serviceKey: string,
  ips: readonly string[],
  nodes: readonly BalancerNode[],
): Map<string, string> {
  const addresses = [...new Set(ips)];
  const home = new Map<string, string>();
  const held = new Map<string, string[]>(); // node -> its addresses, in the order taken
  const rank = new Map<string, Buffer>();
  for (const { name } of byAge(nodes)) {
    rank.set(name, electionKey(name, serviceKey));
    if (held.size === 0) {
      // The first node is home to everything.
      held.set(name, [...addresses]);
      for (const ip of addresses) home.set(ip, name);
      continue;
    }
    const mine: string[] = [];
    held.set(name, mine);
    // Even the load: take from the busiest while it holds two more than the newcomer.
    for (;;) {
      const donor = busiest(held, rank, name);
      const donorIps = donor === null ? [] : (held.get(donor) ?? []);
      if (donor === null || donorIps.length <= mine.length + 1) break;
      const ip = strongest(serviceKey, donorIps, name);
      donorIps.splice(donorIps.indexOf(ip), 1);
      mine.push(ip);
      home.set(ip, name);
    }
    // One address each at most: outrank the lowest-ranked holder or stay idle.
    if (mine.length === 0) {
      const weakest = weakestHolder(held, rank);
      const weakestIps = weakest === null ? [] : (held.get(weakest) ?? []);
      const ip = weakestIps[0];
      if (weakest !== null && ip !== undefined && compare(rank, name, weakest) < 0) {
        weakestIps.splice(0, 1);
        mine.push(ip);
        home.set(ip, name);
        held.delete(weakest);
      }
    }
    // Only holders stay in the map, so each step costs the number of addresses, not of nodes.
    if (mine.length === 0) held.delete(name);
  }
  return home;
}

/**
 * Who announces each address now. `usable` are the nodes alive in
 * memberlist and eligible for the Service; a name there that is not one of
 * `nodes` is ignored. The result lists `ips` in their order.
 */
export function liveAssignment(
  serviceKey: string,
  ips: readonly string[],
  nodes: readonly BalancerNode[],
  usable: ReadonlySet<string>,
): Map<string, string | null> {
  return liveFromHome(serviceKey, ips, nodes, homeAssignment(serviceKey, ips, nodes), usable);
}

/**
 * The live step alone, from a home assignment computed before (it changes
 * only with the Nodes, while liveness changes with every memberlist event,
 * so a speaker may keep it).
 */
export function liveFromHome(
  serviceKey: string,
  ips: readonly string[],
  nodes: readonly BalancerNode[],
  home: ReadonlyMap<string, string>,
  usable: ReadonlySet<string>,
): Map<string, string | null> {
  // The order of the candidates does not matter: pair weights decide every tie.
  const candidates = [...new Set(nodes.map((n) => n.name))].filter((name) => usable.has(name));
  const load = new Map<string, number>(candidates.map((name) => [name, 0]));
  const result = new Map<string, string | null>();
  const orphans: string[] = [];
  for (const ip of [...new Set(ips)]) {
    const node = home.get(ip);
    if (node !== undefined && load.has(node)) {
      result.set(ip, node);
      load.set(node, (load.get(node) ?? 0) + 1);
    } else {
      result.set(ip, null);
      orphans.push(ip);
    }
  }
  // Orphans to the least loaded nodes, strongest pair first, one at a time.
  while (orphans.length > 0 && candidates.length > 0) {
    const least = Math.min(...candidates.map((name) => load.get(name) ?? 0));
    let best: { ip: string; node: string; weight: Buffer } | null = null;
    for (const node of candidates) {
      if (load.get(node) !== least) continue;
      for (const ip of orphans) {
        const weight = pairWeight(serviceKey, ip, node);
        if (best === null || Buffer.compare(weight, best.weight) < 0) best = { ip, node, weight };
      }
    }
    if (best === null) break;
    result.set(best.ip, best.node);
    load.set(best.node, least + 1);
    orphans.splice(orphans.indexOf(best.ip), 1);
  }
  return result;
}

/** Negative when `a` outranks `b` (smaller election key, as the layer 2 election). */
function compare(rank: ReadonlyMap<string, Buffer>, a: string, b: string): number {
  const ka = rank.get(a);
  const kb = rank.get(b);
  if (ka === undefined || kb === undefined) return 0;
  return Buffer.compare(ka, kb);
}

/** The node holding the most addresses, except `newcomer`; ties go to the lowest-ranked. */
function busiest(
  held: ReadonlyMap<string, readonly string[]>,
  rank: ReadonlyMap<string, Buffer>,
  newcomer: string,
): string | null {
  let best: string | null = null;
  for (const [node, ips] of held) {
    if (node === newcomer) continue;
    const bestCount = best === null ? -1 : (held.get(best)?.length ?? 0);
    if (
      ips.length > bestCount ||
      (ips.length === bestCount && best !== null && compare(rank, node, best) > 0)
    )
      best = node;
  }
  return best;
}

/** The lowest-ranked node holding an address. */
function weakestHolder(
  held: ReadonlyMap<string, readonly string[]>,
  rank: ReadonlyMap<string, Buffer>,
): string | null {
  let weakest: string | null = null;
  for (const [node, ips] of held)
    if (ips.length > 0 && (weakest === null || compare(rank, node, weakest) > 0)) weakest = node;
  return weakest;
}

/** Of `ips`, the one `node` wants most. */
function strongest(serviceKey: string, ips: readonly string[], node: string): string {
  let best = ips[0] ?? '';
  let bestWeight = pairWeight(serviceKey, best, node);
  for (const ip of ips.slice(1)) {
    const weight = pairWeight(serviceKey, ip, node);
    if (Buffer.compare(weight, bestWeight) < 0) {
      best = ip;
      bestWeight = weight;
    }
  }
  return best;
}
