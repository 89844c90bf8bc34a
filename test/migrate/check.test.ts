/**
 * The pre-upgrade check: config differences from v0.9, Services that would
 * move or lose their address, and the notes.
 */
import { expect } from 'chai';
import { parseConfig, parseConfigData } from '../../src/config/index.js';
import { serviceRequest, type ServiceObject } from '../../src/service/index.js';
import { acceptedByV09, checkUpgrade } from '../../src/migrate/index.js';

function service(
  name: string,
  ip: string | null,
  extra: { annotations?: Record<string, string> } = {},
): ServiceObject {
  return {
    metadata: { name, namespace: 'shop', ...extra },
    spec: { type: 'LoadBalancer', clusterIP: '10.96.0.1', ports: [{ port: 80, protocol: 'TCP' }] },
    ...(ip === null ? {} : { status: { loadBalancer: { ingress: [{ ip }] } } }),
  };
}

const POOLS = `address-pools:
- name: first
  protocol: layer2
  addresses: [192.0.2.0/28]
- name: second
  protocol: layer2
  addresses: [198.51.100.0/28]
`;

function errorsOf(text: string) {
  const result = parseConfig(text);
  if (result.ok) throw new Error('expected an invalid config');
  return result.errors;
}

const peer = (extra: string) => `peers:
- peer-address: 203.0.113.1
  peer-asn: 64501
  my-asn: 64500
${extra}`;

describe('migrate: what v0.9 accepted and metallb-ts refuses', () => {
  const accepted: [string, string][] = [
    [
      'pools that overlap through an IPv4-mapped prefix',
      `address-pools:\n- name: p\n  protocol: layer2\n  addresses: ["::ffff:10.0.0.0/120", 10.0.0.128/25]\n`,
    ],
  ];
  for (const [what, text] of accepted) {
    it(`marks ${what} as accepted by v0.9`, () => {
      const errors = errorsOf(text);
      expect(errors).to.have.length(1);
      expect(acceptedByV09(errors[0] ?? { path: '', line: null, message: '' })).to.be.a('string');
    });
  }

  const refused: [string, string][] = [
    ['a router-id that is no address', peer('  router-id: nonsense\n')],
    ['a hold-time below 3 s', peer('  hold-time: 2s\n')],
    [
      'an overlap of plain IPv4 prefixes',
      `address-pools:\n- name: p\n  protocol: layer2\n  addresses: [10.0.0.0/24, 10.0.0.128/25]\n`,
    ],
    ['an AS number given as text', peer('').replace('64501', '"AS64501"')],
    ['an unknown key', peer('  passwd: x\n')],
  ];
  for (const [what, text] of refused) {
    it(`does not excuse ${what}, which v0.9 refused too`, () => {
      for (const error of errorsOf(text))
        expect(acceptedByV09(error), error.message).to.equal(null);
    });
  }
});

