/**
 * SWIM with Lifeguard, as HashiCorp memberlist runs it (state.go), as a pure
 * state machine: messages and timer expiries go in, datagrams, TCP requests
 * and member events come out through `StateIO`. Time comes from an injected
 * clock and randomness from an injected source, so tests drive whole
 * clusters deterministically without sleeping.
 *
 * The rules reproduced here, in the order a reader meets them in memberlist:
 * probing (direct ping, then k indirect pings with nacks plus a TCP ping,
 * then suspicion), the awareness score, suspicion with confirmations,
 * refutation by incarnation, alive/suspect/dead/left transitions, push/pull
 * merge with the version check, gossip fan-out with retransmit limits and
 * the gossip-to-the-dead window, and a graceful leave.
 */
import { formatEndpoint, type Endpoint } from './address.js';
import { Awareness } from './awareness.js';
import { BroadcastQueue } from './broadcasts.js';
import { encodeMessage } from './codec.js';
import type { Timings } from './options.js';
import { Scheduler, type TimerId } from './scheduler.js';
import { pushPullScale, retransmitLimit, Suspicion, suspicionTimeout } from './suspicion.js';
import {
  DEFAULT_VSN,
  MessageType,
  NodeState,
  type Alive,
  type Dead,
  type IndirectPing,
  type PacketMessage,
  type Ping,
  type PushNodeState,
  type PushPull,
  type Suspect,
  type Vsn,
} from './types.js';

export type { Endpoint };

/** One member as this node sees it. */
export interface Member {
  readonly name: string;
  readonly addr: Uint8Array;
  readonly port: number;
  readonly meta: Uint8Array | null;
  readonly vsn: Vsn;
  readonly incarnation: number;
  readonly state: NodeState;
  /** Clock time of the last state change. */
  readonly stateChange: number;
}

/** memberlist's EventDelegate: NotifyJoin, NotifyLeave, NotifyUpdate. */
export interface MemberEvent {
  readonly kind: 'join' | 'leave' | 'update';
  readonly member: Member;
}

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

/** What the state machine asks of the world around it. */
export interface StateIO {
  /** Send these encoded messages in one datagram (a compound when more than one). */
  sendPacket(to: Endpoint, parts: readonly Uint8Array[], crc: boolean): void;
  /**
   * Ping over TCP and wait for the ack on the same connection; report with
   * `tcpPingResult(ping.seqNo, ok)` no later than `deadline`.
   */
  tcpPing(to: Endpoint, ping: Ping, deadline: number): void;
  /** Run a push/pull exchange (not a join) with this member. */
  pushPull(to: Endpoint, name: string): void;
  event(event: MemberEvent): void;
  log(level: LogLevel, message: string, fields?: Record<string, string | number>): void;
}

export interface StateOptions {
  /** Unique member name; v0.9 uses the node name. */
  readonly name: string;
  /** The address and port others reach us at. */
  readonly advertise: Endpoint;
  readonly meta?: Uint8Array | null;
  readonly vsn?: Vsn;
  readonly timings: Timings;
  /** Bytes encryption adds to a datagram (0 without a key), kept free when packing gossip. */
  readonly encryptionOverhead: number;
  /** Current time in milliseconds. */
  readonly clock: () => number;
  /** Uniform in [0, 1): shuffles, random members, start staggers. */
  readonly random: () => number;
}

interface NodeRecord {
  name: string;
  addr: Uint8Array;
  port: number;
  meta: Uint8Array | null;
  vsn: Vsn;
  incarnation: number;
  state: NodeState;
  stateChange: number;
}

/** An outstanding probe of one member (memberlist's probeNode goroutine). */
interface Probe {
  readonly target: string;
  readonly seqNo: number;
  readonly ping: Ping;
  readonly deadline: number;
  phase: 'direct' | 'indirect' | 'awaiting-tcp' | 'done';
  expectedNacks: number;
  nacks: number;
  tcp: 'none' | 'pending' | 'contacted' | 'failed';
  timer: TimerId | undefined;
}

interface AckHandler {
  readonly onAck: () => void;
  readonly onNack: () => void;
  readonly timer: TimerId;
}

/** Compound framing per message: its u16 length (memberlist compoundOverhead). */
const COMPOUND_OVERHEAD = 2;
/** Compound header: type byte and count (memberlist compoundHeaderOverhead). */
const COMPOUND_HEADER_OVERHEAD = 2;

