/**
 * A real peer: gobgpd (AS 64512) connects to a loopback listener of ours (AS 64513); we decode
 * its OPEN, answer with an OPEN and a KEEPALIVE, add an IPv4 and an IPv6 route through its
 * CLI, and decode the UPDATEs it sends. Traffic stays on 127.0.0.1 on free ports; gobgpd is
 * started and killed by its pid. Skipped when gobgpd is missing.
 */
import { expect } from 'chai';
import { execFile, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import {
  MessageReader,
  decodeMessage,
  encodeMessage,
  negotiate,
  type Message,
  type OpenMessage,
  type UpdateMessage,
} from '../../src/bgp/index.js';
import { until } from '../support/until.js';
import { cidr } from './helpers.js';

const run = promisify(execFile);

function hasGobgp(): boolean {
  return (
    spawnSync('gobgpd', ['--version']).status === 0 &&
    spawnSync('gobgp', ['--version']).status === 0
  );
}

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

const OUR_OPEN: OpenMessage = {
  type: 'open',
  version: 4,
  myAs: 64513,
  holdTime: 90,
  bgpId: 0xc6336402,
  capabilities: [
    { kind: 'multiprotocol', afi: 1, safi: 1 },
    { kind: 'multiprotocol', afi: 2, safi: 1 },
    { kind: 'routeRefresh' },
    { kind: 'fourOctetAs', asn: 64513 },
  ],
};

describe('bgp codec against gobgpd', function () {
  this.timeout(30000);
  let gobgpd: ChildProcess | undefined;
  let server: net.Server | undefined;
  let dir: string | undefined;

  before(function () {
    if (!hasGobgp()) this.skip(); // gobgpd is not installed (apt-get install gobgpd)
  });

  after(() => {
    if (gobgpd?.pid !== undefined && gobgpd.exitCode === null) process.kill(gobgpd.pid, 'SIGKILL');
    server?.close();
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  });

  it('decodes the OPEN and UPDATEs a real gobgpd sends', async () => {
    const received: Message[] = [];
    const errors: string[] = [];
    let socket: net.Socket | undefined;
    let context = { fourOctetAs: false };
    server = net.createServer((connection) => {
      if (socket !== undefined) return void connection.destroy();
      socket = connection;
      const reader = new MessageReader();
      connection.on('error', () => undefined);
      connection.on('data', (chunk: Buffer) => {
        reader.push(new Uint8Array(chunk));
        for (let r = reader.next(); r !== null; r = reader.next()) {
          if (r.kind === 'error') return void errors.push(r.error.reason);
          const decoded = decodeMessage(r.bytes, context);
          if (!decoded.ok) return void errors.push(decoded.error.reason);
          if (decoded.treatAsWithdraw !== undefined) errors.push(decoded.treatAsWithdraw.reason);
          const message = decoded.message;
          received.push(message);
          if (message.type === 'open') {
            context = { fourOctetAs: negotiate(OUR_OPEN, message).fourOctetAs };
            connection.write(encodeMessage(OUR_OPEN, context));
            connection.write(encodeMessage({ type: 'keepalive' }, context));
          } else if (message.type === 'keepalive') {
            connection.write(encodeMessage({ type: 'keepalive' }, context));
          }
        }
      });
    });
    await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    if (address === null || typeof address === 'string') throw new Error('no port');
    const apiPort = await freePort();

    dir = mkdtempSync(join(tmpdir(), 'bgp-codec-gobgp-'));
    const config = join(dir, 'gobgpd.toml');
    writeFileSync(
      config,
      [
        '[global.config]',
        '  as = 64512',
        '  router-id = "198.51.100.1"',
        '  port = -1', // no listening socket: gobgpd only connects out
        '[[neighbors]]',
        '  [neighbors.config]',
        '    neighbor-address = "127.0.0.1"',
        '    peer-as = 64513',
        '  [neighbors.transport.config]',
        `    remote-port = ${address.port}`,
        '  [neighbors.timers.config]',
        '    connect-retry = 1',
        '  [[neighbors.afi-safis]]',
        '    [neighbors.afi-safis.config]',
        '      afi-safi-name = "ipv4-unicast"',
        '  [[neighbors.afi-safis]]',
        '    [neighbors.afi-safis.config]',
        '      afi-safi-name = "ipv6-unicast"',
        '',
      ].join('\n'),
    );
    gobgpd = spawn(
      'gobgpd',
      ['-f', config, '--api-hosts', `127.0.0.1:${apiPort}`, '--pprof-disable', '-l', 'warn'],
      { stdio: 'ignore' },
    );

    await until(
      () => received.some((m) => m.type === 'keepalive'),
      20000,
      'the session to establish',
    );
    const open = received.find((m): m is OpenMessage => m.type === 'open');
    expect(open).to.include({ version: 4, myAs: 64512, bgpId: 0xc6336401 });
    expect(open?.capabilities).to.deep.include({ kind: 'fourOctetAs', asn: 64512 });
    expect(open?.capabilities).to.deep.include({ kind: 'multiprotocol', afi: 2, safi: 1 });
    expect(context.fourOctetAs).to.equal(true);

    const cli = ['-p', String(apiPort), 'global', 'rib'];
    await run('gobgp', [...cli, 'add', '203.0.113.10/32', 'community', '64512:1']);
    await run('gobgp', [...cli, '-a', 'ipv6', 'add', '2001:db8:203::10/128']);
    const updates = () => received.filter((m): m is UpdateMessage => m.type === 'update');
    await until(
      () =>
        updates().some((u) => u.nlri.length > 0) &&
        updates().some((u) => (u.attributes.mpReach?.nlri.length ?? 0) > 0),
      20000,
      'both UPDATEs',
    );
    expect(errors).to.deep.equal([]);
    const v4 = updates().find((u) => u.nlri.length > 0);
    expect(v4?.nlri).to.deep.equal([cidr('203.0.113.10/32')]);
    expect(v4?.attributes.asPath).to.deep.equal([{ type: 2, asns: [64512] }]);
    expect(v4?.attributes.communities).to.deep.equal([64512 * 0x10000 + 1]);
    expect(v4?.attributes.nextHop?.family).to.equal(4);
    const v6 = updates().find((u) => (u.attributes.mpReach?.nlri.length ?? 0) > 0);
    expect(v6?.attributes.mpReach?.nlri).to.deep.equal([cidr('2001:db8:203::10/128')]);
    expect(v6?.attributes.mpReach?.afi).to.equal(2);
    socket?.destroy();
  });
});
