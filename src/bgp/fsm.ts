/**
 * One BGP session's state machine (RFC 4271 section 8), pure: events go in
 * with the time they happened, actions for the I/O shell come out, and
 * `nextDeadline()` says when `tick()` must be called. No sockets, no timers.
 *
 * Like v0.9, the speaker only dials out (no listening, so no connection
 * collisions, RFC 4271 section 6.8) and therefore never sits in Active: it
 * goes Idle -> Connect -> OpenSent -> OpenConfirm -> Established, and back
 * to Idle, with a reconnect delay, on any failure.
 */
import { formatIP, type IPAddress } from '../ip/index.js';
import { ReconnectBackoff, type ReconnectBackoffOptions } from './backoff.js';
import { familyOf } from './mp.js';
import { negotiate } from './negotiate.js';
import { chooseRouterId, type InterfaceAddresses } from './router-id.js';
import {
  AFI_IPV4,
  AFI_IPV6,
  AS_TRANS,
  ErrorCode,
  OpenSubcode,
  SAFI_UNICAST,
  type BgpError,
  type DecodeResult,
  type Message,
  type OpenMessage,
} from './types.js';

export type SessionState =
  'idle' | 'connect' | 'openSent' | 'openConfirm' | 'established' | 'stopped';

export type Family = 4 | 6;

export interface SessionSettings {
  readonly localAsn: number;
  readonly peerAsn: number;
  /**
   * The Hold Time of our OPEN in seconds: 0 (no keepalives) or 3..65535.
   * The config's Peer gives it so: a `hold-time` above 65535 s is already
   * the value v0.9's OPEN carried (src/config/peers.ts parseHoldTime).
   */
  readonly holdTimeSeconds: number;
  /**
   * The peer's `router-id`; null, or an IPv6 one (which v0.9 drops): chosen
   * per connection as v0.9 does (router-id.ts).
   */
  readonly routerId: IPAddress | null;
  /** v0.9's myNode, whose CRC-32 is the router ID of last resort over IPv6 (router-id.ts). */
  readonly nodeName?: string;
  /**
   * How long the TCP connect and then the peer's OPEN may take, together:
   * v0.9.6 internal/bgp/bgp.go connect() puts one 10 s deadline on the dial
   * and on the connection until the peer's OPEN is read. Default 10 s.
   */
  readonly connectTimeoutMs?: number;
  readonly backoff?: ReconnectBackoffOptions;
}

export const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;

/** What both sides agreed on in their OPENs. */
export interface Negotiated {
  /** The smaller of the two offers; 0 means no hold timer and no keepalives. */
  readonly holdTimeSeconds: number;
  /** hold / 3 (RFC 4271 section 10 suggests a third); 0 with a hold time of 0. */
  readonly keepaliveMs: number;
  /** Both sent the 4-octet AS capability (RFC 6793): AS_PATH carries 4-byte numbers. */
  readonly fourOctetAs: boolean;
  /** Unicast families both offered (RFC 4760: no multiprotocol capability means IPv4 only). */
  readonly families: ReadonlySet<Family>;
  /** Both sides sent the route refresh capability (RFC 2918). */
  readonly routeRefresh: boolean;
  readonly peerBgpId: number;
  readonly localBgpId: number;
}

export type SessionAction =
  /** Dial the peer; answer with connected() or connectFailed(). */
  | { readonly kind: 'connect' }
  /** Give up the dial in progress (timeout or stop). */
  | { readonly kind: 'abortConnect' }
  | { readonly kind: 'send'; readonly message: Message }
  /** Close the connection once what was sent before has been written. */
  | { readonly kind: 'close' }
  | { readonly kind: 'established'; readonly negotiated: Negotiated }
  /** The session failed or never came up; a reconnect is scheduled (unless stopped). */
  | {
      readonly kind: 'down';
      readonly reason: string;
      readonly wasEstablished: boolean;
      readonly retryInMs: number | null;
    }
  /** The peer asked for our routes again (RFC 2918). */
  | { readonly kind: 'refresh'; readonly family: Family }
  /** An UPDATE error that RFC 7606 handles without a reset: count it. */
  | { readonly kind: 'treatAsWithdraw'; readonly error: BgpError };

