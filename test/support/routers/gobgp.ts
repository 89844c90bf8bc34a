/**
 * GoBGP as a router under the harness (Debian package `gobgpd`, which
 * ships both `gobgpd` and the `gobgp` CLI).
 *
 * gobgpd runs with a TOML config and its gRPC API on a unix socket in the
 * router's folder (`--api-hosts unix://...`, CLI `--target unix://...`), so
 * no API port has to be picked and the CLI works from the host even when
 * gobgpd runs in a network namespace.
 *
 * Passive (the default) is what speaker tests want. Active (`passive:
 * false`) makes it a stand-in speaker for the harness's own tests: it dials
 * each peer at `peer.port` and announces what announce() adds. Two GoBGP
 * timing facts matter there: the first dial comes 5-10 s after start
 * (random), and after a session drops GoBGP sits in Idle for 5 s, closing
 * incoming connections, before it accepts or dials again. `connect-retry`
 * is set to 5 s so a failed dial is retried soon (the default is 120 s).
 *
 * As a router on loopback: GoBGP treats an UPDATE whose IPv4 NEXT_HOP is a
 * loopback address (127/8) as a withdrawal ("invalid nexthop address" in
 * its log), so a speaker on 127.0.0.1 announcing itself as next hop gets
 * nothing into a GoBGP RIB; use the namespace LAN (NetnsTopology with a
 * router) for that. An IPv6 next hop of ::1 is accepted.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Daemon, makeFolder, runTool, waitAnswering } from './process.js';
import {
  parseGobgpNegotiatedHoldTime,
  parseGobgpNeighborState,
  parseGobgpRib,
} from './parse-gobgp.js';
import { canonicalPrefix } from './rib.js';
import { checkSpec, familiesOf, familyOf } from './spec.js';
import { RouterProcess } from './router-process.js';
import type { RibRoute, Router, RouterPeerSpec, RouterSpec, SessionState } from './types.js';

export const GOBGP_BINARIES = ['gobgpd', 'gobgp'] as const;

/** A route for an active GoBGP to originate (`gobgp global rib add`). */
export interface Announcement {
  prefix: string;
  /** Default: GoBGP's choice, the session's own address towards eBGP peers. */
  nextHop?: string;
  /** 'A:B' each. */
  communities?: readonly string[];
  /** Only crosses iBGP sessions. */
  localPref?: number;
  /** Default incomplete, as MetalLB sends. */
  origin?: RibRoute['origin'];
}

const READY_TIMEOUT_MS = 10_000;

const toml = (text: string): string => JSON.stringify(text);

function neighbourSection(spec: RouterSpec, peer: RouterPeerSpec): string[] {
  const passive = spec.passive !== false;
  const lines = [
    '[[neighbors]]',
    '  [neighbors.config]',
    `    neighbor-address = ${toml(peer.address)}`,
    `    peer-as = ${peer.asn}`,
  ];
  if (peer.password !== undefined) lines.push(`    auth-password = ${toml(peer.password)}`);
  lines.push('  [neighbors.transport.config]');
  if (passive) lines.push('    passive-mode = true');
  else {
    if (peer.port === undefined) throw new Error(`active gobgp: peer ${peer.address} needs a port`);
    lines.push(`    remote-port = ${peer.port}`);
  }
  const hold = peer.holdTimeSeconds;
  lines.push('  [neighbors.timers.config]', '    connect-retry = 5');
  if (hold !== undefined) {
    lines.push(
      `    hold-time = ${hold}`,
      `    keepalive-interval = ${Math.max(1, Math.floor(hold / 3))}`,
    );
  }
  for (const family of familiesOf(peer)) {
    lines.push(
      '  [[neighbors.afi-safis]]',
      '    [neighbors.afi-safis.config]',
      `      afi-safi-name = ${toml(`ipv${family}-unicast`)}`,
    );
  }
  return lines;
}

