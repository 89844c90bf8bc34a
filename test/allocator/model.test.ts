/**
 * Model-based test: thousands of random operation sequences run against the
 * Allocator and the naive v0.9-shaped ModelAllocator. After every step both
 * must agree (same outcome, same address, same pools and counts), and no
 * address may be held by two Services unless the sharing rules allow it.
 */
import { expect } from 'chai';
import fc from 'fast-check';
import { Allocator, type Claim } from '../../src/allocator/index.js';
import { parseConfig, type Config } from '../../src/config/index.js';
import { formatIP, parseIP, type Family, type IPAddress } from '../../src/ip/index.js';
import { ModelAllocator } from './model.js';

function config(text: string): Config {
  const result = parseConfig(text);
  if (!result.ok) throw new Error(JSON.stringify(result.errors));
  return result.config;
}

/** Small pools with every feature: ranges over a /24 boundary, buggy IPs, auto-assign off, IPv6, mixed. */
const CONFIGS = [
  config(`address-pools:
- {name: p1, protocol: layer2, avoid-buggy-ips: true, addresses: [192.0.2.0/30, 10.1.1.253-10.1.2.2]}
- {name: p2, protocol: layer2, auto-assign: false, addresses: [198.51.100.0/31]}
- {name: p6, protocol: layer2, addresses: [2001:db8::/126, 2001:db8::ff/128, 192.0.2.8/31]}
`),
  // p1 renamed and without avoid-buggy-ips; p2 wider and auto-assigned.
  config(`address-pools:
- {name: q1, protocol: layer2, addresses: [192.0.2.0/30, 10.1.1.253-10.1.2.2]}
- {name: p2, protocol: layer2, addresses: [198.51.100.0/30]}
- {name: p6, protocol: layer2, addresses: [2001:db8::/126, 2001:db8::ff/128, 192.0.2.8/31]}
`),
  // Smaller: orphans whatever sits in the removed parts.
  config(`address-pools:
- {name: p1, protocol: layer2, avoid-buggy-ips: true, addresses: [192.0.2.0/31]}
- {name: p6, protocol: layer2, addresses: [2001:db8::/127]}
`),
];

const ADDRESSES = [
  ...['192.0.2.0', '192.0.2.1', '192.0.2.2', '192.0.2.3', '192.0.2.8', '192.0.2.9'],
  ...['10.1.1.253', '10.1.1.254', '10.1.1.255', '10.1.2.0', '10.1.2.1', '10.1.2.2'],
  ...['198.51.100.0', '198.51.100.1', '198.51.100.2', '198.51.100.3', '203.0.113.1'],
  ...['2001:db8::', '2001:db8::1', '2001:db8::3', '2001:db8::ff', '2001:db8::100'],
].map((text) => {
  const parsed = parseIP(text);
  if (!parsed.ok) throw new Error(parsed.error);
  return parsed.value;
});

const SERVICES = ['ns/a', 'ns/b', 'ns/c', 'ns/d', 'ns/e', 'ns/f', 'ns/g', 'ns/h'];
const POOLS = ['p1', 'q1', 'p2', 'p6', 'missing'];

const claimArb: fc.Arbitrary<Claim> = fc.record({
  ports: fc
    .subarray(
      [
        { protocol: 'TCP', port: 80 },
        { protocol: 'TCP', port: 443 },
        { protocol: 'UDP', port: 53 },
      ],
      { minLength: 1 },
    )
    .map((ports) => [...ports]),
  sharingKey: fc.constantFrom('', 'k1', 'k2'),
  backendKey: fc.constantFrom('', 'app=web'),
});

type Op =
  | { kind: 'assign'; service: string; ip: IPAddress; claim: Claim }
  | { kind: 'fromPool'; service: string; family: Family; pool: string; claim: Claim }
  | { kind: 'allocate'; service: string; family: Family; claim: Claim }
  | { kind: 'unassign'; service: string }
  | { kind: 'setPools'; config: number };

const service = fc.constantFrom(...SERVICES);
const family = fc.constantFrom<Family>(4, 6);
const opArb: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant('assign' as const),
      service,
      ip: fc.constantFrom(...ADDRESSES),
      claim: claimArb,
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant('fromPool' as const),
      service,
      family,
      pool: fc.constantFrom(...POOLS),
      claim: claimArb,
    }),
  },
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant('allocate' as const),
      service,
      family,
      claim: claimArb,
    }),
  },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('unassign' as const), service }) },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('setPools' as const),
      config: fc.nat({ max: CONFIGS.length - 1 }),
    }),
  },
);

const text = (ip: IPAddress | undefined): string | null =>
  ip === undefined ? null : `${ip.family}/${ip.value}`;

