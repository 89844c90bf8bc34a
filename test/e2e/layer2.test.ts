/**
 * Layer 2 end to end, for real, as root: a bridge, three node namespaces
 * each running a speaker process (memberlist on the node's address), a
 * client namespace, the lab API on the bridge, the controller, and a
 * backend in each node namespace serving the Service IP the way kube-proxy
 * would (the IP on a dummy interface the kernel never answers ARP/NDP for).
 * The real peers: iputils `arping`, `ndisc6`, the client kernel's neighbour
 * cache and TCP stack, and HashiCorp memberlist (Go) joining the speakers.
 *
 * The expected announcer is computed here from docs/COMPAT.md section 3
 * (sha256 of "node#namespace/name", smallest first), not by the election code.
 */
import * as k8s from '@kubernetes/client-node';
import { expect } from 'chai';
import { createHash } from 'node:crypto';
import { NetnsCluster } from '../../src/netns/cluster/index.js';
import { netnsUnavailable } from '../../src/netns/index.js';
import { eventIs, goPeerOrSkip, MemberProcess } from 'memberlist-ts/testing';
import { manifestAccessObjects } from '../support/metallb-lab.js';
import { until } from '../support/until.js';

const NODES = ['n1', 'n2', 'n3'];

function hashOrder(service: string, nodes: readonly string[]): string[] {
  const hash = (node: string) => createHash('sha256').update(`${node}#${service}`).digest('hex');
  return [...nodes].sort((a, b) => (hash(a) < hash(b) ? -1 : 1));
}

