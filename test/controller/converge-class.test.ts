/**
 * Services of a balancer class (docs/SCALEOUT.md, "A Service of a class"):
 * one case per rule, expected addresses worked out by hand from the pools
 * written here.
 */
import { expect } from 'chai';
import { Allocator } from '../../src/allocator/index.js';
import type { Config } from '../../src/config/index.js';
import { convergeAnyService, type ServiceConvergence } from '../../src/controller/index.js';
import type { ServiceRequest } from '../../src/service/index.js';
import { formatIP, parseIP } from '../../src/ip/index.js';
import { configWithClasses, service } from './classes.js';

// default: 192.0.2.0-7 (auto-assign); class edge: 203.0.113.16-23, 3 each;
// class core: 203.0.113.32-35, 2 each; class edge6: 2001:db8::10-13, 2 each.
const POOLS = `address-pools:
- {name: default, protocol: layer2, addresses: [192.0.2.0/29]}
- {name: edge, protocol: layer2, addresses: [203.0.113.16/29]}
- {name: core, protocol: layer2, addresses: [203.0.113.32/30]}
- {name: edge6, protocol: layer2, addresses: ['2001:db8::10/126']}
`;
const CONFIG = configWithClasses(POOLS, { edge: 3, core: 2, edge6: 2 });

function fresh(config: Config = CONFIG): Allocator {
  const allocator = new Allocator();
  expect(allocator.setPools(config).ok).to.equal(true);
  return allocator;
}

const converge = (
  allocator: Allocator,
  request: ServiceRequest,
  synced = true,
  config: Config = CONFIG,
): ServiceConvergence => convergeAnyService(allocator, request, config.balancerClasses, { synced });

/** The addresses of a class Service's result, or a failure's reason. */
function addresses(outcome: ServiceConvergence): string[] {
  if (outcome.rules !== 'class') expect.fail(`not converged as a class Service: ${outcome.rules}`);
  const result = outcome.result;
  if (result.kind !== 'assigned') expect.fail(`expected addresses, got ${JSON.stringify(result)}`);
  return result.ips.map(formatIP);
}

function failure(outcome: ServiceConvergence): string {
  if (outcome.rules !== 'class' || outcome.result.kind !== 'failed') {
    expect.fail(`expected a failure, got ${JSON.stringify(outcome)}`);
  }
  return outcome.result.error;
}

/** What the allocator holds for a Service, slot by slot. */
const held = (allocator: Allocator, key: string): string[] =>
  allocator.keysOf(key).map((k) => formatIP(allocator.ipOf(k) ?? { family: 4, value: 0n }));

const ip = (text: string) => {
  const parsed = parseIP(text);
  if (!parsed.ok) throw new Error(parsed.error);
  return parsed.value;
};

const EDGE = 'metallb-ts.io/edge';

