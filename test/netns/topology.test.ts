/**
 * The network-namespace LAN of the layer-2 end-to-end tests and
 * `metallb-ts lab --netns` (src/netns/), checked with tools we did
 * not write: ping, iputils arping, ndisc6, curl and iproute2. No speaker
 * runs here: these tests pin down what the LAN does without one, which is
 * what makes a speaker's answers mean something.
 *
 * Needs root and the tools of the layer-2 tier (scripts/install-peers.sh);
 * skips with the reason otherwise (fails instead with
 * METALLB_TS_REQUIRE_PEERS=1).
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pathToFileURL } from 'node:url';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { promisify } from 'node:util';
import { expect } from 'chai';
import {
  NetnsTopology,
  netnsUnavailable,
  parseArpingReplies,
  parseNdiscReplies,
  parseNdiscReply,
  type CommandResult,
  type HttpProbeResult,
} from '../../src/netns/index.js';
import { ROOT } from '../support/paths.js';

const execFileAsync = promisify(execFile);
const NETNS_MODULE = pathToFileURL(join(ROOT, 'dist', 'src', 'netns', 'index.js')).href;
const SERVICE_V4 = '203.0.113.10';
const SERVICE_V6 = '2001:db8:203::10';

function skipUnlessAvailable(ctx: Mocha.Context): void {
  const reason = netnsUnavailable(['ip', 'sysctl', 'ping', 'arping', 'ndisc6', 'curl']);
  if (reason === undefined) return;
  if (process.env['METALLB_TS_REQUIRE_PEERS'] === '1') throw new Error(reason);
  console.log(`      network-namespace tests skipped: ${reason}`);
  ctx.skip();
}

/** What a topology with this prefix left in the host namespace: namespaces and links. */
async function leftovers(prefix: string): Promise<string[]> {
  const names = async (argv: string[], field: string): Promise<string[]> => {
    const { stdout } = await execFileAsync('ip', argv);
    if (stdout.trim() === '') return [];
    return (JSON.parse(stdout) as Record<string, unknown>[]).map((entry) => String(entry[field]));
  };
  const namespaces = await names(['-j', 'netns', 'list'], 'name');
  const links = await names(['-j', 'link', 'show'], 'ifname');
  return [...namespaces, ...links].filter((name) => name.startsWith(prefix));
}

/** True once pid is no process (or only a zombie nobody reaps). */
function gone(pid: number): boolean {
  try {
    return /^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return true;
  }
}