export class MemberlistState {
  private readonly scheduler = new Scheduler();
  private readonly awareness: Awareness;
  private readonly broadcasts = new BroadcastQueue();
  private readonly nodeMap = new Map<string, NodeRecord>();
  /** Probe order: shuffled, walked round-robin, reshuffled each lap. */
  private nodes: NodeRecord[] = [];
  private probeIndex = 0;
  private readonly suspicions = new Map<
    string,
    { suspicion: Suspicion; timer: TimerId; changeAt: number }
  >();
  private readonly ackHandlers = new Map<number, AckHandler>();
  private probe: Probe | undefined;
  /** A probe tick that came while a probe ran; it runs as soon as that probe ends, like Go's buffered ticker. */
  private probeTickPending = false;
  private sequence = 0;
  private incarnation = 0;
  private leaving = false;
  private running = false;
  private readonly tickers: TimerId[] = [];
  private readonly self: { name: string; advertise: Endpoint; meta: Uint8Array | null; vsn: Vsn };
  private readonly timings: Timings;
  private readonly clock: () => number;
  private readonly random: () => number;
  private readonly encryptionOverhead: number;

  constructor(
    options: StateOptions,
    private readonly io: StateIO,
  ) {
    this.self = {
      name: options.name,
      advertise: options.advertise,
      meta: options.meta ?? null,
      vsn: options.vsn ?? DEFAULT_VSN,
    };
    this.timings = options.timings;
    this.clock = options.clock;
    this.random = options.random;
    this.encryptionOverhead = options.encryptionOverhead;
    this.awareness = new Awareness(options.timings.awarenessMaxMultiplier);
    // memberlist setAlive: our own alive, at incarnation 1, is the first gossip.
    this.aliveNode(this.selfAlive(this.nextIncarnation()), true);
  }

  // ---- driving -----------------------------------------------------------

  /** Starts the probe, gossip and push/pull tickers, each at a random offset as memberlist staggers them. */
  start(): void {
    if (this.running) return;
    this.running = true;
    const t = this.timings;
    this.every(
      () => t.probeInterval,
      () => this.probeTick(),
    );
    this.every(
      () => t.gossipInterval,
      () => this.gossip(),
    );
    if (t.pushPullInterval > 0) {
      this.every(
        () => pushPullScale(t.pushPullInterval, this.nodes.length),
        () => this.pushPullTick(),
      );
    }
  }

  /** Runs whatever is due at the clock's current time. */
  advance(): void {
    this.scheduler.runDue(this.clock());
  }

  /** When `advance` next has work to do, or undefined when nothing is scheduled. */
  nextDeadline(): number | undefined {
    return this.scheduler.nextAt();
  }

  /** Stops every timer; the state stays readable. */
  stop(): void {
    this.running = false;
    for (const id of this.tickers) this.scheduler.cancel(id);
    this.tickers.length = 0;
    for (const { timer } of this.suspicions.values()) this.scheduler.cancel(timer);
    this.suspicions.clear();
    for (const handler of this.ackHandlers.values()) this.scheduler.cancel(handler.timer);
    this.ackHandlers.clear();
    if (this.probe) this.scheduler.cancel(this.probe.timer);
    this.probe = undefined;
    this.broadcasts.reset();
  }

  // ---- reading -----------------------------------------------------------

  get name(): string {
    return this.self.name;
  }

  get health(): number {
    return this.awareness.health;
  }

  get isLeaving(): boolean {
    return this.leaving;
  }

  /** Every member this node knows, itself included, dead and left ones until they are reaped. */
  members(): Member[] {
    return [...this.nodeMap.values()].map((n) => snapshot(n));
  }

  /** memberlist Members(): what v0.9 elects over; only dead and left are left out (a suspect still counts). */
  liveMembers(): Member[] {
    return this.members().filter(
      (m) => m.state === NodeState.alive || m.state === NodeState.suspect,
    );
  }

  member(name: string): Member | undefined {
    const record = this.nodeMap.get(name);
    return record && snapshot(record);
  }

  /** Queued gossip messages (for tests and metrics). */
  get pendingBroadcasts(): number {
    return this.broadcasts.length;
  }

  // ---- packets -----------------------------------------------------------

  /** Handles one message that arrived over UDP from `from` (framing already removed). */
  handlePacket(message: PacketMessage, from: Endpoint): void {
    switch (message.type) {
      case MessageType.ping:
        this.handlePing(message, from);
        return;
      case MessageType.indirectPing:
        this.handleIndirectPing(message, from);
        return;
      case MessageType.ack:
        this.handleAck(message.seqNo);
        return;
      case MessageType.nack:
        this.handleNack(message.seqNo);
        return;
      case MessageType.alive:
        if (message.addr.length !== 4 && message.addr.length !== 16) {
          this.io.log('warn', 'dropped an alive message with a bad address length', {
            node: message.node,
          });
          return;
        }
        this.aliveNode(message, false);
        return;
      case MessageType.suspect:
        this.suspectNode(message);
        return;
      case MessageType.dead:
        this.deadNode(message);
        return;
      case MessageType.user:
      case MessageType.err:
        // v0.9 sets no delegate; memberlist ignores these without one.
        return;
    }
  }

