/**
 * The speaker's decision for Services of a balancer class
 * (docs/SCALEOUT.md): which of its addresses each node announces, and why
 * a node announces none. Configs are built from v0.9 config text, the
 * class's pool being a parsed pool moved into `balancerClasses`.
 */
import { expect } from 'chai';
import { parseConfig, type Config, type NodeSelector } from '../../src/config/index.js';
import { decide, type Decision } from '../../src/speaker/index.js';
import type { NodeFacts, ServiceFacts } from '../../src/service/index.js';

const IPS = ['203.0.113.16', '203.0.113.17', '203.0.113.18'];

function configWithClass(selectors: NodeSelector[] = []): Config {
  const parsed = parseConfig(`address-pools:
- name: lan
  protocol: layer2
  addresses: [192.0.2.0/28]
- name: edge
  protocol: layer2
  addresses: [203.0.113.16/28]
`);
  if (!parsed.ok) throw new Error('bad fixture');
  const [lan, edge] = parsed.config.pools;
  if (lan === undefined || edge === undefined) throw new Error('bad fixture');
  return {
    ...parsed.config,
    pools: [lan],
    balancerClasses: [
      {
        name: 'edge',
        pool: { ...edge, autoAssign: false },
        nodeSelectors: selectors,
        ipsPerService: 3,
      },
    ],
  };
}

const BALANCER: NodeSelector = { matchLabels: { balancer: 'true' }, matchExpressions: [] };

function node(name: string, balancer: boolean, createdAt: number): NodeFacts {
  return { name, labels: new Map(balancer ? [['balancer', 'true']] : []), createdAt };
}

const NODES = [
  node('b1', true, 1000),
  node('b2', true, 2000),
  node('b3', true, 3000),
  node('w1', false, 500),
];

function service(overrides: Partial<ServiceFacts> = {}): ServiceFacts {
  return {
    key: 'default/web',
    isLoadBalancer: true,
    ingress: IPS,
    externalTrafficPolicy: 'Cluster',
    class: { kind: 'class', className: 'edge' },
    ...overrides,
  };
}

const ANY_READY = { nodes: ['w1'], anyReady: true };

function decideOn(
  myNode: string,
  facts: ServiceFacts,
  endpoints = ANY_READY,
  live: ReadonlySet<string> | null = null,
  config = configWithClass([BALANCER]),
): Decision {
  return decide(facts, endpoints, { config, myNode, live, nodes: NODES });
}

function announcedBy(decisions: Record<string, Decision>): Map<string, string> {
  const byIp = new Map<string, string>();
  for (const [name, d] of Object.entries(decisions))
    if (d.kind === 'announce')
      for (const { ip } of d.announcements) {
        expect(byIp.has(ip), `${ip} announced twice`).to.equal(false);
        byIp.set(ip, name);
      }
  return byIp;
}

