/**
 * HomeCache: a home assignment is computed once per Node list, class and
 * set of addresses, and again when any of them changes.
 */
import { expect } from 'chai';
import { parseConfig, type BalancerClass } from '../../src/config/index.js';
import { homeAssignment, type BalancerNode } from '../../src/layer2/index.js';
import { HomeCache } from '../../src/speaker/home-cache.js';

function edgeClass(): BalancerClass {
  const parsed = parseConfig(
    'address-pools:\n- name: edge\n  protocol: layer2\n  addresses: [203.0.113.16/28]\n',
  );
  if (!parsed.ok || parsed.config.pools[0] === undefined) throw new Error('bad fixture');
  return { name: 'edge', pool: parsed.config.pools[0], nodeSelectors: [], ipsPerService: 3 };
}

const nodes = (names: string[]): BalancerNode[] =>
  names.map((name, i) => ({ name, createdAt: i * 1000 }));
const IPS = ['203.0.113.16', '203.0.113.17', '203.0.113.18'];

describe('home assignment cache', () => {
  it('answers what homeAssignment answers, once per Node list, class and address set', () => {
    const cache = new HomeCache();
    const cls = edgeClass();
    const list = nodes(['a', 'b', 'c', 'd']);
    const first = cache.home(list, cls, 'default/web', IPS, list);
    expect(first).to.deep.equal(homeAssignment('default/web', IPS, list));
    // Same inputs, addresses in another order: the very same answer, not recomputed.
    expect(cache.home(list, cls, 'default/web', [...IPS].reverse(), list)).to.equal(first);
    // Another Service, another answer.
    expect(cache.home(list, cls, 'default/api', IPS, list)).to.not.equal(first);
  });

  it('computes again for a new Node list or a new class object', () => {
    const cache = new HomeCache();
    const cls = edgeClass();
    const list = nodes(['a', 'b', 'c']);
    const first = cache.home(list, cls, 'default/web', IPS, list);
    const grown = nodes(['a', 'b', 'c', 'e']);
    const second = cache.home(grown, cls, 'default/web', IPS, grown);
    expect(second).to.not.equal(first);
    expect(second).to.deep.equal(homeAssignment('default/web', IPS, grown));
    expect(cache.home(list, edgeClass(), 'default/web', IPS, list)).to.not.equal(first);
  });
});
