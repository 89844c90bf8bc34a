/**
 * One gossip member on real sockets: the pure state machine (state.ts)
 * wired to UDP and TCP (transport.ts), the codec and the keyring. This is
 * the thin shell: it frames, encrypts, counts what it drops, runs the
 * state's timers on the real clock, and does the TCP exchanges (join,
 * push/pull, fallback ping) the state asks for.
 */
import { EventEmitter } from 'node:events';
import type { Socket } from 'node:net';
import { formatEndpoint, type Endpoint } from './address.js';
import { NetTransport } from './transport.js';
import { LAN_TIMINGS, type Timings } from './options.js';
import { MemberlistState, type LogLevel, type Member, type MemberEvent } from './state.js';
import { readStreamMessage, writeStreamMessage, type StreamSecurity } from './stream-io.js';
import { decodeDatagram, encodeDatagram, type DropReason } from './datagram.js';
import { encryptionOverhead, type Keyring } from './security.js';
import { MessageType, type Ping, type PushPull } from './types.js';

export interface MemberlistOptions {
  /** Unique member name; v0.9 uses the node name. */
  readonly name: string;
  /** Address to bind UDP and TCP on (an IP literal). */
  readonly bindAddr: string;
  /** Port for both; 7946 in v0.9. 0 picks a free one (tests). */
  readonly bindPort: number;
  /** What others should use to reach us; defaults to the bound address. */
  readonly advertise?: Endpoint;
  /** Encrypts everything when set; plaintext from others is then refused. */
  readonly keyring?: Keyring | null;
  readonly timings?: Partial<Timings>;
  readonly meta?: Uint8Array | null;
  /** Where log lines go; silent by default. */
  readonly log?: (
    level: LogLevel,
    message: string,
    fields: Record<string, string | number>,
  ) => void;
}

/** What was dropped and why: every malformed, foreign or undecryptable input is counted here. */
export type DropCounters = Record<DropReason | 'stream', number>;

export interface JoinResult {
  readonly joined: number;
  readonly errors: readonly string[];
}

/** The events a member emits, as memberlist's EventDelegate has them. */
export interface MemberlistEvents {
  join: [member: Member];
  leave: [member: Member];
  update: [member: Member];
}

export class Memberlist extends EventEmitter<MemberlistEvents> {
  readonly dropped: DropCounters = {
    decrypt: 0,
    plaintext: 0,
    crc: 0,
    malformed: 0,
    oversize: 0,
    stream: 0,
  };
  private readonly state: MemberlistState;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  private readonly streams = new Set<Socket>();
  private readonly lastDropWarning = new Map<DropReason, number>();

  private constructor(
    private readonly transport: NetTransport,
    private readonly options: MemberlistOptions,
    private readonly timings: Timings,
    advertise: Endpoint,
  ) {
    super();
    const security = this.streamSecurity();
    this.state = new MemberlistState(
      {
        name: options.name,
        advertise,
        meta: options.meta ?? null,
        timings,
        encryptionOverhead: security.keyring ? encryptionOverhead(1) : 0,
        clock: () => Date.now(),
        random: Math.random,
      },
      {
        sendPacket: (to, parts, crc) => this.sendPacket(to, parts, crc),
        tcpPing: (to, ping, deadline) => void this.tcpPing(to, ping, deadline),
        pushPull: (to, name) =>
          void this.pushPull(to, false).catch((error: unknown) =>
            this.log('warn', 'push/pull failed', { node: name, error: message(error) }),
          ),
        event: (event) => this.emitEvent(event),
        log: (level, text, fields) => this.log(level, text, fields ?? {}),
      },
    );
  }

  /** Binds the sockets and starts probing and gossiping. */
  static async create(options: MemberlistOptions): Promise<Memberlist> {
    const timings: Timings = { ...LAN_TIMINGS, ...options.timings };
    // The sockets exist before the member does; nothing arrives before it is set.
    const wired: { member?: Memberlist } = {};
    const transport = await NetTransport.listen(options.bindAddr, options.bindPort, {
      packet: (bytes, from) => wired.member?.onPacket(bytes, from),
      stream: (socket, from) => wired.member?.onStream(socket, from),
    });
    const advertise = options.advertise ?? transport.bound;
    const self = new Memberlist(transport, options, timings, advertise);
    wired.member = self;
    self.state.start();
    self.reschedule();
    return self;
  }

  get name(): string {
    return this.state.name;
  }

  /** The address and port bound (port 0 resolved). */
  get bound(): Endpoint {
    return this.transport.bound;
  }

  /** Every member known, itself included, dead and left ones until reaped. */
  members(): Member[] {
    return this.state.members();
  }

  /** Alive and suspect members: what v0.9 elects over. */
  liveMembers(): Member[] {
    return this.state.liveMembers();
  }

  get health(): number {
    return this.state.health;
  }

  /**
   * Joins a cluster through any of `peers` (memberlist Join): a push/pull
   * with each; succeeds when at least one answered.
   */
  async join(peers: readonly Endpoint[]): Promise<JoinResult> {
    let joined = 0;
    const errors: string[] = [];
    for (const peer of peers) {
      try {
        await this.pushPull(peer, true);
        joined += 1;
      } catch (error) {
        errors.push(`${formatEndpoint(peer)}: ${message(error)}`);
      }
    }
    return { joined, errors };
  }

