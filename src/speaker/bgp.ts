/**
 * The speaker's BGP side (v0.9 `speaker/bgp_controller.go`, docs/COMPAT.md
 * section 3): one session to each configured peer whose node-selectors
 * match this node's labels, re-evaluated when the config or the labels
 * change, and every session told the routes of every Service IP this node
 * announces, rolled up per the pool's `bgp-advertisements`.
 *
 * Sessions are created through a factory, so this file is tested with fakes
 * and knows nothing of sockets.
 */
import type { AdjRibOutRoute } from '../bgp/index.js';
import { mergeRoutes } from '../bgp/index.js';
import { nodeSelectorsMatch, type Config, type Peer, type Pool } from '../config/index.js';
import type { Log } from '../daemon/index.js';
import { formatIP, makeCidr, type IPAddress } from '../ip/index.js';
import type { BgpMetrics } from '../metrics/index.js';
import type { AnnouncementSink } from './announcements.js';
import type { Announcement } from './decide.js';

/** What a session reports, for logs and metrics. */
export interface PeerSessionEvents {
  up(): void;
  down(reason: string, wasEstablished: boolean, retryInMs: number | null): void;
  /** UPDATE messages written to the peer. */
  updatesSent(count: number): void;
  /** Prefixes the peer has been sent, and prefixes still to send or withdraw. */
  prefixes(announced: number, pending: number): void;
}

export interface PeerSession {
  /** The whole set of routes this node wants the peer to have. */
  setRoutes(routes: ReadonlyMap<string, AdjRibOutRoute>): void;
  /** Ends the session with a Cease NOTIFICATION of this subcode (RFC 4486). */
  close(ceaseSubcode: number): Promise<void>;
}

export type PeerSessionFactory = (peer: Peer, events: PeerSessionEvents) => PeerSession;

/** The part of the speaker's announcement sinks that BGP needs beyond announce/withdraw. */
export interface BgpSink extends AnnouncementSink {
  setConfig(config: Config): void;
  setNodeLabels(labels: Readonly<Record<string, string>>): void;
}

export interface BgpAnnouncerOptions {
  readonly log: Log;
  readonly metrics: BgpMetrics;
  readonly openSession: PeerSessionFactory;
  /** Batches many announce() calls into one route computation; default setImmediate. */
  readonly defer?: (work: () => void) => void;
}

/** RFC 4486 Cease subcodes we send. */
const CEASE_ADMIN_SHUTDOWN = 2;
const CEASE_PEER_DECONFIGURED = 3;
const CEASE_OTHER_CONFIGURATION_CHANGE = 6;

/** v0.9 labels BGP metrics `ip:port`; an IPv6 address in brackets, as Go's JoinHostPort. */
export function peerLabel(peer: Peer): string {
  const address = formatIP(peer.address);
  return peer.address.family === 6 ? `[${address}]:${peer.port}` : `${address}:${peer.port}`;
}

/** The settings that, when they change, need a new session (the selectors only choose the peer). */
function sessionFingerprint(peer: Peer): string {
  return JSON.stringify([
    peer.myAsn,
    peer.peerAsn,
    peer.holdTimeSeconds,
    peer.routerId === null ? null : formatIP(peer.routerId),
    peer.password,
  ]);
}

/** The routes one Service IP stands for: one per advertisement of its pool. */
export function routesFor(ip: IPAddress, pool: Pool): AdjRibOutRoute[] {
  const routes: AdjRibOutRoute[] = [];
  for (const ad of pool.bgpAdvertisements) {
    const length = ip.family === 4 ? ad.aggregationLength : ad.aggregationLengthV6;
    if (length === null) continue;
    routes.push({
      prefix: makeCidr(ip.family, ip.value, length),
      localPref: ad.localPref,
      communities: ad.communities,
    });
  }
  return routes;
}

interface OpenPeer {
  readonly peer: Peer;
  readonly fingerprint: string;
  readonly session: PeerSession;
}

export class BgpAnnouncer implements BgpSink {
  private config: Config | null = null;
  private labels: ReadonlyMap<string, string> = new Map();
  /** What is announced, by canonical text, with the pool decide() found for it. */
  private readonly announced = new Map<string, Announcement>();
  private readonly peers = new Map<string, OpenPeer>();
  private readonly unadvertised = new Set<string>();
  private routesDirty = false;
  private closed = false;
  private readonly defer: (work: () => void) => void;

  constructor(private readonly options: BgpAnnouncerOptions) {
    this.defer = options.defer ?? ((work) => void setImmediate(work));
  }

  setConfig(config: Config): void {
    this.config = config;
    this.syncPeers();
    this.markRoutesDirty();
  }

  setNodeLabels(labels: Readonly<Record<string, string>>): void {
    this.labels = new Map(Object.entries(labels));
    this.syncPeers();
  }