/** The whole gobgpd.toml for a spec. */
export function gobgpConfig(spec: RouterSpec, port: number): string {
  const passive = spec.passive !== false;
  const lines = [
    '# Written by the metallb-ts router harness (test/support/routers).',
    '[global.config]',
    `  as = ${spec.asn}`,
    `  router-id = ${toml(spec.routerId)}`,
    // -1: an active stand-in speaker does not listen at all.
    `  port = ${passive ? port : -1}`,
  ];
  if (passive) {
    lines.push(
      `  local-address-list = [${spec.listenAddresses.map(toml).join(', ')}]`,
      // A test peer only listens to the speaker: nothing is sent back to it.
      '[global.apply-policy.config]',
      '  default-export-policy = "reject-route"',
    );
  }
  for (const peer of spec.peers) lines.push('', ...neighbourSection(spec, peer));
  return `${lines.join('\n')}\n`;
}

export class GobgpRouter extends RouterProcess implements Router {
  readonly kind = 'gobgp' as const;
  private daemon: Daemon | undefined;

  constructor(
    readonly spec: Readonly<RouterSpec>,
    readonly port: number,
  ) {
    super();
    checkSpec(spec);
    if (spec.ecmp === true) throw new Error('gobgp: ecmp needs a kernel table; use bird or frr');
  }

  protected get bgpDaemon(): Daemon | undefined {
    return this.daemon;
  }

  protected get daemons(): readonly (Daemon | undefined)[] {
    return [this.daemon];
  }

  private get socket(): string {
    if (this.folder === undefined) throw new Error('gobgp is not started');
    return join(this.folder, 'gobgpd.sock');
  }

  /** `gobgp --target unix://... ARGS`. */
  cli(...args: string[]): Promise<string> {
    return runTool(['gobgp', '--target', `unix://${this.socket}`, ...args]);
  }

  async start(): Promise<void> {
    if (this.daemon?.running()) throw new Error('gobgp is already running');
    const folder = makeFolder('gobgp');
    this.folder = folder;
    const config = join(folder, 'gobgpd.toml');
    await writeFile(config, gobgpConfig(this.spec, this.port));
    this.daemon = new Daemon({
      label: 'gobgpd',
      argv: [
        'gobgpd',
        ...['-f', config, '-t', 'toml', '-p', '--pprof-disable'],
        ...['--api-hosts', `unix://${this.socket}`],
      ],
      ...(this.spec.netns === undefined ? {} : { netns: this.spec.netns }),
    });
    this.daemon.start();
    const failure = await waitAnswering(
      this.daemon,
      () => this.cli('global', '-j'),
      READY_TIMEOUT_MS,
    );
    if (failure !== undefined) {
      const logs = this.logs();
      await this.stop();
      throw new Error(`gobgpd ${failure}:\n${logs}`);
    }
  }

  async routes(family: 4 | 6): Promise<RibRoute[]> {
    return parseGobgpRib(await this.cli('global', 'rib', '-a', `ipv${family}`, '-j'));
  }

  async sessionState(peerAddress: string): Promise<SessionState> {
    return parseGobgpNeighborState(await this.cli('neighbor', peerAddress, '-j'));
  }

  async established(peerAddress: string): Promise<boolean> {
    return (await this.sessionState(peerAddress)) === 'established';
  }

  /** The hold time of the session with this peer, as negotiated (undefined until it is up). */
  async negotiatedHoldTime(peerAddress: string): Promise<number | undefined> {
    return parseGobgpNegotiatedHoldTime(await this.cli('neighbor', peerAddress, '-j'));
  }

  /** Originates a route (active stand-in speaker); replaces an earlier one for the prefix. */
  async announce(route: Announcement): Promise<void> {
    const prefix = canonicalPrefix(route.prefix);
    const args = ['global', 'rib', 'add', '-a', `ipv${familyOf(prefix)}`, prefix];
    args.push('origin', route.origin ?? 'incomplete');
    if (route.nextHop !== undefined) args.push('nexthop', route.nextHop);
    if (route.communities !== undefined && route.communities.length > 0) {
      args.push('community', route.communities.join(','));
    }
    if (route.localPref !== undefined) args.push('local-pref', String(route.localPref));
    await this.cli(...args);
  }

  /** Withdraws a route announce() added. */
  async withdraw(prefix: string): Promise<void> {
    const canonical = canonicalPrefix(prefix);
    await this.cli('global', 'rib', 'del', '-a', `ipv${familyOf(canonical)}`, canonical);
  }

  logs(): string {
    return this.daemon?.text() ?? '';
  }
}
