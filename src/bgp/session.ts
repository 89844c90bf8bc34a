/**
 * One BGP session on a real TCP connection: the I/O shell around
 * `SessionMachine` (fsm.ts). It dials (with the TCP MD5 key and source
 * address when given), frames and decodes what the peer sends, encodes and
 * writes what the machine decides, arms one timer for the machine's next
 * deadline, and keeps the peer's Adj-RIB-Out in step with the routes it is
 * given: only the difference is sent, packed into as few UPDATEs as fit.
 */
import type { Socket } from 'node:net';
import { networkInterfaces } from 'node:os';
import { performance } from 'node:perf_hooks';
import { formatIP, parseIP, type IPAddress } from '../ip/index.js';
import { dialTcp, type DialTcpOptions } from '../native/index.js';
import { AdjRibOut, type Route, type RouteChanges } from './adj-rib-out.js';
import { decodeMessage, encodeMessage } from './codec.js';
import { MessageReader } from './framing.js';
import {
  SessionMachine,
  type Family,
  type Negotiated,
  type SessionAction,
  type SessionSettings,
} from './fsm.js';
import { packUpdates, packWithdrawals } from './pack.js';
import type { InterfaceAddresses } from './router-id.js';
import { Origin, type CodecContext, type PathAttributes, type UpdateMessage } from './types.js';

/** What a session reports to its owner (the speaker), for logs and metrics. */
export interface SessionEvents {
  up(negotiated: Negotiated): void;
  down(reason: string, wasEstablished: boolean, retryInMs: number | null): void;
  /** UPDATE messages written. */
  updatesSent(count: number): void;
  /**
   * Prefixes the peer has been sent on this connection (0 while down), and
   * prefixes the session has been given (v0.9's pending_prefixes_total).
   */
  prefixes(announced: number, desired: number): void;
  /** An UPDATE from the peer that RFC 7606 treats as withdraw (we keep no routes from peers). */
  malformedUpdate(reason: string): void;
}

export interface BgpSessionOptions {
  readonly peerAddress: IPAddress;
  /** TCP port of the peer (v0.9 `peer-port`, default 179). */
  readonly port: number;
  /** Dial from this address (default: the kernel's choice for the route to the peer). */
  readonly sourceAddress?: IPAddress;
  /** RFC 2385 TCP MD5 key (v0.9 `password`), or null. */
  readonly password: string | null;
  readonly settings: SessionSettings;
  readonly events: SessionEvents;
  /** For tests: how to dial (default dialTcp, with the native addon when a password is set). */
  readonly dial?: (options: DialTcpOptions) => Promise<Socket>;
  /** Milliseconds on a monotonic clock (default performance.now). */
  readonly now?: () => number;
  /** For tests: the host's interfaces, for the router ID over IPv6 (default: this host's). */
  readonly interfaces?: () => readonly InterfaceAddresses[];
}

/** How long close() waits for the Cease NOTIFICATION to be written before it destroys the socket. */
const CLOSE_GRACE_MS = 1000;

const NO_FOUR_OCTET: CodecContext = { fourOctetAs: false };

export class BgpSession {
  private readonly machine: SessionMachine;
  private readonly rib = new AdjRibOut();
  private readonly now: () => number;
  private readonly dial: (options: DialTcpOptions) => Promise<Socket>;
  private socket: Socket | null = null;
  private reader = new MessageReader();
  private dialing: AbortController | null = null;
  private timer: NodeJS.Timeout | undefined;
  private flushScheduled = false;
  private localAddress: IPAddress | null = null;
  private closing: Promise<void> | null = null;

  constructor(private readonly options: BgpSessionOptions) {
    this.machine = new SessionMachine(options.settings);
    this.now = options.now ?? (() => performance.now());
    this.dial = options.dial ?? dialTcp;
  }

  /** Starts dialing; the session keeps reconnecting until close(). */
  start(): void {
    this.run(this.machine.start(this.now()));
  }

  get state(): string {
    return this.machine.state;
  }

  /** The whole set of routes the peer should have; only the difference is sent. */
  setRoutes(routes: ReadonlyMap<string, Route>): void {
    this.rib.setDesired(routes);
    this.scheduleFlush();
  }