/** Starts a child process that builds a topology and prints its prefix and backend pids. */
function topologyInChild(extra = ''): {
  child: ChildProcess;
  built: Promise<{ prefix: string; pids: number[] }>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string }>;
} {
  const code = `
    const { NetnsTopology } = await import(${JSON.stringify(NETNS_MODULE)});
    const topology = await NetnsTopology.create({ nodes: 2, ipv6: true });
    ${extra}
    const pids = [topology.backendPid(1), topology.backendPid(2)];
    process.stdout.write(JSON.stringify({ prefix: topology.prefix, pids }) + '\\n');
    setInterval(() => {}, 1000);
  `;
  const child = spawn(process.execPath, ['--input-type=module', '-e', code], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let stdout = '';
  const lines = createInterface({ input: child.stdout });
  const built = new Promise<{ prefix: string; pids: number[] }>((resolve, reject) => {
    lines.on('line', (line) => {
      stdout += `${line}\n`;
      if (line.startsWith('{')) resolve(JSON.parse(line) as { prefix: string; pids: number[] });
    });
    child.once('exit', () => reject(new Error(`child exited before building: ${stdout}`)));
  });
  const exited = new Promise<{
    code: number | null;
    signal: NodeJS.Signals | null;
    stdout: string;
  }>((resolve) => child.once('close', (code, signal) => resolve({ code, signal, stdout })));
  return { child, built, exited };
}

describe('lab: network-namespace topology (src/netns)', function () {
  this.timeout(30_000);

  describe('parsing what the tools print', () => {
    it('reads the MAC of every arping reply, none when nobody answered', () => {
      const replies = [
        'ARPING 198.51.100.1 from 198.51.100.200 eth0',
        'Unicast reply from 198.51.100.1 [A2:13:40:7A:19:12]  0.569ms',
        'Unicast reply from 198.51.100.1 [0A:00:00:00:00:0B]  0.547ms',
        'Sent 2 probes (1 broadcast(s))',
        'Received 2 response(s)',
      ].join('\n');
      expect(parseArpingReplies(replies)).to.deep.equal(['a2:13:40:7a:19:12', '0a:00:00:00:00:0b']);
      const none = 'ARPING 203.0.113.5 from 198.51.100.200 eth0\nSent 2 probes (2 broadcast(s))\n';
      expect(parseArpingReplies(none)).to.deep.equal([]);
    });

    it("reads the target's MAC ndisc6 printed, null when nobody answered", () => {
      const answer = [
        'Soliciting 2001:db8:100::1 (2001:db8:100::1) on eth0...',
        'Target link-layer address: A2:13:40:7A:19:12',
        ' from 2001:db8:100::1',
      ].join('\n');
      expect(parseNdiscReply(answer)).to.equal('a2:13:40:7a:19:12');
      expect(parseNdiscReply('Soliciting ...\nTimed out.\nNo response.\n')).to.equal(null);
    });

    it('reads every MAC ndisc6 -m printed, none when nobody answered', () => {
      const answers = [
        'Soliciting 2001:db8:203::5 (2001:db8:203::5) on eth0...',
        'Target link-layer address: A2:13:40:7A:19:12',
        ' from 2001:db8:100::1',
        'Target link-layer address: 0A:00:00:00:00:0B',
        ' from 2001:db8:100::2',
      ].join('\n');
      expect(parseNdiscReplies(answers)).to.deep.equal(['a2:13:40:7a:19:12', '0a:00:00:00:00:0b']);
      expect(parseNdiscReplies('Soliciting ...\nTimed out.\nNo response.\n')).to.deep.equal([]);
    });
  });

  describe('refusing clearly', () => {
    it('says it needs root when not root', async function () {
      if (process.getuid?.() === 0) {
        // Drop to nobody in a child: the check must come before anything is built.
        const child = spawn(
          process.execPath,
          [
            '--input-type=module',
            '-e',
            `const { NetnsTopology } = await import(${JSON.stringify(NETNS_MODULE)});
             await NetnsTopology.create({ nodes: 1, ipv6: false }).then(
               () => console.log('built'), (e) => console.log(e.message));`,
          ],
          { uid: 65534, gid: 65534, stdio: ['ignore', 'pipe', 'pipe'] },
        );
        let output = '';
        child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
        child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
        await new Promise((resolve) => child.once('close', resolve));
        if (/EACCES|permission denied/i.test(output)) this.skip(); // the checkout is private
        expect(output.trim()).to.equal('needs root (network namespaces)');
      } else {
        let message = '';
        await NetnsTopology.create({ nodes: 1, ipv6: false }).catch(
          (error: Error) => (message = error.message),
        );
        expect(message).to.equal('needs root (network namespaces)');
      }
    });

    it('says it needs ip when iproute2 is missing', async function () {
      if (process.getuid?.() !== 0) this.skip(); // the root check comes first
      const path = process.env['PATH'];
      process.env['PATH'] = '/nonexistent';
      let message = '';
      try {
        await NetnsTopology.create({ nodes: 1, ipv6: false }).catch(
          (error: Error) => (message = error.message),
        );
      } finally {
        process.env['PATH'] = path;
      }
      expect(message).to.match(/^needs ip \(Debian package iproute2/);
    });
  });

  describe('checking its options', () => {
    before(function () {
      skipUnlessAvailable(this);
    });

    const refusal = (options: Parameters<typeof NetnsTopology.create>[0]): Promise<string> =>
      NetnsTopology.create(options).then(
        async (topology) => {
          await topology.destroy();
          return 'built';
        },
        (error: Error) => error.message,
      );

    it('refuses names longer than Linux allows, odd prefixes and node counts', async () => {
      expect(await refusal({ prefix: 'abcdefghijklm', nodes: 3, ipv6: false })).to.equal(
        'prefix abcdefghijklm too long: abcdefghijklmn3h exceeds 15 characters',
      );
      expect(await refusal({ prefix: 'Mt-1', nodes: 1, ipv6: false })).to.match(/^prefix "Mt-1"/);
      expect(await refusal({ nodes: 0, ipv6: false })).to.match(
        /^nodes must be an integer in 1\.\.199/,
      );
    });
  });

  describe('three nodes and a client, IPv4 and IPv6', () => {
    let topology: NetnsTopology;
    const port = 8080;

    before(async function () {
      skipUnlessAvailable(this);
      topology = await NetnsTopology.create({ nodes: 3, ipv6: true, backendPort: port });
    });

    after(async () => {
      await topology?.destroy();
    });

    const inClient = (argv: string[]): Promise<CommandResult> =>
      topology.exec(topology.clientNamespace, argv);

    it('lets the client ping every node over IPv4 and IPv6', async () => {
      const targets = [1, 2, 3].flatMap((k) => [
        topology.nodeAddress(k, 4),
        topology.nodeAddress(k, 6),
      ]);
      expect(targets).to.include.members(['198.51.100.2', '2001:db8:100::3']);
      const results = await Promise.all(
        targets.map((ip) => inClient(['ping', '-c', '1', '-W', '2', ip])),
      );
      results.forEach((result, i) => expect(result.code, `ping ${targets[i]}`).to.equal(0));
    });

    it("answers ARP and NDP for node addresses with that node's eth0 MAC", async () => {
      const macs = await Promise.all(
        [1, 2, 3].map((k) => topology.macOf(topology.nodeNamespace(k), 'eth0')),
      );
      expect(new Set(macs).size, 'distinct MACs').to.equal(3);
      const arp = await topology.arping(topology.nodeAddress(2, 4));
      expect(arp).to.have.length.greaterThan(0);
      expect(new Set(arp)).to.deep.equal(new Set([macs[1]]));
      expect(await topology.ndisc(topology.nodeAddress(3, 6))).to.equal(macs[2]);
    });

    it('lets every node reach a server of the host namespace on the bridge address', async () => {
      const token = `lab-api-${process.pid}-${Date.now()}`;
      const server: Server = createServer((_, response) => response.end(token));
      await new Promise<void>((resolve) => server.listen(0, '::', resolve));
      try {
        const { port: apiPort } = server.address() as AddressInfo;
        expect(topology.apiAddress).to.equal('198.51.100.254');
        for (const url of [
          `http://${topology.apiAddress}:${apiPort}/`,
          `http://[${topology.apiAddress6}]:${apiPort}/`,
        ]) {
          for (const k of [1, 2, 3]) {
            const curl = ['curl', '-s', '-g', '--noproxy', '*', '-m', '2', url];
            const result = await topology.exec(topology.nodeNamespace(k), curl);
            expect(result, `n${k} -> ${url}`).to.include({ code: 0, stdout: token });
          }
        }
      } finally {
        server.close();
      }
    });

    it('has the client resolve Service IPs on the LAN itself (ARP and NS on eth0)', async () => {
      // Nobody has these: the kernel tries to resolve them on eth0 and gives up.
      const [v4, v6] = await Promise.all([
        inClient(['ping', '-c', '1', '-W', '1', '203.0.113.77']),
        inClient(['ping', '-c', '1', '-W', '1', '2001:db8:203::77']),
      ]);
      // "Network is unreachable" would mean no on-link route: exit 2, no neighbour entry.
      expect(v4.code, v4.stderr).to.equal(1);
      expect(v6.code, v6.stderr).to.equal(1);
      const entries = await topology.neighbours();
      for (const dst of ['203.0.113.77', '2001:db8:203::77']) {
        const entry = entries.find((e) => e.dst === dst);
        expect(entry, `neighbour entry for ${dst}`).to.not.equal(undefined);
        expect(entry?.dev).to.equal('eth0');
        expect(entry?.state[0]).to.be.oneOf(['INCOMPLETE', 'FAILED']);
      }
    });

    it('puts Service IPs on kube-lb0 of every node, and the kernel does not answer ARP or NS for them', async () => {
      await topology.addServiceIP(SERVICE_V4);
      await topology.addServiceIP(SERVICE_V6);
      for (const k of [1, 2, 3]) {
        expect(await topology.serviceIPsOn(k), `n${k}`).to.have.members([SERVICE_V4, SERVICE_V6]);
      }
      const [arp, ndp] = await Promise.all([
        topology.arping(SERVICE_V4),
        topology.ndisc(SERVICE_V6),
      ]);
      expect(arp, 'ARP replies for the Service IP').to.deep.equal([]);
      expect(ndp, 'NA for the Service IP').to.equal(null);
      // And so, without a speaker, the Service is unreachable.
      expect(await topology.httpGet(SERVICE_V4, port, 500)).to.equal(null);
    });

    it('has the backends accept Service-IP traffic sent to their node, the kube-proxy way', async () => {
      const mac = (k: number): Promise<string> => topology.macOf(topology.nodeNamespace(k), 'eth0');
      await topology.setNeighbour(SERVICE_V4, await mac(2));
      expect(await topology.httpGet(SERVICE_V4, port)).to.equal('n2');
      await topology.setNeighbour(SERVICE_V4, await mac(3));
      expect(await topology.httpGet(SERVICE_V4, port)).to.equal('n3');
      await topology.setNeighbour(SERVICE_V6, await mac(1));
      expect(await topology.httpGet(SERVICE_V6, port)).to.equal('n1');
      const entry = (await topology.neighbours()).find((e) => e.dst === SERVICE_V6);
      expect(entry).to.deep.include({ dev: 'eth0', state: ['PERMANENT'], lladdr: await mac(1) });
    });

    it('runs a bounded HTTP loop that reports each request', async () => {
      await topology.setNeighbour(
        SERVICE_V4,
        await topology.macOf(topology.nodeNamespace(2), 'eth0'),
      );
      const seen: HttpProbeResult[] = [];
      const started = Date.now();
      const loop = topology.httpLoop({
        ip: SERVICE_V4,
        port,
        intervalMs: 50,
        durationMs: 5_000,
        maxRequests: 6,
        timeoutMs: 500,
      });
      loop.on('result', (result) => seen.push(result));
      const results = await loop.done;
      expect(Date.now() - started, 'stopped after 6 requests, long before 5 s').to.be.below(3_000);
      expect(results).to.have.length(6);
      expect(seen).to.deep.equal(results);
      for (const result of results) {
        expect(result).to.include({ ok: true, node: 'n2' });
        expect(result.ms).to.be.within(0, 500);
      }
      const gaps = results.slice(1).map((r, i) => r.t - (results[i]?.t ?? 0));
      for (const gap of gaps) expect(gap).to.be.within(40, 400);
    });

    it('spreads a loop over several addresses in turn, and names the address of each request', async () => {
      const second = '203.0.113.11';
      await topology.addServiceIP(second);
      await topology.setNeighbour(
        SERVICE_V4,
        await topology.macOf(topology.nodeNamespace(2), 'eth0'),
      );
      await topology.setNeighbour(second, await topology.macOf(topology.nodeNamespace(3), 'eth0'));
      const loop = topology.httpLoop({
        ip: [SERVICE_V4, second],
        port,
        intervalMs: 20,
        durationMs: 5_000,
        maxRequests: 5,
        timeoutMs: 500,
      });
      const results = await loop.done;
      expect(results.map((r) => [r.host, r.node])).to.deep.equal([
        [SERVICE_V4, 'n2'],
        [second, 'n3'],
        [SERVICE_V4, 'n2'],
        [second, 'n3'],
        [SERVICE_V4, 'n2'],
      ]);
      await topology.forgetNeighbour(second);
      await topology.removeServiceIP(second);
    });

    it('stops the loop at its duration, and reports requests nobody answers', async () => {
      await topology.forgetNeighbour('203.0.113.99');
      const timed = topology.httpLoop({
        ip: SERVICE_V4,
        port,
        intervalMs: 100,
        durationMs: 450,
        maxRequests: 1_000,
        timeoutMs: 300,
      });
      const unanswered = topology.httpLoop({
        ip: '203.0.113.99',
        port,
        intervalMs: 50,
        durationMs: 5_000,
        maxRequests: 2,
        timeoutMs: 200,
      });
      const [byTime, failed] = await Promise.all([timed.done, unanswered.done]);
      expect(byTime.length).to.be.within(4, 5);
      expect(failed).to.have.length(2);
      for (const result of failed) {
        expect(result).to.include({ ok: false, node: null });
        expect(result.error).to.match(/no answer in 200 ms/);
      }
    });

    it('refuses Service IPs the client cannot reach on the LAN', async () => {
      let message = '';
      await topology.addServiceIP('192.0.2.5').catch((error: Error) => (message = error.message));
      expect(message).to.match(/^Service IP 192\.0\.2\.5 is outside 203\.0\.113\.0\/24/);
    });

    it('removes a Service IP from every node', async () => {
      await topology.removeServiceIP(SERVICE_V4);
      await topology.removeServiceIP(SERVICE_V4); // absent already: still fine
      for (const k of [1, 2, 3]) {
        expect(await topology.serviceIPsOn(k), `n${k}`).to.deep.equal([SERVICE_V6]);
      }
    });

    it('adds a node at run time, with the Service IPs the others have and its own backend', async () => {
      const k = await topology.addNode();
      expect(k).to.equal(4);
      expect(topology.nodes).to.equal(4);
      expect(topology.nodeNamespaces).to.have.length(4);
      expect(topology.nodeAddress(4, 4)).to.equal('198.51.100.4');
      const ping = await inClient(['ping', '-c', '1', '-W', '2', '198.51.100.4']);
      expect(ping.code, ping.stderr).to.equal(0);
      expect(await topology.serviceIPsOn(4)).to.deep.equal([SERVICE_V6]);
      const mac = await topology.macOf(topology.nodeNamespace(4), 'eth0');
      const others = await Promise.all(
        [1, 2, 3].map((n) => topology.macOf(topology.nodeNamespace(n), 'eth0')),
      );
      expect(others).to.not.include(mac);
      await topology.setNeighbour(SERVICE_V6, mac);
      expect(await topology.httpGet(SERVICE_V6, port)).to.equal('n4');
    });
  });

  describe('cleaning up', () => {
    before(function () {
      skipUnlessAvailable(this);
    });

    it('destroy() kills its processes and removes namespaces, veths and the bridge, once or twice', async () => {
      const topology = await NetnsTopology.create({ nodes: 2, ipv6: false });
      const pids = [topology.backendPid(1), topology.backendPid(2)].filter((p) => p !== undefined);
      expect(pids).to.have.length(2);
      for (const pid of pids) {
        // `ip netns exec` execs in place: the pid is the backend's own.
        expect(readFileSync(`/proc/${pid}/cmdline`, 'utf8')).to.include('backend-server.js');
      }
      expect(await leftovers(topology.prefix)).to.have.members([
        `${topology.prefix}n1`,
        `${topology.prefix}n2`,
        `${topology.prefix}c`,
        `${topology.prefix}br`,
        `${topology.prefix}n1h`,
        `${topology.prefix}n2h`,
        `${topology.prefix}ch`,
      ]);
      await topology.destroy();
      await topology.destroy();
      expect(await leftovers(topology.prefix)).to.deep.equal([]);
      for (const pid of pids) expect(gone(pid), `backend pid ${pid}`).to.equal(true);
    });

    it('adds a router namespace on the same LAN when asked, and removes it with the rest', async () => {
      const plain = await NetnsTopology.create({ nodes: 1, ipv6: true });
      try {
        expect(() => plain.routerNamespace).to.throw(/no router namespace/);
      } finally {
        await plain.destroy();
      }
      const topology = await NetnsTopology.create({ nodes: 2, ipv6: true, router: true });
      try {
        const router = `${topology.prefix}r`;
        expect(topology.routerNamespace).to.equal(router);
        expect(topology.routerAddress(4)).to.equal('198.51.100.250');
        expect(topology.routerAddress(6)).to.equal('2001:db8:100::fa');
        expect(await leftovers(topology.prefix)).to.include.members([router, `${router}h`]);
        for (const target of ['198.51.100.2', '2001:db8:100::2']) {
          const ping = await topology.exec(router, ['ping', '-c', '1', '-W', '2', target]);
          expect(ping.code, `router -> ${target}: ${ping.stderr}`).to.equal(0);
        }
        // A plain host: no Service interface, no Service routes.
        const links = await topology.exec(router, ['ip', '-o', 'link', 'show']);
        expect(links.stdout).to.not.include('kube-lb0');
        const routes = await topology.exec(router, ['ip', 'route', 'show']);
        expect(routes.stdout).to.not.include('203.0.113.');
      } finally {
        await topology.destroy();
      }
      expect(await leftovers(topology.prefix)).to.deep.equal([]);
    });

    it('leaves nothing behind when its process gets SIGTERM, and still dies by it', async () => {
      const { child, built, exited } = topologyInChild();
      const { prefix, pids } = await built;
      child.kill('SIGTERM');
      const exit = await exited;
      expect(exit).to.include({ code: null, signal: 'SIGTERM' });
      expect(await leftovers(prefix)).to.deep.equal([]);
      for (const pid of pids) expect(gone(pid), `backend pid ${pid}`).to.equal(true);
    });

    it("cleans up on SIGTERM without taking over the process's own SIGTERM handler", async () => {
      const own = `process.on('SIGTERM', () => { console.log('own handler'); process.exit(3); });`;
      const { child, built, exited } = topologyInChild(own);
      const { prefix } = await built;
      child.kill('SIGTERM');
      const exit = await exited;
      expect(exit).to.include({ code: 3, signal: null });
      expect(exit.stdout).to.include('own handler');
      expect(await leftovers(prefix)).to.deep.equal([]);
    });

    it('removes what a SIGKILLed run left behind when the next topology is created', async () => {
      const { child, built, exited } = topologyInChild();
      const { prefix, pids } = await built;
      child.kill('SIGKILL');
      await exited;
      expect(await leftovers(prefix), 'what SIGKILL left').to.include.members([
        `${prefix}br`,
        `${prefix}n1`,
      ]);
      // The orphaned backends are ours: end them by pid after the check.
      try {
        const next = await NetnsTopology.create({ nodes: 1, ipv6: false });
        try {
          expect(await leftovers(prefix)).to.deep.equal([]);
        } finally {
          await next.destroy();
        }
      } finally {
        for (const pid of pids) {
          try {
            process.kill(pid, 'SIGKILL');
          } catch {
            // already gone
          }
        }
      }
    });
  });
});
