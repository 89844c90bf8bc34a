/**
 * decide() for v0.9 Services, one row per rule of MetalLB v0.9.6's speaker:
 * `speaker/main.go` SetBalancer (serviceDeleted, notLoadBalancer,
 * noIPAllocated unless exactly one ingress address, invalidIP, ipNotAllowed
 * outside every pool), `speaker/layer2_controller.go` ShouldAnnounce
 * (notOwner unless this node comes first, by sha256 of "node#namespace/name",
 * among the nodes with a ready endpoint that memberlist sees alive; the
 * traffic policy plays no part), `speaker/bgp_controller.go` ShouldAnnounce
 * (Local: noLocalEndpoints without a ready endpoint on this node, checked
 * first; then noEndpoints without any ready endpoint).
 *
 * The expected outcomes are written from those rules. The election rows use
 * these hashes (sha256sum of the text, first 8 hex digits), smallest first:
 *   node-a#default/web 493dccd5   node-b#default/web ac7739b4
 *   node-c#default/api abfc68a4   node-a#default/api acb28a0c
 * This speaker is node-a throughout.
 */
import { expect } from 'chai';
import { parseConfig, type Config } from '../../src/config/index.js';
import type { ServiceFacts } from '../../src/service/index.js';
import { decide, type Decision, type ReadyEndpoints } from '../../src/speaker/index.js';

const CONFIG = `address-pools:
- name: lan
  protocol: layer2
  addresses: [192.0.2.0/24, 2001:db8:203::/120]
- name: routed
  protocol: bgp
  addresses: [203.0.113.0/24]
`;

function config(): Config {
  const parsed = parseConfig(CONFIG);
  if (!parsed.ok) throw new Error('bad fixture');
  return parsed.config;
}

const ME = 'node-a';

interface Row {
  readonly name: string;
  /** undefined: the Service is gone. */
  readonly service: Partial<ServiceFacts> | undefined;
  /** Nodes with a ready endpoint; `anyReady` defaults to "some node has one". */
  readonly endpoints: readonly string[];
  readonly anyReady?: boolean;
  /** Live memberlist members; null: memberlist off, every node counts. */
  readonly live: readonly string[] | null;
  readonly expected: string;
}

const L2 = '192.0.2.10';
const BGP = '203.0.113.10';
const ALL = ['node-a', 'node-b', 'node-c'];