  /** Sends Cease with `subcode` (RFC 4486) if connected, closes, and stops reconnecting. */
  close(ceaseSubcode = 2): Promise<void> {
    if (this.closing !== null) return this.closing;
    const socket = this.socket;
    this.run(this.machine.stop(ceaseSubcode));
    clearTimeout(this.timer);
    this.closing =
      socket === null || socket.destroyed
        ? Promise.resolve()
        : new Promise<void>((resolve) => {
            const grace = setTimeout(() => socket.destroy(), CLOSE_GRACE_MS);
            socket.once('close', () => {
              clearTimeout(grace);
              resolve();
            });
          });
    return this.closing;
  }

  private run(actions: readonly SessionAction[]): void {
    for (const action of actions) this.perform(action);
    this.armTimer();
  }

  private perform(action: SessionAction): void {
    const { events } = this.options;
    switch (action.kind) {
      case 'connect':
        this.connect();
        return;
      case 'abortConnect':
        this.dialing?.abort();
        this.dialing = null;
        return;
      case 'send':
        this.write(encodeMessage(action.message, this.context()));
        return;
      case 'close': {
        // End after what was written (a NOTIFICATION); destroy if the peer never finishes.
        const socket = this.detach();
        if (socket !== null) {
          socket.end();
          setTimeout(() => socket.destroy(), CLOSE_GRACE_MS).unref();
        }
        return;
      }
      case 'established':
        this.rib.forgetSent();
        events.up(action.negotiated);
        this.scheduleFlush();
        return;
      case 'down':
        this.detach()?.destroy();
        this.rib.forgetSent();
        events.down(action.reason, action.wasEstablished, action.retryInMs);
        events.prefixes(0, this.rib.desiredCount);
        return;
      case 'refresh':
        // RFC 2918: the peer asks for our routes of one family again.
        this.rib.forgetSent(action.family);
        this.scheduleFlush();
        return;
      case 'treatAsWithdraw':
        events.malformedUpdate(action.error.reason);
        return;
    }
  }

  private connect(): void {
    const controller = new AbortController();
    this.dialing = controller;
    const { peerAddress, port, sourceAddress, password } = this.options;
    this.dial({
      host: formatIP(peerAddress),
      port,
      ...(sourceAddress === undefined ? {} : { localAddress: formatIP(sourceAddress) }),
      ...(password === null ? {} : { md5Key: password }),
      // The machine enforces its own connect timeout and aborts through the signal.
      timeoutMs: 24 * 3600 * 1000,
      signal: controller.signal,
    }).then(
      (socket) => {
        if (this.dialing !== controller) {
          socket.destroy();
          return;
        }
        this.dialing = null;
        const local = parseIP(socket.localAddress ?? '');
        if (!local.ok) {
          socket.destroy();
          this.run(this.machine.connectFailed(this.now(), 'no local address on the socket'));
          return;
        }
        this.attach(socket, local.value);
        const interfaces = (this.options.interfaces ?? hostInterfaces)();
        this.run(this.machine.connected(this.now(), local.value, interfaces));
      },
      (error: unknown) => {
        if (this.dialing !== controller) return;
        this.dialing = null;
        this.run(this.machine.connectFailed(this.now(), describe(error)));
      },
    );
  }

