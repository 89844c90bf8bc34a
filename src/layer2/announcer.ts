/**
 * The layer 2 announcer: the I/O shell around the pure responder and
 * gratuitous schedule. It keeps one ARP and one NDP packet socket open per
 * usable interface (rescanned every 10 s, as v0.9 does, so hot-plugged
 * interfaces are picked up), answers requests for the addresses it owns on
 * the interface they arrived on, and on taking an address over announces
 * it at once and then on v0.9's schedule. Releasing an address stops the
 * answers at once.
 */
import { formatMac } from './mac.js';
import { canonicalAddress, ipv6Bytes } from './address.js';
import { AnnouncedSet } from './announced.js';
import { gratuitousArp, unsolicitedNeighborAdvertisement } from './gratuitous.js';
import {
  answersArp,
  answersNdp,
  listInterfaces as listSystemInterfaces,
  type NetInterface,
} from './interfaces.js';
import { solicitedNodeGroup } from './multicast.js';
import { Ipv6GroupMembership, PacketSocket, type PacketSocketKind } from './packet-socket.js';
import { respond, type ResponderDecision } from './responder.js';
import { GratuitousSchedule, type GratuitousTimings } from './schedule.js';

export type Layer2LogLevel = 'debug' | 'info' | 'warn' | 'error';

/** Counters by address, v0.9's `metallb_layer2_*` (the speaker passes prom-client counters). */
export interface Layer2Counters {
  readonly requestsReceived: { inc(labels: { ip: string }): void };
  readonly responsesSent: { inc(labels: { ip: string }): void };
  readonly gratuitousSent: { inc(labels: { ip: string }): void };
}

export interface Layer2AnnouncerOptions {
  readonly log: (
    level: Layer2LogLevel,
    msg: string,
    fields?: Record<string, string | number>,
  ) => void;
  readonly metrics: Layer2Counters;
  /** How often interfaces are listed again. v0.9: 10 s. */
  readonly rescanIntervalMs?: number;
  /** The announcement schedule; v0.9's by default (every 1.1 s for 5 s). */
  readonly gratuitous?: GratuitousTimings;
  /** The interfaces to consider (tests); the system's by default. */
  readonly listInterfaces?: () => NetInterface[];
}

/** What is open on one interface. */
interface Attached {
  readonly iface: NetInterface;
  readonly arp: PacketSocket | null;
  readonly ndp: PacketSocket | null;
  readonly groups: Ipv6GroupMembership | null;
}

export class Layer2Announcer {
  private readonly owned = new AnnouncedSet();
  private readonly schedule: GratuitousSchedule;
  private readonly attached = new Map<string, Attached>();
  private rescanTimer: NodeJS.Timeout | undefined;
  private announceTimer: NodeJS.Timeout | undefined;
  private closed = false;
  /** Drops by reason, for debugging (malformed frames are counted, never thrown). */
  readonly ignored = new Map<string, number>();

  private constructor(private readonly options: Layer2AnnouncerOptions) {
    this.schedule = new GratuitousSchedule(options.gratuitous);
  }

  static start(options: Layer2AnnouncerOptions): Promise<Layer2Announcer> {
    const announcer = new Layer2Announcer(options);
    announcer.rescan();
    announcer.rescanTimer = setInterval(
      () => announcer.rescan(),
      options.rescanIntervalMs ?? 10_000,
    );
    announcer.rescanTimer.unref();
    return Promise.resolve(announcer);
  }

  /** Interfaces answering now, by name, with what is open on each (for logs and tests). */
  interfaces(): { name: string; arp: boolean; ndp: boolean }[] {
    return [...this.attached.values()].map((a) => ({
      name: a.iface.name,
      arp: a.arp !== null,
      ndp: a.ndp !== null,
    }));
  }

  announce(ip: string): void {
    const canonical = canonicalAddress(ip);
    if (canonical === null || this.closed || this.owned.has(canonical)) return;
    this.owned.add(canonical);
    if (canonical.includes(':'))
      for (const a of this.attached.values()) this.joinGroup(a, canonical);
    this.schedule.takeOver(canonical, Date.now());
    this.sendDue();
  }