const ROWS: readonly Row[] = [
  // speaker/main.go SetBalancer
  {
    name: 'a deleted Service',
    service: undefined,
    endpoints: [],
    live: ALL,
    expected: 'withdraw serviceDeleted',
  },
  {
    name: 'not type LoadBalancer',
    service: { isLoadBalancer: false },
    endpoints: [ME],
    live: ALL,
    expected: 'withdraw notLoadBalancer',
  },
  {
    name: 'no ingress address',
    service: { ingress: [] },
    endpoints: [ME],
    live: ALL,
    expected: 'withdraw noIPAllocated',
  },
  {
    name: 'two ingress addresses',
    service: { ingress: [L2, '192.0.2.11'] },
    endpoints: [ME],
    live: ALL,
    expected: 'withdraw noIPAllocated',
  },
  {
    name: 'an ingress address that is no IP',
    service: { ingress: ['192.0.2.300'] },
    endpoints: [ME],
    live: ALL,
    expected: 'withdraw invalidIP',
  },
  {
    name: 'an address outside every pool',
    service: { ingress: ['198.51.100.7'] },
    endpoints: [ME],
    live: ALL,
    expected: 'withdraw ipNotAllowed ip=198.51.100.7',
  },
  // speaker/layer2_controller.go ShouldAnnounce
  {
    name: 'layer2: the only node with a ready endpoint is this one',
    service: {},
    endpoints: [ME],
    live: ALL,
    expected: `announce layer2 ${L2} pool=lan`,
  },
  {
    name: 'layer2: the only node with a ready endpoint is another',
    service: {},
    endpoints: ['node-b'],
    live: ALL,
    expected: `withdraw notOwner announcer=node-b ip=${L2}`,
  },
  {
    name: 'layer2: no ready endpoint anywhere (v0.9 says notOwner, not noEndpoints)',
    service: {},
    endpoints: [],
    anyReady: false,
    live: ALL,
    expected: `withdraw notOwner announcer=none ip=${L2}`,
  },
  {
    name: 'layer2: ready endpoints without a node name elect nobody',
    service: {},
    endpoints: [],
    anyReady: true,
    live: ALL,
    expected: `withdraw notOwner announcer=none ip=${L2}`,
  },
  {
    name: 'layer2: two candidates, this node hashes first (default/web)',
    service: {},
    endpoints: ['node-b', ME],
    live: ALL,
    expected: `announce layer2 ${L2} pool=lan`,
  },
  {
    name: 'layer2: two candidates, the other hashes first (default/api)',
    service: { key: 'default/api' },
    endpoints: [ME, 'node-c'],
    live: ALL,
    expected: `withdraw notOwner announcer=node-c ip=${L2}`,
  },
  {
    name: 'layer2: the node that hashes first is not alive in memberlist',
    service: { key: 'default/api' },
    endpoints: [ME, 'node-c'],
    live: [ME, 'node-b'],
    expected: `announce layer2 ${L2} pool=lan`,
  },
  {
    name: 'layer2: memberlist off, every node with an endpoint counts',
    service: { key: 'default/api' },
    endpoints: [ME, 'node-c'],
    live: null,
    expected: `withdraw notOwner announcer=node-c ip=${L2}`,
  },
  {
    name: 'layer2: externalTrafficPolicy Local changes nothing in the election',
    service: { externalTrafficPolicy: 'Local' },
    endpoints: ['node-b'],
    live: ALL,
    expected: `withdraw notOwner announcer=node-b ip=${L2}`,
  },
  {
    name: 'layer2: IPv6, written in a long form, announced in canonical text',
    service: { ingress: ['2001:DB8:203:0:0:0:0:5'] },
    endpoints: [ME],
    live: ALL,
    expected: 'announce layer2 2001:db8:203::5 pool=lan',
  },
  // speaker/bgp_controller.go ShouldAnnounce
  {
    name: 'bgp, Cluster: a ready endpoint on another node is enough',
    service: { ingress: [BGP] },
    endpoints: ['node-b'],
    live: ALL,
    expected: `announce bgp ${BGP} pool=routed`,
  },
  {
    name: 'bgp, Cluster: a ready endpoint without a node name is enough',
    service: { ingress: [BGP] },
    endpoints: [],
    anyReady: true,
    live: ALL,
    expected: `announce bgp ${BGP} pool=routed`,
  },
  {
    name: 'bgp, Cluster: no ready endpoint',
    service: { ingress: [BGP] },
    endpoints: [],
    anyReady: false,
    live: ALL,
    expected: `withdraw noEndpoints ip=${BGP}`,
  },
  {
    name: 'bgp, Local: a ready endpoint on this node',
    service: { ingress: [BGP], externalTrafficPolicy: 'Local' },
    endpoints: ['node-b', ME],
    live: ALL,
    expected: `announce bgp ${BGP} pool=routed`,
  },
  {
    name: 'bgp, Local: ready endpoints only elsewhere',
    service: { ingress: [BGP], externalTrafficPolicy: 'Local' },
    endpoints: ['node-b'],
    live: ALL,
    expected: `withdraw noLocalEndpoints ip=${BGP}`,
  },
  {
    name: 'bgp, Local: no ready endpoint at all is noLocalEndpoints (checked first)',
    service: { ingress: [BGP], externalTrafficPolicy: 'Local' },
    endpoints: [],
    anyReady: false,
    live: ALL,
    expected: `withdraw noLocalEndpoints ip=${BGP}`,
  },
  {
    name: 'bgp: memberlist liveness plays no part',
    service: { ingress: [BGP], externalTrafficPolicy: 'Local' },
    endpoints: [ME],
    live: ['node-b'],
    expected: `announce bgp ${BGP} pool=routed`,
  },
];

function facts(overrides: Partial<ServiceFacts>): ServiceFacts {
  return {
    key: 'default/web',
    isLoadBalancer: true,
    ingress: [L2],
    externalTrafficPolicy: 'Cluster',
    class: { kind: 'none' },
    ...overrides,
  };
}

/** A decision in the table's words. */
function outcome(decision: Decision): string {
  if (decision.kind === 'announce') {
    const ips = decision.announcements.map((a) => a.ip).join(',');
    const pools = [...new Set(decision.announcements.map((a) => a.pool.name))].join(',');
    return `announce ${decision.protocol} ${ips} pool=${pools}`;
  }
  const words = ['withdraw', decision.reason];
  if (decision.announcer !== undefined) words.push(`announcer=${decision.announcer ?? 'none'}`);
  if (decision.ip !== undefined) words.push(`ip=${decision.ip}`);
  return words.join(' ');
}

describe("decide(): v0.9.6's speaker rules, one row each", () => {
  const cfg = config();
  for (const row of ROWS) {
    it(row.name, () => {
      const endpoints: ReadyEndpoints = {
        nodes: row.endpoints,
        anyReady: row.anyReady ?? row.endpoints.length > 0,
      };
      const decision = decide(row.service && facts(row.service), endpoints, {
        config: cfg,
        myNode: ME,
        live: row.live && new Set(row.live),
        nodes: [],
      });
      expect(outcome(decision)).to.equal(row.expected);
    });
  }

  it('every withdraw reason of a v0.9 Service has a row', () => {
    const reasons = new Set(
      ROWS.map((row) => row.expected.split(' ')).flatMap(([kind, reason]) =>
        kind === 'withdraw' ? [reason] : [],
      ),
    );
    expect([...reasons].sort()).to.deep.equal(
      [
        'invalidIP',
        'ipNotAllowed',
        'noEndpoints',
        'noIPAllocated',
        'noLocalEndpoints',
        'notLoadBalancer',
        'notOwner',
        'serviceDeleted',
      ].sort(),
    );
  });
});