export class SessionMachine {
  private current: SessionState = 'idle';
  private readonly backoff: ReconnectBackoff;
  private readonly connectTimeoutMs: number;
  private retryAt: number | undefined;
  private connectDeadline: number | undefined;
  private holdDeadline: number | undefined;
  private keepaliveAt: number | undefined;
  private localBgpId = 0;
  private agreed: Negotiated | undefined;

  constructor(private readonly settings: SessionSettings) {
    this.backoff = new ReconnectBackoff(settings.backoff);
    this.connectTimeoutMs = settings.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
  }

  get state(): SessionState {
    return this.current;
  }

  /** What was agreed, while Established. */
  get negotiated(): Negotiated | undefined {
    return this.current === 'established' ? this.agreed : undefined;
  }

  /** When tick() must next run, or undefined when nothing is pending. */
  nextDeadline(): number | undefined {
    const deadlines = [this.retryAt, this.connectDeadline, this.holdDeadline, this.keepaliveAt];
    let earliest: number | undefined;
    for (const deadline of deadlines) {
      if (deadline !== undefined && (earliest === undefined || deadline < earliest))
        earliest = deadline;
    }
    return earliest;
  }

  /** Begins: the first connect is due at once (v0.9's backoff starts at 0). */
  start(now: number): SessionAction[] {
    if (this.current !== 'idle' || this.retryAt !== undefined) return [];
    this.retryAt = now + this.backoff.next();
    return this.tick(now);
  }

  /**
   * Ends the session for good: a Cease NOTIFICATION (RFC 4486 subcode, by
   * default 3 "Peer De-configured") when a connection is open. v0.9 only
   * closed the connection (bgp.go Close/abort); RFC 4271 section 8.2.2 has
   * ManualStop send Cease, and either way the peer drops our routes at once,
   * so the NOTIFICATION only tells its operator why.
   */
  stop(subcode: number = 3): SessionAction[] {
    const actions: SessionAction[] = [];
    const was = this.current;
    if (was === 'stopped') return [];
    if (was === 'connect') actions.push({ kind: 'abortConnect' });
    if (was === 'openSent' || was === 'openConfirm' || was === 'established') {
      actions.push(notification(ErrorCode.cease, subcode), { kind: 'close' });
    }
    if (was !== 'idle') {
      actions.push({
        kind: 'down',
        reason: 'stopped',
        wasEstablished: was === 'established',
        retryInMs: null,
      });
    }
    this.clearTimers();
    this.retryAt = undefined;
    this.current = 'stopped';
    return actions;
  }

  /**
   * The TCP connection is up; `localAddress` is our end of it and
   * `interfaces` the host's addresses, for the router ID over IPv6.
   */
  connected(
    now: number,
    localAddress: IPAddress,
    interfaces: readonly InterfaceAddresses[] = [],
  ): SessionAction[] {
    if (this.current !== 'connect') return [{ kind: 'close' }];
    const { nodeName = '' } = this.settings;
    const routerId = chooseRouterId({
      configured: this.settings.routerId,
      local: localAddress,
      interfaces,
      nodeName,
    });
    const problem = openProblem(routerId);
    if (problem !== null) {
      this.connectDeadline = undefined;
      return [{ kind: 'close' }, ...this.fail(now, problem)];
    }
    this.localBgpId = Number(routerId.value);
    this.current = 'openSent';
    // The connect deadline runs on until the peer's OPEN (v0.9's one deadline).
    this.holdDeadline = this.connectDeadline;
    this.connectDeadline = undefined;
    return [{ kind: 'send', message: this.open() }];
  }

  connectFailed(now: number, reason: string): SessionAction[] {
    if (this.current !== 'connect') return [];
    this.connectDeadline = undefined;
    return this.fail(now, `connect failed: ${reason}`);
  }

  /** The connection closed under us (the peer, or an error). */
  closed(now: number, reason: string): SessionAction[] {
    if (this.current === 'idle' || this.current === 'stopped' || this.current === 'connect')
      return [];
    return this.fail(now, `connection closed: ${reason}`);
  }