  withdraw(ip: string): void {
    const canonical = canonicalAddress(ip);
    if (canonical === null || !this.owned.delete(canonical)) return;
    this.schedule.release(canonical);
    if (canonical.includes(':'))
      for (const a of this.attached.values()) this.leaveGroup(a, canonical);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.rescanTimer);
    clearTimeout(this.announceTimer);
    for (const name of [...this.attached.keys()]) this.detach(name);
  }

  /** Opens sockets on new usable interfaces and closes those of interfaces gone or unusable. */
  rescan(): void {
    if (this.closed) return;
    let found: NetInterface[];
    try {
      found = (this.options.listInterfaces ?? listSystemInterfaces)();
    } catch (error) {
      this.options.log('warn', 'cannot list interfaces', { error: String(error) });
      return;
    }
    const wanted = new Map(
      found.filter((i) => answersArp(i) || answersNdp(i)).map((i) => [i.name, i] as const),
    );
    for (const [name, attached] of this.attached) {
      const now = wanted.get(name);
      // A changed index or MAC means a new interface under the old name: reopen.
      if (
        now === undefined ||
        now.index !== attached.iface.index ||
        formatMac(now.mac) !== formatMac(attached.iface.mac) ||
        answersArp(now) !== (attached.arp !== null) ||
        answersNdp(now) !== (attached.ndp !== null)
      )
        this.detach(name);
    }
    for (const [name, iface] of wanted) if (!this.attached.has(name)) this.attach(iface);
  }

  private attach(iface: NetInterface): void {
    const open = (kind: PacketSocketKind): PacketSocket | null => {
      try {
        const socket = PacketSocket.open(iface, kind);
        socket.on('frame', (frame) => this.onFrame(iface, socket, frame));
        socket.on('error', (error) =>
          this.options.log('warn', 'packet socket error', {
            interface: iface.name,
            kind,
            error: error.message,
          }),
        );
        return socket;
      } catch (error) {
        this.options.log('error', `cannot open the ${kind} socket`, {
          interface: iface.name,
          error: String(error),
        });
        return null;
      }
    };
    const arp = answersArp(iface) ? open('arp') : null;
    const ndp = answersNdp(iface) ? open('ndp') : null;
    let groups: Ipv6GroupMembership | null = null;
    if (ndp !== null) {
      try {
        groups = Ipv6GroupMembership.open(iface);
      } catch (error) {
        this.options.log('warn', 'cannot join IPv6 groups (no MLD reports)', {
          interface: iface.name,
          error: String(error),
        });
      }
    }
    const attached: Attached = { iface, arp, ndp, groups };
    this.attached.set(iface.name, attached);
    this.options.log('info', 'answering on interface', {
      interface: iface.name,
      arp: arp === null ? 'no' : 'yes',
      ndp: ndp === null ? 'no' : 'yes',
    });
    for (const ip of this.owned) {
      if (ip.includes(':')) this.joinGroup(attached, ip);
      // A new interface learns about every address we hold.
      this.sendAnnouncement(attached, ip);
    }
  }

  private detach(name: string): void {
    const attached = this.attached.get(name);
    if (attached === undefined) return;
    this.attached.delete(name);
    attached.arp?.close();
    attached.ndp?.close();
    attached.groups?.close();
    this.options.log('info', 'stopped answering on interface', { interface: name });
  }

  private joinGroup(attached: Attached, ip: string): void {
    if (attached.ndp === null) return;
    const group = solicitedNodeGroup(ip);
    try {
      attached.ndp.addMembership(group.mac);
      attached.groups?.join(ipv6Bytes(group.address));
    } catch (error) {
      this.options.log('warn', 'cannot join the solicited-node group', {
        interface: attached.iface.name,
        ip,
        error: String(error),
      });
    }
  }

  private leaveGroup(attached: Attached, ip: string): void {
    if (attached.ndp === null) return;
    const group = solicitedNodeGroup(ip);
    try {
      attached.ndp.dropMembership(group.mac);
      attached.groups?.leave(ipv6Bytes(group.address));
    } catch {
      // The interface may be going away; nothing to undo.
    }
  }

  private onFrame(iface: NetInterface, socket: PacketSocket, frame: Buffer): void {
    const decision: ResponderDecision = respond(frame, iface, this.owned);
    if (decision.kind === 'ignore') {
      this.ignored.set(decision.reason, (this.ignored.get(decision.reason) ?? 0) + 1);
      return;
    }
    const { metrics } = this.options;
    metrics.requestsReceived.inc({ ip: decision.ip });
    try {
      socket.send(decision.reply);
      metrics.responsesSent.inc({ ip: decision.ip });
    } catch (error) {
      this.options.log('warn', 'cannot send a reply', {
        interface: iface.name,
        ip: decision.ip,
        error: String(error),
      });
    }
  }

  /** Sends the rounds that are due and arms the timer for the next one. */
  private sendDue(): void {
    clearTimeout(this.announceTimer);
    if (this.closed) return;
    for (const ip of this.schedule.due(Date.now()))
      for (const attached of this.attached.values()) this.sendAnnouncement(attached, ip);
    const next = this.schedule.nextDeadline();
    if (next !== null) {
      this.announceTimer = setTimeout(() => this.sendDue(), Math.max(0, next - Date.now()));
      this.announceTimer.unref();
    }
  }

  private sendAnnouncement(attached: Attached, ip: string): void {
    const v6 = ip.includes(':');
    const socket = v6 ? attached.ndp : attached.arp;
    if (socket === null) return;
    const frames = v6
      ? [unsolicitedNeighborAdvertisement(ip, attached.iface.mac)]
      : gratuitousArp(ip, attached.iface.mac);
    try {
      for (const frame of frames) socket.send(frame);
      this.options.metrics.gratuitousSent.inc({ ip });
    } catch (error) {
      this.options.log('warn', 'cannot send a gratuitous announcement', {
        interface: attached.iface.name,
        ip,
        error: String(error),
      });
    }
  }
}
