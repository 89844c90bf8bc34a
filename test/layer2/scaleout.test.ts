/**
 * The scale-out assignment (docs/SCALEOUT.md) against its promises, over
 * many random node sets: distinct nodes while there are enough, an even
 * load when there are not, adding the newest node moves at most one
 * address, a failing node moves only its own, and the holders are the
 * Service's top-ranked nodes. Ranks are computed here from the documented
 * rule (sha256 of "node#namespace/name", smaller first), not by the code
 * under test.
 */
import { expect } from 'chai';
import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { homeAssignment, liveAssignment, type BalancerNode } from '../../src/layer2/index.js';

const SERVICE = 'default/web';

function rankOrder(service: string, names: readonly string[]): string[] {
  const key = (n: string) => createHash('sha256').update(`${n}#${service}`).digest('hex');
  return [...names].sort((a, b) => (key(a) < key(b) ? -1 : 1));
}

function moved(
  a: ReadonlyMap<string, string | null>,
  b: ReadonlyMap<string, string | null>,
): number {
  return [...a.keys()].filter((ip) => a.get(ip) !== b.get(ip)).length;
}

function loads(assignment: ReadonlyMap<string, string | null>): Map<string, number> {
  const count = new Map<string, number>();
  for (const node of assignment.values())
    if (node !== null) count.set(node, (count.get(node) ?? 0) + 1);
  return count;
}

const ipsOf = (n: number): string[] => Array.from({ length: n }, (_, i) => `203.0.113.${10 + i}`);

/** A cluster: distinct node names with distinct ages (in creation order), and a Service. */
const cluster = fc.record({
  service: fc.stringMatching(/^[a-z]{1,6}\/[a-z0-9-]{1,10}$/),
  names: fc.uniqueArray(fc.stringMatching(/^[a-z0-9-]{1,12}$/), { minLength: 1, maxLength: 9 }),
  addresses: fc.integer({ min: 1, max: 5 }),
});

function nodesOf(names: readonly string[]): BalancerNode[] {
  return names.map((name, i) => ({ name, createdAt: 1_700_000_000_000 + i * 1000 }));
}

