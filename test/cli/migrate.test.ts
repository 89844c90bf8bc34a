/**
 * `metallb-ts migrate check` and `migrate to-crds`: usage errors and invalid
 * configs (the runs on v0.9 ConfigMaps are in examples.ts).
 */
import { expect } from 'chai';
import { loadAll } from 'js-yaml';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../support/cli.js';
import { goYamlJudgeAvailable, goYamlValues } from '../support/go-yaml-judge.js';
import { FIXTURES } from '../support/paths.js';
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

  it('check: lists each warning as what v0.9 did with it, and stays safe', async () => {
    // The sample ConfigMap with a range written end first after its pool's /28 (line 16 of the
    // file): v0.9.6 config.go parseCIDR accepts it and ipaddr.Summarize gives it no address.
    const config = join(dir, 'config.yaml');
    writeFileSync(config, `${readFileSync(LAYER2, 'utf8')}      - 192.168.1.250-192.168.1.200\n`);
    const inputs = ['--config', config, '--services', join(FIXTURES, 'migrate', 'services.yaml')];
    const ran = await runCli(['migrate', 'check', ...inputs]);
    expect(ran.code, ran.stdout).to.equal(0);
    expect(ran.stdout).to.contain(
      '1 warning: v0.9 accepted this text, probably not as meant, and metallb-ts reads it alike:\n' +
        '  address-pools[0].addresses[1] (line 16): the range 192.168.1.250-192.168.1.200 ends before it starts: v0.9 accepts it and it covers no address',
    );
    const json = await runCli(['migrate', 'check', '--json', ...inputs]);
    const result = JSON.parse(json.stdout) as { config: { warnings: { path: string }[] } };
    expect(result.config.warnings.map((w) => w.path)).to.deep.equal([
      'address-pools[0].addresses[1]',
    ]);
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

  it('to-crds: kubectl reads the values written, strings that look like YAML 1.1 booleans too', async function () {
    if (!goYamlJudgeAvailable()) this.skip(); // reported as skipped: Go or yaml.v2's sources are missing
    this.timeout(180_000);
    // kubectl reads a file with sigs.k8s.io/yaml over go-yaml v2 (YAML 1.1), where a bare `yes`
    // is true: the pool named "yes" and the label value "007" must come out quoted.
    const configs = ['valid-scalars-as-literal-strings.yaml', 'valid-everything.yaml'];
    for (const name of configs) {
      const ran = await runCli(['migrate', 'to-crds', '--config', join(FIXTURES, 'configs', name)]);
      expect(ran.code, ran.stderr).to.equal(0);
      const documents = ran.stdout.split(/^---\n/m);
      const verdicts = await goYamlValues(documents);
      expect(
        verdicts.map((v) => v.value),
        name,
      ).to.deep.equal(
        loadAll(ran.stdout).map((value) => JSON.parse(JSON.stringify(value)) as unknown),
      );
    }
  });
});