  /**
   * A ping that came over TCP (the fallback ping). Returns the ack to write
   * back on the connection, or undefined when the ping is for another name.
   */
  handleStreamPing(ping: Ping): { readonly seqNo: number } | undefined {
    if (ping.node !== '' && ping.node !== this.self.name) {
      this.io.log('warn', 'got a TCP ping for another node', { node: ping.node });
      return undefined;
    }
    return { seqNo: ping.seqNo };
  }

  /** The result of a fallback TCP ping the state asked for. */
  tcpPingResult(seqNo: number, contacted: boolean): void {
    const probe = this.probe;
    if (!probe || probe.seqNo !== seqNo || probe.tcp !== 'pending') return;
    probe.tcp = contacted ? 'contacted' : 'failed';
    if (probe.phase === 'awaiting-tcp') this.concludeProbe(probe);
  }

  private handlePing(ping: Ping, from: Endpoint): void {
    // memberlist: a ping meant for another name (a reused address) goes unanswered.
    if (ping.node !== '' && ping.node !== this.self.name) {
      this.io.log('warn', 'got a ping for another node', { node: ping.node });
      return;
    }
    const replyTo = replyAddress(ping, from);
    this.sendWithGossip(
      replyTo,
      encodeMessage({ type: MessageType.ack, seqNo: ping.seqNo, payload: null }),
    );
  }

  private handleIndirectPing(request: IndirectPing, from: Endpoint): void {
    if (request.target.length !== 4 && request.target.length !== 16) return;
    // Protocol 1 requests carry no port: the target listens on ours.
    const targetPort = request.port === 0 ? this.self.advertise.port : request.port;
    const seqNo = this.nextSeqNo();
    const requester = replyAddress(request, from);
    let answered = false;
    const ping: Ping = {
      type: MessageType.ping,
      seqNo,
      node: request.node,
      ...this.replyFields(),
    };
    this.setAckHandler(
      seqNo,
      () => {
        answered = true;
        this.sendWithGossip(
          requester,
          encodeMessage({ type: MessageType.ack, seqNo: request.seqNo, payload: null }),
        );
      },
      () => undefined,
      this.timings.probeTimeout,
    );
    this.sendWithGossip({ addr: request.target, port: targetPort }, encodeMessage(ping));
    // A relay that speaks protocol 4 tells the prober it tried, so the prober
    // can tell a dead target from its own lost packets (Lifeguard).
    if (request.nack) {
      this.scheduler.at(this.clock() + this.timings.probeTimeout, () => {
        if (!answered && this.running) {
          this.sendWithGossip(
            requester,
            encodeMessage({ type: MessageType.nack, seqNo: request.seqNo }),
          );
        }
      });
    }
  }

  private handleAck(seqNo: number): void {
    const handler = this.ackHandlers.get(seqNo);
    if (!handler) return;
    this.ackHandlers.delete(seqNo);
    this.scheduler.cancel(handler.timer);
    handler.onAck();
  }

  private handleNack(seqNo: number): void {
    this.ackHandlers.get(seqNo)?.onNack();
  }

  private setAckHandler(
    seqNo: number,
    onAck: () => void,
    onNack: () => void,
    timeout: number,
  ): void {
    const timer = this.scheduler.at(this.clock() + timeout, () => this.ackHandlers.delete(seqNo));
    this.ackHandlers.set(seqNo, { onAck, onNack, timer });
  }

  // ---- probing -----------------------------------------------------------

  /**
   * One probe tick: the next member in the shuffled order that is neither us
   * nor dead. memberlist's loop can give up on a tick after wrapping (so in
   * a two-node cluster it probes every other second); we look at each
   * member at most once per tick but do not give up early.
   */
  private probeTick(): void {
    if (this.leaving) return;
    if (this.probe) {
      this.probeTickPending = true;
      return;
    }
    for (let checked = 0; checked <= this.nodes.length; checked++) {
      if (this.probeIndex >= this.nodes.length) {
        this.resetNodes();
        this.probeIndex = 0;
        if (this.nodes.length === 0) return;
      }
      const node = this.nodes[this.probeIndex++];
      if (!node || node.name === this.self.name || isDeadOrLeft(node)) continue;
      this.probeNode(node);
      return;
    }
  }

