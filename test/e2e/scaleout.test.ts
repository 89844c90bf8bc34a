/**
 * Layer-2 scale-out end to end (docs/SCALEOUT.md), for real, as root: the
 * netns lab (src/netns/cluster/) with four node namespaces, three of them
 * labelled as balancer nodes of the class `edge`, the fourth not; a Service
 * `web` of the class asking for three addresses (externalTrafficPolicy
 * Cluster, a ready backend on every node), and three more like it, so that a
 * move the contract rules out has more chances to show. The real peers:
 * iputils `arping` and the client kernel's ARP cache and TCP stack.
 *
 * Nothing here computes which node should announce which address: the
 * contract's promises are checked as they are stated. Three addresses on
 * three distinct balancer nodes, each answered by one MAC; a failing node
 * moves only its own address, to a surviving balancer node, and gets it
 * back when it returns; a node added later moves at most one address (and
 * if one, to itself, "a newcomer takes over").
 *
 * The failure is a crashed machine: the speaker SIGKILLed and the node's
 * link down at once. A speaker SIGKILLed alone leaves its node serving
 * whatever still reaches it (the client's ARP entry, the address on
 * kube-lb0, the backend), so no request would fail and the outage would not
 * show (bench/failover says the same).
 */
import { expect } from 'chai';
import {
  BALANCER_NODE_LABELS as BALANCER_LABEL,
  balancerClassText,
  NETNS_LAN_POOL as POOLS,
  NetnsCluster,
} from '../../src/netns/cluster/index.js';
import { netnsUnavailable, type HttpProbeResult } from '../../src/netns/index.js';
import { manifestAccessObjects } from '../support/metallb-lab.js';
import { until } from '../support/until.js';

/** The class's addresses: outside the `lan` pool, inside what the client has on-link. */
const CLASS_RANGE = /^203\.0\.113\.(16[0-9]|17[0-5])$/;
/** ips-per-service 2: the Service's `ip-count: 3` must win over it. */
const CLASSES = balancerClassText('edge', '203.0.113.160/28', 2);
/** n1..n3 are balancer nodes; n4 is a node outside the class. */
const INITIAL_NODES = 4;
const isBalancer = (k: number): boolean => k <= 3;

/** Which node answers ARP for each address: its name, or `?<mac>` for a MAC of no node. */
type Owners = Map<string, string>;