describe('migrate: checkUpgrade', () => {
  it('is safe when every held address stays, and lists what pending Services would get', () => {
    const config = parseConfig(POOLS);
    const services = [
      service('a', '192.0.2.5'),
      service('b', '198.51.100.1'),
      service('c', null),
      { ...service('d', null), spec: { type: 'ClusterIP', clusterIP: '10.96.0.2' } },
    ].map(serviceRequest);
    const result = checkUpgrade(config, services);
    expect(result.safe).to.equal(true);
    expect(result.services?.kept.map((s) => [s.service, s.previousIp])).to.deep.equal([
      ['shop/a', '192.0.2.5'],
      ['shop/b', '198.51.100.1'],
    ]);
    expect(result.services?.moved).to.deep.equal([]);
    // The lowest free address of the first pool in config order: .0 (no avoid-buggy-ips).
    expect(result.services?.pending.map((s) => [s.service, s.ip])).to.deep.equal([
      ['shop/c', '192.0.2.0'],
    ]);
  });

  it('counts a held address in a spelling Go read (IPv4-mapped, leading zeros) as kept, as v0.9 kept it', () => {
    // v0.9.6 controller/service.go convergeBalancer: net.ParseIP of the ingress, To4() for the
    // family; Go 1.13 read `0192` as decimal 192. The status is rewritten dotted, the address stays.
    const services = [
      service('mapped', '::ffff:192.0.2.5'),
      service('zeros', '198.051.100.001'),
      {
        ...service('asks', '192.0.2.6'),
        spec: { ...service('asks', null).spec, loadBalancerIP: '::ffff:192.0.2.6' },
      },
    ].map(serviceRequest);
    const result = checkUpgrade(parseConfig(POOLS), services);
    expect(result.safe).to.equal(true);
    expect(result.services?.kept.map((s) => [s.service, s.ip])).to.deep.equal([
      ['shop/mapped', '192.0.2.5'],
      ['shop/zeros', '198.51.100.1'],
      ['shop/asks', '192.0.2.6'],
    ]);
  });

  it('notes the pools v0.9 chose between at random, per family', () => {
    const result = checkUpgrade(parseConfig(POOLS), []);
    expect(result.notes).to.have.length(1);
    expect(result.notes[0]).to.contain('IPv4: pools "first", "second"');
    expect(result.notes[0]).to.contain('random');
    const one = checkUpgrade(
      parseConfig(POOLS.replace('  addresses: [198.51.100.0/28]', '  addresses: [2001:db8::/120]')),
      [],
    );
    expect(one.notes).to.deep.equal([]);
  });

  it('is unsafe when a held address lies outside every pool, or its pool is gone', () => {
    const config = parseConfig(POOLS);
    const services = [
      service('outside', '203.0.113.9'),
      service('named', '192.0.2.3', {
        annotations: { 'metallb.universe.tf/address-pool': 'gone' },
      }),
    ].map(serviceRequest);
    const result = checkUpgrade(config, services);
    expect(result.safe).to.equal(false);
    // 203.0.113.9 is in no pool: the restarted controller gives the lowest free address instead.
    expect(result.services?.moved.map((s) => [s.service, s.previousIp, s.ip])).to.deep.equal([
      ['shop/outside', '203.0.113.9', '192.0.2.0'],
    ]);
    expect(result.services?.lost.map((s) => [s.service, s.previousIp])).to.deep.equal([
      ['shop/named', '192.0.2.3'],
    ]);
    expect(result.notes.some((n) => n.includes('outside every pool'))).to.equal(true);
  });

  it('says a starting metallb-ts controller refuses a config that leaves a held address outside', () => {
    const services = [service('outside', '203.0.113.9')].map(serviceRequest);
    const notes = checkUpgrade(parseConfig(POOLS), services).notes;
    expect(
      notes.some((n) => n.includes('A starting metallb-ts controller refuses it too')),
    ).to.equal(true);
    const inside = [service('inside', '192.0.2.3')].map(serviceRequest);
    expect(checkUpgrade(parseConfig(POOLS), inside).notes.join('\n')).to.not.contain('refuses');
  });

  it('is unsafe with a config metallb-ts refuses, saying which errors v0.9 accepted', () => {
    const text = `address-pools:
- name: p
  protocol: layer3
  addresses: [192.0.2.0/24]
- name: q
  protocol: layer2
  addresses: ["::ffff:10.0.0.0/120", 10.0.0.128/25]
`;
    const result = checkUpgrade(parseConfig(text), [serviceRequest(service('a', '192.0.2.1'))]);
    expect(result.safe).to.equal(false);
    expect(result.services).to.equal(null);
    const byPath = Object.fromEntries(result.config.errors.map((e) => [e.path, e.v09 !== null]));
    expect(byPath).to.deep.equal({
      'address-pools[0].protocol': false,
      'address-pools[1].addresses[1]': true,
    });
    expect(result.notes[0]).to.contain('v0.9 refuses this ConfigMap too');
  });

  it('stays safe with what v0.9 accepted as written, listing it as warnings', () => {
    // Each is accepted by v0.9.6 (config.go parsePeer, parseHoldTime, parseCIDR) and read alike.
    const text = `${peer('  router-id: 2001:db8::1\n  hold-time: 20h\n').replace('203.0.113.1', '203.0.113.001')}address-pools:
- name: p
  protocol: layer2
  addresses: [192.0.2.9-192.0.2.1, 198.51.100.0/28]
`;
    const result = checkUpgrade(parseConfig(text), [serviceRequest(service('a', '198.51.100.1'))]);
    expect(result.safe).to.equal(true);
    expect(result.config.errors).to.deep.equal([]);
    expect(result.config.warnings.map((w) => [w.path, w.line])).to.deep.equal([
      ['peers[0].peer-address', 2],
      ['peers[0].router-id', 5],
      ['peers[0].hold-time', 6],
      ['address-pools[0].addresses[0]', 10],
    ]);
    for (const warning of result.config.warnings) expect(warning.message).to.match(/v0\.9/);
  });

  it('notes BGP sessions restarting node by node', () => {
    const text = `${peer('')}address-pools:
- name: p
  protocol: bgp
  addresses: [192.0.2.0/24]
`;
    const result = checkUpgrade(parseConfig(text), []);
    expect(result.safe).to.equal(true);
    expect(result.notes).to.have.length(1);
    expect(result.notes[0]).to.match(/^BGP \(1 peer, pools "p"\)/);
  });

  it('is unsafe with the IPv6 BGP opt-in, which v0.9 refuses, naming where it is', () => {
    const text = `${peer('')}address-pools:
- name: p
  protocol: bgp
  addresses: [192.0.2.0/24, 2001:db8:203::/120]
  bgp-advertisements:
  - localpref: 100
    aggregation-length-v6: 128
  - aggregation-length: 24
    aggregation-length-v6: 120
`;
    const result = checkUpgrade(parseConfig(text), []);
    expect(result.config.valid).to.equal(true);
    expect(result.safe).to.equal(false);
    expect(result.config.extensions).to.deep.equal([
      'address-pools[0].bgp-advertisements[0].aggregation-length-v6',
      'address-pools[0].bgp-advertisements[1].aggregation-length-v6',
    ]);
  });
});

