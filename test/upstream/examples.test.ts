/**
 * Upstream comparison tier: the tests that run on this project's v0.9
 * samples, run on MetalLB v0.9.6's example configs themselves.
 */
import { basename } from 'node:path';
import { describeV09Examples } from '../cli/examples.js';
import { expectDataKeyReadsAsConfig } from '../config/data-key.js';
import { describeUpstream } from '../support/upstream.js';
import { configOfConfigMap } from '../support/v09-samples.js';
import { upstreamSamples } from './samples.js';

describeUpstream("v0.9.6's example configs", (files) => {
  const samples = upstreamSamples(files);
  describeV09Examples(samples);

  describe('config: parseConfigData reads their config key exactly as parseConfig does', () => {
    for (const file of [samples.bgp, samples.layer2])
      it(basename(file), () => expectDataKeyReadsAsConfig(configOfConfigMap(file)));
  });
});