describe('scale-out assignment', () => {
  it('one address is home on the layer 2 election winner (smallest sha256 of node#service)', () => {
    const nodes = nodesOf(['n1', 'n2', 'n3', 'n4', 'n5']);
    const expected = rankOrder(SERVICE, ['n1', 'n2', 'n3', 'n4', 'n5'])[0];
    expect(homeAssignment(SERVICE, ['203.0.113.10'], nodes).get('203.0.113.10')).to.equal(expected);
  });

  it('with no node, or no usable node, nobody announces', () => {
    expect(homeAssignment(SERVICE, ipsOf(3), []).size).to.equal(0);
    const live = liveAssignment(SERVICE, ipsOf(3), nodesOf(['n1', 'n2']), new Set());
    expect([...live.values()]).to.deep.equal([null, null, null]);
    const stranger = liveAssignment(SERVICE, ipsOf(1), nodesOf(['n1']), new Set(['n9']));
    expect(stranger.get('203.0.113.10')).to.equal(null);
  });

  it('a node with a repeated address or name counts once', () => {
    const nodes = [...nodesOf(['n1', 'n2']), { name: 'n1', createdAt: 0 }];
    const live = liveAssignment(
      SERVICE,
      ['203.0.113.10', '203.0.113.10'],
      nodes,
      new Set(['n1', 'n2']),
    );
    expect(live.size).to.equal(1);
  });

  it('distinct nodes while there are enough, an even load when there are not', () => {
    fc.assert(
      fc.property(cluster, ({ service, names, addresses }) => {
        const ips = ipsOf(addresses);
        const live = liveAssignment(service, ips, nodesOf(names), new Set(names));
        expect([...live.keys()]).to.deep.equal(ips);
        expect([...live.values()].every((n) => n !== null && names.includes(n))).to.equal(true);
        const count = [...loads(live).values()];
        if (names.length >= addresses) expect(Math.max(...count)).to.equal(1);
        else {
          expect(count.length).to.equal(names.length);
          expect(Math.max(...count) - Math.min(...count)).to.be.at.most(1);
        }
      }),
      { numRuns: 500 },
    );
  });

  it('the holders are the top-ranked nodes of the Service, whatever the ages', () => {
    fc.assert(
      fc.property(cluster, fc.integer(), ({ service, names, addresses }, seed) => {
        fc.pre(names.length >= addresses);
        // Ages in a random order, unrelated to the names or the ranks.
        const ages = names.map((name, i) => ({
          name,
          createdAt: ((i + 1) * 7919 * (seed | 1)) % 100_003,
        }));
        const home = homeAssignment(service, ipsOf(addresses), ages);
        const holders = [...new Set(home.values())].sort();
        expect(holders).to.deep.equal(rankOrder(service, names).slice(0, addresses).sort());
      }),
      { numRuns: 500 },
    );
  });

  it('adding the newest node moves at most one address, or its fair share when there were fewer nodes', () => {
    fc.assert(
      fc.property(cluster, fc.stringMatching(/^new-[a-z0-9]{1,6}$/), (c, newcomer) => {
        const { service, names, addresses } = c;
        const ips = ipsOf(addresses);
        const before = nodesOf(names);
        const after = [...before, { name: newcomer, createdAt: 1_800_000_000_000 }];
        const a = liveAssignment(service, ips, before, new Set(names));
        const b = liveAssignment(service, ips, after, new Set([...names, newcomer]));
        const limit = names.length >= addresses ? 1 : Math.ceil(addresses / (names.length + 1));
        expect(moved(a, b)).to.be.at.most(limit);
        // Whatever moved went to the newcomer.
        for (const ip of ips) if (a.get(ip) !== b.get(ip)) expect(b.get(ip)).to.equal(newcomer);
      }),
      { numRuns: 1000 },
    );
  });

  it('a failing node moves only its own addresses, and they come back when it returns', () => {
    fc.assert(
      fc.property(cluster, fc.nat(), ({ service, names, addresses }, pick) => {
        const ips = ipsOf(addresses);
        const nodes = nodesOf(names);
        const all = new Set(names);
        const before = liveAssignment(service, ips, nodes, all);
        const failed = names[pick % names.length] ?? '';
        const survivors = new Set(names.filter((n) => n !== failed));
        const during = liveAssignment(service, ips, nodes, survivors);
        for (const ip of ips) {
          if (before.get(ip) !== failed) expect(during.get(ip)).to.equal(before.get(ip));
          else expect(during.get(ip)).to.not.equal(failed);
        }
        if (survivors.size >= addresses) {
          const holders = [...during.values()];
          expect(new Set(holders).size).to.equal(addresses);
        }
        expect(liveAssignment(service, ips, nodes, all)).to.deep.equal(before);
      }),
      { numRuns: 1000 },
    );
  });

  it('does not depend on the order the nodes or the addresses are listed in', () => {
    fc.assert(
      fc.property(cluster, ({ service, names, addresses }) => {
        const nodes = nodesOf(names);
        const ips = ipsOf(addresses);
        const usable = new Set(names.filter((_, i) => i % 3 !== 1));
        const a = liveAssignment(service, ips, nodes, usable);
        const b = liveAssignment(service, ips, [...nodes].reverse(), usable);
        expect(b).to.deep.equal(a);
        // Nor on the order of the addresses in the status (only on the set).
        const c = liveAssignment(service, [...ips].reverse(), nodes, usable);
        for (const ip of ips) expect(c.get(ip)).to.equal(a.get(ip));
      }),
      { numRuns: 300 },
    );
  });

  it('equal ages are ordered by name', () => {
    const same = [
      { name: 'b', createdAt: 5 },
      { name: 'a', createdAt: 5 },
    ];
    const ips = ipsOf(2);
    // With two nodes of one age, "a" joins first and is home to both until "b" takes one.
    const home = homeAssignment(SERVICE, ips, same);
    expect(new Set(home.values())).to.deep.equal(new Set(['a', 'b']));
    expect(homeAssignment(SERVICE, ips, [...same].reverse())).to.deep.equal(home);
  });

  it('spreads many Services evenly over the balancer nodes', () => {
    const names = ['n1', 'n2', 'n3', 'n4', 'n5'];
    const count = new Map<string, number>();
    const services = 2000;
    for (let s = 0; s < services; s++) {
      const live = liveAssignment(`ns/svc-${s}`, ipsOf(3), nodesOf(names), new Set(names));
      for (const [node, n] of loads(live)) count.set(node, (count.get(node) ?? 0) + n);
    }
    const even = (services * 3) / names.length;
    for (const name of names)
      expect(Math.abs((count.get(name) ?? 0) - even) / even).to.be.below(0.1);
  });
});