  private probeNode(node: NodeRecord): void {
    const now = this.clock();
    const interval = this.awareness.scale(this.timings.probeInterval);
    const seqNo = this.nextSeqNo();
    const ping: Ping = { type: MessageType.ping, seqNo, node: node.name, ...this.replyFields() };
    const probe: Probe = {
      target: node.name,
      seqNo,
      ping,
      deadline: now + interval,
      phase: 'direct',
      expectedNacks: 0,
      nacks: 0,
      tcp: 'none',
      timer: undefined,
    };
    this.probe = probe;
    this.setAckHandler(
      seqNo,
      () => this.probeSucceeded(probe),
      () => {
        probe.nacks += 1;
      },
      interval,
    );
    if (node.state === NodeState.alive) {
      this.sendWithGossip(node, encodeMessage(ping));
    } else {
      // A suspect gets the accusation with the ping so it can refute at once.
      const suspect: Suspect = {
        type: MessageType.suspect,
        incarnation: node.incarnation,
        node: node.name,
        from: this.self.name,
      };
      this.io.sendPacket(
        node,
        [encodeMessage(ping), encodeMessage(suspect)],
        protocolMax(node) >= 5,
      );
    }
    // The direct wait is not scaled by health: waiting longer does not help UDP through.
    probe.timer = this.scheduler.at(now + this.timings.probeTimeout, () =>
      this.probeIndirect(probe),
    );
  }

  private probeSucceeded(probe: Probe): void {
    if (probe.phase === 'done' || this.probe !== probe) return;
    probe.phase = 'done';
    this.scheduler.cancel(probe.timer);
    this.probe = undefined;
    this.awareness.applyDelta(-1);
    this.runPendingTick();
  }

  private probeIndirect(probe: Probe): void {
    if (probe.phase !== 'direct') return;
    probe.phase = 'indirect';
    const target = this.nodeMap.get(probe.target);
    if (!target) {
      this.finishProbe(probe);
      return;
    }
    const relays = this.randomNodes(
      this.timings.indirectChecks,
      (n) => n.name === this.self.name || n.name === target.name || n.state !== NodeState.alive,
    );
    for (const relay of relays) {
      const nack = protocolMax(relay) >= 4;
      if (nack) probe.expectedNacks += 1;
      const request: IndirectPing = {
        type: MessageType.indirectPing,
        seqNo: probe.seqNo,
        target: target.addr,
        port: target.port,
        node: target.name,
        nack,
        ...this.replyFields(),
      };
      this.sendWithGossip(relay, encodeMessage(request));
    }
    // A TCP ping catches a member whose UDP is lost but which is alive, so
    // that it is not flapped out of the cluster (protocol 3 and later).
    if (!this.timings.disableTcpPings && protocolMax(target) >= 3) {
      probe.tcp = 'pending';
      this.io.tcpPing(target, probe.ping, probe.deadline);
    }
    probe.timer = this.scheduler.at(probe.deadline, () => this.probeDeadline(probe));
  }

  private probeDeadline(probe: Probe): void {
    if (probe.phase !== 'indirect') return;
    if (probe.tcp === 'pending') {
      // The shell answers by the deadline; give it a moment rather than accuse.
      probe.phase = 'awaiting-tcp';
      probe.timer = this.scheduler.at(this.clock() + 100, () => {
        if (probe.tcp === 'pending') probe.tcp = 'failed';
        this.concludeProbe(probe);
      });
      return;
    }
    this.concludeProbe(probe);
  }

  private concludeProbe(probe: Probe): void {
    if (probe.phase === 'done') return;
    this.scheduler.cancel(probe.timer);
    if (probe.tcp === 'contacted') {
      this.io.log(
        'warn',
        'reached a member over TCP but not UDP: the network may be misconfigured',
        {
          node: probe.target,
        },
      );
      this.finishProbe(probe);
      this.awareness.applyDelta(-1);
      return;
    }
    // Lifeguard: missing nacks mean we, not the target, may be the problem.
    let delta = 0;
    if (probe.expectedNacks > 0) {
      if (probe.nacks < probe.expectedNacks) delta += probe.expectedNacks - probe.nacks;
    } else {
      delta += 1;
    }
    this.finishProbe(probe);
    this.awareness.applyDelta(delta);
    const target = this.nodeMap.get(probe.target);
    if (!target) return;
    this.io.log('info', 'suspecting a member: no ack', { node: target.name });
    this.suspectNode({
      type: MessageType.suspect,
      incarnation: target.incarnation,
      node: target.name,
      from: this.self.name,
    });
  }

