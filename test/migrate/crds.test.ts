/**
 * `to-crds`: every resource validates against current MetalLB's CRD schemas
 * as test/fixtures/upstream-facts/crds-v0.15.json records them (unknown
 * fields refused as the API server prunes or refuses them) with a valid,
 * unique name; read back by an interpreter written here, the resources mean
 * what the ConfigMap meant. test/upstream/crds.test.ts runs the same checks
 * with the CRD files themselves.
 */
import { expect } from 'chai';
import { parseConfigData } from '../../src/config/index.js';
import { toCrds, type Resource } from '../../src/migrate/index.js';
import { configOfConfigMap, OWN_SAMPLES } from '../support/v09-samples.js';
import { configFrom, describeConversion, RICH, spec } from './conversion.js';
import { recordedCrdFacts, validatorsOfFacts, WRITTEN_KINDS } from './crd-schemas.js';

describe('migrate: to-crds', () => {
  const validators = validatorsOfFacts(recordedCrdFacts());

  it('has the schemas of the five kinds it writes', () => {
    for (const key of WRITTEN_KINDS) expect(validators.has(key), key).to.equal(true);
  });

  describeConversion('sample bgp-configmap.yaml', configOfConfigMap(OWN_SAMPLES.bgp), validators);
  describeConversion(
    'sample layer2-configmap.yaml',
    configOfConfigMap(OWN_SAMPLES.layer2),
    validators,
  );
  describeConversion('a config with every feature', RICH, validators);

  it('the validators refuse an unknown field and a wrong type (they can fail)', () => {
    const pool = validators.get('metallb.io/v1beta1/IPAddressPool');
    const base = {
      apiVersion: 'metallb.io/v1beta1',
      kind: 'IPAddressPool',
      metadata: { name: 'p' },
    };
    expect(pool?.({ ...base, spec: { addresses: ['192.0.2.0/24'] } })).to.equal(true);
    expect(pool?.({ ...base, spec: { addresses: ['192.0.2.0/24'], autoassign: false } })).to.equal(
      false,
    );
    expect(pool?.({ ...base, spec: { addresses: ['192.0.2.0/24'], autoAssign: 'no' } })).to.equal(
      false,
    );
    expect(pool?.({ ...base, spec: {} })).to.equal(false);
  });

  it('keeps passwords out of BGPPeer and in basic-auth Secrets', () => {
    const config = configFrom(RICH);
    const { resources } = toCrds(config, 'metallb-system');
    const text = JSON.stringify(resources.filter((r) => r.kind !== 'Secret'));
    expect(text).to.not.contain('s3cret');
    const secrets = resources.filter((r) => r.kind === 'Secret');
    expect(secrets).to.have.length(1);
    expect(secrets[0]?.['type']).to.equal('kubernetes.io/basic-auth');
    expect(secrets[0]?.['stringData']).to.deep.equal({ password: 's3cret: with spaces' });
    const peer = resources.find((r) => r.kind === 'BGPPeer');
    expect(spec(peer as Resource)['passwordSecret']).to.deep.equal({
      name: secrets[0]?.metadata.name,
      namespace: 'metallb-system',
    });
  });

  it('renames what is no valid name, keeps valid names, and says so', () => {
    const { renames, notes, resources } = toCrds(configFrom(RICH), 'metallb-system');
    expect(renames).to.deep.equal([{ kind: 'IPAddressPool', from: 'Web Pool', to: 'web-pool-2' }]);
    expect(notes.some((n) => n.includes('must name web-pool-2'))).to.equal(true);
    const peers = resources.filter((r) => r.kind === 'BGPPeer').map((r) => r.metadata.name);
    expect(peers).to.deep.equal([
      'peer-203-0-113-1',
      'peer-203-0-113-1-port-1179',
      'peer-2001-db8--1',
    ]);
    const ads = resources.filter((r) => r.kind === 'BGPAdvertisement').map((r) => r.metadata.name);
    expect(ads).to.deep.equal(['web-pool-1', 'web-pool-2', 'plain']);
  });

  it('uses an alias only where exactly one names the value', () => {
    const { resources } = toCrds(configFrom(RICH), 'metallb-system');
    const first = resources.find((r) => r.kind === 'BGPAdvertisement');
    // 65535:65281 has two aliases, so it stays a number; 64500:7 is "blue".
    expect(spec(first as Resource)['communities']).to.deep.equal([
      'blue',
      '64500:9',
      '65535:65281',
    ]);
  });

  it('reports a peer port the BGPPeer CRD cannot hold', () => {
    const config = configFrom(`peers:
- {peer-address: 203.0.113.1, peer-asn: 64501, my-asn: 64500, peer-port: 20000}
`);
    const { problems } = toCrds(config, 'metallb-system');
    expect(problems).to.have.length(1);
    expect(problems[0]).to.contain('peer-port 20000');
  });

  it('writes addresses as v0.9 read them, leaving out a range that covers none, with a warning', () => {
    // v0.9.6 config.go parseCIDR: ipaddr.Summarize gives a range written end first no prefix;
    // Go's net package reads ::ffff:10.0.0.0/120 as 10.0.0.0/24 and 010 as 10.
    const config = configFrom(`address-pools:
- name: p
  protocol: layer2
  addresses: [192.0.2.9-192.0.2.1, "::ffff:10.0.0.0/120", 198.51.100.010-198.51.100.020]
`);
    const conversion = toCrds(config, 'metallb-system');
    const pool = conversion.resources.find((r) => r.kind === 'IPAddressPool');
    expect(spec(pool as Resource)['addresses']).to.deep.equal([
      '10.0.0.0/24',
      '198.51.100.10-198.51.100.20',
    ]);
    expect(conversion.problems).to.deep.equal([]);
    expect(conversion.warnings).to.deep.equal([
      'pool "p": "192.0.2.9-192.0.2.1" covers no address (as v0.9 read it) and is left out of IPAddressPool p',
    ]);
  });

  it('warns that balancer classes are not carried over, and writes the rest', () => {
    const withClasses = parseConfigData({
      config: 'address-pools:\n- name: default\n  protocol: layer2\n  addresses: [192.0.2.0/25]\n',
      'balancer-classes': '- name: edge\n  addresses: [203.0.113.16/28]\n',
    });
    if (!withClasses.ok) throw new Error(JSON.stringify(withClasses.errors));
    const conversion = toCrds(withClasses.config, 'metallb-system');
    expect(conversion.problems).to.deep.equal([]);
    expect(conversion.warnings).to.have.length(1);
    expect(conversion.warnings[0]).to.contain('"edge"');
    expect(conversion.warnings[0]).to.contain('not carried over');
    expect(conversion.warnings[0]).to.contain('no equivalent');
    // Nothing of the class is written: only the pool's two resources.
    expect(conversion.resources.map((r) => [r.kind, r.metadata.name])).to.deep.equal([
      ['IPAddressPool', 'default'],
      ['L2Advertisement', 'default'],
    ]);
    expect(JSON.stringify(conversion.resources)).not.to.contain('203.0.113');
    expect(toCrds(configFrom(RICH), 'metallb-system').warnings).to.deep.equal([]);
  });
});
