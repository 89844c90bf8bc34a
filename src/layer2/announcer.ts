/**
 * The layer 2 announcer: the I/O shell around the pure responder and
 * gratuitous schedule. It keeps one ARP and one NDP packet socket open per
 * usable interface (rescanned every 10 s, as v0.9 does, so hot-plugged
 * interfaces are picked up), answers requests for the addresses it owns on
 * the interface they arrived on, and announces an address on v0.9's
 * schedule (schedule.ts) when it takes it over and again at every resync
 * of a Service that holds it, as v0.9's SetBalancer did. Releasing an
 * address stops the answers at once.
 *
 * Its I/O (interface list, packet sockets, IPv6 group joins, clock and
 * timers) comes through one `Layer2System`; the default is the machine's,
 * and a test hands in fakes, so the shell runs without root.
 */
import { formatIP, ipToBytes, type IPAddress } from '../ip/index.js';
import { formatMac } from './mac.js';
import type { AddressBytes } from './address.js';
import { addressAnnouncementFrames } from './gratuitous.js';
import { answersArp, answersNdp, type NetInterface } from './interfaces.js';
import { ipv6MulticastMac, solicitedNodeMulticast } from './ipv6.js';
import type { PacketSocketKind } from './packet-socket.js';
import { respond, type ResponderDecision } from './responder.js';
import { GratuitousSchedule, type GratuitousTimings } from './schedule.js';
import { SYSTEM_LAYER2, type FrameSocket, type GroupJoins, type Layer2System } from './system.js';

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
  /** The announcement schedule; v0.9's by default (ticks every 1.1 s, 5 s after the last request). */
  readonly gratuitous?: GratuitousTimings;
  /** Interfaces, sockets and time; the machine's by default (SYSTEM_LAYER2). */
  readonly system?: Layer2System;
}

/**
 * What the announcer is handed: the address, parsed by the caller (the
 * speaker's announcement carries more, which is not needed here).
 */
export interface Layer2Target {
  readonly address: IPAddress;
}

/** An owned address: its canonical text (the key of answers, schedule and metrics) and bytes. */
interface Owned extends AddressBytes {
  readonly ip: string;
}

/** What is open on one interface. */
interface Attached {
  readonly iface: NetInterface;
  readonly arp: FrameSocket | null;
  readonly ndp: FrameSocket | null;
  readonly groups: GroupJoins | null;
}

export class Layer2Announcer {
  /** By canonical text, which is how the responder looks addresses up. */
  private readonly owned = new Map<string, Owned>();
  private readonly schedule: GratuitousSchedule;
  private readonly attached = new Map<string, Attached>();
  private readonly system: Layer2System;
  private stopRescans: (() => void) | undefined;
  private cancelRound: (() => void) | undefined;
  private closed = false;
  /** Drops by reason, for debugging (malformed frames are counted, never thrown). */
  readonly ignored = new Map<string, number>();

  private constructor(private readonly options: Layer2AnnouncerOptions) {
    this.system = options.system ?? SYSTEM_LAYER2;
    // v0.9's ticker starts with its announcer (layer2.New).
    this.schedule = new GratuitousSchedule(options.gratuitous, this.system.now());
  }

