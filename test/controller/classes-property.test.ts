/**
 * Property test: random sequences of creates, updates (class, count,
 * requested addresses, sharing, type), deletes and config changes against
 * the controller's pure core, with statuses written back as the daemon
 * writes them. After every step: a Service's addresses are distinct, lie in
 * its class's pool (and a v0.9 Service's in no class), no address is held
 * by two Services unless v0.9's sharing rules allow it, Services of another
 * implementation are untouched, and a restart (fresh allocator, statuses
 * restored in another order) changes no status.
 */
import { expect } from 'chai';
import fc from 'fast-check';
import { Allocator } from '../../src/allocator/index.js';
import type { Config } from '../../src/config/index.js';
import { convergeAnyService, ingressWritten } from '../../src/controller/index.js';
import { balancerChoice, serviceRequest, type ServiceObject } from '../../src/service/index.js';
import { cidrFirst, cidrLast, parseIP } from '../../src/ip/index.js';
import { configWithClasses, serviceObject, type ServiceSpec } from './classes.js';

const BASE = `address-pools:
- {name: default, protocol: layer2, addresses: [192.0.2.0/30]}
`;
const CONFIGS: Config[] = [
  configWithClasses(
    `${BASE}- {name: edge, protocol: layer2, addresses: [203.0.113.16/29]}
- {name: core, protocol: layer2, addresses: [203.0.113.32/30]}
`,
    { edge: 2, core: 3 },
  ),
  // edge smaller (orphans what sits in .20-.23), core bigger.
  configWithClasses(
    `${BASE}- {name: edge, protocol: layer2, addresses: [203.0.113.16/30]}
- {name: core, protocol: layer2, addresses: [203.0.113.32/29]}
`,
    { edge: 3, core: 2 },
  ),
  // core gone; its first half now a v0.9 pool.
  configWithClasses(
    `${BASE}- {name: edge, protocol: layer2, addresses: [203.0.113.16/29]}
- {name: spare, protocol: layer2, addresses: [203.0.113.32/31]}
`,
    { edge: 2 },
  ),
];

const NAMES = ['a', 'b', 'c', 'd', 'e'];
const REQUESTABLE = ['203.0.113.17', '203.0.113.18', '203.0.113.33', '192.0.2.1'];

type Step =
  | { readonly op: 'apply'; readonly name: string; readonly spec: ServiceSpec }
  | { readonly op: 'delete'; readonly name: string }
  | { readonly op: 'config'; readonly index: number };

const specArb: fc.Arbitrary<ServiceSpec> = fc
  .record({
    cls: fc.constantFrom('edge', 'core', 'none', 'nope', 'foreign'),
    byAnnotation: fc.boolean(),
    count: fc.option(fc.integer({ min: 1, max: 4 }), { nil: undefined }),
    share: fc.constantFrom<string | undefined>(undefined, 'k'),
    ports: fc.subarray([80, 443], { minLength: 0 }),
    requested: fc.subarray(REQUESTABLE, { maxLength: 2 }),
    loadBalancer: fc.integer({ min: 0, max: 9 }).map((n) => n > 0),
  })
  .map((r): ServiceSpec => {
    const spec: ServiceSpec = {
      ports: r.ports,
      type: r.loadBalancer ? 'LoadBalancer' : 'ClusterIP',
      ...(r.share === undefined ? {} : { share: r.share }),
      ...(r.count === undefined ? {} : { ipCount: String(r.count) }),
      ...(r.requested.length === 0 ? {} : { lbIPs: r.requested.join(', ') }),
    };
    if (r.cls === 'none')
      return r.requested.length === 1
        ? { ...spec, lbIPs: undefined, loadBalancerIP: r.requested[0] }
        : spec;
    if (r.cls === 'foreign')
      // Another implementation's Service, with an address of ours in its status.
      return { ...spec, lbClass: 'example.com/lb', ingress: ['203.0.113.16'] };
    return r.byAnnotation
      ? { ...spec, classAnnotation: r.cls }
      : { ...spec, lbClass: `metallb-ts.io/${r.cls}` };
  });

const stepArb: fc.Arbitrary<Step> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.record({
      op: fc.constant('apply' as const),
      name: fc.constantFrom(...NAMES),
      spec: specArb,
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({ op: fc.constant('delete' as const), name: fc.constantFrom(...NAMES) }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      op: fc.constant('config' as const),
      index: fc.integer({ min: 0, max: CONFIGS.length - 1 }),
    }),
  },
);

/** The cluster: Service objects with the statuses the controller wrote. */
type Cluster = Map<string, ServiceObject>;

const ingressOf = (service: ServiceObject): string[] =>
  (service.status?.loadBalancer?.ingress ?? []).map((i) => i.ip ?? '');

function withIngress(service: ServiceObject, ips: readonly string[]): ServiceObject {
  return { ...service, status: { loadBalancer: { ingress: ips.map((ip) => ({ ip })) } } };
}