  /**
   * Leaves gracefully: tells the others, waits up to `timeoutMs` for the
   * news to go out (v0.9: 1 s), then stops.
   */
  async leave(timeoutMs = 1_000): Promise<void> {
    if (this.stopped) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, timeoutMs);
      this.state.leave(() => {
        clearTimeout(timer);
        resolve();
      });
      this.reschedule();
    });
    await this.shutdown();
  }

  /** Stops without telling anyone (the others will find out by probing). */
  async shutdown(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.state.stop();
    for (const socket of this.streams) socket.destroy();
    await this.transport.close();
  }

  // ---- timers ------------------------------------------------------------

  /** Arms one real timer for the state's next deadline. */
  private reschedule(): void {
    if (this.stopped) return;
    if (this.timer) clearTimeout(this.timer);
    const next = this.state.nextDeadline();
    if (next === undefined) return;
    this.timer = setTimeout(
      () => {
        this.timer = undefined;
        this.state.advance();
        this.reschedule();
      },
      Math.max(0, next - Date.now()),
    );
  }

  // ---- UDP ---------------------------------------------------------------

  private sendPacket(to: Endpoint, parts: readonly Uint8Array[], crc: boolean): void {
    const bytes = encodeDatagram(parts, {
      crc,
      compress: this.timings.enableCompression,
      key: this.options.keyring?.primary ?? null,
    });
    this.transport.sendTo(to, bytes);
  }

  private onPacket(bytes: Uint8Array, from: Endpoint): void {
    if (this.stopped) return;
    const decoded = decodeDatagram(bytes, this.options.keyring ?? null);
    if (!decoded.ok) {
      this.dropped[decoded.reason] += 1;
      // The first drop of each kind, and then one a minute, is a warning: a
      // wrong secret shows up in the log without flooding it.
      const now = Date.now();
      const last = this.lastDropWarning.get(decoded.reason);
      const level = last === undefined || now - last >= 60_000 ? 'warn' : 'debug';
      if (level === 'warn') this.lastDropWarning.set(decoded.reason, now);
      this.log(level, 'dropped a datagram', {
        from: formatEndpoint(from),
        reason: decoded.reason,
        error: decoded.error,
        count: this.dropped[decoded.reason],
      });
      return;
    }
    this.dropped.malformed += decoded.dropped;
    for (const m of decoded.messages) this.state.handlePacket(m, from);
    this.reschedule();
  }

  // ---- TCP ---------------------------------------------------------------

  private streamSecurity(): StreamSecurity {
    return { keyring: this.options.keyring ?? null, compress: this.timings.enableCompression };
  }

  /** A stream someone opened to us: push/pull (join) or a fallback ping. */
  private onStream(socket: Socket, from: Endpoint): void {
    if (this.stopped) {
      socket.destroy();
      return;
    }
    this.streams.add(socket);
    socket.once('close', () => this.streams.delete(socket));
    void this.serveStream(socket).catch((error: unknown) => {
      this.dropped.stream += 1;
      this.log('warn', 'refused a stream', { from: formatEndpoint(from), error: message(error) });
      socket.destroy();
    });
  }

  private async serveStream(socket: Socket): Promise<void> {
    const security = this.streamSecurity();
    const request = await readStreamMessage(socket, security, this.timings.tcpTimeout);
    switch (request.type) {
      case MessageType.pushPull: {
        // memberlist answers with its state before merging theirs.
        await writeStreamMessage(socket, this.state.localState(request.join), security);
        this.merge(request);
        break;
      }
      case MessageType.ping: {
        const ack = this.state.handleStreamPing(request);
        if (ack)
          await writeStreamMessage(
            socket,
            { type: MessageType.ack, seqNo: ack.seqNo, payload: null },
            security,
          );
        break;
      }
      case MessageType.user:
        break; // v0.9 has no delegate for user messages
      default:
        await writeStreamMessage(
          socket,
          { type: MessageType.err, error: 'unexpected message' },
          security,
        );
    }
    socket.end();
  }

  /** A push/pull we start; with `join` it is memberlist's Join. Throws when it fails. */
  private async pushPull(to: Endpoint, join: boolean): Promise<void> {
    const security = this.streamSecurity();
    const socket = await this.transport.dial(to, this.timings.tcpTimeout);
    this.streams.add(socket);
    try {
      await writeStreamMessage(socket, this.state.localState(join), security);
      const answer = await readStreamMessage(socket, security, this.timings.tcpTimeout);
      if (answer.type === MessageType.err) throw new Error(`remote error: ${answer.error}`);
      if (answer.type !== MessageType.pushPull)
        throw new Error(`expected a push/pull answer, got type ${answer.type}`);
      this.merge(answer);
    } finally {
      socket.destroy();
      this.streams.delete(socket);
    }
  }

  private merge(remote: PushPull): void {
    const merged = this.state.mergeRemoteState(remote);
    if (!merged.ok) throw new Error(`refused their state: ${merged.error}`);
    this.reschedule();
  }

  private async tcpPing(to: Endpoint, ping: Ping, deadline: number): Promise<void> {
    let contacted: boolean;
    try {
      const remaining = Math.max(1, deadline - Date.now());
      const socket = await this.transport.dial(to, remaining);
      this.streams.add(socket);
      try {
        const security = this.streamSecurity();
        await writeStreamMessage(socket, ping, security);
        const answer = await readStreamMessage(
          socket,
          security,
          Math.max(1, deadline - Date.now()),
        );
        contacted = answer.type === MessageType.ack && answer.seqNo === ping.seqNo;
      } finally {
        socket.destroy();
        this.streams.delete(socket);
      }
    } catch {
      contacted = false;
    }
    if (this.stopped) return;
    this.state.tcpPingResult(ping.seqNo, contacted);
    this.reschedule();
  }

  // ---- output ------------------------------------------------------------

  private emitEvent(event: MemberEvent): void {
    this.emit(event.kind, event.member);
  }

  private log(level: LogLevel, text: string, fields: Record<string, string | number>): void {
    this.options.log?.(level, text, { member: this.options.name, ...fields });
  }
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