  /** Announces an address, or hands over its pool under a new config. */
  announce(announcement: Announcement): void {
    this.announced.set(announcement.ip, announcement);
    this.markRoutesDirty();
  }

  withdraw({ ip }: Announcement): void {
    this.announced.delete(ip);
    this.unadvertised.delete(ip);
    this.markRoutesDirty();
  }

  /** The peers with an open session, by metric label. */
  sessionLabels(): string[] {
    return [...this.peers.keys()];
  }

  async close(): Promise<void> {
    this.closed = true;
    const open = [...this.peers.entries()];
    this.peers.clear();
    await Promise.all(
      open.map(async ([label, { session }]) => {
        await session.close(CEASE_ADMIN_SHUTDOWN);
        this.forgetMetrics(label);
      }),
    );
  }

  /** v0.9 syncPeers: open sessions for new peers, close the ones no longer wanted or changed. */
  private syncPeers(): void {
    if (this.closed || this.config === null) return;
    const wanted = new Map<string, Peer>();
    for (const peer of this.config.peers) {
      if (!nodeSelectorsMatch(peer.nodeSelectors, this.labels)) continue;
      wanted.set(peerLabel(peer), peer);
    }
    for (const [label, open] of this.peers) {
      const peer = wanted.get(label);
      if (peer !== undefined && sessionFingerprint(peer) === open.fingerprint) continue;
      this.peers.delete(label);
      const subcode =
        peer === undefined ? CEASE_PEER_DECONFIGURED : CEASE_OTHER_CONFIGURATION_CHANGE;
      this.options.log({
        op: 'bgp',
        event: 'sessionClosed',
        peer: label,
        msg:
          peer === undefined ? 'peer no longer configured for this node' : 'peer settings changed',
      });
      this.forgetMetrics(label);
      void open.session.close(subcode);
    }
    let opened = false;
    for (const [label, peer] of wanted) {
      if (this.peers.has(label)) continue;
      this.peers.set(label, {
        peer,
        fingerprint: sessionFingerprint(peer),
        session: this.options.openSession(peer, this.eventsFor(label)),
      });
      this.options.metrics.sessionUp.set({ peer: label }, 0);
      opened = true;
    }
    if (opened) this.markRoutesDirty();
  }

  private eventsFor(label: string): PeerSessionEvents {
    const { log, metrics } = this.options;
    const current = (): boolean => this.peers.has(label);
    return {
      up: () => {
        if (!current()) return;
        metrics.sessionUp.set({ peer: label }, 1);
        log({ op: 'bgp', event: 'sessionUp', peer: label, msg: 'BGP session established' });
      },
      down: (reason, wasEstablished, retryInMs) => {
        if (!current()) return;
        metrics.sessionUp.set({ peer: label }, 0);
        log({
          op: 'bgp',
          event: wasEstablished ? 'sessionDown' : 'connectFailed',
          peer: label,
          error: reason,
          ...(retryInMs === null ? {} : { retryInMs }),
          msg: wasEstablished ? 'BGP session down' : 'BGP session not established',
        });
      },
      updatesSent: (count) => {
        if (current()) metrics.updates.inc({ peer: label }, count);
      },
      prefixes: (announced, pending) => {
        if (!current()) return;
        metrics.announcedPrefixes.set({ peer: label }, announced);
        metrics.pendingPrefixes.set({ peer: label }, pending);
      },
    };
  }

  private forgetMetrics(label: string): void {
    const { metrics } = this.options;
    for (const gauge of [metrics.sessionUp, metrics.announcedPrefixes, metrics.pendingPrefixes]) {
      gauge.remove({ peer: label });
    }
  }

  /** Many announce() calls in one turn of the event loop cost one route computation. */
  private markRoutesDirty(): void {
    if (this.routesDirty || this.closed) return;
    this.routesDirty = true;
    this.defer(() => {
      this.routesDirty = false;
      this.pushRoutes();
    });
  }

  private pushRoutes(): void {
    if (this.closed || this.config === null) return;
    const routes: AdjRibOutRoute[] = [];
    for (const { ip, address, pool } of this.announced.values()) {
      const forIp = routesFor(address, pool);
      if (forIp.length === 0 && !this.unadvertised.has(ip)) {
        this.unadvertised.add(ip);
        this.options.log({
          op: 'bgp',
          event: 'notAdvertised',
          ip,
          pool: pool.name,
          msg: 'IPv6 addresses of a bgp pool are advertised only when an advertisement sets aggregation-length-v6',
        });
      }
      routes.push(...forIp);
    }
    const merged = mergeRoutes(routes);
    for (const { session } of this.peers.values()) session.setRoutes(merged);
  }
}