  /** One message, or a decoding error, from the peer. */
  received(now: number, result: DecodeResult): SessionAction[] {
    const state = this.current;
    if (state !== 'openSent' && state !== 'openConfirm' && state !== 'established') return [];
    if (!result.ok) {
      const { error } = result;
      return [
        notification(error.code, error.subcode, error.data),
        { kind: 'close' },
        ...this.fail(now, `sent NOTIFICATION ${error.code}/${error.subcode}: ${error.reason}`),
      ];
    }
    const { message } = result;
    if (message.type === 'notification') {
      return [
        { kind: 'close' },
        ...this.fail(
          now,
          `peer sent NOTIFICATION ${message.code}/${message.subcode}${describeNotification(message.code, message.subcode)}`,
        ),
      ];
    }
    if (state === 'openSent') {
      if (message.type === 'open') return this.onOpen(now, message);
      return this.unexpected(now, 1, message.type);
    }
    if (state === 'openConfirm') {
      if (message.type === 'keepalive') return this.onEstablished(now);
      return this.unexpected(now, 2, message.type);
    }
    // Established: any KEEPALIVE or UPDATE restarts the hold timer (RFC 4271 section 8.2.2).
    if (message.type === 'open') return this.unexpected(now, 3, message.type);
    this.restartHoldTimer(now);
    if (message.type === 'update' && result.treatAsWithdraw !== undefined) {
      return [{ kind: 'treatAsWithdraw', error: result.treatAsWithdraw }];
    }
    if (message.type === 'routeRefresh') {
      // RFC 2918 section 4: answer a refresh for a family we carry; ignore others.
      const family = familyOf(message.afi, message.safi);
      if (family !== null && this.agreed?.families.has(family) === true) {
        return [{ kind: 'refresh', family }];
      }
    }
    return [];
  }

  /** Runs every deadline that is due. */
  tick(now: number): SessionAction[] {
    const actions: SessionAction[] = [];
    if (this.retryAt !== undefined && this.retryAt <= now && this.current === 'idle') {
      this.retryAt = undefined;
      this.current = 'connect';
      this.connectDeadline = now + this.connectTimeoutMs;
      actions.push({ kind: 'connect' });
    }
    if (this.connectDeadline !== undefined && this.connectDeadline <= now) {
      this.connectDeadline = undefined;
      actions.push(
        { kind: 'abortConnect' },
        ...this.fail(now, `connect timed out after ${this.connectTimeoutMs} ms`),
      );
    }
    if (this.holdDeadline !== undefined && this.holdDeadline <= now) {
      this.holdDeadline = undefined;
      // RFC 4271 section 8.2.2: HoldTimer_Expires in OpenSent, OpenConfirm or
      // Established sends this NOTIFICATION; v0.9 closed without one.
      const reason =
        this.current === 'openSent'
          ? `no OPEN from the peer within ${this.connectTimeoutMs} ms of dialing`
          : 'hold timer expired';
      actions.push(
        notification(ErrorCode.holdTimerExpired, 0),
        { kind: 'close' },
        ...this.fail(now, reason),
      );
    }
    if (this.keepaliveAt !== undefined && this.keepaliveAt <= now && this.agreed !== undefined) {
      actions.push({ kind: 'send', message: { type: 'keepalive' } });
      // Catch up without a burst after a stall: the next one is a full interval away.
      this.keepaliveAt = now + this.agreed.keepaliveMs;
    }
    return actions;
  }

  /** Our OPEN: v0.9's capabilities (IPv4 and IPv6 unicast, 4-octet AS) plus route refresh. */
  private open(): OpenMessage {
    const { localAsn, holdTimeSeconds } = this.settings;
    return {
      type: 'open',
      version: 4,
      myAs: localAsn > 0xffff ? AS_TRANS : localAsn,
      holdTime: holdTimeSeconds,
      bgpId: this.localBgpId,
      capabilities: [
        { kind: 'multiprotocol', afi: AFI_IPV4, safi: SAFI_UNICAST },
        { kind: 'multiprotocol', afi: AFI_IPV6, safi: SAFI_UNICAST },
        { kind: 'routeRefresh' },
        { kind: 'fourOctetAs', asn: localAsn },
      ],
    };
  }