describe('controller/converge-class: Services of a balancer class', () => {
  describe('opting in', () => {
    it('spec.loadBalancerClass metallb-ts.io/<class>: the class ips-per-service addresses, lowest first', () => {
      const a = fresh();
      const outcome = converge(a, service('web', { lbClass: EDGE }));
      expect(addresses(outcome)).to.deep.equal(['203.0.113.16', '203.0.113.17', '203.0.113.18']);
      expect(outcome.rules === 'class' && outcome.result).to.deep.include({ className: 'edge' });
      expect(held(a, 'ns/web')).to.deep.equal(['203.0.113.16', '203.0.113.17', '203.0.113.18']);
    });

    it('the annotation metallb-ts.io/balancer-class does the same', () => {
      const outcome = converge(fresh(), service('web', { classAnnotation: 'core' }));
      expect(addresses(outcome)).to.deep.equal(['203.0.113.32', '203.0.113.33']);
    });

    it('both naming the same class is fine; different classes fail and clear what was held', () => {
      const a = fresh();
      const same = converge(a, service('web', { lbClass: EDGE, classAnnotation: 'edge' }));
      expect(addresses(same)).to.have.length(3);
      const ingress = ['203.0.113.16', '203.0.113.17', '203.0.113.18'];
      const error = failure(
        converge(a, service('web', { lbClass: EDGE, classAnnotation: 'core', ingress })),
      );
      expect(error).to.equal(
        'spec.loadBalancerClass names class "edge" but annotation metallb-ts.io/balancer-class names "core": they must name the same class',
      );
      expect(held(a, 'ns/web')).to.deep.equal([]);
    });

    it('another implementation loadBalancerClass: left alone, nothing held for it, even with an ingress in our pools', () => {
      const a = fresh();
      const outcome = converge(
        a,
        service('other', { lbClass: 'example.com/lb', ingress: ['192.0.2.0'] }),
      );
      expect(outcome).to.deep.equal({ rules: 'foreign', loadBalancerClass: 'example.com/lb' });
      expect(held(a, 'ns/other')).to.deep.equal([]);
      // 192.0.2.0 is still free for a v0.9 Service.
      const v09 = converge(a, service('plain'));
      expect(
        v09.rules === 'v0.9' && v09.result.kind === 'assigned' && formatIP(v09.result.ip),
      ).to.equal('192.0.2.0');
    });

    it('an unknown class fails and clears the held addresses', () => {
      const a = fresh();
      converge(a, service('web', { lbClass: EDGE }));
      const ingress = ['203.0.113.16', '203.0.113.17', '203.0.113.18'];
      const error = failure(
        converge(a, service('web', { lbClass: 'metallb-ts.io/nope', ingress })),
      );
      expect(error).to.equal('no balancer class "nope" in the config');
      expect(held(a, 'ns/web')).to.deep.equal([]);
      expect(a.stats('edge')).to.deep.include({ addressesInUse: 0, servicesAllocated: 0 });
    });

    it('the pool annotation on a Service of a class fails', () => {
      const error = failure(converge(fresh(), service('web', { lbClass: EDGE, pool: 'edge' })));
      expect(error).to.equal(
        'annotation metallb.universe.tf/address-pool has no meaning on a Service of balancer class "edge": its addresses come from the class',
      );
    });
  });

  describe('how many and which', () => {
    it('metallb-ts.io/ip-count overrides ips-per-service, 1 to 64', () => {
      expect(
        addresses(converge(fresh(), service('web', { lbClass: EDGE, ipCount: '5' }))),
      ).to.deep.equal([
        '203.0.113.16',
        '203.0.113.17',
        '203.0.113.18',
        '203.0.113.19',
        '203.0.113.20',
      ]);
      expect(
        addresses(converge(fresh(), service('web', { lbClass: EDGE, ipCount: '1' }))),
      ).to.deep.equal(['203.0.113.16']);
      for (const bad of ['0', '65', 'three', '2.5', '-1', '']) {
        expect(
          failure(converge(fresh(), service('web', { lbClass: EDGE, ipCount: bad }))),
        ).to.equal(
          `annotation metallb-ts.io/ip-count: ${JSON.stringify(bad)} is not a whole number from 1 to 64`,
        );
      }
    });

    it('metallb-ts.io/load-balancer-ips: the asked-for addresses first, in order, then the lowest free', () => {
      const outcome = converge(
        fresh(),
        service('web', { lbClass: EDGE, lbIPs: '203.0.113.22 ,203.0.113.20' }),
      );
      expect(addresses(outcome)).to.deep.equal(['203.0.113.22', '203.0.113.20', '203.0.113.16']);
    });

    it('spec.loadBalancerIP is a list of one when the annotation is absent', () => {
      const outcome = converge(
        fresh(),
        service('web', { lbClass: EDGE, loadBalancerIP: '203.0.113.21' }),
      );
      expect(addresses(outcome)).to.deep.equal(['203.0.113.21', '203.0.113.16', '203.0.113.17']);
    });

    it('bad requests fail with the key named', () => {
      const cases: [string, string][] = [
        [
          '203.0.113.300',
          'annotation metallb-ts.io/load-balancer-ips: "203.0.113.300" is not an IP address',
        ],
        [
          '203.0.113.20, 203.0.113.20',
          'annotation metallb-ts.io/load-balancer-ips: 203.0.113.20 is listed twice',
        ],
        [
          '2001:db8::10',
          "annotation metallb-ts.io/load-balancer-ips: 2001:db8::10 is not IPv4 like the Service's clusterIP",
        ],
        [
          '203.0.113.16,203.0.113.17,203.0.113.18,203.0.113.19',
          "annotation metallb-ts.io/load-balancer-ips asks for 4 addresses, more than the 3 the Service gets (metallb-ts.io/ip-count, else the class's ips-per-service)",
        ],
      ];
      for (const [lbIPs, why] of cases) {
        expect(failure(converge(fresh(), service('web', { lbClass: EDGE, lbIPs })))).to.equal(why);
      }
    });

    it('an asked-for address outside the class fails with the allocator reason', () => {
      const error = failure(
        converge(fresh(), service('web', { lbClass: EDGE, lbIPs: '192.0.2.3' })),
      );
      expect(error).to.equal(
        '192.0.2.3 is not an address of balancer class "edge": a Service of a class gets addresses of its class only',
      );
    });

    it('an asked-for address held by another Service fails, and the Service holds nothing', () => {
      const a = fresh();
      converge(a, service('first', { lbClass: EDGE })); // .16 .17 .18
      const ingress = ['203.0.113.19', '203.0.113.20', '203.0.113.21'];
      converge(a, service('web', { lbClass: EDGE, ingress }));
      const error = failure(
        converge(a, service('web', { lbClass: EDGE, lbIPs: '203.0.113.17', ingress })),
      );
      expect(error).to.equal(
        '203.0.113.17 is in use by ns/first: the Service holding it does not allow sharing',
      );
      expect(held(a, 'ns/web')).to.deep.equal([]);
    });

    it('IPv6 Services get IPv6 addresses of an IPv6 class; an IPv4 class has none for them', () => {
      const v6 = converge(
        fresh(),
        service('web', { lbClass: 'metallb-ts.io/edge6', clusterIP: 'fd00::1' }),
      );
      expect(addresses(v6)).to.deep.equal(['2001:db8::10', '2001:db8::11']);
      expect(
        failure(converge(fresh(), service('web', { lbClass: EDGE, clusterIP: 'fd00::1' }))),
      ).to.equal('pool "edge" has no IPv6 addresses');
    });
  });

  describe('only the class, never outside it', () => {
    it('a v0.9 Service never gets a class address: not by spec.loadBalancerIP, not by the pool annotation, not by auto-assign', () => {
      const a = fresh();
      const byIP = converge(a, service('x', { loadBalancerIP: '203.0.113.20' }));
      expect(byIP.rules === 'v0.9' && byIP.result).to.deep.include({
        kind: 'failed',
        error:
          '203.0.113.20 belongs to balancer class "edge": only Services of the class get its addresses',
      });
      const byPool = converge(a, service('y', { pool: 'edge' }));
      expect(byPool.rules === 'v0.9' && byPool.result).to.deep.include({
        kind: 'failed',
        error:
          'pool "edge" belongs to balancer class "edge": only Services of the class get its addresses',
      });
      // Fill the default pool (8 addresses); the ninth finds none rather than a class address.
      for (let i = 0; i < 8; i++) converge(a, service(`v${i}`));
      const ninth = converge(a, service('ninth'));
      expect(ninth.rules === 'v0.9' && ninth.result.kind).to.equal('failed');
      // And a held class address in a v0.9 Service's status is dropped, not restored.
      const restored = converge(fresh(), service('z', { ingress: ['203.0.113.16'] }));
      expect(restored.rules === 'v0.9' && restored.result).to.deep.include({
        kind: 'assigned',
        allocated: true,
      });
      expect(
        restored.rules === 'v0.9' &&
          restored.result.kind === 'assigned' &&
          formatIP(restored.result.ip),
      ).to.equal('192.0.2.0');
    });
  });

  describe('sharing, address by address', () => {
    it('Services of one class with one sharing key and other ports share each address; others do not', () => {
      const a = fresh();
      const first = converge(a, service('a', { lbClass: EDGE, share: 'k', ports: [80] }));
      const second = converge(a, service('b', { lbClass: EDGE, share: 'k', ports: [443] }));
      const third = converge(a, service('c', { lbClass: EDGE, share: 'k', ports: [80] }));
      const unshared = converge(a, service('d', { lbClass: EDGE, ipCount: '1' }));
      expect(addresses(first)).to.deep.equal(['203.0.113.16', '203.0.113.17', '203.0.113.18']);
      expect(addresses(second)).to.deep.equal(['203.0.113.16', '203.0.113.17', '203.0.113.18']);
      expect(addresses(third), "port 80 is taken on a's").to.deep.equal([
        '203.0.113.19',
        '203.0.113.20',
        '203.0.113.21',
      ]);
      expect(addresses(unshared)).to.deep.equal(['203.0.113.22']);
      expect(a.servicesOn(ip('203.0.113.17'))).to.deep.equal(['ns/a#1', 'ns/b#1']);
      // Metrics count Services, not slots: 4 Services on 7 addresses.
      expect(a.stats('edge')).to.deep.include({ addressesInUse: 7, servicesAllocated: 4 });
    });

    it('a Service never holds one address twice, even when sharing would allow it (no ports)', () => {
      const a = fresh();
      const outcome = converge(a, service('a', { lbClass: EDGE, share: 'k', ports: [] }));
      expect(addresses(outcome)).to.deep.equal(['203.0.113.16', '203.0.113.17', '203.0.113.18']);
    });

    it('Services of different classes never share', () => {
      const a = fresh();
      converge(a, service('a', { lbClass: EDGE, share: 'k', ports: [80] }));
      const error = failure(
        converge(
          a,
          service('b', {
            lbClass: 'metallb-ts.io/core',
            share: 'k',
            lbIPs: '203.0.113.16',
            ports: [443],
          }),
        ),
      );
      expect(error).to.equal(
        '203.0.113.16 belongs to balancer class "edge", not to the Service\'s class "core"',
      );
    });
  });

  describe('held addresses', () => {
    it('restores the status in its order before the first full list, and keeps it', () => {
      const a = fresh();
      const ingress = ['203.0.113.20', '203.0.113.18', '203.0.113.22'];
      const outcome = converge(a, service('web', { lbClass: EDGE, ingress }), false);
      expect(outcome.rules === 'class' && outcome.result).to.deep.include({
        kind: 'assigned',
        allocated: [],
        shortfall: null,
      });
      expect(addresses(outcome)).to.deep.equal(ingress);
      expect(addresses(converge(a, service('web', { lbClass: EDGE, ingress })))).to.deep.equal(
        ingress,
      );
    });

    it('hands out nothing new before the first full list: a new Service waits', () => {
      const a = fresh();
      const outcome = converge(a, service('web', { lbClass: EDGE }), false);
      expect(outcome.rules === 'class' && outcome.result).to.deep.equal({
        kind: 'waiting',
        className: 'edge',
        ips: [],
        dropped: [],
      });
      expect(held(a, 'ns/web')).to.deep.equal([]);
    });

    it('growing the count appends, shrinking it releases the last ones', () => {
      const a = fresh();
      const three = ['203.0.113.20', '203.0.113.16', '203.0.113.22'];
      converge(a, service('web', { lbClass: EDGE, ingress: three }), false);
      const grown = converge(a, service('web', { lbClass: EDGE, ipCount: '4', ingress: three }));
      expect(addresses(grown)).to.deep.equal([...three, '203.0.113.17']);
      const four = addresses(grown);
      const shrunk = converge(a, service('web', { lbClass: EDGE, ipCount: '2', ingress: four }));
      expect(addresses(shrunk)).to.deep.equal(['203.0.113.20', '203.0.113.16']);
      expect(
        shrunk.rules === 'class' &&
          shrunk.result.kind === 'assigned' &&
          shrunk.result.released.map(formatIP),
      ).to.deep.equal(['203.0.113.22', '203.0.113.17']);
      expect(held(a, 'ns/web')).to.deep.equal(['203.0.113.20', '203.0.113.16']);
      // The released ones are free: the lowest goes to the next Service.
      expect(
        addresses(converge(a, service('next', { lbClass: EDGE, ipCount: '1' }))),
      ).to.deep.equal(['203.0.113.17']);
    });

    it('a held address the config no longer allows is replaced in its own slot', () => {
      const ingress = ['203.0.113.17', '192.0.2.1', '203.0.113.19'];
      const outcome = converge(fresh(), service('web', { lbClass: EDGE, ingress }));
      expect(addresses(outcome)).to.deep.equal(['203.0.113.17', '203.0.113.16', '203.0.113.19']);
      expect(
        outcome.rules === 'class' && outcome.result.kind === 'assigned' && outcome.result.dropped,
      ).to.deep.equal([
        '192.0.2.1 is no longer allowed: 192.0.2.1 is not an address of balancer class "edge": a Service of a class gets addresses of its class only',
      ]);
    });

    it('after a class change every address is replaced from the new class', () => {
      const ingress = ['203.0.113.16', '203.0.113.17', '203.0.113.18'];
      const outcome = converge(fresh(), service('web', { lbClass: 'metallb-ts.io/core', ingress }));
      expect(addresses(outcome)).to.deep.equal(['203.0.113.32', '203.0.113.33']);
    });

    it('an asked-for address takes an empty slot, else the last slot holding one nobody asked for', () => {
      const held3 = ['203.0.113.16', '203.0.113.17', '203.0.113.18'];
      const a = fresh();
      converge(a, service('web', { lbClass: EDGE, ingress: held3 }), false);
      const replaced = converge(
        a,
        service('web', { lbClass: EDGE, ingress: held3, lbIPs: '203.0.113.22, 203.0.113.17' }),
      );
      expect(addresses(replaced)).to.deep.equal(['203.0.113.16', '203.0.113.17', '203.0.113.22']);
      const grown = converge(
        fresh(),
        service('web', { lbClass: EDGE, ipCount: '4', ingress: held3, lbIPs: '203.0.113.23' }),
      );
      expect(addresses(grown)).to.deep.equal([...held3, '203.0.113.23']);
    });

    it('a class out of addresses gives what it has and says why; a new Service with none fails', () => {
      const a = fresh();
      converge(a, service('a', { lbClass: 'metallb-ts.io/core', ipCount: '3' })); // .32 .33 .34
      const short = converge(a, service('b', { lbClass: 'metallb-ts.io/core' }));
      expect(addresses(short)).to.deep.equal(['203.0.113.35']);
      expect(
        short.rules === 'class' && short.result.kind === 'assigned' && short.result.shortfall,
      ).to.equal(
        'it has 1 of the 2 addresses it asks for: no available IPv4 address in pool "core"',
      );
      expect(held(a, 'ns/b')).to.deep.equal(['203.0.113.35']);
      expect(failure(converge(a, service('c', { lbClass: 'metallb-ts.io/core' })))).to.equal(
        'no available IPv4 address in pool "core"',
      );
    });

    it('a Service that stops being a LoadBalancer, or leaves its class, keeps no class address', () => {
      const a = fresh();
      converge(a, service('web', { lbClass: EDGE }));
      const ingress = ['203.0.113.16', '203.0.113.17', '203.0.113.18'];
      const notLB = converge(a, service('web', { lbClass: EDGE, type: 'ClusterIP', ingress }));
      expect(notLB).to.deep.equal({ rules: 'v0.9', result: { kind: 'not-load-balancer' } });
      expect(held(a, 'ns/web')).to.deep.equal([]);
      converge(a, service('web', { lbClass: EDGE }));
      const left = converge(a, service('web', { ingress }));
      expect(
        left.rules === 'v0.9' && left.result.kind === 'assigned' && formatIP(left.result.ip),
      ).to.equal('192.0.2.0');
      expect(held(a, 'ns/web')).to.deep.equal(['192.0.2.0']);
      expect(a.stats('edge')).to.deep.include({ addressesInUse: 0, servicesAllocated: 0 });
    });
  });

  describe('config changes', () => {
    it('refuses a config that removes a class, or shrinks it, under a Service holding its addresses', () => {
      const a = fresh();
      converge(a, service('web', { lbClass: EDGE })); // .16 .17 .18
      const withoutEdge = configWithClasses(POOLS, { core: 2, edge6: 2 });
      // Without the class its range is a plain pool here; drop it from the pools too.
      const removed = { ...withoutEdge, pools: withoutEdge.pools.filter((p) => p.name !== 'edge') };
      const refused = a.setPools(removed);
      expect(refused.ok).to.equal(false);
      expect(!refused.ok && refused.error).to.equal(
        'the new config leaves assigned IPs outside every pool: ns/web (203.0.113.16), ns/web (203.0.113.17), ns/web (203.0.113.18)',
      );
      const shrunk = configWithClasses(POOLS.replace('203.0.113.16/29', '203.0.113.16/31'), {
        edge: 3,
        core: 2,
        edge6: 2,
      });
      const refusedToo = a.setPools(shrunk);
      expect(!refusedToo.ok && refusedToo.orphans).to.deep.equal([
        { service: 'ns/web', ip: '203.0.113.18' },
      ]);
      // Still the old config: the Service keeps its three.
      expect(held(a, 'ns/web')).to.deep.equal(['203.0.113.16', '203.0.113.17', '203.0.113.18']);
      // Shrinking where nobody holds an address is fine.
      const fine = configWithClasses(POOLS.replace('203.0.113.16/29', '203.0.113.16/30'), {
        edge: 3,
        core: 2,
        edge6: 2,
      });
      expect(a.setPools(fine).ok).to.equal(true);
      expect(a.stats('edge')).to.deep.include({
        capacity: 4n,
        addressesInUse: 3,
        servicesAllocated: 1,
      });
    });
  });
});