  private finishProbe(probe: Probe): void {
    probe.phase = 'done';
    this.scheduler.cancel(probe.timer);
    const handler = this.ackHandlers.get(probe.seqNo);
    if (handler) {
      this.scheduler.cancel(handler.timer);
      this.ackHandlers.delete(probe.seqNo);
    }
    if (this.probe === probe) this.probe = undefined;
    this.runPendingTick();
  }

  private runPendingTick(): void {
    if (!this.probeTickPending || !this.running) return;
    this.probeTickPending = false;
    this.scheduler.at(this.clock(), () => this.probeTick());
  }

  /**
   * memberlist resetNodes, once per probe lap: forget members dead for
   * longer than the gossip-to-the-dead window, and reshuffle the order.
   */
  private resetNodes(): void {
    const now = this.clock();
    const kept: NodeRecord[] = [];
    for (const node of this.nodes) {
      if (isDeadOrLeft(node) && now - node.stateChange > this.timings.gossipToTheDeadTime) {
        this.nodeMap.delete(node.name);
      } else {
        kept.push(node);
      }
    }
    this.shuffle(kept);
    this.nodes = kept;
  }

  // ---- gossip ------------------------------------------------------------

  /** One gossip round: queued news to a few random members, the recently dead included. */
  private gossip(): void {
    const now = this.clock();
    const targets = this.randomNodes(this.timings.gossipNodes, (n) => {
      if (n.name === this.self.name) return true;
      if (n.state === NodeState.alive || n.state === NodeState.suspect) return false;
      if (n.state === NodeState.dead) return now - n.stateChange > this.timings.gossipToTheDeadTime;
      return true;
    });
    const available =
      this.timings.udpBufferSize - COMPOUND_HEADER_OVERHEAD - this.encryptionOverhead;
    for (const target of targets) {
      const parts = this.broadcasts.take(COMPOUND_OVERHEAD, available, this.transmitLimit());
      if (parts.length === 0) return;
      // memberlist adds a CRC only toward members that advertise protocol 5.
      this.io.sendPacket(target, parts, protocolMax(target) >= 5);
    }
  }

  /** Sends one message with as much queued gossip piggybacked as fits (memberlist sendMsg). */
  private sendWithGossip(to: Endpoint, message: Uint8Array): void {
    const available =
      this.timings.udpBufferSize -
      message.length -
      COMPOUND_HEADER_OVERHEAD -
      this.encryptionOverhead;
    const extra = this.broadcasts.take(COMPOUND_OVERHEAD, available, this.transmitLimit());
    this.io.sendPacket({ addr: to.addr, port: to.port }, [message, ...extra], false);
  }

  private transmitLimit(): number {
    return retransmitLimit(this.timings.retransmitMult, this.nodes.length);
  }

  private broadcast(node: string, message: Alive | Suspect | Dead, finished?: () => void): void {
    this.broadcasts.enqueue(node, encodeMessage(message), finished);
  }

  // ---- push/pull ---------------------------------------------------------

  private pushPullTick(): void {
    const [target] = this.randomNodes(
      1,
      (n) => n.name === this.self.name || n.state !== NodeState.alive,
    );
    if (target) this.io.pushPull(target, target.name);
  }

  /** Our whole state for a push/pull or join, dead and left members included. */
  localState(join: boolean): PushPull {
    const nodes: PushNodeState[] = this.nodes.map((n) => ({
      name: n.name,
      addr: n.addr,
      port: n.port,
      meta: n.meta,
      incarnation: n.incarnation,
      state: n.state,
      vsn: n.vsn,
    }));
    return { type: MessageType.pushPull, join, nodes, userState: new Uint8Array(0) };
  }

  /**
   * Merges what a peer sent in a push/pull (memberlist mergeRemoteState):
   * refused as a whole when the protocol versions cannot work together.
   */
  mergeRemoteState(remote: PushPull): { ok: true } | { ok: false; error: string } {
    const problem = this.verifyProtocol(remote.nodes);
    if (problem) return { ok: false, error: problem };
    for (const r of remote.nodes) {
      switch (r.state) {
        case NodeState.alive:
          if (r.addr.length !== 4 && r.addr.length !== 16) continue;
          this.aliveNode(
            {
              type: MessageType.alive,
              incarnation: r.incarnation,
              node: r.name,
              addr: r.addr,
              port: r.port,
              meta: r.meta,
              vsn: r.vsn,
            },
            false,
          );
          break;
        case NodeState.left:
          this.deadNode({
            type: MessageType.dead,
            incarnation: r.incarnation,
            node: r.name,
            from: r.name,
          });
          break;
        case NodeState.dead:
        case NodeState.suspect:
          // A remote "dead" becomes a local suspicion: we check for ourselves.
          this.suspectNode({
            type: MessageType.suspect,
            incarnation: r.incarnation,
            node: r.name,
            from: this.self.name,
          });
          break;
      }
    }
    return { ok: true };
  }

