/**
 * BIRD 2 as a router under the harness (Debian package `bird2`): `bird -f`
 * in the foreground with its config, control socket and pid file in the
 * router's own folder, queried with `birdc -s SOCKET`.
 *
 * One BGP protocol per peer, named after the peer's address (see
 * parse-bird.ts), always passive and bound to the listen address of the
 * peer's family (`strict bind`), importing everything on IPv4 and IPv6
 * unicast and exporting nothing. Choices that matter to a speaker test:
 *
 * - A peer on loopback is `multihop` (BIRD does not take its own address as
 *   a directly connected neighbour); its routes then show `unreachable`,
 *   attributes intact. A peer on a LAN is `direct`, and iBGP routes from it
 *   use `gateway direct`, so they resolve and can reach the kernel table.
 * - `error wait time 1, 2`: after a session fails (the speaker died, its
 *   hold timer ran out) BIRD would otherwise refuse the peer's new
 *   connections for 60 s or more.
 * - With `ecmp`, a kernel protocol per family with `merge paths on` puts
 *   equally good paths from several peers into one multipath route.
 * - eBGP routes get BIRD's default LOCAL_PREF 100 in its RIB.
 * - Next hops on loopback (127.0.0.1, ::1) are taken as they come.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseBirdProtocolState, parseBirdRoutes, birdProtocolName } from './parse-bird.js';
import { Daemon, makeFolder, readTail, runTool, waitAnswering } from './process.js';
import { checkSpec, familiesOf, isLoopback, localAddressFor } from './spec.js';
import { RouterProcess } from './router-process.js';
import type { RibRoute, Router, RouterPeerSpec, RouterSpec, SessionState } from './types.js';

export const BIRD_BINARIES = ['bird', 'birdc'] as const;

const READY_TIMEOUT_MS = 10_000;

function protocolSection(spec: RouterSpec, port: number, peer: RouterPeerSpec): string[] {
  const local = localAddressFor(spec, peer.address);
  const loopback = isLoopback(peer.address);
  const internal = peer.asn === spec.asn;
  const channel = (family: 'ipv4' | 'ipv6'): string =>
    `  ${family} { import all; export none;${internal && !loopback ? ' gateway direct;' : ''} };`;
  const lines = [
    `protocol bgp ${birdProtocolName(peer.address)} {`,
    `  description "peer ${peer.address}";`,
    `  local ${local} port ${port} as ${spec.asn};`,
    `  neighbor ${peer.address} as ${peer.asn};`,
    '  passive on;',
    '  strict bind on;',
    loopback ? '  multihop;' : '  direct;',
    '  error wait time 1, 2;',
  ];
  if (peer.holdTimeSeconds !== undefined) {
    const keepalive = Math.max(1, Math.floor(peer.holdTimeSeconds / 3));
    lines.push(`  hold time ${peer.holdTimeSeconds};`, `  keepalive time ${keepalive};`);
  }
  if (peer.password !== undefined) lines.push(`  password "${peer.password}";`);
  for (const family of familiesOf(peer)) lines.push(channel(`ipv${family}`));
  lines.push('}');
  return lines;
}

/** The whole bird.conf for a spec; `folder` holds its log. */
export function birdConfig(spec: RouterSpec, port: number, folder: string): string {
  const lines = [
    '# Written by the metallb-ts router harness (test/support/routers).',
    `router id ${spec.routerId};`,
    `log "${join(folder, 'bird.log')}" all;`,
    // Interfaces: what `direct` sessions and `gateway direct` resolve against.
    'protocol device { scan time 10; }',
  ];
  if (spec.ecmp === true) {
    for (const family of ['ipv4', 'ipv6']) {
      lines.push(
        `protocol kernel kernel_${family} {`,
        `  ${family} { import none; export all; };`,
        '  merge paths on;',
        '}',
      );
    }
  }
  for (const peer of spec.peers) lines.push('', ...protocolSection(spec, port, peer));
  return `${lines.join('\n')}\n`;
}

export class BirdRouter extends RouterProcess implements Router {
  readonly kind = 'bird' as const;
  private daemon: Daemon | undefined;

  constructor(
    readonly spec: Readonly<RouterSpec>,
    readonly port: number,
  ) {
    super();
    checkSpec(spec);
  }

  protected get bgpDaemon(): Daemon | undefined {
    return this.daemon;
  }

  protected get daemons(): readonly (Daemon | undefined)[] {
    return [this.daemon];
  }

  private get socket(): string {
    if (this.folder === undefined) throw new Error('bird is not started');
    return join(this.folder, 'bird.ctl');
  }

  /** `birdc -s SOCKET COMMAND...`. */
  birdc(...command: string[]): Promise<string> {
    return runTool(['birdc', '-s', this.socket, ...command]);
  }

  async start(): Promise<void> {
    if (this.daemon?.running()) throw new Error('bird is already running');
    const folder = makeFolder('bird');
    this.folder = folder;
    const config = join(folder, 'bird.conf');
    await writeFile(config, birdConfig(this.spec, this.port, folder));
    // Refuse a bad config here, with BIRD's own message, not as a daemon that exits.
    await runTool(['bird', '-p', '-c', config]);
    this.daemon = new Daemon({
      label: 'bird',
      argv: ['bird', '-f', '-c', config, '-s', this.socket, '-P', join(folder, 'bird.pid')],
      ...(this.spec.netns === undefined ? {} : { netns: this.spec.netns }),
    });
    this.daemon.start();
    const failure = await waitAnswering(
      this.daemon,
      () => this.birdc('show', 'status'),
      READY_TIMEOUT_MS,
    );
    // BIRD keeps running when a session cannot bind its port; such a router would never answer.
    const unbound = failure ?? (await this.unboundSessions());
    if (unbound !== undefined) {
      const logs = this.logs();
      await this.stop();
      throw new Error(`bird ${unbound}:\n${logs}`);
    }
  }

  private async unboundSessions(): Promise<string | undefined> {
    const protocols = await this.birdc('show', 'protocols');
    const unbound = protocols.split('\n').filter((line) => /No listening socket/.test(line));
    return unbound.length > 0
      ? `could not listen on port ${this.port}: ${unbound.join('; ')}`
      : undefined;
  }

  async routes(family: 4 | 6): Promise<RibRoute[]> {
    return parseBirdRoutes(await this.birdc('show', 'route', 'all', 'table', `master${family}`));
  }

  async sessionState(peerAddress: string): Promise<SessionState> {
    const text = await this.birdc('show', 'protocols', 'all', birdProtocolName(peerAddress));
    return parseBirdProtocolState(text);
  }

  async established(peerAddress: string): Promise<boolean> {
    return (await this.sessionState(peerAddress)) === 'established';
  }

  logs(): string {
    const log = this.folder === undefined ? '' : readTail(join(this.folder, 'bird.log'));
    return `${this.daemon?.text() ?? ''}\n${log}`.trim();
  }
}