describe('migrate: balancer classes (docs/SCALEOUT.md), which v0.9 never reads', () => {
  const CLASSES =
    '- name: edge\n  addresses: [203.0.113.16/28]\n- name: core\n  addresses: [203.0.113.32/28]\n';

  it('stays safe, names the classes and says to-crds leaves them out', () => {
    const reading = parseConfigData({ config: POOLS, 'balancer-classes': CLASSES });
    const result = checkUpgrade(reading, [serviceRequest(service('web', '192.0.2.1'))]);
    expect(result.safe).to.equal(true);
    expect(result.config.extensions).to.deep.equal([]);
    expect(result.config.balancerClasses).to.deep.equal(['edge', 'core']);
    const note = result.notes.find((n) => n.startsWith('balancer classes'));
    expect(note).to.contain('"edge", "core"');
    expect(note).to.contain('metallb-ts extension');
    expect(note).to.contain('v0.9 ignores the key');
    expect(note).to.contain('to-crds does not carry them over');
  });

  it('says nothing of classes without them', () => {
    const result = checkUpgrade(parseConfigData({ config: POOLS }), []);
    expect(result.config.balancerClasses).to.deep.equal([]);
    expect(result.notes.some((n) => n.includes('balancer'))).to.equal(false);
  });

  it('is unsafe with an invalid classes key, which metallb-ts refuses and v0.9 never reads', () => {
    const reading = parseConfigData({
      config: POOLS,
      'balancer-classes': '- name: edge\n  addresses: [192.0.2.0/30]\n',
    });
    const result = checkUpgrade(reading, []);
    expect(result.safe).to.equal(false);
    expect(result.config.errors.map((e) => e.path)).to.deep.equal([
      'balancer-classes[0].addresses[0]',
    ]);
    expect(result.config.errors[0]?.v09).to.contain('never reads the balancer-classes');
    // Not the note for a ConfigMap v0.9 refuses too.
    expect(result.notes).to.deep.equal([]);
  });
});
