/**
 * What we tell one peer (RFC 4271 section 3.2, Adj-RIB-Out): the routes we
 * want it to have, the routes it has been sent, and the difference between
 * the two as withdrawals and announcements grouped by attributes, so the
 * shell can pack many prefixes into each UPDATE (v0.9 sent one UPDATE per
 * prefix) and, on a change, send only what changed.
 */
import { compareIP, formatCidr, type Cidr } from '../ip/index.js';

/** One route as the speaker decides it: a prefix and the attributes that vary by advertisement. */
export interface Route {
  readonly prefix: Cidr;
  /** LOCAL_PREF; sent to iBGP peers only. */
  readonly localPref: number;
  /** RFC 1997 values, ascending, unique. */
  readonly communities: readonly number[];
}

/** Prefixes that share one set of attributes, so one UPDATE can carry many. */
export interface RouteGroup {
  readonly family: 4 | 6;
  readonly localPref: number;
  readonly communities: readonly number[];
  readonly prefixes: readonly Cidr[];
}

export interface RouteChanges {
  readonly withdrawn: { readonly family: 4 | 6; readonly prefixes: readonly Cidr[] }[];
  readonly announced: RouteGroup[];
}

/**
 * Merges routes for the same prefix: two Services rolled up into one
 * aggregate, or two advertisements of a pool with one length. v0.9 let an
 * arbitrary one win (map order); here the result is the same whatever the
 * order: the highest LOCAL_PREF and every community of any of them.
 */
export function mergeRoutes(routes: Iterable<Route>): Map<string, Route> {
  const merged = new Map<string, Route>();
  for (const route of routes) {
    const key = formatCidr(route.prefix);
    const seen = merged.get(key);
    if (seen === undefined) {
      merged.set(key, route);
      continue;
    }
    const communities = [...new Set([...seen.communities, ...route.communities])].sort(
      (a, b) => a - b,
    );
    merged.set(key, {
      prefix: seen.prefix,
      localPref: Math.max(seen.localPref, route.localPref),
      communities,
    });
  }
  return merged;
}

export class AdjRibOut {
  private desired = new Map<string, Route>();
  private readonly sent = new Map<string, Route>();

  /** Replaces the wanted routes (already merged by prefix). */
  setDesired(routes: ReadonlyMap<string, Route>): void {
    this.desired = new Map(routes);
  }

  /** Routes the peer has been sent. */
  get announcedCount(): number {
    return this.sent.size;
  }

  /** Routes wanted at the peer, whether sent or not. */
  get desiredCount(): number {
    return this.desired.size;
  }

  /** Prefixes whose state at the peer differs from what we want (to add, change or withdraw). */
  pendingCount(families: ReadonlySet<4 | 6>): number {
    let pending = 0;
    for (const [key, route] of this.desired) {
      if (!families.has(route.prefix.family)) continue;
      const sent = this.sent.get(key);
      if (sent === undefined || !sameAttributes(sent, route)) pending += 1;
    }
    for (const key of this.sent.keys()) if (!this.desired.has(key)) pending += 1;
    return pending;
  }

  /**
   * The difference between what was sent and what is wanted, for the
   * families the session carries, and records it as sent. Prefixes come
   * out sorted so the messages are the same for the same state.
   */
  takeChanges(families: ReadonlySet<4 | 6>): RouteChanges {
    const withdrawn = new Map<4 | 6, Cidr[]>();
    for (const [key, route] of this.sent) {
      if (this.desired.has(key)) continue;
      this.sent.delete(key);
      const list = withdrawn.get(route.prefix.family) ?? [];
      list.push(route.prefix);
      withdrawn.set(route.prefix.family, list);
    }
    const groups = new Map<string, { route: Route; prefixes: Cidr[] }>();
    for (const [key, route] of this.desired) {
      if (!families.has(route.prefix.family)) continue;
      const sent = this.sent.get(key);
      if (sent !== undefined && sameAttributes(sent, route)) continue;
      this.sent.set(key, route);
      const groupKey = `${route.prefix.family} ${route.localPref} ${route.communities.join(',')}`;
      const group = groups.get(groupKey) ?? { route, prefixes: [] };
      group.prefixes.push(route.prefix);
      groups.set(groupKey, group);
    }
    return {
      withdrawn: [...withdrawn].map(([family, prefixes]) => ({
        family,
        prefixes: prefixes.sort(comparePrefixes),
      })),
      announced: [...groups.values()].map(({ route, prefixes }) => ({
        family: route.prefix.family,
        localPref: route.localPref,
        communities: route.communities,
        prefixes: prefixes.sort(comparePrefixes),
      })),
    };
  }

  /** Everything is to be sent again: the session went down, or the peer asked (route refresh). */
  forgetSent(family?: 4 | 6): void {
    if (family === undefined) {
      this.sent.clear();
      return;
    }
    for (const [key, route] of this.sent) if (route.prefix.family === family) this.sent.delete(key);
  }
}

function sameAttributes(a: Route, b: Route): boolean {
  return (
    a.localPref === b.localPref &&
    a.communities.length === b.communities.length &&
    a.communities.every((value, index) => value === b.communities[index])
  );
}

function comparePrefixes(a: Cidr, b: Cidr): number {
  const byAddress = compareIP(
    { family: a.family, value: a.base },
    { family: b.family, value: b.base },
  );
  return byAddress !== 0 ? byAddress : a.prefixLength - b.prefixLength;
}
