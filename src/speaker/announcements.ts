/**
 * What this speaker announces, per Service, and the protocol handlers it
 * drives. Several Services may share one IP (the `allow-shared-ip`
 * annotation); the IP stays announced while any of them wants it here, as
 * v0.9's announcer keeps it while any Service name holds it. A Service of
 * a balancer class may have several of its addresses announced here.
 */
import type { Pool, Protocol } from '../config/index.js';
import type { Announcement, Decision, WithdrawReason } from './decide.js';

/**
 * A protocol's announcing side: layer 2 answers ARP/NDP, BGP advertises
 * routes. Each is handed the address as decide() resolved it (parsed, with
 * its pool), never text to parse again. `announce` of an address already
 * announced hands over its pool under a new config.
 */
export interface AnnouncementSink {
  announce(announcement: Announcement): void;
  withdraw(announcement: Announcement): void;
  /**
   * A Service that wants the address announced from here was decided again and still does
   * (v0.9 calls SetBalancer on every such sync: a Service, Endpoints or config change, a
   * memberlist event). Layer 2 re-sends its gratuitous burst; BGP has nothing to do.
   */
  resync?(announcement: Announcement): void;
}

/** One address announced for a Service. */
export interface Announced extends Announcement {
  readonly protocol: Protocol;
}

export type ChangeReason = WithdrawReason | 'protocolChanged' | 'loadBalancerIPChanged';

/** What applying a decision changed, for logs, Events and metrics. */
export interface AppliedChange {
  readonly withdrawn: readonly (Announced & { readonly reason: ChangeReason })[];
  readonly announced: readonly Announced[];
}

const NOTHING: AppliedChange = { withdrawn: [], announced: [] };

export class Announcements {
  /** Per Service, its addresses announced here, in the order decided. */
  private readonly byService = new Map<string, readonly Announced[]>();
  /** Per protocol and IP, the Services that want it announced from here. */
  private readonly holders = new Map<string, Set<string>>();

  constructor(private readonly sinks: Readonly<Record<Protocol, AnnouncementSink>>) {}

  get(service: string): readonly Announced[] | undefined {
    return this.byService.get(service);
  }

  services(): IterableIterator<[string, readonly Announced[]]> {
    return this.byService.entries();
  }

  apply(service: string, decision: Decision): AppliedChange {
    const previous = this.byService.get(service) ?? [];
    if (decision.kind === 'withdraw') {
      if (previous.length === 0) return NOTHING;
      this.byService.delete(service);
      for (const a of previous) this.release(service, a);
      return { withdrawn: previous.map((a) => ({ ...a, reason: decision.reason })), announced: [] };
    }
    const next: Announced[] = [];
    for (const a of decision.announcements)
      if (!next.some((n) => n.ip === a.ip)) next.push({ ...a, protocol: decision.protocol });
    const withdrawn: (Announced & { reason: ChangeReason })[] = [];
    for (const a of previous) {
      if (next.some((n) => n.protocol === a.protocol && n.ip === a.ip)) continue;
      // v0.9 withdraws first when the protocol or the IP changes; an address of
      // a class Service that is still the Service's went to another node.
      const reason: ChangeReason =
        a.protocol !== decision.protocol
          ? 'protocolChanged'
          : decision.assignment?.has(a.ip) === true
            ? 'notOwner'
            : 'loadBalancerIPChanged';
      this.release(service, a);
      withdrawn.push({ ...a, reason });
    }
    const announced: Announced[] = [];
    for (const n of next) {
      const sink = this.sinks[n.protocol];
      const kept = previous.find((a) => a.protocol === n.protocol && a.ip === n.ip);
      if (kept === undefined) {
        announced.push(n);
        // Another Service already holds the address here: it is announced, and synced again.
        if (!this.hold(service, n)) sink.resync?.(n);
      }
      // An address kept under a new config: the protocol takes its pool as it is now
      // (BGP advertises per the pool's bgp-advertisements). Nothing to report.
      else if (poolChanged(kept.pool, n.pool)) sink.announce(n);
      else sink.resync?.(n);
    }
    this.byService.set(service, next);
    return { withdrawn, announced };
  }

  /** Adds the Service to the address's holders; true when it is the first (the sink was told). */
  private hold(service: string, announced: Announced): boolean {
    const key = `${announced.protocol} ${announced.ip}`;
    let holders = this.holders.get(key);
    if (holders === undefined) {
      holders = new Set();
      this.holders.set(key, holders);
    }
    holders.add(service);
    if (holders.size > 1) return false;
    this.sinks[announced.protocol].announce(announced);
    return true;
  }

  private release(service: string, announced: Announced): void {
    const key = `${announced.protocol} ${announced.ip}`;
    const holders = this.holders.get(key);
    if (holders === undefined) return;
    holders.delete(service);
    if (holders.size > 0) return;
    this.holders.delete(key);
    this.sinks[announced.protocol].withdraw(announced);
  }
}

/**
 * Whether a protocol must be handed a kept address again under a new config:
 * what it reads of the pool (its name, its BGP advertisements) changed. The
 * same config parsed again is no change.
 */
function poolChanged(before: Pool, after: Pool): boolean {
  if (before === after) return false;
  return (
    before.name !== after.name ||
    JSON.stringify(before.bgpAdvertisements) !== JSON.stringify(after.bgpAdvertisements)
  );
}
