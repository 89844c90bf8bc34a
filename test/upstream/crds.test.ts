/**
 * Upstream comparison tier: the record of current MetalLB's CRD schemas
 * (test/fixtures/upstream-facts/crds-v0.15.json) is what the CRD files say,
 * and `to-crds` output validates against the files themselves.
 */
import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { configFrom, describeConversion, RICH } from '../migrate/conversion.js';
import {
  crdFactsOfFiles,
  recordedCrdFacts,
  validatorsOfFiles,
  WRITTEN_KINDS,
} from '../migrate/crd-schemas.js';
import { toCrds } from '../../src/migrate/index.js';
import { describeUpstream } from '../support/upstream.js';
import { OWN_SAMPLES } from '../support/v09-samples.js';
import { upstreamSamples } from './samples.js';

describeUpstream('v0.15 CRD schemas', (files) => {
  const validators = validatorsOfFiles(files.crds);

  it('the recorded schemas are what the CRD files say', () => {
    expect(recordedCrdFacts()).to.deep.equal(crdFactsOfFiles(files.crds));
  });

  it('the files serve the five kinds to-crds writes, at the versions it writes', () => {
    for (const key of WRITTEN_KINDS) expect(validators.has(key), key).to.equal(true);
    const written = toCrds(configFrom(RICH), 'metallb-system').resources.filter(
      (r) => r.kind !== 'Secret',
    );
    expect([...new Set(written.map((r) => `${r.apiVersion}/${r.kind}`))].sort()).to.deep.equal(
      [...WRITTEN_KINDS].sort(),
    );
  });

  const v09 = upstreamSamples(files);
  for (const [label, file] of [
    ['v0.9 example-config.yaml', v09.bgp],
    ['v0.9 example-layer2-config.yaml', v09.layer2],
    ['sample bgp-configmap.yaml', OWN_SAMPLES.bgp],
    ['sample layer2-configmap.yaml', OWN_SAMPLES.layer2],
  ] as const)
    describeConversion(label, readFileSync(file, 'utf8'), validators);
  describeConversion('a config with every feature', RICH, validators);
});
