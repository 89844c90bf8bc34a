/**
 * Which endpoints count, read from an Endpoints object or from EndpointSlices. Layer 2 reads
 * v0.9.6's usableNodes (speaker/layer2_controller.go: every `addresses` entry with a node
 * name); BGP reads nodeHasHealthyEndpoint and healthyEndpointExists
 * (speaker/bgp_controller.go): readiness is kept per IP over every subset, a ready listing
 * sets it only when nothing was said of the IP yet, a not-ready listing always sets it to
 * false, so an IP listed as not ready anywhere is not healthy, whatever the order and node.
 */
import { expect } from 'chai';
import { parseConfig } from '../../src/config/index.js';
import type { EndpointSlice, Endpoints } from '../../src/k8s/index.js';
import type { ServiceFacts } from '../../src/service/index.js';
import {
  decide,
  fromEndpoints,
  fromSlices,
  healthyEndpoints,
  type ReadyEndpoints,
} from '../../src/speaker/index.js';

type Address = { ip: string; nodeName?: string };
const at = (ip: string, nodeName?: string): Address =>
  nodeName === undefined ? { ip } : { ip, nodeName };

function endpoints(...subsets: { ready?: Address[]; notReady?: Address[] }[]): Endpoints {
  return {
    subsets: subsets.map((s) => ({
      ...(s.ready === undefined ? {} : { addresses: s.ready }),
      ...(s.notReady === undefined ? {} : { notReadyAddresses: s.notReady }),
    })),
  };
}

function slice(...list: { ip: string; nodeName: string; ready?: boolean }[]): EndpointSlice {
  return {
    addressType: 'IPv4',
    endpoints: list.map(({ ip, nodeName, ready }) => ({
      addresses: [ip],
      nodeName,
      ...(ready === undefined ? {} : { conditions: { ready } }),
    })),
  };
}

/** What layer 2 and BGP read: layer 2's nodes, BGP's nodes, BGP's "any". */
function read(ready: ReadyEndpoints): { layer2: string[]; bgp: string[]; bgpAny: boolean } {
  const healthy = healthyEndpoints(ready);
  return { layer2: [...ready.nodes], bgp: [...healthy.nodes], bgpAny: healthy.any };
}

