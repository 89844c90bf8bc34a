/**
 * The v0.9 allocation rules (docs/COMPAT.md section 2), one case per rule.
 * Expected addresses are worked out by hand from the pools written here.
 */
import { expect } from 'chai';
import { Allocator, type Claim, type Result } from '../../src/allocator/index.js';
import { parseConfig, type Config } from '../../src/config/index.js';
import { formatIP, parseIP, type IPAddress } from '../../src/ip/index.js';

function config(pools: string): Config {
  const result = parseConfig(`address-pools:\n${pools}`);
  if (!result.ok) throw new Error(JSON.stringify(result.errors));
  return result.config;
}

const pool = (name: string, addresses: string[], extra = ''): string =>
  `- name: ${name}\n  protocol: layer2\n  addresses: [${addresses.join(', ')}]\n${extra}`;

function allocator(pools: string): Allocator {
  const a = new Allocator();
  const set = a.setPools(config(pools));
  expect(set.ok).to.equal(true);
  return a;
}

const ip = (text: string): IPAddress => {
  const parsed = parseIP(text);
  if (!parsed.ok) throw new Error(parsed.error);
  return parsed.value;
};

const claim = (ports: number[] = [80], sharingKey = '', backendKey = ''): Claim => ({
  ports: ports.map((port) => ({ protocol: 'TCP', port })),
  sharingKey,
  backendKey,
});

function got(result: Result<IPAddress>): string {
  if (!result.ok) expect.fail(`expected an address, got: ${result.error}`);
  return formatIP(result.value);
}

function refused(result: Result<IPAddress>, why: string): void {
  if (result.ok) expect.fail(`expected a refusal, got ${formatIP(result.value)}`);
  expect(result.error).to.include(why);
}

