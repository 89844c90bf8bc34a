/**
 * `metallb-ts migrate check` and `migrate to-crds`: usage errors and invalid
 * configs (the runs on v0.9 ConfigMaps are in examples.ts).
 */
import { expect } from 'chai';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../support/cli.js';
import { OWN_SAMPLES } from '../support/v09-samples.js';

const LAYER2 = OWN_SAMPLES.layer2;

describe('cli: migrate', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'metallb-ts-migrate-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('check: usage errors exit 2', async () => {
    expect((await runCli(['migrate', 'check', '--config', LAYER2])).code).to.equal(2);
    expect(
      (await runCli(['migrate', 'check', '--config', LAYER2, '--services', join(dir, 'none')]))
        .code,
    ).to.equal(2);
    expect((await runCli(['migrate'])).code).to.equal(2);
    expect((await runCli(['migrate', 'sideways'])).code).to.equal(2);
    expect((await runCli(['migrate', '--help'])).code).to.equal(0);
  });

  it('to-crds: an invalid config converts nothing and exits 1', async () => {
    const config = join(dir, 'config.yaml');
    writeFileSync(
      config,
      'address-pools:\n- name: x\n  protocol: layer3\n  addresses: [192.0.2.0/24]\n',
    );
    const ran = await runCli(['migrate', 'to-crds', '--config', config]);
    expect(ran.code).to.equal(1);
    expect(ran.stdout).to.equal('');
    expect(ran.stderr).to.contain('address-pools[0].protocol (line 3)');
  });
});
