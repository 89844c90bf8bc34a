import { expect } from 'chai';
import { AdjRibOut, mergeRoutes, type Route } from '../../src/bgp/adj-rib-out.js';
import { formatCidr, parseCidr, type Cidr } from '../../src/ip/index.js';

function cidr(text: string): Cidr {
  const parsed = parseCidr(text);
  if (!parsed.ok) throw new Error(parsed.error);
  return parsed.value.cidr;
}

function route(prefix: string, localPref = 0, communities: number[] = []): Route {
  return { prefix: cidr(prefix), localPref, communities };
}

const BOTH = new Set<4 | 6>([4, 6]);
const NO_ADVERTISE = 0xffffff02;

function texts(prefixes: readonly Cidr[]): string[] {
  return prefixes.map(formatCidr);
}

describe('bgp Adj-RIB-Out', () => {
  it('groups new routes by attributes and family, sorted, and then has nothing more to send', () => {
    const rib = new AdjRibOut();
    rib.setDesired(
      mergeRoutes([
        route('203.0.113.20/32', 100),
        route('203.0.113.10/32', 100),
        route('203.0.113.30/32', 0, [NO_ADVERTISE]),
        route('2001:db8:203::10/128', 100),
      ]),
    );
    expect(rib.pendingCount(BOTH)).to.equal(4);
    const changes = rib.takeChanges(BOTH);
    expect(changes.withdrawn).to.deep.equal([]);
    expect(
      changes.announced.map((g) => [g.family, g.localPref, g.communities, texts(g.prefixes)]),
    ).to.have.deep.members([
      [4, 100, [], ['203.0.113.10/32', '203.0.113.20/32']],
      [4, 0, [NO_ADVERTISE], ['203.0.113.30/32']],
      [6, 100, [], ['2001:db8:203::10/128']],
    ]);
    expect(rib.announcedCount).to.equal(4);
    expect(rib.pendingCount(BOTH)).to.equal(0);
    expect(rib.takeChanges(BOTH)).to.deep.equal({ withdrawn: [], announced: [] });
  });

  it('sends only the difference: withdrawals, and routes whose attributes changed', () => {
    const rib = new AdjRibOut();
    rib.setDesired(
      mergeRoutes([route('203.0.113.10/32'), route('203.0.113.11/32'), route('203.0.113.12/32')]),
    );
    rib.takeChanges(BOTH);
    rib.setDesired(
      mergeRoutes([
        route('203.0.113.10/32'),
        route('203.0.113.12/32', 50),
        route('203.0.113.13/32'),
      ]),
    );
    expect(rib.pendingCount(BOTH)).to.equal(3);
    const changes = rib.takeChanges(BOTH);
    expect(changes.withdrawn.map((w) => [w.family, texts(w.prefixes)])).to.deep.equal([
      [4, ['203.0.113.11/32']],
    ]);
    expect(changes.announced.map((g) => [g.localPref, texts(g.prefixes)])).to.have.deep.members([
      [50, ['203.0.113.12/32']],
      [0, ['203.0.113.13/32']],
    ]);
  });

  it('holds back a family the session does not carry', () => {
    const rib = new AdjRibOut();
    rib.setDesired(mergeRoutes([route('203.0.113.10/32'), route('2001:db8:203::10/128')]));
    const changes = rib.takeChanges(new Set([4]));
    expect(changes.announced.map((g) => g.family)).to.deep.equal([4]);
    expect(rib.pendingCount(new Set([4]))).to.equal(0);
    expect(rib.announcedCount).to.equal(1);
  });

  it('sends everything again after forgetSent (session down, or a route refresh of one family)', () => {
    const rib = new AdjRibOut();
    rib.setDesired(mergeRoutes([route('203.0.113.10/32'), route('2001:db8:203::10/128')]));
    rib.takeChanges(BOTH);
    rib.forgetSent(6);
    expect(rib.takeChanges(BOTH).announced.map((g) => texts(g.prefixes))).to.deep.equal([
      ['2001:db8:203::10/128'],
    ]);
    rib.forgetSent();
    expect(rib.announcedCount).to.equal(0);
    expect(rib.takeChanges(BOTH).announced).to.have.length(2);
  });

  it('merges routes for one prefix the same way whatever their order', () => {
    const a = route('203.0.113.0/24', 100, [1]);
    const b = route('203.0.113.0/24', 200, [3, 2]);
    const c = route('203.0.113.0/24', 150, [2]);
    const expected = { prefix: cidr('203.0.113.0/24'), localPref: 200, communities: [1, 2, 3] };
    for (const order of [
      [a, b, c],
      [c, b, a],
      [b, a, c],
    ]) {
      expect([...mergeRoutes(order).values()]).to.deep.equal([expected]);
    }
  });
});
