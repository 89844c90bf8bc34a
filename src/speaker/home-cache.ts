/**
 * The home assignments of Services of balancer classes, kept between
 * decisions. A home assignment depends only on the class's Nodes (one
 * sha256 per node), while every memberlist change requeues every Service:
 * recomputing it for 1,000 Services over 200 nodes held the event loop for
 * about 0.9 s, which is failover time. Entries are keyed by the identity of
 * the speaker's Node list and of the class object, both replaced when they
 * change, so a stale entry is never read and old ones are collected.
 */
import type { BalancerClass } from '../config/index.js';
import { homeAssignment, type BalancerNode } from '../layer2/index.js';

export class HomeCache {
  private readonly byNodes = new WeakMap<
    readonly object[],
    WeakMap<BalancerClass, Map<string, ReadonlyMap<string, string>>>
  >();

  /**
   * The home assignment of `ips` of `serviceKey` over `members` (the class's
   * nodes, taken from `allNodes`, the speaker's current Node list).
   */
  home(
    allNodes: readonly object[],
    balancerClass: BalancerClass,
    serviceKey: string,
    ips: readonly string[],
    members: readonly BalancerNode[],
  ): ReadonlyMap<string, string> {
    let byClass = this.byNodes.get(allNodes);
    if (byClass === undefined) {
      byClass = new WeakMap();
      this.byNodes.set(allNodes, byClass);
    }
    let byService = byClass.get(balancerClass);
    if (byService === undefined) {
      byService = new Map();
      byClass.set(balancerClass, byService);
    }
    // The assignment depends on the set of addresses, not their order.
    const key = `${serviceKey}\u0000${[...ips].sort().join(',')}`;
    let home = byService.get(key);
    if (home === undefined) {
      home = homeAssignment(serviceKey, ips, members);
      byService.set(key, home);
    }
    return home;
  }
}