  static start(options: Layer2AnnouncerOptions): Promise<Layer2Announcer> {
    const announcer = new Layer2Announcer(options);
    announcer.rescan();
    announcer.stopRescans = announcer.system.every(options.rescanIntervalMs ?? 10_000, () =>
      announcer.rescan(),
    );
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

  /**
   * Answers for the address from now on, and announces it on the schedule: a round at once
   * unless a burst for it is still running, which is lengthened instead (v0.9's SetBalancer).
   */
  announce({ address }: Layer2Target): void {
    const ip = formatIP(address);
    if (this.closed) return;
    if (!this.owned.has(ip)) {
      const owned: Owned = { ip, family: address.family, bytes: ipToBytes(address) };
      this.owned.set(ip, owned);
      if (owned.family === 6) for (const a of this.attached.values()) this.joinGroup(a, owned);
    }
    this.requestRounds(ip);
  }

  /**
   * A Service that holds an owned address was synced again: ask for a burst as announce does.
   * v0.9 re-sent on every SetBalancer, so neighbours whose caches went stale (a flap, a
   * missed frame) learn the address again at the next resync. Not owned: nothing.
   */
  resync({ address }: Layer2Target): void {
    const ip = formatIP(address);
    if (this.closed || !this.owned.has(ip)) return;
    this.requestRounds(ip);
  }

  /** Stops answering for the address and announcing it, at once. */
  withdraw({ address }: Layer2Target): void {
    const ip = formatIP(address);
    const owned = this.owned.get(ip);
    if (owned === undefined) return;
    this.owned.delete(ip);
    this.schedule.release(ip);
    if (owned.family === 6) for (const a of this.attached.values()) this.leaveGroup(a, owned);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.stopRescans?.();
    this.cancelRound?.();
    for (const name of [...this.attached.keys()]) this.detach(name);
  }

  /** Opens sockets on new usable interfaces and closes those of interfaces gone or unusable. */
  rescan(): void {
    if (this.closed) return;
    let found: NetInterface[];
    try {
      found = this.system.listInterfaces();
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
    const open = (kind: PacketSocketKind): FrameSocket | null => {
      try {
        const socket: FrameSocket = this.system.openSocket(iface, kind, {
          frame: (frame) => this.onFrame(iface, socket, frame),
          error: (error) =>
            this.options.log('warn', 'packet socket error', {
              interface: iface.name,
              kind,
              error: error.message,
            }),
        });
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
    let groups: GroupJoins | null = null;
    if (ndp !== null) {
      try {
        groups = this.system.openGroups(iface);
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
    for (const owned of this.owned.values()) {
      if (owned.family === 6) this.joinGroup(attached, owned);
      // A new interface learns about every address we hold.
      this.sendAnnouncement(attached, owned);
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

  /** Receives the solicitations for an IPv6 address: its solicited-node group (RFC 4861 7.2.1). */
  private joinGroup(attached: Attached, owned: Owned): void {
    if (attached.ndp === null) return;
    const group = solicitedNodeMulticast(owned.bytes);
    try {
      attached.ndp.addMembership(ipv6MulticastMac(group));
      attached.groups?.join(group);
    } catch (error) {
      this.options.log('warn', 'cannot join the solicited-node group', {
        interface: attached.iface.name,
        ip: owned.ip,
        error: String(error),
      });
    }
  }

  private leaveGroup(attached: Attached, owned: Owned): void {
    if (attached.ndp === null) return;
    const group = solicitedNodeMulticast(owned.bytes);
    try {
      attached.ndp.dropMembership(ipv6MulticastMac(group));
      attached.groups?.leave(group);
    } catch {
      // The interface may be going away; nothing to undo.
    }
  }

  private onFrame(iface: NetInterface, socket: FrameSocket, frame: Uint8Array): void {
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

  private requestRounds(ip: string): void {
    const owned = this.owned.get(ip);
    if (owned === undefined) return;
    if (this.schedule.request(ip, this.system.now()))
      for (const attached of this.attached.values()) this.sendAnnouncement(attached, owned);
    this.sendDue();
  }

  /** Sends the rounds that are due and arms the timer for the next one. */
  private sendDue(): void {
    this.cancelRound?.();
    this.cancelRound = undefined;
    if (this.closed) return;
    for (const ip of this.schedule.due(this.system.now())) {
      const owned = this.owned.get(ip);
      if (owned === undefined) continue;
      for (const attached of this.attached.values()) this.sendAnnouncement(attached, owned);
    }
    const next = this.schedule.nextDeadline();
    if (next !== null)
      this.cancelRound = this.system.after(Math.max(0, next - this.system.now()), () =>
        this.sendDue(),
      );
  }

  private sendAnnouncement(attached: Attached, owned: Owned): void {
    const socket = owned.family === 6 ? attached.ndp : attached.arp;
    if (socket === null) return;
    for (const frame of addressAnnouncementFrames(owned, attached.iface.mac)) {
      let sent = true;
      try {
        socket.send(frame);
      } catch (error) {
        sent = false;
        this.options.log('warn', 'cannot send a gratuitous announcement', {
          interface: attached.iface.name,
          ip: owned.ip,
          error: String(error),
        });
      }
      // v0.9.6's metallb_layer2_gratuitous_sent counts packets: each ARP request and reply
      // once written (internal/layer2/arp.go Gratuitous), each advertisement whether or not
      // its write succeeded (ndp.go Gratuitous counts before looking at the error).
      if (sent || owned.family === 6) this.options.metrics.gratuitousSent.inc({ ip: owned.ip });
      if (!sent) return;
    }
  }
}
