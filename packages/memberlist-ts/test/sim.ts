/**
 * A simulated network for the pure memberlist state machine: every member's
 * datagrams are encoded by the real codec, decoded again and delivered after
 * a fixed latency on one shared fake clock. Links can be cut one way, and
 * members killed (they stop sending and receiving). No sockets, no sleeping.
 */
import { decodeMessage } from '../src/codec.js';
import { LAN_TIMINGS, type Timings } from '../src/options.js';
import { MemberlistState, type Endpoint, type MemberEvent, type StateIO } from '../src/state.js';
import type { PacketMessage } from '../src/types.js';

/** A deterministic generator (mulberry32), so every run of a test is the same run. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface SimEvent extends MemberEvent {
  readonly at: number;
  readonly observer: string;
}

export interface Delivered {
  readonly at: number;
  readonly from: string;
  readonly to: string;
  readonly messages: readonly PacketMessage[];
  readonly crc: boolean;
}

interface Pending {
  readonly at: number;
  readonly seq: number;
  readonly run: () => void;
}

const LOOPBACK = Uint8Array.of(127, 0, 0, 1);

export class SimNetwork {
  now = 0;
  readonly events: SimEvent[] = [];
  readonly delivered: Delivered[] = [];
  readonly logs: { observer: string; level: string; message: string }[] = [];
  private readonly members = new Map<string, MemberlistState>();
  private readonly byPort = new Map<number, string>();
  private readonly dead = new Set<string>();
  private readonly cut = new Set<string>();
  private queue: Pending[] = [];
  private seq = 0;
  private nextPort = 7000;
  private readonly random: () => number;

  constructor(
    seed = 1,
    private readonly latency = 1,
  ) {
    this.random = seededRandom(seed);
  }

  add(
    name: string,
    timings: Timings = LAN_TIMINGS,
    vsn?: readonly [number, number, number, number, number, number],
  ): MemberlistState {
    const port = this.nextPort++;
    const io: StateIO = {
      sendPacket: (to, parts, crc) => this.send(name, to, parts, crc),
      tcpPing: (to, ping, deadline) => {
        const target = this.nameAt(to);
        const reachable = target !== undefined && !this.dead.has(target) && !this.dead.has(name);
        this.later(reachable ? 2 * this.latency : deadline - this.now, () =>
          this.members.get(name)?.tcpPingResult(ping.seqNo, reachable),
        );
      },
      pushPull: (to) => {
        const target = this.nameAt(to);
        if (target !== undefined) this.pushPull(name, target);
      },
      event: (event) => this.events.push({ ...event, at: this.now, observer: name }),
      log: (level, message) => this.logs.push({ observer: name, level, message }),
    };
    const state = new MemberlistState(
      {
        name,
        advertise: { addr: LOOPBACK, port },
        timings,
        encryptionOverhead: 0,
        clock: () => this.now,
        random: this.random,
        ...(vsn ? { vsn } : {}),
      },
      io,
    );
    this.members.set(name, state);
    this.byPort.set(port, name);
    return state;
  }

  get(name: string): MemberlistState {
    const state = this.members.get(name);
    if (!state) throw new Error(`no member ${name}`);
    return state;
  }

  /** `from` joins `to` by a push/pull with Join set, as memberlist Join does over TCP. */
  join(from: string, to: string): { ok: true } | { ok: false; error: string } {
    return this.pushPull(from, to, true);
  }

  /** Stops a member dead: no more sending, receiving or timers (SIGKILL). */
  kill(name: string): void {
    this.dead.add(name);
    this.get(name).stop();
  }

  /** Drops every datagram from `from` to `to` (one way). */
  cutLink(from: string, to: string): void {
    this.cut.add(`${from}>${to}`);
  }

  cutBothWays(a: string, b: string): void {
    this.cutLink(a, b);
    this.cutLink(b, a);
  }

  /** Runs the whole simulation up to `until` (absolute ms). */
  runUntil(until: number): void {
    for (;;) {
      const next = this.nextTime();
      if (next === undefined || next > until) break;
      this.now = next;
      this.step();
    }
    this.now = until;
  }

  run(forMs: number): void {
    this.runUntil(this.now + forMs);
  }

  /** Advances until `predicate` holds or `limitMs` passes; returns the time it held, or undefined. */
  runUntilTrue(predicate: () => boolean, limitMs: number): number | undefined {
    const until = this.now + limitMs;
    while (!predicate()) {
      const next = this.nextTime();
      if (next === undefined || next > until) {
        this.now = until;
        return undefined;
      }
      this.now = next;
      this.step();
    }
    return this.now;
  }

  private nextTime(): number | undefined {
    let next: number | undefined;
    for (const [name, state] of this.members) {
      if (this.dead.has(name)) continue;
      const at = state.nextDeadline();
      if (at !== undefined && (next === undefined || at < next)) next = at;
    }
    for (const p of this.queue) if (next === undefined || p.at < next) next = p.at;
    return next === undefined ? undefined : Math.max(next, this.now);
  }

  private step(): void {
    const due = this.queue
      .filter((p) => p.at <= this.now)
      .sort((a, b) => a.at - b.at || a.seq - b.seq);
    this.queue = this.queue.filter((p) => p.at > this.now);
    for (const p of due) p.run();
    for (const [name, state] of this.members) if (!this.dead.has(name)) state.advance();
  }

  private later(delay: number, run: () => void): void {
    this.queue.push({ at: this.now + Math.max(0, delay), seq: this.seq++, run });
  }

  private nameAt(to: Endpoint): string | undefined {
    return this.byPort.get(to.port);
  }

  private send(from: string, to: Endpoint, parts: readonly Uint8Array[], crc: boolean): void {
    if (this.dead.has(from)) return;
    const target = this.nameAt(to);
    if (target === undefined || this.cut.has(`${from}>${target}`)) return;
    const messages = parts.map((p) => decodeMessage(p));
    const source = this.get(from);
    const sourceMember = source.member(from);
    const fromEndpoint: Endpoint = { addr: LOOPBACK, port: sourceMember?.port ?? 0 };
    this.later(this.latency, () => {
      if (this.dead.has(target)) return;
      this.delivered.push({ at: this.now, from, to: target, messages, crc });
      const state = this.get(target);
      for (const message of messages) state.handlePacket(message, fromEndpoint);
    });
  }

  private pushPull(
    from: string,
    to: string,
    join = false,
  ): { ok: true } | { ok: false; error: string } {
    if (this.dead.has(to) || this.dead.has(from)) return { ok: false, error: 'connection refused' };
    const initiator = this.get(from);
    const responder = this.get(to);
    const sent = initiator.localState(join);
    const answer = responder.localState(join);
    const remoteResult = responder.mergeRemoteState(sent);
    if (!remoteResult.ok) return remoteResult;
    return initiator.mergeRemoteState(answer);
  }
}