  private onOpen(now: number, open: OpenMessage): SessionAction[] {
    const agreed = negotiate(this.open(), open);
    // RFC 4271 section 6.2 (and RFC 6793 section 4.1 for the 4-octet AS).
    if (agreed.remoteAsn !== this.settings.peerAsn) {
      return this.reject(
        now,
        OpenSubcode.badPeerAs,
        `peer AS ${agreed.remoteAsn} is not the configured peer-asn ${this.settings.peerAsn}`,
      );
    }
    // RFC 6286 section 2.2: an internal peer may not use our own identifier.
    const internal = agreed.remoteAsn === this.settings.localAsn;
    if (open.bgpId === 0 || (internal && open.bgpId === this.localBgpId)) {
      return this.reject(now, OpenSubcode.badBgpId, `bad BGP identifier ${formatId(open.bgpId)}`);
    }
    const families = new Set<Family>();
    for (const { afi, safi } of agreed.families) {
      const family = familyOf(afi, safi);
      if (family !== null) families.add(family);
    }
    this.agreed = {
      holdTimeSeconds: agreed.holdTime,
      keepaliveMs: Math.floor((agreed.holdTime * 1000) / 3),
      fourOctetAs: agreed.fourOctetAs,
      families,
      routeRefresh: agreed.routeRefresh,
      peerBgpId: open.bgpId,
      localBgpId: this.localBgpId,
    };
    this.current = 'openConfirm';
    this.restartHoldTimer(now);
    this.keepaliveAt = agreed.holdTime === 0 ? undefined : now + this.agreed.keepaliveMs;
    return [{ kind: 'send', message: { type: 'keepalive' } }];
  }

  private onEstablished(now: number): SessionAction[] {
    if (this.agreed === undefined) return this.unexpected(now, 2, 'keepalive');
    this.current = 'established';
    this.backoff.reset();
    this.restartHoldTimer(now);
    return [{ kind: 'established', negotiated: this.agreed }];
  }

  private restartHoldTimer(now: number): void {
    const seconds = this.agreed?.holdTimeSeconds ?? 0;
    this.holdDeadline = seconds === 0 ? undefined : now + seconds * 1000;
  }

  private reject(now: number, subcode: number, reason: string): SessionAction[] {
    return [
      notification(ErrorCode.openMessage, subcode),
      { kind: 'close' },
      ...this.fail(now, `sent NOTIFICATION 2/${subcode}: ${reason}`),
    ];
  }

  /** RFC 6608: a message the state does not expect; the data is its type code. */
  private unexpected(now: number, subcode: 1 | 2 | 3, type: Message['type']): SessionAction[] {
    return [
      notification(ErrorCode.fsm, subcode, Uint8Array.of(TYPE_CODES[type])),
      { kind: 'close' },
      ...this.fail(now, `unexpected ${type} in ${this.current}`),
    ];
  }

  private fail(now: number, reason: string): SessionAction[] {
    const wasEstablished = this.current === 'established';
    this.clearTimers();
    this.agreed = undefined;
    this.current = 'idle';
    const delay = this.backoff.next();
    this.retryAt = now + delay;
    return [{ kind: 'down', reason, wasEstablished, retryInMs: delay }];
  }

  private clearTimers(): void {
    this.connectDeadline = undefined;
    this.holdDeadline = undefined;
    this.keepaliveAt = undefined;
  }
}

/**
 * Why no OPEN can be sent, or null. v0.9 sent it and the peer refused it
 * (RFC 4271 section 6.2: Bad BGP Identifier), so its session never came up
 * either; we say why instead of sending an OPEN no peer accepts.
 */
function openProblem(routerId: IPAddress): string | null {
  if (routerId.value === 0n) {
    return `router ID ${formatIP(routerId)} is refused by every peer (RFC 6286 section 2.2): set another router-id for this peer`;
  }
  return null;
}

const TYPE_CODES: Readonly<Record<Message['type'], number>> = {
  open: 1,
  update: 2,
  notification: 3,
  keepalive: 4,
  routeRefresh: 5,
};

function notification(
  code: number,
  subcode: number,
  data: Uint8Array = new Uint8Array(0),
): SessionAction {
  return { kind: 'send', message: { type: 'notification', code, subcode, data } };
}

function formatId(id: number): string {
  return [id >>> 24, (id >>> 16) & 0xff, (id >>> 8) & 0xff, id & 0xff].join('.');
}

/** Words for the NOTIFICATIONs an operator meets most (RFC 4271 section 4.5, RFC 4486). */
function describeNotification(code: number, subcode: number): string {
  const words: Record<string, string> = {
    '2/2': 'bad peer AS (check my-asn and peer-asn)',
    '2/3': 'bad BGP identifier (check router-id)',
    '2/6': 'unacceptable hold time',
    '4/0': 'hold timer expired',
    '6/2': 'administrative shutdown',
    '6/3': 'peer de-configured',
    '6/4': 'administrative reset',
    '6/5': 'connection rejected',
  };
  const text = words[`${code}/${subcode}`];
  return text === undefined ? '' : ` (${text})`;
}