function run(
  allocator: Allocator,
  model: ModelAllocator,
  op: Op,
): [string | null | boolean, string | null | boolean] {
  switch (op.kind) {
    case 'assign': {
      const r = allocator.assign(op.service, op.ip, op.claim);
      return [
        r.ok ? text(r.value) : null,
        model.assign(op.service, op.ip.family, op.ip.value, op.claim),
      ];
    }
    case 'fromPool': {
      const r = allocator.allocateFromPool(op.service, op.family, op.pool, op.claim);
      return [
        r.ok ? text(r.value) : null,
        model.allocateFromPool(op.service, op.family, op.pool, op.claim),
      ];
    }
    case 'allocate': {
      const r = allocator.allocate(op.service, op.family, op.claim);
      return [r.ok ? text(r.value) : null, model.allocate(op.service, op.family, op.claim)];
    }
    case 'unassign':
      return [allocator.unassign(op.service), model.unassign(op.service)];
    case 'setPools': {
      const chosen = CONFIGS[op.config] as Config;
      return [allocator.setPools(chosen).ok, model.setPools(chosen)];
    }
  }
}

function checkAgreement(allocator: Allocator, model: ModelAllocator): void {
  for (const s of SERVICES) {
    const mine = allocator.ipOf(s);
    const theirs = model.allocated.get(s);
    expect(text(mine), `address of ${s}`).to.equal(theirs?.ip ?? null);
    expect(allocator.poolOf(s) ?? null, `pool of ${s}`).to.equal(theirs?.pool ?? null);
  }
  for (const pool of model.pools) {
    const held = [...model.allocated.values()].filter((a) => a.pool === pool.name);
    expect(allocator.stats(pool.name)).to.deep.equal({
      capacity: pool.addressCount,
      addressesInUse: new Set(held.map((a) => a.ip)).size,
      servicesAllocated: held.length,
    });
  }
}

/** No address is held by two Services unless they share a non-empty key, a backend and no port. */
function checkSharingInvariant(model: ModelAllocator): void {
  const byIP = new Map<string, Claim[]>();
  for (const allocation of model.allocated.values()) {
    byIP.set(allocation.ip, [...(byIP.get(allocation.ip) ?? []), allocation.claim]);
  }
  for (const [ip, claims] of byIP) {
    if (claims.length < 2) continue;
    const [first] = claims as [Claim];
    const ports = new Set<string>();
    for (const claim of claims) {
      expect(claim.sharingKey, `sharing key on ${ip}`).to.not.equal('');
      expect(claim.sharingKey).to.equal(first.sharingKey);
      expect(claim.backendKey).to.equal(first.backendKey);
      for (const port of claim.ports) {
        const key = `${port.protocol}/${port.port}`;
        expect(ports.has(key), `port ${key} twice on ${ip}`).to.equal(false);
        ports.add(key);
      }
    }
  }
}

describe('allocator: model-based', () => {
  it('agrees with the v0.9-shaped model over thousands of random operation sequences', function () {
    this.timeout(120_000);
    let steps = 0;
    fc.assert(
      fc.property(fc.array(opArb, { minLength: 10, maxLength: 80 }), (ops) => {
        const allocator = new Allocator();
        const model = new ModelAllocator();
        allocator.setPools(CONFIGS[0] as Config);
        model.setPools(CONFIGS[0] as Config);
        for (const op of ops) {
          const [mine, theirs] = run(allocator, model, op);
          expect(
            mine,
            JSON.stringify(op, (_, v: unknown) => (typeof v === 'bigint' ? v.toString() : v)),
          ).to.equal(theirs);
          checkAgreement(allocator, model);
          checkSharingInvariant(model);
          steps++;
        }
      }),
      { seed: 2026, numRuns: 3000 },
    );
    expect(steps).to.be.greaterThan(30_000);
  });

  it('the model itself finds the documented v0.9 answers (a check of the checker)', () => {
    const model = new ModelAllocator();
    model.setPools(CONFIGS[0] as Config);
    const c: Claim = { ports: [{ protocol: 'TCP', port: 80 }], sharingKey: '', backendKey: '' };
    // p1: 192.0.2.0 is buggy, so .1 first; p2 does not auto-assign.
    expect(model.allocate('ns/a', 4, c)).to.equal(`4/${parseIPValue('192.0.2.1')}`);
    expect(model.allocate('ns/b', 6, c)).to.equal(`6/${parseIPValue('2001:db8::')}`);
    expect(formatIP({ family: 4, value: parseIPValue('192.0.2.1') })).to.equal('192.0.2.1');
  });
});

function parseIPValue(text: string): bigint {
  const parsed = parseIP(text);
  if (!parsed.ok) throw new Error(parsed.error);
  return parsed.value.value;
}
