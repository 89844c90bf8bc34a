/**
 * Upstream comparison tier: the record of MetalLB v0.9.6's manifests that
 * test/manifests/ compares ours with
 * (test/fixtures/upstream-facts/v0.9.6-manifests.json) is what the files say.
 */
import { expect } from 'chai';
import { manifestFacts, recordedManifestFacts, v09Objects } from '../manifests/support.js';
import { describeUpstream } from '../support/upstream.js';

describeUpstream('v0.9.6 manifests', ({ v09Manifests }) => {
  it('the recorded facts are what metallb.yaml and namespace.yaml say', () => {
    expect(recordedManifestFacts()).to.deep.equal(manifestFacts(v09Objects(v09Manifests)));
  });
});