describe('speaker decision for a balancer class', () => {
  it('each balancer node announces one distinct address; a node outside the class none', () => {
    const decisions = Object.fromEntries(NODES.map((n) => [n.name, decideOn(n.name, service())]));
    const byIp = announcedBy(decisions);
    expect([...byIp.keys()].sort()).to.deep.equal(IPS);
    expect(new Set(byIp.values())).to.deep.equal(new Set(['b1', 'b2', 'b3']));
    expect(decisions['w1']).to.include({ kind: 'withdraw', reason: 'notOwner' });
    for (const name of ['b1', 'b2', 'b3']) {
      const d = decisions[name];
      expect(d).to.include({ protocol: 'layer2' });
      if (d?.kind === 'announce')
        for (const a of d.announcements) expect(a.pool.name, a.ip).to.equal('edge');
    }
  });

  it('a node memberlist does not see alive hands over only its own address', () => {
    const before = announcedBy(
      Object.fromEntries(NODES.map((n) => [n.name, decideOn(n.name, service())])),
    );
    const live = new Set(['b1', 'b2', 'w1']);
    const after = announcedBy(
      Object.fromEntries(NODES.map((n) => [n.name, decideOn(n.name, service(), ANY_READY, live)])),
    );
    for (const ip of IPS) {
      if (before.get(ip) === 'b3') expect(['b1', 'b2']).to.include(after.get(ip));
      else expect(after.get(ip)).to.equal(before.get(ip));
    }
  });

  it('Cluster needs a ready endpoint somewhere; Local one on the balancer node', () => {
    expect(decideOn('b1', service(), { nodes: [], anyReady: false })).to.include({
      kind: 'withdraw',
      reason: 'noEndpoints',
    });
    const local = service({ externalTrafficPolicy: 'Local' });
    const endpoints = { nodes: ['b2'], anyReady: true };
    const b2 = decideOn('b2', local, endpoints);
    expect(b2.kind === 'announce' ? b2.announcements.map((a) => a.ip).sort() : []).to.deep.equal(
      IPS,
    );
    expect(decideOn('b1', local, endpoints)).to.include({
      kind: 'withdraw',
      reason: 'noLocalEndpoints',
    });
  });

  it('addresses outside the class are not announced; none left means none', () => {
    const stray = service({ ingress: ['192.0.2.3', IPS[0] ?? ''] });
    const all = Object.fromEntries(NODES.map((n) => [n.name, decideOn(n.name, stray)]));
    expect([...announcedBy(all).keys()]).to.deep.equal([IPS[0]]);
    expect(decideOn('b1', service({ ingress: ['192.0.2.3'] }))).to.include({
      kind: 'withdraw',
      reason: 'ipNotAllowed',
    });
    expect(decideOn('b1', service({ ingress: [] }))).to.include({
      kind: 'withdraw',
      reason: 'noIPAllocated',
    });
  });

  it('an unknown class, two classes named, or another implementation: nothing', () => {
    expect(decideOn('b1', service({ class: { kind: 'class', className: 'nope' } }))).to.include({
      reason: 'noBalancerClass',
    });
    expect(decideOn('b1', service({ class: { kind: 'invalid', error: 'x' } }))).to.include({
      reason: 'noBalancerClass',
    });
    expect(
      decideOn('b1', service({ class: { kind: 'foreign', loadBalancerClass: 'example.com/lb' } })),
    ).to.include({ reason: 'otherLoadBalancerClass' });
  });

  it('a v0.9 Service never gets a class address announced', () => {
    const plain = service({ class: { kind: 'none' }, ingress: [IPS[0] ?? ''] });
    for (const n of NODES)
      expect(
        decideOn(n.name, plain, { nodes: ['b1', 'b2', 'b3', 'w1'], anyReady: true }),
      ).to.include({ reason: 'ipNotAllowed' });
  });

  it('IPv6 addresses of a class are spread the same way', () => {
    const parsed = parseConfig(`address-pools:
- name: edge6
  protocol: layer2
  addresses: [2001:db8:203::/120]
`);
    if (!parsed.ok) throw new Error('bad fixture');
    const [edge6] = parsed.config.pools;
    if (edge6 === undefined) throw new Error('bad fixture');
    const config: Config = {
      ...parsed.config,
      pools: [],
      balancerClasses: [
        {
          name: 'edge',
          pool: { ...edge6, autoAssign: false },
          nodeSelectors: [BALANCER],
          ipsPerService: 2,
        },
      ],
    };
    // Written in another spelling than the canonical one: announced canonical.
    const facts = service({ ingress: ['2001:DB8:203::10', '2001:db8:203:0::11'] });
    const decisions = Object.fromEntries(
      NODES.map((n) => [n.name, decideOn(n.name, facts, ANY_READY, null, config)]),
    );
    const byIp = announcedBy(decisions);
    expect([...byIp.keys()].sort()).to.deep.equal(['2001:db8:203::10', '2001:db8:203::11']);
    expect(new Set(byIp.values()).size).to.equal(2);
  });

  it('a class without selectors takes every node', () => {
    const config = configWithClass([]);
    const decisions = Object.fromEntries(
      NODES.map((n) => [n.name, decideOn(n.name, service(), ANY_READY, null, config)]),
    );
    // w1 is the oldest node, so it is in the replay too; three of four nodes announce.
    expect(announcedBy(decisions).size).to.equal(3);
  });
});