describe('layer-2 scale-out end to end (balancer class, arping, crash, node added)', function () {
  this.timeout(300_000);
  let cluster: NetnsCluster | undefined;
  let ips: string[] = [];
  /**
   * Three more Services of the class (named with the annotation): a node's
   * failure or arrival has more chances to show a move it should not make,
   * and the newcomer's ranks (docs/SCALEOUT.md, step 1) put it among some
   * Service's holders, which `web` alone may not.
   */
  const OTHERS = ['web-b', 'web-c', 'web-d'];
  /** `web` first, then OTHERS: every Service's addresses. */
  let services: string[][] = [];
  /** Node name by MAC, every node's eth0. */
  const nodeByMac = new Map<string, string>();
  const balancers = new Set(['n1', 'n2', 'n3']);
  /** Who answered for each address once the Service settled; updated as the test goes. */
  let home: Owners = new Map();

  const c = (): NetnsCluster => {
    if (cluster === undefined) throw new Error('no cluster');
    return cluster;
  };

  async function rememberMac(k: number): Promise<void> {
    const mac = await c().topology.macOf(c().topology.nodeNamespace(k), 'eth0');
    nodeByMac.set(mac, c().nodeName(k));
  }

  /**
   * The client's ARP view of every address, in parallel: the node of the
   * one MAC answering, or undefined when none or several MACs answered.
   */
  async function arpView(addresses: readonly string[]): Promise<Map<string, string | undefined>> {
    const replies = await Promise.all(addresses.map((ip) => c().topology.arping(ip)));
    return new Map(
      addresses.map((ip, i) => {
        const macs = new Set(replies[i]);
        const [mac] = macs;
        const owner =
          macs.size === 1 && mac !== undefined ? (nodeByMac.get(mac) ?? `?${mac}`) : undefined;
        return [ip, owner];
      }),
    );
  }

  /**
   * Waits for a view where every address is answered by exactly one MAC, a
   * balancer node's, and `accept` holds; the same view twice in a row, so a
   * moment in the middle of a change is not taken for the end of it. Unless
   * told otherwise the addresses of each Service (`services`, default the
   * one Service `web`) must be on distinct nodes (with a node down, two of
   * them share one).
   */
  async function settledOwners(
    what: string,
    options: {
      accept?: (owners: Owners) => boolean;
      distinct?: boolean;
      timeoutMs?: number;
      services?: readonly (readonly string[])[];
    } = {},
  ): Promise<Owners> {
    const { accept = () => true, distinct = true, timeoutMs = 30_000, services = [ips] } = options;
    let previous = '';
    let last: Map<string, string | undefined> = new Map();
    let settled: Owners | undefined;
    try {
      await until(
        async () => {
          last = await arpView(services.flat());
          const owners = [...last.values()];
          const valid =
            owners.every((o) => o !== undefined && balancers.has(o)) &&
            (!distinct ||
              services.every(
                (addresses) =>
                  new Set(addresses.map((ip) => last.get(ip))).size === addresses.length,
              ));
          const key = JSON.stringify([...last]);
          const stable = valid && key === previous;
          previous = key;
          if (!stable) return false;
          const candidate = new Map([...last].map(([ip, o]) => [ip, o ?? '']));
          if (!accept(candidate)) return false;
          settled = candidate;
          return true;
        },
        timeoutMs,
        what,
        300,
      );
    } catch (error) {
      const view = [...last].map(([ip, o]) => `${ip} -> ${o ?? 'no single MAC'}`).join(', ');
      throw new Error(`${(error as Error).message}; last ARP view: ${view}`, { cause: error });
    }
    if (settled === undefined) throw new Error('unreachable');
    return settled;
  }

  const ownerOf = (owners: Owners, ip: string): string => owners.get(ip) ?? '';

  // The skip is decided in a synchronous hook: mocha spins when an async hook logs and then skips.
  before(function () {
    const why = netnsUnavailable(['ip', 'arping', 'curl']);
    if (why !== undefined) {
      console.log(`    (skipped: ${why})`);
      this.skip();
    }
  });

  before(async () => {
    cluster = await NetnsCluster.start({
      nodes: INITIAL_NODES,
      ipv6: false,
      fastFailover: true,
      config: POOLS,
      balancerClasses: CLASSES,
      nodeLabels: (k) => (isBalancer(k) ? BALANCER_LABEL : {}),
      access: manifestAccessObjects(),
    });
    for (let k = 1; k <= INITIAL_NODES; k++) await rememberMac(k);
    ips = await cluster.createServiceIPs('web', {
      balancerClass: 'edge',
      classVia: 'loadBalancerClass',
      ipCount: 3,
      policy: 'Cluster',
    });
    services = [ips];
    for (const name of OTHERS)
      services.push(
        await cluster.createServiceIPs(name, {
          balancerClass: 'edge',
          classVia: 'annotation',
          ipCount: 3,
        }),
      );
  });

  after(async () => {
    await cluster?.stop();
  });

  it('gives the Service three distinct addresses of its class', async () => {
    expect(ips).to.have.length(3);
    expect(new Set(ips).size, `distinct: ${ips.join(', ')}`).to.equal(3);
    for (const ip of ips) expect(ip).to.match(CLASS_RANGE);
    const all = services.flat();
    expect(all).to.have.length(12);
    expect(new Set(all).size, 'no address shared between Services').to.equal(12);
    for (const ip of all) expect(ip).to.match(CLASS_RANGE);
    // Stable: the status still lists the same three, in the same order.
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    expect(await c().serviceIPs('web')).to.deep.equal(ips);
  });

  it('answers ARP for each address from exactly one MAC, three different balancer nodes, and HTTP reaches them', async () => {
    home = await settledOwners('each Service on three distinct balancer nodes', { services });
    console.log(`      owners: ${ips.map((ip) => `${ip} -> ${ownerOf(home, ip)}`).join(', ')}`);
    expect(new Set(home.values())).to.have.property('size', 3);
    for (const ip of ips) {
      expect(balancers.has(ownerOf(home, ip)), `${ip} by a balancer node`).to.equal(true);
      // The client's first packet goes to the MAC that answered: that node's backend answers.
      expect(await c().topology.httpGet(ip, c().topology.backendPort)).to.equal(ownerOf(home, ip));
    }
  });

  it('records a nodeAssigned Event per address naming its node, and each node exports its address', async () => {
    for (const ip of ips) {
      const node = ownerOf(home, ip);
      // docs/SCALEOUT.md: `announcing 203.0.113.17 from node n2`.
      const names = new RegExp(`\\b${ip.replace(/\./g, '\\.')}\\b.*\\bnode "?${node}"?$`);
      await until(
        async () =>
          (await c().serviceEvents('web')).some(
            (e) => e.reason === 'nodeAssigned' && names.test(e.message),
          ),
        10_000,
        `a nodeAssigned Event for ${ip} naming ${node}`,
        200,
      );
    }
    // metallb_speaker_announced{service, protocol="layer2", node, ip}: on the announcing node only.
    const exported = new Map<string, string[]>();
    for (let k = 1; k <= INITIAL_NODES; k++) {
      const text = await c().speakerMetrics(k);
      for (const line of text.split('\n')) {
        if (!line.startsWith('metallb_speaker_announced{') || !/\}\s+1$/.test(line)) continue;
        const labels = Object.fromEntries(
          [...line.matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1] ?? '', m[2] ?? '']),
        );
        if (labels['service'] !== 'default/web') continue;
        expect(labels['protocol'], line).to.equal('layer2');
        expect(labels['node'], `${line} on n${k}`).to.equal(c().nodeName(k));
        const ip = labels['ip'] ?? '';
        exported.set(ip, [...(exported.get(ip) ?? []), c().nodeName(k)]);
      }
    }
    expect(Object.fromEntries(exported)).to.deep.equal(
      Object.fromEntries(ips.map((ip) => [ip, [ownerOf(home, ip)]])),
    );
  });

  it('a crashed balancer node costs only its own share, and its address moves to a survivor', async () => {
    const [movedIp = ''] = ips;
    const victim = ownerOf(home, movedIp);
    const k = c().nodeNumber(victim);
    const ns = c().topology.nodeNamespace(k);
    const loop = c().topology.httpLoop({
      ip: ips,
      port: c().topology.backendPort,
      intervalMs: 20,
      durationMs: 60_000,
      maxRequests: 3_000,
      timeoutMs: 200,
    });
    let failedAt = 0;
    let movedAt = 0;
    try {
      await until(() => loop.results.filter((r) => r.ok).length >= 30, 10_000, 'the loop');
      failedAt = Date.now();
      await Promise.all([
        c().stopSpeaker(k, 'SIGKILL'),
        c().topology.exec(ns, ['ip', 'link', 'set', 'eth0', 'down']),
      ]);
      const servedElsewhere = (r: HttpProbeResult): boolean =>
        r.host === movedIp && r.ok && r.node !== victim && r.t >= failedAt;
      await until(
        () => loop.results.some(servedElsewhere),
        30_000,
        `${movedIp} served by another node than ${victim}`,
        50,
      );
      movedAt = loop.results.find(servedElsewhere)?.t ?? 0;
      await until(
        () => loop.results.filter((r) => r.t > movedAt).length >= 90,
        10_000,
        'requests after the move',
      );
    } finally {
      loop.stop();
    }

    const results = [...loop.results];
    const outage = results.filter((r) => r.t >= failedAt && r.t < movedAt);
    const outageOk = outage.filter((r) => r.ok).length;
    console.log(
      `      ${victim} crashed: ${movedIp} served elsewhere after ${movedAt - failedAt} ms; ` +
        `${outageOk}/${outage.length} requests ok meanwhile`,
    );
    expect(outage.length, 'requests during the outage').to.be.greaterThan(0);
    expect(outageOk / outage.length, 'share of requests ok during the outage').to.be.at.least(0.5);

    // The two other addresses never failed, and never left their node.
    for (const ip of ips.slice(1)) {
      const theirs = results.filter((r) => r.host === ip);
      expect(
        theirs.filter((r) => !r.ok || r.node !== ownerOf(home, ip)),
        `requests to ${ip}`,
      ).to.deep.equal([]);
    }
    // Once moved, everything succeeds again, the moved address on one survivor.
    const after = results.filter((r) => r.t >= movedAt);
    expect(
      after.filter((r) => !r.ok),
      'failed requests after the move',
    ).to.deep.equal([]);
    const newOwners = new Set(after.filter((r) => r.host === movedIp).map((r) => r.node));
    expect(newOwners.size, `nodes serving ${movedIp} after the move`).to.equal(1);
    const [successor = ''] = newOwners as Set<string>;
    expect(balancers.has(successor) && successor !== victim, `successor ${successor}`).to.equal(
      true,
    );

    // ARP agrees: the moved address on the successor, the survivors' own unchanged.
    // Three addresses on two live nodes: one of them holds two now.
    // Over every Service: only the victim's addresses moved, each to a survivor.
    const owners = await settledOwners(`no address on ${victim}`, {
      accept: (o) => ![...o.values()].includes(victim),
      distinct: false,
      services,
    });
    expect(ownerOf(owners, movedIp)).to.equal(successor);
    for (const ip of services.flat()) {
      if (ownerOf(home, ip) === victim) expect(ownerOf(owners, ip), ip).to.not.equal(victim);
      else expect(ownerOf(owners, ip), `${ip} stays`).to.equal(ownerOf(home, ip));
    }
    console.log(`      ${movedIp} moved from ${victim} to ${successor}`);
    const names = new RegExp(`\\b${movedIp.replace(/\./g, '\\.')}\\b.*\\bnode "?${successor}"?$`);
    await until(
      async () =>
        (await c().serviceEvents('web')).some(
          (e) => e.reason === 'nodeAssigned' && names.test(e.message),
        ),
      10_000,
      `a nodeAssigned Event for ${movedIp} naming ${successor}`,
      200,
    );
  });

  it('the crashed node returns and gets its address back, the others stay', async () => {
    const [movedIp = ''] = ips;
    const victim = ownerOf(home, movedIp);
    const k = c().nodeNumber(victim);
    await c().topology.exec(c().topology.nodeNamespace(k), ['ip', 'link', 'set', 'eth0', 'up']);
    c().startSpeaker(k);
    const owners = await settledOwners(`${movedIp} back on ${victim}`, {
      accept: (o) => o.get(movedIp) === victim,
      timeoutMs: 45_000,
      services,
    });
    for (const ip of services.flat()) expect(ownerOf(owners, ip), ip).to.equal(ownerOf(home, ip));
  });

  it('a balancer node added later moves at most one address of each Service, and only to itself', async () => {
    const names = ['web', ...OTHERS];
    const before = await settledOwners('the owners before the new node', { services });
    const k = await c().addNode(BALANCER_LABEL);
    const added = c().nodeName(k);
    await rememberMac(k);
    balancers.add(added);
    // Its speaker is a member for every other speaker before the result counts.
    const others = Array.from({ length: k - 1 }, (_, i) => c().nodeName(i + 1));
    await until(
      () =>
        others.every((node) =>
          c().logs.some(
            (l) =>
              l.node === node &&
              l.line['op'] === 'memberlist' &&
              l.line['msg'] === 'memberlist join' &&
              l.line['node'] === added,
          ),
        ),
      20_000,
      `every speaker to see ${added} join`,
    );
    // Give the speakers time to act on the new Node and member before reading the result.
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    const after = await settledOwners(`the owners with ${added}`, { services });
    let movedTotal = 0;
    services.forEach((addresses, i) => {
      const name = names[i] ?? '';
      const moved = addresses.filter((ip) => ownerOf(after, ip) !== ownerOf(before, ip));
      movedTotal += moved.length;
      const movement = moved.map(
        (ip) => `${ip} moved ${ownerOf(before, ip)} -> ${ownerOf(after, ip)}`,
      );
      console.log(`      ${added} added, ${name}: ${movement.join(', ') || 'no address moved'}`);
      expect(moved.length, `${name}: addresses moved: ${moved.join(', ')}`).to.be.at.most(1);
      for (const ip of moved) expect(ownerOf(after, ip), `${ip} moved to`).to.equal(added);
    });
    // Holders are each Service's top-ranked nodes: a node in no Service's top
    // three of four, over four Services, would mean it outranks nobody.
    expect(movedTotal, `addresses ${added} took over from four Services`).to.be.at.least(1);
    for (const [i, name] of names.entries())
      expect(await c().serviceIPs(name), `${name} keeps its addresses`).to.deep.equal(services[i]);
  });
});