describe('allocator: v0.9 rules', () => {
  describe('requested IP (assign)', () => {
    it('requested IP inside a pool is assigned', () => {
      const a = allocator(pool('p', ['192.0.2.0/28']));
      expect(got(a.assign('ns/a', ip('192.0.2.5'), claim()))).to.equal('192.0.2.5');
      expect(a.poolOf('ns/a')).to.equal('p');
    });

    it('requested IP outside every pool is refused', () => {
      const a = allocator(pool('p', ['192.0.2.0/28']));
      refused(a.assign('ns/a', ip('192.0.2.16'), claim()), 'not in any address pool');
      expect(a.ipOf('ns/a')).to.equal(undefined);
    });

    it('requested IP from a pool with auto-assign false is assigned', () => {
      const a = allocator(pool('reserved', ['192.0.2.0/28'], '  auto-assign: false\n'));
      expect(got(a.assign('ns/a', ip('192.0.2.9'), claim()))).to.equal('192.0.2.9');
    });

    it('requested buggy IP is refused when the pool avoids buggy IPs', () => {
      const a = allocator(pool('p', ['192.0.2.0/24'], '  avoid-buggy-ips: true\n'));
      refused(a.assign('ns/a', ip('192.0.2.0'), claim()), 'avoid-buggy-ips');
      refused(a.assign('ns/a', ip('192.0.2.255'), claim()), 'avoid-buggy-ips');
      expect(got(a.assign('ns/a', ip('192.0.2.254'), claim()))).to.equal('192.0.2.254');
    });

    it('requested buggy IP is assigned when the pool does not avoid buggy IPs', () => {
      const a = allocator(pool('p', ['192.0.2.0/24']));
      expect(got(a.assign('ns/a', ip('192.0.2.0'), claim()))).to.equal('192.0.2.0');
    });

    it('re-assigning the same IP to the same Service is idempotent', () => {
      const a = allocator(pool('p', ['192.0.2.0/28']));
      got(a.assign('ns/a', ip('192.0.2.5'), claim()));
      expect(got(a.assign('ns/a', ip('192.0.2.5'), claim([80, 443])))).to.equal('192.0.2.5');
      expect(a.stats('p')).to.deep.include({ addressesInUse: 1, servicesAllocated: 1 });
    });

    it('assigning another IP moves the Service and frees the old one', () => {
      const a = allocator(pool('p', ['192.0.2.0/30']));
      got(a.assign('ns/a', ip('192.0.2.0'), claim()));
      got(a.assign('ns/a', ip('192.0.2.2'), claim()));
      expect(got(a.allocate('ns/b', 4, claim()))).to.equal('192.0.2.0');
    });
  });

  describe('allocation order', () => {
    it('lowest free address first, CIDRs in config order', () => {
      const a = allocator(pool('p', ['192.0.2.8/30', '192.0.2.0/30']));
      const order = ['a', 'b', 'c', 'd', 'e', 'f'].map((s) =>
        got(a.allocate(`ns/${s}`, 4, claim())),
      );
      expect(order).to.deep.equal([
        '192.0.2.8',
        '192.0.2.9',
        '192.0.2.10',
        '192.0.2.11',
        '192.0.2.0',
        '192.0.2.1',
      ]);
    });

    it('a freed lower address is handed out before higher free ones', () => {
      const a = allocator(pool('p', ['192.0.2.0/29']));
      for (const s of ['a', 'b', 'c']) got(a.allocate(`ns/${s}`, 4, claim()));
      a.unassign('ns/b');
      expect(got(a.allocate('ns/d', 4, claim()))).to.equal('192.0.2.1');
      expect(got(a.allocate('ns/e', 4, claim()))).to.equal('192.0.2.3');
    });

    it('auto-assign pools are tried in config order', () => {
      const a = allocator(pool('first', ['198.51.100.0/31']) + pool('second', ['192.0.2.0/31']));
      expect(['a', 'b', 'c'].map((s) => got(a.allocate(`ns/${s}`, 4, claim())))).to.deep.equal([
        '198.51.100.0',
        '198.51.100.1',
        '192.0.2.0',
      ]);
      expect(a.poolOf('ns/c')).to.equal('second');
    });

    it('auto-assign false is reachable only by pool annotation or requested IP', () => {
      const a = allocator(pool('reserved', ['192.0.2.0/30'], '  auto-assign: false\n'));
      refused(a.allocate('ns/a', 4, claim()), 'no pool with auto-assign has IPv4 addresses');
      expect(got(a.allocateFromPool('ns/a', 4, 'reserved', claim()))).to.equal('192.0.2.0');
      expect(got(a.assign('ns/b', ip('192.0.2.3'), claim()))).to.equal('192.0.2.3');
    });

    it('an unknown pool is refused by name', () => {
      const a = allocator(pool('p', ['192.0.2.0/30']));
      refused(a.allocateFromPool('ns/a', 4, 'nope', claim()), 'unknown pool "nope"');
    });

    it('the family follows the Service: IPv6 from the IPv6 part of a mixed pool', () => {
      const a = allocator(pool('dual', ['192.0.2.0/30', '2001:db8::/126']));
      expect(got(a.allocate('ns/v6', 6, claim()))).to.equal('2001:db8::');
      expect(got(a.allocate('ns/v4', 4, claim()))).to.equal('192.0.2.0');
    });

    it('wrong family: an IPv6 Service finds nothing in IPv4-only pools', () => {
      const a = allocator(pool('v4', ['192.0.2.0/30']));
      refused(a.allocate('ns/a', 6, claim()), 'no pool with auto-assign has IPv6 addresses');
      refused(a.allocateFromPool('ns/a', 6, 'v4', claim()), 'pool "v4" has no IPv6 addresses');
    });

    it('a Service holding an address keeps it when allocated again', () => {
      const a = allocator(pool('p', ['192.0.2.0/30']));
      got(a.assign('ns/a', ip('192.0.2.2'), claim()));
      expect(got(a.allocate('ns/a', 4, claim()))).to.equal('192.0.2.2');
    });
  });

  describe('buggy IPs', () => {
    it('buggy IPs on: .0 and .255 are skipped in a CIDR', () => {
      const a = allocator(
        pool('p', ['192.0.2.0/24', '198.51.100.0/24'], '  avoid-buggy-ips: true\n'),
      );
      expect(got(a.allocate('ns/a', 4, claim()))).to.equal('192.0.2.1');
      for (let i = 0; i < 253; i++) got(a.allocate(`ns/fill${i}`, 4, claim()));
      expect(a.ipOf('ns/fill252') && formatIP(a.ipOf('ns/fill252') as IPAddress)).to.equal(
        '192.0.2.254',
      );
      expect(got(a.allocate('ns/next', 4, claim())), 'not .255, not .0').to.equal('198.51.100.1');
      expect(a.stats('p')?.capacity).to.equal(508n);
    });

    it('buggy IPs on: a range not aligned to /24 skips .255 and .0 where it crosses', () => {
      const a = allocator(pool('p', ['10.1.1.253-10.1.2.2'], '  avoid-buggy-ips: true\n'));
      const order = ['a', 'b', 'c', 'd'].map((s) => got(a.allocate(`ns/${s}`, 4, claim())));
      expect(order).to.deep.equal(['10.1.1.253', '10.1.1.254', '10.1.2.1', '10.1.2.2']);
      refused(a.allocate('ns/e', 4, claim()), 'no available');
      expect(a.stats('p')?.capacity).to.equal(4n);
    });

    it('buggy IPs off: .0 and .255 are handed out like any other', () => {
      const a = allocator(pool('p', ['10.1.1.255-10.1.2.0']));
      expect(['a', 'b'].map((s) => got(a.allocate(`ns/${s}`, 4, claim())))).to.deep.equal([
        '10.1.1.255',
        '10.1.2.0',
      ]);
    });

    it('buggy IPs never apply to IPv6', () => {
      const a = allocator(
        pool('p', ['2001:db8::ff/128', '2001:db8::100/128'], '  avoid-buggy-ips: true\n'),
      );
      expect(got(a.allocate('ns/a', 6, claim()))).to.equal('2001:db8::ff');
      expect(got(a.allocate('ns/b', 6, claim()))).to.equal('2001:db8::100');
    });
  });

  describe('sharing', () => {
    it('sharing: same key and disjoint ports share one address', () => {
      const a = allocator(pool('p', ['192.0.2.0/30']));
      expect(got(a.allocate('ns/web', 4, claim([80], 'k')))).to.equal('192.0.2.0');
      expect(got(a.allocate('ns/dns', 4, claim([53], 'k')))).to.equal('192.0.2.0');
      expect(a.servicesOn(ip('192.0.2.0'))).to.deep.equal(['ns/web', 'ns/dns']);
      expect(a.stats('p')).to.deep.include({ addressesInUse: 1, servicesAllocated: 2 });
    });

    it('sharing: the same port is refused, the allocation moves to the next address', () => {
      const a = allocator(pool('p', ['192.0.2.0/30']));
      got(a.allocate('ns/web', 4, claim([80], 'k')));
      refused(
        a.assign('ns/web2', ip('192.0.2.0'), claim([80], 'k')),
        'port TCP/80 is already in use on 192.0.2.0 by ns/web',
      );
      expect(got(a.allocate('ns/web2', 4, claim([80], 'k')))).to.equal('192.0.2.1');
    });

    it('sharing: the same number under another protocol does not collide', () => {
      const a = allocator(pool('p', ['192.0.2.0/30']));
      got(a.allocate('ns/tcp', 4, claim([53], 'k')));
      const udp: Claim = {
        ports: [{ protocol: 'UDP', port: 53 }],
        sharingKey: 'k',
        backendKey: '',
      };
      expect(got(a.assign('ns/udp', ip('192.0.2.0'), udp))).to.equal('192.0.2.0');
    });

    it('sharing: different keys are refused', () => {
      const a = allocator(pool('p', ['192.0.2.0/30']));
      got(a.allocate('ns/a', 4, claim([80], 'k1')));
      refused(
        a.assign('ns/b', ip('192.0.2.0'), claim([443], 'k2')),
        'sharing key "k2" does not match "k1"',
      );
      expect(got(a.allocate('ns/b', 4, claim([443], 'k2')))).to.equal('192.0.2.1');
    });

    it('sharing: no key on either side is refused', () => {
      const a = allocator(pool('p', ['192.0.2.0/30']));
      got(a.allocate('ns/a', 4, claim([80])));
      refused(a.assign('ns/b', ip('192.0.2.0'), claim([443], 'k')), 'does not allow sharing');
      got(a.allocate('ns/c', 4, claim([80], 'k')));
      refused(
        a.assign('ns/d', ip('192.0.2.1'), claim([443])),
        'this Service does not allow sharing',
      );
    });

    it('sharing: Local policy with different selectors is refused', () => {
      const a = allocator(pool('p', ['192.0.2.0/30']));
      got(a.allocate('ns/a', 4, claim([80], 'k', 'app=web')));
      refused(
        a.assign('ns/b', ip('192.0.2.0'), claim([443], 'k', 'app=api')),
        'different backends',
      );
      expect(got(a.assign('ns/c', ip('192.0.2.0'), claim([443], 'k', 'app=web')))).to.equal(
        '192.0.2.0',
      );
    });

    it('sharing: a sole owner may change its own sharing key', () => {
      const a = allocator(pool('p', ['192.0.2.0/30']));
      got(a.allocate('ns/a', 4, claim([80], 'old')));
      expect(got(a.assign('ns/a', ip('192.0.2.0'), claim([80], 'new')))).to.equal('192.0.2.0');
      expect(got(a.allocate('ns/b', 4, claim([443], 'new'))), 'joins under the new key').to.equal(
        '192.0.2.0',
      );
      refused(a.assign('ns/a', ip('192.0.2.0'), claim([80], 'other')), 'in use by ns/b');
    });

    it('sharing: a shareable lower address wins over a free higher one', () => {
      const a = allocator(pool('p', ['192.0.2.0/30']));
      got(a.allocate('ns/a', 4, claim([80], 'k')));
      got(a.allocate('ns/b', 4, claim([80])));
      expect(got(a.allocate('ns/c', 4, claim([443], 'k')))).to.equal('192.0.2.0');
    });

    it('sharing: the address is freed only when its last Service goes', () => {
      const a = allocator(pool('p', ['192.0.2.0/31']));
      got(a.allocate('ns/a', 4, claim([80], 'k')));
      got(a.allocate('ns/b', 4, claim([443], 'k')));
      a.unassign('ns/a');
      expect(got(a.allocate('ns/c', 4, claim([80]))), '.0 still held by ns/b').to.equal(
        '192.0.2.1',
      );
      a.unassign('ns/b');
      expect(got(a.allocate('ns/d', 4, claim([80])))).to.equal('192.0.2.0');
    });
  });

  describe('exhaustion', () => {
    it('pool exhaustion, and recovery after unassign', () => {
      const a = allocator(pool('p', ['192.0.2.0/31']));
      got(a.allocate('ns/a', 4, claim()));
      got(a.allocate('ns/b', 4, claim()));
      refused(a.allocate('ns/c', 4, claim()), 'no available IPv4 address');
      expect(a.unassign('ns/a')).to.equal(true);
      expect(a.unassign('ns/a'), 'unassign is idempotent').to.equal(false);
      expect(got(a.allocate('ns/c', 4, claim()))).to.equal('192.0.2.0');
    });
  });

  describe('config changes', () => {
    it('config change that keeps assignments: a wider pool', () => {
      const a = allocator(pool('p', ['192.0.2.0/30']));
      got(a.allocate('ns/a', 4, claim()));
      expect(a.setPools(config(pool('p', ['192.0.2.0/24']))).ok).to.equal(true);
      expect(formatIP(a.ipOf('ns/a') as IPAddress)).to.equal('192.0.2.0');
      expect(got(a.allocate('ns/b', 4, claim()))).to.equal('192.0.2.1');
      expect(a.stats('p')).to.deep.include({ capacity: 256n, addressesInUse: 2 });
    });

    it('config change that moves assignments: a renamed pool keeps its Services', () => {
      const a = allocator(pool('old', ['192.0.2.0/30']));
      got(a.allocate('ns/a', 4, claim()));
      expect(a.setPools(config(pool('new', ['192.0.2.0/30']))).ok).to.equal(true);
      expect(a.poolOf('ns/a')).to.equal('new');
      expect(a.stats('new')).to.deep.include({ addressesInUse: 1, servicesAllocated: 1 });
      expect(a.stats('old')).to.equal(undefined);
      expect(got(a.allocate('ns/b', 4, claim()))).to.equal('192.0.2.1');
    });

    it('config change that moves assignments: an address split into another pool', () => {
      const a = allocator(pool('all', ['192.0.2.0/30']));
      got(a.assign('ns/a', ip('192.0.2.3'), claim()));
      expect(
        a.setPools(config(pool('low', ['192.0.2.0/31']) + pool('high', ['192.0.2.2/31']))).ok,
      ).to.equal(true);
      expect(a.poolOf('ns/a')).to.equal('high');
    });

    it('config change that orphans assignments is refused, naming them, and changes nothing', () => {
      const a = allocator(pool('p', ['192.0.2.0/30']));
      got(a.allocate('ns/a', 4, claim()));
      got(a.allocate('ns/b', 4, claim()));
      const result = a.setPools(config(pool('p', ['192.0.2.1/32', '198.51.100.0/30'])));
      expect(result.ok).to.equal(false);
      expect(result.orphans).to.deep.equal([{ service: 'ns/a', ip: '192.0.2.0' }]);
      if (!result.ok) expect(result.error).to.include('ns/a (192.0.2.0)');
      expect(a.stats('p')?.capacity, 'the old pools stay').to.equal(4n);
      expect(got(a.allocate('ns/c', 4, claim()))).to.equal('192.0.2.2');
    });

    it('config change that turns on avoid-buggy-ips orphans a held .0', () => {
      const a = allocator(pool('p', ['192.0.2.0/24']));
      got(a.allocate('ns/a', 4, claim()));
      expect(
        a.setPools(config(pool('p', ['192.0.2.0/24'], '  avoid-buggy-ips: true\n'))).ok,
      ).to.equal(false);
    });

    it('an IPv6 /64 pool is never enumerated', () => {
      const a = allocator(pool('big', ['2001:db8::/48']));
      expect(a.stats('big')?.capacity).to.equal(1n << 80n);
      got(a.assign('ns/top', ip('2001:db8:0:ffff:ffff:ffff:ffff:ffff'), claim()));
      expect(got(a.allocate('ns/a', 6, claim()))).to.equal('2001:db8::');
    });
  });
});
