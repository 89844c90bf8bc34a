/**
 * BGP end to end, in network namespaces (src/netns/): the lab API,
 * our controller, three of our speaker processes, one in each node
 * namespace, and a real router (FRR with zebra, and BIRD) in a router
 * namespace on the same LAN, installing what it learns into its kernel
 * table with ECMP. The speakers peer with it over eBGP, as a v0.9 config
 * tells them to.
 *
 * - A Service with `externalTrafficPolicy: Cluster`: the router's kernel
 *   holds one route to its IP with the three nodes as next hops.
 * - A Service with `externalTrafficPolicy: Local`: when the backend on one
 *   node stops being ready, that node disappears from the next hops.
 * - Deleting the Service removes the route.
 *
 * Root only, with the routers installed (scripts/install-peers.sh).
 */
import { expect } from 'chai';
import { NetnsCluster } from '../../src/netns/cluster/index.js';
import { netnsUnavailable } from '../../src/netns/index.js';
import {
  kernelRoute,
  routerUnavailable,
  startRouter,
  stopAllRouters,
  type Router,
} from '../support/routers/index.js';
import { manifestAccessObjects } from '../support/metallb-lab.js';
import { until } from '../support/until.js';

const NODE_AS = 64512;
const ROUTER_AS = 64513;

function bgpConfig(routerAddress: string): string {
  return `peers:
- peer-address: ${routerAddress}
  peer-asn: ${ROUTER_AS}
  my-asn: ${NODE_AS}
  hold-time: 9s
address-pools:
- name: ecmp
  protocol: bgp
  addresses:
  - 203.0.113.10-203.0.113.99
  bgp-advertisements:
  - communities: [64512:1]
`;
}

for (const kind of ['frr', 'bird'] as const) {
  describe(`bgp end to end: three speakers, ECMP in a ${kind} router namespace`, function () {
    this.timeout(180_000);
    let cluster: NetnsCluster | undefined;
    let router: Router | undefined;
    const nodeAddresses = ['198.51.100.1', '198.51.100.2', '198.51.100.3'];

    // The skip is decided in a synchronous hook: mocha spins when an async hook logs and then skips.
    before(function () {
      const skip = routerUnavailable([kind]) ?? netnsUnavailable();
      if (skip !== undefined) {
        console.log(`      skipped: ${skip}`);
        this.skip();
      }
    });

    before(async function () {
      cluster = await NetnsCluster.start({
        nodes: 3,
        ipv6: false,
        fastFailover: true,
        router: true,
        config: bgpConfig('198.51.100.250'),
        access: manifestAccessObjects(),
      });
      const topology = cluster.topology;
      router = await startRouter({
        kind,
        asn: ROUTER_AS,
        routerId: topology.routerAddress(4),
        listenAddresses: [topology.routerAddress(4)],
        // BGP's own port: nothing else listens in a namespace the test made.
        port: 179,
        netns: topology.routerNamespace,
        peers: nodeAddresses.map((address) => ({ address, asn: NODE_AS })),
        ecmp: true,
      });
    });

    after(async () => {
      await stopAllRouters();
      await cluster?.stop();
    });

    const nextHops = async (prefix: string): Promise<string[]> => {
      if (cluster === undefined) return [];
      const route = await kernelRoute(cluster.topology.routerNamespace, prefix);
      return route?.nextHops ?? [];
    };

    it('every speaker is Established, and a Cluster Service is one route with three next hops', async () => {
      if (cluster === undefined || router === undefined) throw new Error('no setup');
      const r = router;
      for (const address of nodeAddresses) {
        await until(() => r.established(address), 30_000, `${address} Established`);
      }
      const ip = await cluster.createService('web');
      await until(
        async () => (await nextHops(`${ip}/32`)).length === 3,
        20_000,
        `three next hops for ${ip}`,
        100,
      );
      expect(await nextHops(`${ip}/32`)).to.deep.equal(nodeAddresses);
      const paths = (await r.routes(4)).filter((p) => p.prefix === `${ip}/32`);
      expect(paths.map((p) => p.asPath)).to.deep.equal([[NODE_AS], [NODE_AS], [NODE_AS]]);
      expect(paths.every((p) => p.communities.join() === '64512:1')).to.equal(true);

      await cluster.core.deleteNamespacedService({ name: 'web', namespace: 'default' });
      await until(async () => (await nextHops(`${ip}/32`)).length === 0, 20_000, 'withdrawal');
    });

    it('with externalTrafficPolicy Local, a node whose endpoint goes away leaves the next hops', async () => {
      if (cluster === undefined) throw new Error('no setup');
      const ip = await cluster.createService('local', { policy: 'Local' });
      await until(
        async () => (await nextHops(`${ip}/32`)).length === 3,
        20_000,
        `three next hops for ${ip}`,
        100,
      );
      await cluster.setBackendReady('local', 2, false);
      await until(
        async () => (await nextHops(`${ip}/32`)).length === 2,
        20_000,
        'node 2 gone from the next hops',
        100,
      );
      expect(await nextHops(`${ip}/32`)).to.deep.equal(['198.51.100.1', '198.51.100.3']);
      await cluster.setBackendReady('local', 2, true);
      await until(
        async () => (await nextHops(`${ip}/32`)).length === 3,
        20_000,
        'node 2 back',
        100,
      );
    });
  });
}