describe('layer 2 end to end (namespaces, arping, ndisc6, memberlist)', function () {
  this.timeout(180_000);
  let cluster: NetnsCluster | undefined;
  let ip4 = '';
  let ip6 = '';
  const macs = new Map<string, string>();

  const c = (): NetnsCluster => {
    if (cluster === undefined) throw new Error('no cluster');
    return cluster;
  };

  /** The one MAC answering ARP (or NDP) for ip, once it is `expected`. */
  async function answeredBy(ip: string, expected: string, timeoutMs = 15_000): Promise<string[]> {
    let seen: string[] = [];
    await until(
      async () => {
        seen = ip.includes(':')
          ? [(await c().topology.ndisc(ip)) ?? ''].filter((m) => m !== '')
          : await c().topology.arping(ip);
        return seen.length > 0 && seen.every((m) => m === macs.get(expected));
      },
      timeoutMs,
      `${ip} answered by ${expected} (${macs.get(expected)}), last seen ${seen.join(',')}`,
      200,
    );
    return seen;
  }

  /**
   * Stops node k's speaker with `signal` while a bounded HTTP loop runs from
   * the client, and returns the ms from the signal to the first request
   * served by `successor`.
   */
  async function takeover(ip: string, k: number, signal: NodeJS.Signals, successor: string) {
    const loop = c().topology.httpLoop({
      ip,
      port: c().topology.backendPort,
      intervalMs: 20,
      durationMs: 20_000,
      maxRequests: 1_000,
      timeoutMs: 200,
    });
    await until(() => loop.results.filter((r) => r.ok).length >= 5, 5_000, 'the loop to get going');
    const signalled = Date.now();
    await c().stopSpeaker(k, signal);
    await until(
      () => loop.results.some((r) => r.ok && r.node === successor && r.t >= signalled),
      15_000,
      `a request served by ${successor}`,
    );
    loop.stop();
    const first = loop.results.find((r) => r.ok && r.node === successor && r.t >= signalled);
    return (first?.t ?? Number.NaN) - signalled;
  }

  before(async function () {
    const why = netnsUnavailable(['ip', 'arping', 'ndisc6', 'curl']);
    if (why !== undefined) {
      console.log(`    (skipped: ${why})`);
      this.skip();
    }
    cluster = await NetnsCluster.start({
      nodes: 3,
      ipv6: true,
      fastFailover: true,
      access: manifestAccessObjects(),
    });
    for (let k = 1; k <= 3; k++)
      macs.set(`n${k}`, await cluster.topology.macOf(cluster.topology.nodeNamespace(k), 'eth0'));
    ip4 = await cluster.createService('web');
    ip6 = await cluster.createService('web6', { family: 6 });
  });

  after(async () => {
    await cluster?.stop();
  });

  it('answers ARP and NDP from exactly the elected node, and HTTP reaches it', async () => {
    expect(ip4).to.match(/^203\.0\.113\.\d+$/);
    expect(ip6).to.match(/^2001:db8:203::/);
    const [winner4] = hashOrder('default/web', NODES);
    const [winner6] = hashOrder('default/web6', NODES);
    const replies = await answeredBy(ip4, winner4 ?? '');
    expect(new Set(replies).size, 'one MAC only').to.equal(1);
    await answeredBy(ip6, winner6 ?? '');
    expect(await c().topology.httpGet(ip4, c().topology.backendPort)).to.equal(winner4);
    expect(await c().topology.httpGet(ip6, c().topology.backendPort)).to.equal(winner6);
    expect(c().announcers(ip4)).to.deep.equal([winner4]);
  });

  for (const family of [4, 6] as const) {
    it(`IPv${family}: SIGKILL of the announcing speaker moves the IP to the next node, SIGTERM too`, async () => {
      const ip = family === 4 ? ip4 : ip6;
      const service = family === 4 ? 'default/web' : 'default/web6';
      const [first = '', second = ''] = hashOrder(service, NODES);
      const k = c().nodeNumber(first);
      await answeredBy(ip, first);

      const killed = await takeover(ip, k, 'SIGKILL', second);
      await answeredBy(ip, second);
      console.log(`      IPv${family} SIGKILL: served by ${second} after ${killed} ms`);

      // Back: the speaker rejoins and, first in hash order again, takes the IP back.
      c().startSpeaker(k);
      await answeredBy(ip, first, 30_000);

      const terminated = await takeover(ip, k, 'SIGTERM', second);
      await answeredBy(ip, second);
      console.log(`      IPv${family} SIGTERM: served by ${second} after ${terminated} ms`);
      expect(Number.isFinite(killed) && killed >= 0, `SIGKILL takeover ${killed} ms`).to.equal(
        true,
      );
      expect(
        Number.isFinite(terminated) && terminated >= 0,
        `SIGTERM takeover ${terminated} ms`,
      ).to.equal(true);

      c().startSpeaker(k);
      await answeredBy(ip, first, 30_000);
    });
  }

  it('moves the IP when the only ready endpoint on the announcing node stops being ready', async () => {
    const [first = '', second = ''] = hashOrder('default/web', NODES);
    await answeredBy(ip4, first);
    await c().setBackendReady('web', c().nodeNumber(first), false);
    await answeredBy(ip4, second);
    await c().setBackendReady('web', c().nodeNumber(first), true);
    await answeredBy(ip4, first);
  });

  it("re-sends the gratuitous burst when the announced Service is synced again: a client's stale neighbour entry is corrected", async () => {
    // v0.9.6 speaker/main.go SetBalancer runs on every Service update and its layer 2
    // announcer (internal/layer2/announcer.go SetBalancer -> doSpam) sends a burst each time.
    // The client's kernel takes the burst's frames for an entry it already has (RFC 826's
    // merge; RFC 4861 7.2.5, Override set), whoever it was pointing at.
    const owners = [
      { ip: ip4, service: 'web', node: hashOrder('default/web', NODES)[0] ?? '' },
      { ip: ip6, service: 'web6', node: hashOrder('default/web6', NODES)[0] ?? '' },
    ];
    for (const { ip, node } of owners) await answeredBy(ip, node);
    // Let every burst of the earlier take-overs end (5 s after the last sync, ticks of 1.1 s).
    await new Promise((resolve) => setTimeout(resolve, 7_000));
    const bogus = '02:00:5e:00:53:99';
    const entry = async (ip: string) =>
      (await c().topology.neighbours()).find((n) => n.dst === ip)?.lladdr;
    for (const { ip } of owners) {
      const argv = ['ip', 'neigh', 'replace', ip, 'lladdr', bogus, 'dev', 'eth0', 'nud', 'stale'];
      await c().topology.exec(c().topology.clientNamespace, argv);
    }
    // Quiet: no burst is running, so nothing corrects the entries by itself.
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    for (const { ip } of owners) expect(await entry(ip), ip).to.equal(bogus);

    // A Service update that moves nothing: each speaker syncs the Service again.
    for (const { service } of owners)
      await c().core.patchNamespacedService(
        {
          name: service,
          namespace: 'default',
          body: { metadata: { annotations: { 'example.com/synced': String(Date.now()) } } },
        },
        k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
      );
    for (const { ip, node } of owners)
      await until(
        async () => (await entry(ip)) === macs.get(node),
        5_000,
        `the client's entry for ${ip} back at ${node}'s MAC`,
        100,
      );
  });

  it('counts a HashiCorp memberlist (Go) peer as a member and changes no announcement', async function () {
    const binary = await goPeerOrSkip(this);
    const before = c().logs.filter((l) => l.line['op'] === 'setBalancer').length;
    const peer = new MemberProcess({
      label: 'Go peer',
      name: 'go-peer',
      bind: c().topology.clientAddress,
      port: 7946,
      lifetime: 'test',
      command: 'ip',
      args: [
        'netns',
        'exec',
        c().topology.clientNamespace,
        binary,
        '-name',
        'go-peer',
        '-bind',
        c().topology.clientAddress,
        '-port',
        '7946',
        '-join',
        `${c().topology.nodeAddress(1, 4)}:7946`,
        '-secret',
        'metallb-ts-lab',
      ],
      echo: false,
    });
    for (const node of NODES) await peer.waitFor(eventIs('join', node), 10_000);
    await until(
      () =>
        NODES.every((node) =>
          c().logs.some(
            (l) =>
              l.node === node &&
              l.line['op'] === 'memberlist' &&
              l.line['msg'] === 'memberlist join' &&
              l.line['node'] === 'go-peer',
          ),
        ),
      10_000,
      'every speaker to see go-peer join',
    );
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    expect(c().logs.filter((l) => l.line['op'] === 'setBalancer').length).to.equal(before);
    await answeredBy(ip4, hashOrder('default/web', NODES)[0] ?? '');
    await peer.stop();
  });
});
