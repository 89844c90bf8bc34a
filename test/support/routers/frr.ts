/**
 * FRR as a router under the harness (Debian package `frr`): `bgpd` started
 * by hand, never through frrinit or systemd, with its config, pid file and
 * vty socket in the router's own folder, queried with
 * `vtysh --vty_socket FOLDER -d bgpd -c ...`.
 *
 * Without `ecmp`, bgpd runs alone (`-Z`, no zebra) as root (`-S`): it then
 * takes every next hop as reachable, and eBGP peers skip the
 * directly-connected check (`disable-connected-check`), which a loopback
 * peer would fail. With `ecmp` (inside a namespace only), zebra runs too,
 * as user `frr` (zebra refuses `-S` and refuses to run as root, so the
 * folder is chowned to frr), and bgpd talks to it over a zserv socket in the
 * folder; `maximum-paths` (eBGP and iBGP) and `bestpath as-path
 * multipath-relax` let paths from several peers share one kernel route.
 *
 * Config choices a speaker test depends on: `no bgp ebgp-requires-policy`
 * (FRR otherwise drops every eBGP route), `no bgp default ipv4-unicast` and
 * both unicast families activated per peer, `neighbor X passive`, and
 * `neighbor X timers KEEPALIVE HOLD` for a per-peer hold time, an outbound
 * route-map that denies everything (a test peer sends nothing back), and
 * `bgp allow-martian-nexthop`: FRR otherwise answers an UPDATE with IPv4
 * NEXT_HOP 127.0.0.1 with a NOTIFICATION (UPDATE error, invalid next hop)
 * and drops the session. An IPv6 next hop of ::1 is still refused (the
 * path is dropped as "martian or self next-hop", the session stays up), so
 * IPv6 tests against FRR need a non-loopback next hop or the namespace LAN.
 * FRR holds no LOCAL_PREF on eBGP routes.
 */
import { chown, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Daemon, makeFolder, readTail, runTool, runToolOutput, waitAnswering } from './process.js';
import { parseFrrNeighborState, parseFrrRoutes } from './parse-frr.js';
import { checkSpec, familiesOf } from './spec.js';
import { RouterProcess } from './router-process.js';
import type { RibRoute, Router, RouterPeerSpec, RouterSpec, SessionState } from './types.js';

/** Debian puts the daemons outside PATH. */
export const FRR_DAEMONS = '/usr/lib/frr';
export const FRR_BINARIES = [
  join(FRR_DAEMONS, 'bgpd'),
  join(FRR_DAEMONS, 'zebra'),
  'vtysh',
] as const;

const READY_TIMEOUT_MS = 15_000;
const EXPORT_NONE = 'HARNESS-EXPORT-NONE';
/** Any path of equal cost: far more than a test has speakers. */
const MAX_PATHS = 16;

function neighbourLines(spec: RouterSpec, peer: RouterPeerSpec): string[] {
  const n = ` neighbor ${peer.address}`;
  const lines = [`${n} remote-as ${peer.asn}`, `${n} passive`];
  if (peer.holdTimeSeconds !== undefined) {
    const keepalive = Math.max(1, Math.floor(peer.holdTimeSeconds / 3));
    lines.push(`${n} timers ${keepalive} ${peer.holdTimeSeconds}`);
  }
  if (peer.password !== undefined) lines.push(`${n} password ${peer.password}`);
  // Without zebra bgpd knows no interfaces, so no eBGP peer would count as connected.
  if (spec.ecmp !== true && peer.asn !== spec.asn) lines.push(`${n} disable-connected-check`);
  return lines;
}

/** The whole bgpd.conf for a spec; `folder` holds its log. */
export function frrConfig(spec: RouterSpec, folder: string): string {
  const lines = [
    'frr defaults traditional',
    '! Written by the metallb-ts router harness (test/support/routers).',
    'hostname metallb-ts-router',
    `log file ${join(folder, 'bgpd.log')}`,
    '!',
    `router bgp ${spec.asn}`,
    ` bgp router-id ${spec.routerId}`,
    ' no bgp ebgp-requires-policy',
    ' no bgp default ipv4-unicast',
    // Next hops on loopback (127.0.0.1, a speaker's own address in a test) are martians to FRR.
    ' bgp allow-martian-nexthop',
  ];
  if (spec.ecmp === true) lines.push(' bgp bestpath as-path multipath-relax');
  for (const peer of spec.peers) lines.push(...neighbourLines(spec, peer));
  for (const family of [4, 6] as const) {
    lines.push(` address-family ipv${family} unicast`);
    if (spec.ecmp === true) {
      lines.push(`  maximum-paths ${MAX_PATHS}`, `  maximum-paths ibgp ${MAX_PATHS}`);
    }
    for (const peer of spec.peers) {
      if (!familiesOf(peer).includes(family)) continue;
      lines.push(`  neighbor ${peer.address} activate`);
      lines.push(`  neighbor ${peer.address} route-map ${EXPORT_NONE} out`);
    }
    lines.push(' exit-address-family');
  }
  // A test peer only listens to the speaker: nothing is sent back to it.
  lines.push('!', `route-map ${EXPORT_NONE} deny 10`, '!');
  return `${lines.join('\n')}\n`;
}

export class FrrRouter extends RouterProcess implements Router {
  readonly kind = 'frr' as const;
  private bgpd: Daemon | undefined;
  private zebra: Daemon | undefined;

