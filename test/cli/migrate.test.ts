/**
 * `metallb-ts migrate check` and `migrate to-crds` as an operator runs them.
 */
import { expect } from 'chai';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { processIO, run, type CliIO } from '../../src/cli/index.js';
import { FIXTURES, SHARED } from '../support/paths.js';

async function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const io: CliIO = { ...processIO(), stdout: (t) => (stdout += t), stderr: (t) => (stderr += t) };
  const code = await run(args, io);
  return { code, stdout, stderr };
}

const LAYER2 = join(SHARED, 'upstream-v0.9/manifests/example-layer2-config.yaml');
const EXAMPLE = join(SHARED, 'upstream-v0.9/manifests/example-config.yaml');
const SERVICES = join(FIXTURES, 'migrate', 'services.yaml');

describe('cli: migrate', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'metallb-ts-migrate-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('check: safe when the config reads the same and no address moves', async () => {
    const ran = await cli(['migrate', 'check', '--config', LAYER2, '--services', SERVICES]);
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
    writeFileSync(
      config,
      readFileSync(LAYER2, 'utf8').replace('192.168.1.240/28', '192.168.1.240/29'),
    );
    const ran = await cli([
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
    const text = await cli(['migrate', 'check', '--config', config, '--services', SERVICES]);
    expect(text.stdout).to.contain('shop/api: 192.168.1.250 would LOSE its address');
    expect(text.stdout.trimEnd().split('\n').pop()).to.equal('NOT safe to upgrade: see above');
  });

  it('check: lists what v0.9 accepted and metallb-ts refuses, with lines of the file', async () => {
    const config = join(dir, 'config.yaml');
    writeFileSync(
      config,
      readFileSync(EXAMPLE, 'utf8').replace('router-id: 1.2.3.4', 'router-id: 2001:db8::4'),
    );
    const ran = await cli(['migrate', 'check', '--config', config, '--services', SERVICES]);
    expect(ran.code).to.equal(1);
    const lines = ran.stdout.split('\n');
    expect(lines[0]).to.equal(
      'config: metallb-ts refuses this ConfigMap, so new pods would start without a config:',
    );
    expect(lines[1]).to.match(/^ {2}peers\[0\]\.router-id \(line 27\): router-id must be an IPv4/);
    expect(lines[2]).to.match(/^ {4}DIFFERENCE: v0\.9 accepted an IPv6 router-id/);
    expect(ran.stdout).to.contain('services: not checked');
  });

  it('check: usage errors exit 2', async () => {
    expect((await cli(['migrate', 'check', '--config', LAYER2])).code).to.equal(2);
    expect(
      (await cli(['migrate', 'check', '--config', LAYER2, '--services', join(dir, 'none')])).code,
    ).to.equal(2);
    expect((await cli(['migrate'])).code).to.equal(2);
    expect((await cli(['migrate', 'sideways'])).code).to.equal(2);
    expect((await cli(['migrate', '--help'])).code).to.equal(0);
  });

  it('to-crds -o FILE: YAML documents only the owner can read', async () => {
    const out = join(dir, 'crds.yaml');
    const ran = await cli(['migrate', 'to-crds', '--config', EXAMPLE, '-o', out]);
    expect(ran.code).to.equal(0);
    expect(ran.stderr).to.contain('wrote 5 resources to');
    expect(statSync(out).mode & 0o777).to.equal(0o600);
    const kinds = parseAllDocuments(readFileSync(out, 'utf8')).map(
      (d) => (d.toJS() as { kind: string }).kind,
    );
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
    writeFileSync(
      config,
      `${readFileSync(LAYER2, 'utf8')}  balancer-classes: |\n    - name: edge\n      addresses: [203.0.113.16/28]\n`,
    );
    const check = await cli(['migrate', 'check', '--config', config, '--services', SERVICES]);
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

    const convert = await cli(['migrate', 'to-crds', '--config', config]);
    expect(convert.code).to.equal(0);
    expect(convert.stdout).to.match(/^# WARNING: balancer classes "edge" .*not carried over/m);
    expect(convert.stderr).to.match(/^warning: balancer classes "edge" .*not carried over/m);
    expect(convert.stdout).not.to.contain('203.0.113.16');

    // A bad class is named with its line in the file (its block starts on line 13, so the addresses are on line 15).
    writeFileSync(
      config,
      readFileSync(config, 'utf8').replace('203.0.113.16/28', '192.168.1.240/30'),
    );
    const bad = await cli(['migrate', 'check', '--config', config, '--services', SERVICES]);
    expect(bad.code).to.equal(1);
    expect(bad.stdout).to.match(
      /^ {2}balancer-classes\[0\]\.addresses\[0\] \(line 15\): 192\.168\.1\.240\/30 overlaps/m,
    );
    expect(bad.stdout).to.match(/DIFFERENCE: v0\.9 never reads the balancer-classes data key/);
  });

  it('to-crds: an invalid config converts nothing and exits 1', async () => {
    const config = join(dir, 'config.yaml');
    writeFileSync(
      config,
      'address-pools:\n- name: x\n  protocol: layer3\n  addresses: [192.0.2.0/24]\n',
    );
    const ran = await cli(['migrate', 'to-crds', '--config', config]);
    expect(ran.code).to.equal(1);
    expect(ran.stdout).to.equal('');
    expect(ran.stderr).to.contain('address-pools[0].protocol (line 3)');
  });
});