  /**
   * memberlist verifyProtocol: every alive member's current protocol (and
   * delegate) version must lie within the highest minimum and the lowest
   * maximum over the alive members of both sides.
   */
  private verifyProtocol(remote: readonly PushNodeState[]): string | undefined {
    const vsns: Vsn[] = [];
    for (const r of remote) if (r.state === NodeState.alive) vsns.push(r.vsn);
    for (const n of this.nodes) if (n.state === NodeState.alive) vsns.push(n.vsn);
    if (vsns.length === 0) return undefined;
    for (const [min, max, cur, label] of [
      [0, 1, 2, 'protocol'] as const,
      [3, 4, 5, 'delegate'] as const,
    ]) {
      // A loop, not Math.max(...spread): a large push/pull would overflow the stack.
      let highestMin = 0;
      let lowestMax = 255;
      for (const v of vsns) {
        highestMin = Math.max(highestMin, v[min]);
        lowestMax = Math.min(lowestMax, v[max]);
      }
      for (const v of vsns) {
        if (v[cur] < highestMin || v[cur] > lowestMax) {
          return `${label} version ${v[cur]} is outside [${highestMin}, ${lowestMax}]`;
        }
      }
    }
    return undefined;
  }

  // ---- transitions (memberlist aliveNode, suspectNode, deadNode) --------

  private aliveNode(alive: Alive, bootstrap: boolean): void {
    if (this.leaving && alive.node === this.self.name) return;
    const [pMin, pMax] = alive.vsn;
    if (pMin === 0 || pMax === 0 || pMin > pMax) {
      this.io.log('warn', 'ignored an alive message with impossible protocol versions', {
        node: alive.node,
      });
      return;
    }
    let state = this.nodeMap.get(alive.node);
    let updatesAddress = false;
    if (!state) {
      // New members start "dead" so the transition below announces a join.
      state = {
        name: alive.node,
        addr: alive.addr,
        port: alive.port,
        meta: alive.meta,
        vsn: alive.vsn,
        incarnation: 0,
        state: NodeState.dead,
        stateChange: this.clock(),
      };
      this.nodeMap.set(alive.node, state);
      // Insert at a random place so probe order does not follow join order.
      const offset = Math.floor(this.random() * (this.nodes.length + 1));
      this.nodes.push(state);
      const displaced = this.nodes[offset];
      if (displaced && offset !== this.nodes.length - 1) {
        this.nodes[offset] = state;
        this.nodes[this.nodes.length - 1] = displaced;
      }
    } else if (!bytesEqual(state.addr, alive.addr) || state.port !== alive.port) {
      const reclaimable =
        this.timings.deadNodeReclaimTime > 0 &&
        this.clock() - state.stateChange > this.timings.deadNodeReclaimTime;
      if (state.state === NodeState.left || (state.state === NodeState.dead && reclaimable)) {
        updatesAddress = true;
      } else {
        this.io.log('error', 'conflicting address for a member name', {
          node: alive.node,
          mine: formatEndpoint(state),
          theirs: formatEndpoint(alive),
        });
        return;
      }
    }
    const isSelf = state.name === this.self.name;
    if (alive.incarnation <= state.incarnation && !isSelf && !updatesAddress) return;
    if (alive.incarnation < state.incarnation && isSelf) return;
    this.clearSuspicion(alive.node);
    const oldState = state.state;
    const oldMeta = state.meta;
    if (!bootstrap && isSelf) {
      // Someone speaks for us: if it is not exactly us, refute it.
      if (
        alive.incarnation === state.incarnation &&
        bytesEqual(alive.meta, state.meta) &&
        vsnEqual(alive.vsn, state.vsn)
      ) {
        return;
      }
      this.refute(state, alive.incarnation);
      return;
    }
    this.broadcast(alive.node, alive);
    state.vsn = alive.vsn;
    state.incarnation = alive.incarnation;
    state.meta = alive.meta;
    state.addr = alive.addr;
    state.port = alive.port;
    if (state.state !== NodeState.alive) {
      state.state = NodeState.alive;
      state.stateChange = this.clock();
    }
    if (oldState === NodeState.dead || oldState === NodeState.left) {
      this.io.event({ kind: 'join', member: snapshot(state) });
    } else if (!bytesEqual(oldMeta, state.meta)) {
      this.io.event({ kind: 'update', member: snapshot(state) });
    }
  }