  constructor(
    readonly spec: Readonly<RouterSpec>,
    readonly port: number,
  ) {
    super();
    checkSpec(spec);
  }

  /** pause() stops bgpd only: zebra has no BGP timers, and keeps the kernel routes as they are. */
  protected get bgpDaemon(): Daemon | undefined {
    return this.bgpd;
  }

  /** bgpd first, so it does not log zebra going away; zebra then removes its kernel routes. */
  protected get daemons(): readonly (Daemon | undefined)[] {
    return [this.bgpd, this.zebra];
  }

  private get dir(): string {
    if (this.folder === undefined) throw new Error('frr is not started');
    return this.folder;
  }

  /** `vtysh --vty_socket FOLDER -d DAEMON -c COMMAND`. */
  vtysh(command: string, daemon: 'bgpd' | 'zebra' = 'bgpd'): Promise<string> {
    return runTool(['vtysh', '--vty_socket', this.dir, '-d', daemon, '-c', command]);
  }

  async start(): Promise<void> {
    if (this.bgpd?.running()) throw new Error('frr is already running');
    const folder = makeFolder('frr');
    this.folder = folder;
    const netns = this.spec.netns === undefined ? {} : { netns: this.spec.netns };
    const zserv = join(folder, 'zserv.api');
    const config = join(folder, 'bgpd.conf');
    await writeFile(config, frrConfig(this.spec, folder));
    await checkFrrConfig(config, folder);
    if (this.spec.ecmp === true) {
      // zebra runs as frr: the folder and its config must be frr's.
      const { uid, gid } = await frrIds();
      await writeFile(
        join(folder, 'zebra.conf'),
        `hostname metallb-ts-router\nlog file ${join(folder, 'zebra.log')}\n`,
      );
      await chown(folder, uid, gid);
      await chown(join(folder, 'zebra.conf'), uid, gid);
      this.zebra = new Daemon({
        label: 'frr zebra',
        argv: [
          join(FRR_DAEMONS, 'zebra'),
          ...['-u', 'frr', '-g', 'frr', '-P', '0', '-z', zserv, '--vty_socket', folder],
          ...['-i', join(folder, 'zebra.pid'), '-f', join(folder, 'zebra.conf')],
        ],
        ...netns,
      });
      this.zebra.start();
      await this.waitReady(this.zebra, 'zebra', 'show version');
    }
    const listen = this.spec.listenAddresses.flatMap((address) => ['-l', address]);
    const zebra = this.spec.ecmp === true ? ['-z', zserv] : ['-Z'];
    this.bgpd = new Daemon({
      label: 'frr bgpd',
      argv: [
        join(FRR_DAEMONS, 'bgpd'),
        ...['-S', ...zebra, '-p', String(this.port), ...listen, '-P', '0'],
        ...['-f', config, '-i', join(folder, 'bgpd.pid'), '--vty_socket', folder],
      ],
      ...netns,
    });
    this.bgpd.start();
    await this.waitReady(this.bgpd, 'bgpd', 'show bgp summary json');
  }

  private async waitReady(process: Daemon, name: 'bgpd' | 'zebra', command: string): Promise<void> {
    const failure = await waitAnswering(process, () => this.vtysh(command, name), READY_TIMEOUT_MS);
    if (failure !== undefined) {
      const logs = this.logs();
      await this.stop();
      throw new Error(`frr ${name} ${failure}:\n${logs}`);
    }
  }

  async routes(family: 4 | 6): Promise<RibRoute[]> {
    return parseFrrRoutes(await this.vtysh(`show bgp ipv${family} unicast json detail`));
  }

  async sessionState(peerAddress: string): Promise<SessionState> {
    return parseFrrNeighborState(await this.vtysh(`show bgp neighbors ${peerAddress} json`));
  }

  async established(peerAddress: string): Promise<boolean> {
    return (await this.sessionState(peerAddress)) === 'established';
  }

  logs(): string {
    const parts = [this.zebra?.text() ?? '', this.bgpd?.text() ?? ''];
    if (this.folder !== undefined) {
      parts.push(readTail(join(this.folder, 'zebra.log')), readTail(join(this.folder, 'bgpd.log')));
    }
    return parts.filter((p) => p !== '').join('\n');
  }
}

/** FRR's own config check; it exits 0 whatever it finds, so its complaints are what count. */
export async function checkFrrConfig(config: string, folder: string): Promise<void> {
  const { stdout, stderr } = await runToolOutput([
    join(FRR_DAEMONS, 'bgpd'),
    ...['-C', '-Z', '-S', '-P', '0', '-p', '0', '-f', config],
    ...['-i', join(folder, 'check.pid'), '--vty_socket', folder],
  ]);
  const complaints = `${stdout}\n${stderr}`
    .split('\n')
    .filter((line) => FRR_CONFIG_COMPLAINT.test(line));
  if (complaints.length > 0) throw new Error(`frr refuses ${config}:\n${complaints.join('\n')}`);
}

const FRR_CONFIG_COMPLAINT = /No such command|Config Failed|Unknown command|Ambiguous command/;

/** The uid and gid of the `frr` user the Debian package creates. */
async function frrIds(): Promise<{ uid: number; gid: number }> {
  const [uid, gid] = await Promise.all([
    runTool(['id', '-u', 'frr']),
    runTool(['id', '-g', 'frr']),
  ]);
  return { uid: Number(uid.trim()), gid: Number(gid.trim()) };
}
