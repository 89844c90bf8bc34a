/**
 * The CLI on v0.9 ConfigMaps as an operator runs it: `config validate`,
 * `migrate check`, `migrate to-crds` and `plan`. Declared once and run on
 * this project's samples (examples.test.ts) and on MetalLB v0.9.6's example
 * configs (test/upstream/), each with what it should print.
 */
import { expect } from 'chai';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadAll } from 'js-yaml';
import { runCli } from '../support/cli.js';
import { FIXTURES } from '../support/paths.js';
import type { V09Samples } from '../support/v09-samples.js';

/** Services of the layer2 pool 192.168.1.240/28: .241 held, .250 asked for and held, one waiting. */
const SERVICES = join(FIXTURES, 'migrate', 'services.yaml');

interface ValidateJson {
  valid: boolean;
  config?: {
    pools: { cidrs: string[]; addresses: string; bgpAdvertisements: { communities: string[] }[] }[];
    peers: { holdTimeSeconds: number; hasPassword: boolean }[];
  };
}

/** What `plan --json` prints. */
export interface PlanJson {
  services: {
    service: string;
    ip: string | null;
    pool: string | null;
    changed: boolean;
    error: string | null;
  }[];
  skipped: number;
  orphaned: { service: string; ip: string }[];
}

export function describeV09Examples(samples: V09Samples): void {
  const { bgp, layer2, bgpExpect: want } = samples;

  describe(`cli: config validate on ${samples.origin}`, () => {
    it('normalises the BGP config: CIDR, range prefixes, hold time, community alias', async () => {
      const ran = await runCli(['config', 'validate', '--json', bgp]);
      const result = JSON.parse(ran.stdout) as ValidateJson;
      expect(ran.code).to.equal(0);
      expect(result.valid).to.equal(true);
      const pool = result.config?.pools[0];
      expect(pool?.cidrs).to.deep.equal(want.cidrs);
      expect(pool?.addresses).to.equal(want.addresses);
      expect(pool?.bgpAdvertisements[0]?.communities).to.deep.equal(want.communities);
      expect(result.config?.peers[0]?.holdTimeSeconds).to.equal(want.holdTimeSeconds);
      expect(result.config?.peers[0]?.hasPassword).to.equal(true);
      expect(ran.stdout, 'the password is never printed').not.to.include(want.password);
    });

    it('summarises the layer2 config for a person', async () => {
      const ran = await runCli(['config', 'validate', layer2]);
      expect(ran.code).to.equal(0);
      expect(ran.stdout).to.match(/valid config, 1 address pool, 0 BGP peers/);
      expect(ran.stdout).to.contain(
        `pool ${samples.layer2Pool} (layer2): 16 addresses in 192.168.1.240/28`,
      );
    });
  });

  describe(`cli: migrate on ${samples.origin}`, () => {
    let dir: string;
    beforeEach(() => {
      dir = mkdtempSync(join(tmpdir(), 'metallb-ts-migrate-'));
    });
    afterEach(() => rmSync(dir, { recursive: true, force: true }));

    it('check: safe when the config reads the same and no address moves', async () => {
      const ran = await runCli(['migrate', 'check', '--config', layer2, '--services', SERVICES]);
      expect(ran.code).to.equal(0);
      expect(ran.stdout.trimEnd().split('\n')).to.deep.equal([
        'config: metallb-ts reads it exactly as v0.9 does (1 address pool, 0 BGP peers)',
        'services: 2 Services keep their address, 0 would move, 0 would lose it',
        '1 Service without an address now:',
        // .240 is the lowest free address of 192.168.1.240/28 (.241 and .250 are held)
        '  shop/waiting: would get 192.168.1.240',
        'safe to upgrade: metallb-ts starts with the config v0.9 runs on, and no Service address changes',
      ]);
    });

    it('check: not safe when a held address leaves the pools, with --json', async () => {
      const config = join(dir, 'config.yaml');
      const text = readFileSync(layer2, 'utf8');
      expect(text).to.contain('192.168.1.240/28');
      writeFileSync(config, text.replace('192.168.1.240/28', '192.168.1.240/29'));
      const ran = await runCli([
        'migrate',
        'check',
        '--json',
        '--config',
        config,
        '--services',
        SERVICES,
      ]);
      expect(ran.code).to.equal(1);
      const result = JSON.parse(ran.stdout) as {
        safe: boolean;
        services: { moved: { service: string; previousIp: string; ip: string }[] };
      };
      expect(result.safe).to.equal(false);
      // .250 is outside .240/29 (.240-.247) and was asked for by loadBalancerIP: it is lost, not moved.
      expect(result.services.moved.map((s) => s.service)).to.deep.equal([]);
      const human = await runCli(['migrate', 'check', '--config', config, '--services', SERVICES]);
      expect(human.stdout).to.contain('shop/api: 192.168.1.250 would LOSE its address');
      expect(human.stdout.trimEnd().split('\n').pop()).to.equal('NOT safe to upgrade: see above');
    });

    it('check: lists what v0.9 accepted as written as warnings, with lines of the file', async () => {
      // v0.9.6 config.go parsePeer accepts an IPv6 router-id; internal/bgp New drops it (To4).
      const config = join(dir, 'config.yaml');
      const text = readFileSync(bgp, 'utf8');
      expect(text).to.contain(want.routerId);
      writeFileSync(config, text.replace(want.routerId, 'router-id: 2001:db8::4'));
      const ran = await runCli(['migrate', 'check', '--config', config, '--services', SERVICES]);
      const lines = ran.stdout.split('\n');
      expect(lines[0]).to.match(/^config: metallb-ts reads it exactly as v0\.9 does/);
      expect(lines[1]).to.equal(
        '1 warning: v0.9 accepted this text, probably not as meant, and metallb-ts reads it alike:',
      );
      expect(lines[2]).to.match(
        /^ {2}peers\[0\]\.router-id \(line \d+\): router-id 2001:db8::4 is IPv6, .*v0\.9 accepts it and drops it/,
      );
      expect(lines[2]).to.contain(`(line ${want.routerIdLine})`);
      expect(ran.stdout).to.contain('services: ');
    });

    it('to-crds -o FILE: YAML documents only the owner can read', async () => {
      const out = join(dir, 'crds.yaml');
      const ran = await runCli(['migrate', 'to-crds', '--config', bgp, '-o', out]);
      expect(ran.code).to.equal(0);
      expect(ran.stderr).to.contain('wrote 5 resources to');
      expect(statSync(out).mode & 0o777).to.equal(0o600);
      const kinds = loadAll(readFileSync(out, 'utf8')).map((d) => (d as { kind: string }).kind);
      expect(kinds).to.deep.equal([
        'IPAddressPool',
        'BGPAdvertisement',
        'Community',
        'Secret',
        'BGPPeer',
      ]);
    });

    it('check and to-crds: a ConfigMap with balancer classes', async () => {
      const config = join(dir, 'config.yaml');
      const original = readFileSync(layer2, 'utf8');
      writeFileSync(
        config,
        `${original}  balancer-classes: |\n    - name: edge\n      addresses: [203.0.113.16/28]\n`,
      );
      const check = await runCli(['migrate', 'check', '--config', config, '--services', SERVICES]);
      expect(check.code, check.stdout).to.equal(0);
      const lines = check.stdout.trimEnd().split('\n');
      expect(lines.slice(0, 2)).to.deep.equal([
        'config: metallb-ts reads it exactly as v0.9 does (1 address pool, 0 BGP peers)',
        'balancer-classes: 1 balancer class, a metallb-ts extension that v0.9 ignores (see the note)',
      ]);
      expect(check.stdout).to.match(
        /^note: balancer classes "edge" .*to-crds does not carry them over/m,
      );
      expect(lines.pop()).to.match(/^safe to upgrade/);

      const convert = await runCli(['migrate', 'to-crds', '--config', config]);
      expect(convert.code).to.equal(0);
      expect(convert.stdout).to.match(/^# WARNING: balancer classes "edge" .*not carried over/m);
      expect(convert.stderr).to.match(/^warning: balancer classes "edge" .*not carried over/m);
      expect(convert.stdout).not.to.contain('203.0.113.16');

      // A bad class is named with its line in the file: its block starts on the line after the
      // original file's last, and the addresses are two lines further.
      const addressesLine = original.trimEnd().split('\n').length + 3;
      writeFileSync(
        config,
        readFileSync(config, 'utf8').replace('203.0.113.16/28', '192.168.1.240/30'),
      );
      const bad = await runCli(['migrate', 'check', '--config', config, '--services', SERVICES]);
      expect(bad.code).to.equal(1);
      expect(bad.stdout).to.contain(
        `  balancer-classes[0].addresses[0] (line ${addressesLine}): 192.168.1.240/30 overlaps`,
      );
      expect(bad.stdout).to.match(/DIFFERENCE: v0\.9 never reads the balancer-classes data key/);
    });
  });

  describe(`cli: plan on ${samples.origin}, tried as a new user would`, () => {
    const pool = want.pool;

    it('gives each impossible request one clear line and still plans the rest', async () => {
      const ran = await runCli(['plan', '--config', bgp, '--services', want.planServices]);
      expect(ran.code, 'some Services get no address').to.equal(1);
      expect(ran.stdout.trimEnd().split('\n')).to.deep.equal([
        `shop/web: 198.51.100.7 from pool ${pool}, unchanged`,
        'shop/outside: no address: 203.0.113.50 is not in any address pool',
        'shop/nopool: no address: unknown pool "gold"',
        'shop/v6: no address: no pool with auto-assign has IPv6 addresses',
        // 198.51.100.0 is avoided (avoid-buggy-ips), .7 is held by shop/web
        `shop/api: 198.51.100.1 from pool ${pool}, new`,
        '5 LoadBalancer Services: 1 unchanged, 1 new, 0 changed, 3 without an address; 1 other Services left alone',
      ]);
    });

    it('prints the JSON shape, in file order, LoadBalancer Services only', async () => {
      const ran = await runCli([
        'plan',
        '--json',
        '--config',
        bgp,
        '--services',
        want.planServices,
      ]);
      const plan = JSON.parse(ran.stdout) as PlanJson;
      expect(plan.services.map((s) => s.service)).to.deep.equal([
        'shop/web',
        'shop/outside',
        'shop/nopool',
        'shop/v6',
        'shop/api',
      ]);
      expect(plan.services[0]).to.deep.include({
        ip: '198.51.100.7',
        pool,
        changed: false,
        error: null,
      });
      expect(plan.services[2]).to.deep.include({
        ip: null,
        pool: null,
        changed: false,
        error: 'unknown pool "gold"',
      });
      expect(plan.services[4]).to.deep.include({ ip: '198.51.100.1', changed: true });
      expect(plan.skipped).to.equal(1);
    });
  });
}