  private suspectNode(suspect: Suspect): void {
    const state = this.nodeMap.get(suspect.node);
    if (!state || suspect.incarnation < state.incarnation) return;
    const running = this.suspicions.get(suspect.node);
    if (running) {
      // A confirmation from another member shortens the timer; pass it on.
      if (running.suspicion.confirm(suspect.from)) {
        this.broadcast(suspect.node, suspect);
        this.scheduler.cancel(running.timer);
        running.timer = this.scheduler.at(running.suspicion.deadline, () =>
          this.suspicionExpired(suspect.node, running.changeAt),
        );
      }
      return;
    }
    if (state.state !== NodeState.alive) return;
    if (state.name === this.self.name) {
      if (!this.leaving) this.refute(state, suspect.incarnation);
      return;
    }
    this.broadcast(suspect.node, suspect);
    state.incarnation = suspect.incarnation;
    state.state = NodeState.suspect;
    state.stateChange = this.clock();
    const n = this.nodes.length;
    // Confirmations are expected from k members; with too few, none are.
    let k = this.timings.suspicionMult - 2;
    if (n - 2 < k) k = 0;
    const min = suspicionTimeout(this.timings.suspicionMult, n, this.timings.probeInterval);
    const max = this.timings.suspicionMaxTimeoutMult * min;
    const suspicion = new Suspicion(suspect.from, k, min, max, this.clock());
    const changeAt = state.stateChange;
    const timer = this.scheduler.at(suspicion.deadline, () =>
      this.suspicionExpired(suspect.node, changeAt),
    );
    this.suspicions.set(suspect.node, { suspicion, timer, changeAt });
  }

  private suspicionExpired(name: string, changeAt: number): void {
    const running = this.suspicions.get(name);
    this.suspicions.delete(name);
    const state = this.nodeMap.get(name);
    if (!state || state.state !== NodeState.suspect) return;
    if (state.stateChange !== changeAt) return;
    this.io.log('info', 'marking a member dead: suspicion timed out', {
      node: name,
      confirmations: running?.suspicion.confirmationCount ?? 0,
    });
    this.deadNode({
      type: MessageType.dead,
      incarnation: state.incarnation,
      node: name,
      from: this.self.name,
    });
  }

  private deadNode(dead: Dead, finished?: () => void): void {
    const state = this.nodeMap.get(dead.node);
    if (!state || dead.incarnation < state.incarnation) return;
    this.clearSuspicion(dead.node);
    if (isDeadOrLeft(state)) return;
    if (state.name === this.self.name) {
      if (!this.leaving) {
        this.refute(state, dead.incarnation);
        return;
      }
      this.broadcast(dead.node, dead, finished);
    } else {
      this.broadcast(dead.node, dead);
    }
    state.incarnation = dead.incarnation;
    // A member that announces its own death has left; anyone else's word makes it dead.
    state.state = dead.node === dead.from ? NodeState.left : NodeState.dead;
    state.stateChange = this.clock();
    this.io.event({ kind: 'leave', member: snapshot(state) });
  }

  /** Answers an accusation about ourselves with a higher incarnation (memberlist refute). */
  private refute(me: NodeRecord, accused: number): void {
    let incarnation = this.nextIncarnation();
    if (accused >= incarnation) {
      // uint32 as in Go (skipIncarnation): an accusation at 2^32 - 1 wraps to 0, never past the field.
      this.incarnation = (accused + 1) >>> 0;
      incarnation = this.incarnation;
    }
    me.incarnation = incarnation;
    // Being accused suggests we are slow: probe more patiently.
    this.awareness.applyDelta(1);
    this.broadcast(me.name, this.selfAlive(incarnation));
  }

  private clearSuspicion(name: string): void {
    const running = this.suspicions.get(name);
    if (!running) return;
    this.scheduler.cancel(running.timer);
    this.suspicions.delete(name);
  }

  // ---- leaving -----------------------------------------------------------

  /**
   * Graceful leave (memberlist Leave): gossip our own death, which others
   * record as "left". `done` runs once the message has been sent its
   * retransmit limit, or at once when nobody else is alive; the caller
   * bounds the wait (v0.9 gives it one second).
   */
  leave(done: () => void): void {
    if (this.leaving) {
      done();
      return;
    }
    this.leaving = true;
    const me = this.nodeMap.get(this.self.name);
    if (!me) {
      done();
      return;
    }
    const othersAlive = this.nodes.some(
      (n) => n.name !== this.self.name && n.state === NodeState.alive,
    );
    let called = false;
    const once = (): void => {
      if (!called) {
        called = true;
        done();
      }
    };
    this.deadNode(
      { type: MessageType.dead, incarnation: me.incarnation, node: me.name, from: me.name },
      othersAlive ? once : undefined,
    );
    if (!othersAlive) once();
  }