  private attach(socket: Socket, local: IPAddress): void {
    this.socket = socket;
    this.localAddress = local;
    this.reader = new MessageReader();
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.onData(socket, chunk));
    socket.on('error', (error) => this.onGone(socket, describe(error)));
    socket.on('close', () => this.onGone(socket, 'closed by the peer'));
  }

  /** Stops listening to the current socket; returns it so the caller can end or destroy it. */
  private detach(): Socket | null {
    const socket = this.socket;
    this.socket = null;
    return socket;
  }

  private onGone(socket: Socket, reason: string): void {
    if (socket !== this.socket) return;
    this.socket = null;
    socket.destroy();
    this.run(this.machine.closed(this.now(), reason));
  }

  private onData(socket: Socket, chunk: Buffer): void {
    if (socket !== this.socket) return;
    this.reader.push(chunk);
    for (;;) {
      if (socket !== this.socket) return;
      const next = this.reader.next();
      if (next === null) return;
      const now = this.now();
      if (next.kind === 'error') {
        this.run(this.machine.received(now, { ok: false, error: next.error }));
        return;
      }
      this.run(this.machine.received(now, decodeMessage(next.bytes, this.context())));
    }
  }

  private write(bytes: Uint8Array): void {
    const socket = this.socket;
    if (socket !== null && !socket.destroyed) socket.write(bytes);
  }

  private context(): CodecContext {
    const negotiated = this.machine.negotiated;
    return negotiated === undefined ? NO_FOUR_OCTET : { fourOctetAs: negotiated.fourOctetAs };
  }

  private armTimer(): void {
    clearTimeout(this.timer);
    const deadline = this.machine.nextDeadline();
    if (deadline === undefined) return;
    this.timer = setTimeout(
      () => this.run(this.machine.tick(this.now())),
      Math.max(0, Math.ceil(deadline - this.now())),
    );
  }

  /** Many setRoutes() calls in one turn of the event loop are sent as one difference. */
  private scheduleFlush(): void {
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    setImmediate(() => {
      this.flushScheduled = false;
      this.flush();
    });
  }

  /**
   * Sends what changed, for the families this session can carry: those
   * both sides offered (no multiprotocol capability means IPv4 unicast,
   * RFC 4760 section 8), and of them the family of the connection, since
   * the next hop is our end of it (an IPv6 next hop cannot be named on an
   * IPv4 connection, nor an IPv4 one on IPv6).
   *
   * v0.9.6 (messages.go sendUpdate) sent IPv4 routes whatever the peer's
   * OPEN offered. We do not, to a peer that offered other families but not
   * IPv4 unicast: GoBGP resets the session on each such UPDATE ("Address-
   * family rf 65537 not available for session", NOTIFICATION 0/0), and BIRD
   * and FRR drop the routes ("Unexpected AF <1/1> in UPDATE", "UPDATE for
   * non-enabled AFI/SAFI 1/1"): no router takes them, one flaps
   * (test/bgp/interop.test.ts).
   */
  private flush(): void {
    const negotiated = this.machine.negotiated;
    const local = this.localAddress;
    if (negotiated === undefined || local === null || this.socket === null) {
      this.options.events.prefixes(this.rib.announcedCount, this.rib.desiredCount);
      return;
    }
    const families = new Set<Family>(negotiated.families.has(local.family) ? [local.family] : []);
    const messages = this.updatesFor(this.rib.takeChanges(families), local, negotiated);
    const context = this.context();
    for (const message of messages) this.write(encodeMessage(message, context));
    if (messages.length > 0) this.options.events.updatesSent(messages.length);
    this.options.events.prefixes(this.rib.announcedCount, this.rib.desiredCount);
  }

  /** v0.9's attributes: ORIGIN INCOMPLETE; AS_PATH empty (iBGP) or our AS (eBGP); LOCAL_PREF to iBGP only. */
  private updatesFor(
    changes: RouteChanges,
    nextHop: IPAddress,
    negotiated: Negotiated,
  ): UpdateMessage[] {
    const { localAsn, peerAsn } = this.options.settings;
    const context: CodecContext = { fourOctetAs: negotiated.fourOctetAs };
    const internal = localAsn === peerAsn;
    const messages: UpdateMessage[] = [];
    for (const { family, prefixes } of changes.withdrawn) {
      messages.push(...packWithdrawals(family, prefixes, context));
    }
    for (const group of changes.announced) {
      const attributes: PathAttributes = {
        origin: Origin.incomplete,
        asPath: internal ? [] : [{ type: 2, asns: [localAsn] }],
        ...(internal ? { localPref: group.localPref } : {}),
        ...(group.communities.length > 0 ? { communities: group.communities } : {}),
      };
      messages.push(
        ...packUpdates(
          { family: group.family, attributes, prefixes: group.prefixes, nextHop },
          context,
        ),
      );
    }
    return messages;
  }
}

/**
 * This host's addresses per interface. Node lists interfaces that are up and
 * running in the kernel's order; Go's net.Interfaces (v0.9) lists all, in
 * index order: the same for an interface that holds a connection's address.
 */
function hostInterfaces(): InterfaceAddresses[] {
  const list: InterfaceAddresses[] = [];
  for (const entries of Object.values(networkInterfaces())) {
    const addresses: IPAddress[] = [];
    for (const entry of entries ?? []) {
      const parsed = parseIP(entry.address);
      if (parsed.ok) addresses.push(parsed.value);
    }
    list.push(addresses);
  }
  return list;
}

function describe(error: unknown): string {
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    return typeof code === 'string' && !error.message.includes(code)
      ? `${code}: ${error.message}`
      : error.message;
  }
  return String(error);
}
