/**
 * What this speaker announces, per Service, and the protocol handlers it
 * drives. Several Services may share one IP (the `allow-shared-ip`
 * annotation); the IP stays announced while any of them wants it here, as
 * v0.9's announcer keeps it while any Service name holds it.
 */
import type { Protocol } from '../config/index.js';
import type { Decision, WithdrawReason } from './decide.js';

/** A protocol's announcing side: layer 2 answers ARP/NDP, BGP advertises routes. */
export interface AnnouncementSink {
  announce(ip: string): void;
  withdraw(ip: string): void;
}

export interface Announced {
  readonly protocol: Protocol;
  readonly ip: string;
  readonly pool: string;
}

/** What applying a decision changed, for logs, Events and metrics. */
export interface AppliedChange {
  readonly withdrawn?: Announced & {
    readonly reason: WithdrawReason | 'protocolChanged' | 'loadBalancerIPChanged';
  };
  readonly announced?: Announced;
}

export class Announcements {
  private readonly byService = new Map<string, Announced>();
  /** Per protocol and IP, the Services that want it announced from here. */
  private readonly holders = new Map<string, Set<string>>();

  constructor(private readonly sinks: Readonly<Record<Protocol, AnnouncementSink>>) {}

  get(service: string): Announced | undefined {
    return this.byService.get(service);
  }

  services(): IterableIterator<[string, Announced]> {
    return this.byService.entries();
  }

  apply(service: string, decision: Decision): AppliedChange {
    const previous = this.byService.get(service);
    if (decision.kind === 'withdraw') {
      if (previous === undefined) return {};
      this.release(service, previous);
      return { withdrawn: { ...previous, reason: decision.reason } };
    }
    const next: Announced = { protocol: decision.protocol, ip: decision.ip, pool: decision.pool };
    if (previous !== undefined) {
      if (previous.protocol === next.protocol && previous.ip === next.ip) {
        this.byService.set(service, next); // the pool's name may have changed; nothing to send
        return {};
      }
      // v0.9 withdraws first when the protocol or the IP changes.
      this.release(service, previous);
      const reason =
        previous.protocol !== next.protocol ? 'protocolChanged' : 'loadBalancerIPChanged';
      this.hold(service, next);
      return { withdrawn: { ...previous, reason }, announced: next };
    }
    this.hold(service, next);
    return { announced: next };
  }

  private hold(service: string, announced: Announced): void {
    this.byService.set(service, announced);
    const key = `${announced.protocol} ${announced.ip}`;
    let holders = this.holders.get(key);
    if (holders === undefined) {
      holders = new Set();
      this.holders.set(key, holders);
    }
    holders.add(service);
    if (holders.size === 1) this.sinks[announced.protocol].announce(announced.ip);
  }

  private release(service: string, announced: Announced): void {
    this.byService.delete(service);
    const key = `${announced.protocol} ${announced.ip}`;
    const holders = this.holders.get(key);
    if (holders === undefined) return;
    holders.delete(service);
    if (holders.size > 0) return;
    this.holders.delete(key);
    this.sinks[announced.protocol].withdraw(announced.ip);
  }
}
