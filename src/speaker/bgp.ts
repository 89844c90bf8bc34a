/**
 * The speaker's BGP side (v0.9 `speaker/bgp_controller.go`, docs/COMPAT.md
 * section 3): one session to each configured peer whose node-selectors
 * match this node's labels, re-evaluated when the config or the labels
 * change, and every session told the routes of every Service IP this node
 * announces, rolled up per the pool's `bgp-advertisements`.
 *
 * Sessions are created through a factory, so this file is tested with fakes
 * and knows nothing of sockets.
 *
 * One session per config entry, as v0.9 (its SetConfig keeps a list of
 * peers, matched to the running ones entry by entry): two identical entries
 * dial the same router twice. The `peer` label of the metrics is the
 * router's `ip:port`, so such sessions share their metrics, as in v0.9,
 * except that session_up is 1 while any of them is up (v0.9: whichever
 * wrote last) and stays while one of them runs (v0.9 deleted the label
 * when either closed).
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
  /**
   * Prefixes the peer has been sent on this connection (0 while down), and
   * prefixes the session has been given to advertise (v0.9's `Set` count).
   */
  prefixes(announced: number, desired: number): void;
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
  /** The metric label, `ip:port`: not unique when the config repeats a peer. */
  readonly label: string;
  readonly fingerprint: string;
  readonly session: PeerSession;
  /** Established: the label's session_up is 1 while any of its sessions is. */
  up: boolean;
}

export class BgpAnnouncer implements BgpSink {
  private config: Config | null = null;
  private labels: ReadonlyMap<string, string> = new Map();
  /** What is announced, by canonical text, with the pool decide() found for it. */
  private readonly announced = new Map<string, Announcement>();
  private peers: OpenPeer[] = [];
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

  /** The metric label of each open session, one per session (a repeated peer twice). */
  sessionLabels(): string[] {
    return this.peers.map((open) => open.label);
  }

  async close(): Promise<void> {
    this.closed = true;
    const open = this.peers;
    this.peers = [];
    await Promise.all(
      open.map(async ({ label, session }) => {
        await session.close(CEASE_ADMIN_SHUTDOWN);
        this.forgetMetrics(label);
      }),
    );
  }

  /**
   * v0.9 SetConfig and syncPeers: each selected config entry keeps the
   * running session of an entry with the same peer and settings (each
   * session serving one entry), the other sessions close, and the entries
   * left over get new ones.
   */
  private syncPeers(): void {
    if (this.closed || this.config === null) return;
    const wanted = this.config.peers
      .filter((peer) => nodeSelectorsMatch(peer.nodeSelectors, this.labels))
      .map((peer) => ({ peer, label: peerLabel(peer), fingerprint: sessionFingerprint(peer) }));
    const kept: OpenPeer[] = [];
    const unmatched: typeof wanted = [];
    const running = [...this.peers];
    for (const entry of wanted) {
      const index = running.findIndex(
        (open) => open.label === entry.label && open.fingerprint === entry.fingerprint,
      );
      if (index < 0) unmatched.push(entry);
      else kept.push(...running.splice(index, 1));
    }
    this.peers = kept;
    for (const open of running) {
      // Replaced by an entry for the same peer with other settings, or gone.
      const changed = unmatched.some((entry) => entry.label === open.label);
      this.options.log({
        op: 'bgp',
        event: 'sessionClosed',
        peer: open.label,
        msg: changed ? 'peer settings changed' : 'peer no longer configured for this node',
      });
      if (this.peers.some((other) => other.label === open.label)) this.showSessionUp(open.label);
      else this.forgetMetrics(open.label);
      void open.session.close(changed ? CEASE_OTHER_CONFIGURATION_CHANGE : CEASE_PEER_DECONFIGURED);
    }
    for (const { peer, label, fingerprint } of unmatched) {
      // Events of a session count only while it is one of this.peers.
      const self: { open?: OpenPeer } = {};
      const current = (): OpenPeer | undefined =>
        self.open !== undefined && this.peers.includes(self.open) ? self.open : undefined;
      const session = this.options.openSession(peer, this.eventsFor(label, current));
      self.open = { peer, label, fingerprint, session, up: false };
      this.peers.push(self.open);
      this.showSessionUp(label);
    }
    if (unmatched.length > 0) this.markRoutesDirty();
  }

  /** metallb_bgp_session_up of a label: 1 while any session of it is Established. */
  private showSessionUp(label: string): void {
    const up = this.peers.some((open) => open.label === label && open.up);
    this.options.metrics.sessionUp.set({ peer: label }, up ? 1 : 0);
  }

  private eventsFor(label: string, current: () => OpenPeer | undefined): PeerSessionEvents {
    const { log, metrics } = this.options;
    return {
      up: () => {
        const open = current();
        if (open === undefined) return;
        open.up = true;
        this.showSessionUp(label);
        log({ op: 'bgp', event: 'sessionUp', peer: label, msg: 'BGP session established' });
      },
      down: (reason, wasEstablished, retryInMs) => {
        const open = current();
        if (open === undefined) return;
        open.up = false;
        this.showSessionUp(label);
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
        if (current() !== undefined) metrics.updates.inc({ peer: label }, count);
      },
      // v0.9 stats.go: announced_prefixes_total is what the session has sent
      // (0 while down), pending_prefixes_total what it was told to advertise.
      prefixes: (announced, desired) => {
        if (current() === undefined) return;
        metrics.announcedPrefixes.set({ peer: label }, announced);
        metrics.pendingPrefixes.set({ peer: label }, desired);
      },
    };
  }

  /** v0.9 stats.DeleteSession: every metric of the peer goes, the UPDATE counter too. */
  private forgetMetrics(label: string): void {
    const { metrics } = this.options;
    for (const gauge of [metrics.sessionUp, metrics.announcedPrefixes, metrics.pendingPrefixes]) {
      gauge.remove({ peer: label });
    }
    metrics.updates.remove({ peer: label });
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
    for (const { session } of this.peers) session.setRoutes(merged);
  }
}