  // ---- helpers -----------------------------------------------------------

  private selfAlive(incarnation: number): Alive {
    return {
      type: MessageType.alive,
      incarnation,
      node: this.self.name,
      addr: this.self.advertise.addr,
      port: this.self.advertise.port,
      meta: this.self.meta,
      vsn: this.self.vsn,
    };
  }

  private replyFields(): { sourceAddr: Uint8Array; sourcePort: number; sourceNode: string } {
    return {
      sourceAddr: this.self.advertise.addr,
      sourcePort: this.self.advertise.port,
      sourceNode: this.self.name,
    };
  }

  private nextSeqNo(): number {
    this.sequence = (this.sequence + 1) >>> 0;
    return this.sequence;
  }

  private nextIncarnation(): number {
    this.incarnation = (this.incarnation + 1) >>> 0;
    return this.incarnation;
  }

  /**
   * k distinct random members not excluded by `exclude`, or all of them
   * where fewer qualify. memberlist's kRandomNodes draws 3n random indexes
   * and may return fewer than k although k qualify. In a small cluster that
   * loses news: a member leaving beside one live member and two recently
   * dead ones (gossip goes to the dead too) can spend its whole retransmit
   * limit on the dead, and the live one learns of the leave only by probing,
   * seconds later (test/state.test.ts: 15 seeds of 2,000 in the simulation). A partial
   * Fisher-Yates shuffle of the candidates never misses one, for the same
   * O(n) per round.
   */
  private randomNodes(k: number, exclude: (n: NodeRecord) => boolean): NodeRecord[] {
    const candidates = this.nodes.filter((n) => !exclude(n));
    const count = Math.min(k, candidates.length);
    for (let i = 0; i < count; i++) {
      const j = i + Math.floor(this.random() * (candidates.length - i));
      const picked = candidates[j];
      const displaced = candidates[i];
      if (picked && displaced) {
        candidates[i] = picked;
        candidates[j] = displaced;
      }
    }
    return candidates.slice(0, count);
  }

  private shuffle(list: NodeRecord[]): void {
    for (let i = list.length - 1; i > 0; i--) {
      const j = Math.floor(this.random() * (i + 1));
      const a = list[i];
      const b = list[j];
      if (a && b) {
        list[i] = b;
        list[j] = a;
      }
    }
  }

  /**
   * A ticker that first fires at a random point of its first period, as
   * memberlist staggers its tickers. The period is read at every tick, so
   * push/pull can slow down as the cluster grows (memberlist pushPullScale).
   */
  private every(period: () => number, run: () => void): void {
    const slot = this.tickers.length;
    const fire = (): void => {
      if (!this.running) return;
      this.tickers[slot] = this.scheduler.at(this.clock() + period(), fire);
      run();
    };
    this.tickers.push(this.scheduler.at(this.clock() + Math.floor(this.random() * period()), fire));
  }
}

function isDeadOrLeft(node: { state: NodeState }): boolean {
  return node.state === NodeState.dead || node.state === NodeState.left;
}

function protocolMax(node: { vsn: Vsn }): number {
  return node.vsn[1];
}

/** Where to answer: the reply-to fields memberlist 0.2 adds, else the datagram's source. */
function replyAddress(
  message: { sourceAddr?: Uint8Array; sourcePort?: number },
  from: Endpoint,
): Endpoint {
  const addr = message.sourceAddr;
  if (addr && (addr.length === 4 || addr.length === 16) && message.sourcePort) {
    return { addr, port: message.sourcePort };
  }
  return from;
}

function snapshot(n: NodeRecord): Member {
  return {
    name: n.name,
    addr: n.addr,
    port: n.port,
    meta: n.meta,
    vsn: n.vsn,
    incarnation: n.incarnation,
    state: n.state,
    stateChange: n.stateChange,
  };
}

function bytesEqual(a: Uint8Array | null, b: Uint8Array | null): boolean {
  const left = a ?? new Uint8Array(0);
  const right = b ?? new Uint8Array(0);
  if (left.length !== right.length) return false;
  for (let i = 0; i < left.length; i++) if (left[i] !== right[i]) return false;
  return true;
}

function vsnEqual(a: Vsn, b: Vsn): boolean {
  return a.every((v, i) => v === b[i]);
}