function convergeOne(
  allocator: Allocator,
  cluster: Cluster,
  name: string,
  config: Config,
  synced: boolean,
): void {
  const service = cluster.get(name);
  if (service === undefined) return;
  const outcome = convergeAnyService(allocator, serviceRequest(service), config.balancerClasses, {
    synced,
  });
  const written = ingressWritten(outcome, ingressOf(service));
  if (written !== null) cluster.set(name, withIngress(service, written));
}

/**
 * Every Service converged until nothing changes (bounded), as the daemon
 * gets there by requeueing Services that wait for an address.
 */
function settle(allocator: Allocator, cluster: Cluster, config: Config): void {
  for (let round = 0; round < 5; round++) {
    const before = JSON.stringify([...cluster]);
    for (const name of cluster.keys()) convergeOne(allocator, cluster, name, config, true);
    if (JSON.stringify([...cluster]) === before) return;
  }
  expect.fail('the Services did not settle in 5 rounds');
}

function inPool(ipText: string, config: Config, poolName: string): boolean {
  const parsed = parseIP(ipText);
  if (!parsed.ok) return false;
  const pool = [...config.pools, ...config.balancerClasses.map((c) => c.pool)].find(
    (p) => p.name === poolName,
  );
  return (pool?.cidrs ?? []).some(
    (c) =>
      c.family === parsed.value.family &&
      cidrFirst(c).value <= parsed.value.value &&
      parsed.value.value <= cidrLast(c).value,
  );
}

function checkInvariants(cluster: Cluster, config: Config): void {
  const holders = new Map<string, ServiceObject[]>();
  for (const [name, service] of cluster) {
    const request = serviceRequest(service);
    const choice = balancerChoice(request.balancer);
    const ips = ingressOf(service);
    if (choice.kind === 'foreign') {
      expect(ips, `${name} is another implementation's`).to.deep.equal(['203.0.113.16']);
      continue;
    }
    expect(new Set(ips).size, `${name}'s addresses are distinct: ${ips.join(',')}`).to.equal(
      ips.length,
    );
    for (const ip of ips) {
      if (choice.kind === 'class') {
        expect(
          inPool(ip, config, choice.className),
          `${name}: ${ip} in class ${choice.className}`,
        ).to.equal(true);
      } else {
        for (const c of config.balancerClasses)
          expect(
            inPool(ip, config, c.name),
            `${name}: v0.9 Service with ${ip} of class ${c.name}`,
          ).to.equal(false);
      }
      holders.set(ip, [...(holders.get(ip) ?? []), service]);
    }
  }
  for (const [ip, services] of holders) {
    if (services.length < 2) continue;
    const keys = services.map(
      (s) => s.metadata?.annotations?.['metallb.universe.tf/allow-shared-ip'] ?? '',
    );
    expect(keys[0], `${ip} shared without a sharing key`).to.not.equal('');
    expect(new Set(keys).size, `${ip} shared under different keys`).to.equal(1);
    const ports = services.flatMap((s) =>
      (s.spec?.ports ?? []).map((p) => `${p.protocol}/${p.port}`),
    );
    expect(new Set(ports).size, `${ip}: a port used twice`).to.equal(ports.length);
  }
}

/** A restarted controller: restore in reverse order before the list is complete, then converge. */
function restart(cluster: Cluster, config: Config): Cluster {
  const allocator = new Allocator();
  expect(allocator.setPools(config).ok).to.equal(true);
  const copy: Cluster = new Map(cluster);
  for (const name of [...copy.keys()].reverse()) convergeOne(allocator, copy, name, config, false);
  for (const name of [...copy.keys()].reverse()) convergeOne(allocator, copy, name, config, true);
  return copy;
}

describe('controller: Services of a balancer class, property-tested', () => {
  it('keeps addresses distinct, in their class, shared only by the rules, and unmoved by a restart', () => {
    fc.assert(
      fc.property(fc.array(stepArb, { minLength: 1, maxLength: 30 }), (steps) => {
        const allocator = new Allocator();
        let config = CONFIGS[0] as Config;
        expect(allocator.setPools(config).ok).to.equal(true);
        const cluster: Cluster = new Map();
        for (const step of steps) {
          if (step.op === 'apply') {
            const previous = cluster.get(step.name);
            const object = serviceObject(step.name, step.spec);
            // The status is the controller's, except for another implementation's Service.
            const status = step.spec.ingress ?? (previous === undefined ? [] : ingressOf(previous));
            cluster.set(step.name, withIngress(object, status));
            convergeOne(allocator, cluster, step.name, config, true);
          } else if (step.op === 'delete') {
            cluster.delete(step.name);
            allocator.unassignService(`ns/${step.name}`);
          } else {
            const next = CONFIGS[step.index] as Config;
            if (allocator.setPools(next).ok) config = next;
          }
          settle(allocator, cluster, config);
          checkInvariants(cluster, config);
          const restarted = restart(cluster, config);
          for (const [name, service] of cluster) {
            expect(
              ingressOf(restarted.get(name) as ServiceObject),
              `${name} after a restart`,
            ).to.deep.equal(ingressOf(service));
          }
        }
      }),
      { numRuns: 300, seed: 20_260_601 },
    );
  });
});