describe('speaker endpoints: what layer 2 and BGP count as ready (v0.9.6)', () => {
  it('a ready IP also listed as not ready in a later subset is not healthy for BGP; layer 2 still counts it', () => {
    const ready = fromEndpoints(
      endpoints({ ready: [at('10.0.0.1', 'node-a')] }, { notReady: [at('10.0.0.1', 'node-a')] }),
    );
    expect(read(ready)).to.deep.equal({ layer2: ['node-a'], bgp: [], bgpAny: false });
  });

  it('the same in the other order: a not-ready listing first keeps a later ready one out', () => {
    const ready = fromEndpoints(
      endpoints({ notReady: [at('10.0.0.1', 'node-a')] }, { ready: [at('10.0.0.1', 'node-a')] }),
    );
    expect(read(ready)).to.deep.equal({ layer2: ['node-a'], bgp: [], bgpAny: false });
  });

  it('a not-ready listing of the IP under another node overrides too (v0.9 keys by IP alone)', () => {
    const ready = fromEndpoints(
      endpoints({ ready: [at('10.0.0.1', 'node-a')], notReady: [at('10.0.0.1', 'node-b')] }),
    );
    expect(read(ready)).to.deep.equal({ layer2: ['node-a'], bgp: [], bgpAny: false });
  });

  it('another ready IP on the node keeps it healthy; not-ready IPs of their own change nothing', () => {
    const ready = fromEndpoints(
      endpoints(
        { ready: [at('10.0.0.1', 'node-a'), at('10.0.0.2', 'node-a')] },
        { notReady: [at('10.0.0.1', 'node-a'), at('10.0.0.9', 'node-c')] },
      ),
    );
    expect(read(ready)).to.deep.equal({ layer2: ['node-a'], bgp: ['node-a'], bgpAny: true });
  });

  it('without any IP listed both ways there is nothing to override (no `healthy`)', () => {
    const ready = fromEndpoints(
      endpoints({ ready: [at('10.0.0.1', 'node-a')], notReady: [at('10.0.0.2', 'node-b')] }),
    );
    expect(ready.healthy).to.equal(undefined);
    expect(read(ready)).to.deep.equal({ layer2: ['node-a'], bgp: ['node-a'], bgpAny: true });
  });

  it('a ready address without a node name is a healthy endpoint for Cluster, on no node', () => {
    const ready = fromEndpoints(
      endpoints(
        { ready: [at('10.0.0.1'), at('10.0.0.2', 'node-a')] },
        { notReady: [at('10.0.0.2')] },
      ),
    );
    expect(read(ready)).to.deep.equal({ layer2: ['node-a'], bgp: [], bgpAny: true });
  });

  it('EndpointSlices keep the same meaning: ready unless the condition is false, an IP not ready in any slice is not healthy', () => {
    const ready = fromSlices([
      slice(
        { ip: '10.0.0.1', nodeName: 'node-a', ready: true },
        { ip: '10.0.0.2', nodeName: 'node-b' },
      ),
      slice({ ip: '10.0.0.1', nodeName: 'node-a', ready: false }),
    ]);
    expect(read(ready)).to.deep.equal({
      layer2: ['node-a', 'node-b'],
      bgp: ['node-b'],
      bgpAny: true,
    });
  });

  /** The speaker's view on node-a of a config of `pools` (address-pools YAML items). */
  const viewOf = (pools: string) => {
    const parsed = parseConfig(`address-pools:\n${pools}`);
    if (!parsed.ok) throw new Error('bad fixture');
    return { config: parsed.config, myNode: 'node-a', live: null, nodes: [] };
  };
  /** A LoadBalancer Service of no balancer class holding `ip`. */
  const holding = (ip: string, policy: 'Cluster' | 'Local' = 'Cluster'): ServiceFacts => ({
    key: 'default/web',
    isLoadBalancer: true,
    ingress: [ip],
    externalTrafficPolicy: policy,
    class: { kind: 'none' },
  });

  it('decide: BGP withdraws where v0.9 did (noLocalEndpoints, noEndpoints); layer 2 still elects the node', () => {
    const view = viewOf(`- name: routed
  protocol: bgp
  addresses: [198.51.100.0/28]
- name: lan
  protocol: layer2
  addresses: [203.0.113.0/28]
`);
    const overridden = fromEndpoints(
      endpoints({ ready: [at('10.0.0.1', 'node-a')] }, { notReady: [at('10.0.0.1', 'node-a')] }),
    );
    expect(decide(holding('198.51.100.1', 'Local'), overridden, view)).to.include({
      kind: 'withdraw',
      reason: 'noLocalEndpoints',
    });
    expect(decide(holding('198.51.100.1', 'Cluster'), overridden, view)).to.include({
      kind: 'withdraw',
      reason: 'noEndpoints',
    });
    expect(decide(holding('203.0.113.1', 'Cluster'), overridden, view)).to.include({
      kind: 'announce',
      protocol: 'layer2',
    });
  });

  it('decide: a held address in a spelling Go 1.13 read (IPv4-mapped, leading zeros) is announced as the IPv4 address', () => {
    // v0.9.6 speaker/main.go: net.ParseIP(ingress[0].IP), which holds ::ffff:a.b.c.d as a.b.c.d
    // and (before Go 1.17) reads 010 as decimal 10; ARP then answers for the IPv4 address.
    const view = viewOf('- name: lan\n  protocol: layer2\n  addresses: [203.0.113.0/28]\n');
    const ready = fromEndpoints(endpoints({ ready: [at('10.0.0.1', 'node-a')] }));
    for (const spelling of ['::ffff:203.0.113.6', '203.0.113.006', '::FFFF:cb00:7106']) {
      const decision = decide(holding(spelling), ready, view);
      expect(decision.kind, spelling).to.equal('announce');
      if (decision.kind === 'announce')
        expect(
          decision.announcements.map((a) => a.ip),
          spelling,
        ).to.deep.equal(['203.0.113.6']);
    }
  });
});
