/**
 * `to-crds`: every resource validates against current MetalLB's CRD schemas
 * (../shared/upstream-crds-v0.15, unknown fields refused as the API server
 * prunes or refuses them) with a valid, unique name; read back by an
 * interpreter written here, the resources mean what the ConfigMap meant.
 */
import { expect } from 'chai';
import { Ajv, type ValidateFunction } from 'ajv';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import {
  configView,
  parseConfig,
  parseConfigData,
  type Config,
  type ConfigView,
} from '../../src/config/index.js';
import { findConfig } from '../../src/cli/index.js';
import { formatCidr, makeRange, parseCidr, parseIP, rangeToCidrs } from '../../src/ip/index.js';
import { toCrds, type Resource } from '../../src/migrate/index.js';
import { SHARED } from '../support/paths.js';

const CRDS = join(SHARED, 'upstream-crds-v0.15');

type Schema = Record<string, unknown>;

/** Structural schemas close their objects: what they do not name is not kept. */
function closed(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(closed);
  if (typeof schema !== 'object' || schema === null) return schema;
  const out: Schema = {};
  for (const [key, value] of Object.entries(schema)) out[key] = closed(value);
  if (
    out['properties'] !== undefined &&
    out['additionalProperties'] === undefined &&
    out['x-kubernetes-preserve-unknown-fields'] !== true
  ) {
    out['additionalProperties'] = false;
  }
  return out;
}

interface CrdFile {
  spec: {
    group: string;
    names: { kind: string };
    versions: { name: string; served: boolean; schema: { openAPIV3Schema: Schema } }[];
  };
}

function crdValidators(): Map<string, ValidateFunction> {
  // Formats (int32 on ASNs up to 2^32-1) are informational in CRDs; keywords x-kubernetes-* unknown to ajv.
  const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: false });
  const validators = new Map<string, ValidateFunction>();
  for (const file of readdirSync(CRDS).filter((f) => f.endsWith('.yaml'))) {
    const crd = parse(readFileSync(join(CRDS, file), 'utf8')) as CrdFile;
    for (const version of crd.spec.versions.filter((v) => v.served)) {
      validators.set(
        `${crd.spec.group}/${version.name}/${crd.spec.names.kind}`,
        ajv.compile(closed(version.schema.openAPIV3Schema) as Schema),
      );
    }
  }
  return validators;
}

const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/;

const RICH = `
peers:
- peer-address: 203.0.113.1
  peer-asn: 64501
  my-asn: 64500
  password: "s3cret: with spaces"
  node-selectors:
  - match-labels: {rack: r1}
  - match-expressions:
    - {key: zone, operator: NotIn, values: [a, b]}
    - {key: gpu, operator: DoesNotExist}
- peer-address: 203.0.113.1
  peer-asn: 64501
  my-asn: 64500
  peer-port: 1179
  hold-time: 1m30.9s
  router-id: 192.0.2.250
- peer-address: 2001:db8::1
  peer-asn: 64500
  my-asn: 64500
  hold-time: 0s
bgp-communities:
  no-export: 65535:65281
  also-no-export: 65535:65281
  blue: 64500:7
address-pools:
- name: Web Pool
  protocol: layer2
  addresses:
  - 192.168.10.7/24
  - 192.168.20.5 - 192.168.20.20
  - 2001:db8:1::/120
- name: web-pool
  protocol: bgp
  avoid-buggy-ips: true
  auto-assign: false
  addresses: [198.51.100.0/24]
  bgp-advertisements:
  - aggregation-length: 24
    localpref: 200
    communities: [no-export, blue, "64500:9"]
  - {}
- name: plain
  protocol: bgp
  addresses: [10.20.0.0-10.20.0.255]
`;

function configFrom(text: string): Config {
  const found = findConfig(text, undefined);
  const raw = found.ok ? found.found.text : text;
  const result = parseConfig(raw);
  if (!result.ok) throw new Error(JSON.stringify(result.errors));
  return result.config;
}

const spec = (r: Resource): Record<string, unknown> => (r['spec'] ?? {}) as Record<string, unknown>;
const strings = (v: unknown): string[] => (Array.isArray(v) ? (v as string[]) : []);

/**
 * What the resources mean, in the shape of `config validate --json`,
 * read the way current MetalLB reads them (independently of toCrds).
 */
function meaning(resources: readonly Resource[]): ConfigView {
  const of = (kind: string) => resources.filter((r) => r.kind === kind);
  const aliases = new Map<string, string>();
  for (const community of of('Community')) {
    for (const entry of (spec(community)['communities'] ?? []) as { name: string; value: string }[])
      aliases.set(entry.name, entry.value);
  }
  const toValue = (c: string): number => {
    const [a, b] = (aliases.get(c) ?? c).split(':').map(Number);
    return (a ?? NaN) * 65536 + (b ?? NaN);
  };
  const pools = of('IPAddressPool').map((pool) => {
    const name = pool.metadata.name;
    const cidrs = strings(spec(pool)['addresses']).flatMap((text) => {
      if (text.includes('-')) {
        const [first, last] = text.split('-').map((t) => parseIP(t.trim()));
        if (!first?.ok || !last?.ok) throw new Error(text);
        const range = makeRange(first.value, last.value);
        if (!range.ok) throw new Error(text);
        return rangeToCidrs(range.value).map(formatCidr);
      }
      const parsed = parseCidr(text);
      if (!parsed.ok) throw new Error(text);
      return [formatCidr(parsed.value.cidr)];
    });
    const selects = (r: Resource) => strings(spec(r)['ipAddressPools']).includes(name);
    const l2 = of('L2Advertisement').filter(selects);
    const ads = of('BGPAdvertisement').filter(selects);
    expect(l2.length === 0 || ads.length === 0, `${name} is announced one way`).to.equal(true);
    return {
      name,
      protocol: l2.length > 0 ? 'layer2' : 'bgp',
      cidrs,
      avoidBuggyIps: spec(pool)['avoidBuggyIPs'] === true,
      autoAssign: spec(pool)['autoAssign'] !== false,
      bgpAdvertisements: ads.map((ad) => ({
        aggregationLength: (spec(ad)['aggregationLength'] as number | undefined) ?? 32,
        localPref: (spec(ad)['localPref'] as number | undefined) ?? 0,
        communities: strings(spec(ad)['communities'])
          .map(toValue)
          .sort((x, y) => x - y)
          .map((v) => `${Math.floor(v / 65536)}:${v % 65536}`),
      })),
    };
  });
  const peers = of('BGPPeer').map((peer) => {
    const s = spec(peer);
    const secretRef = s['passwordSecret'] as { name: string } | undefined;
    const selectors = (s['nodeSelectors'] ?? []) as {
      matchLabels?: Record<string, string>;
      matchExpressions?: { key: string; operator: string; values?: string[] }[];
    }[];
    return {
      myAsn: s['myASN'] as number,
      peerAsn: s['peerASN'] as number,
      peerAddress: s['peerAddress'] as string,
      peerPort: (s['peerPort'] as number | undefined) ?? 179,
      holdTimeSeconds: Number(/^(\d+)s$/.exec(s['holdTime'] as string)?.[1]),
      routerId: (s['routerID'] as string | undefined) ?? null,
      hasPassword:
        secretRef !== undefined &&
        resources.some((r) => r.kind === 'Secret' && r.metadata.name === secretRef.name),
      nodeSelectors: selectors.map((sel) => ({
        matchLabels: sel.matchLabels ?? {},
        matchExpressions: (sel.matchExpressions ?? []).map((e) => ({
          key: e.key,
          operator: e.operator,
          values: e.values ?? [],
        })),
      })),
    };
  });
  return { pools: pools as unknown as ConfigView['pools'], peers };
}

/** The view without the address counts, which the resources do not state. */
function comparable(view: ConfigView): unknown {
  return {
    pools: view.pools.map(({ addresses: _counted, ...rest }) => rest),
    peers: view.peers,
  };
}

describe('migrate: to-crds', () => {
  const validators = crdValidators();
  const inputs: [string, string][] = [
    [
      'v0.9 example-config.yaml',
      readFileSync(join(SHARED, 'upstream-v0.9/manifests/example-config.yaml'), 'utf8'),
    ],
    [
      'v0.9 example-layer2-config.yaml',
      readFileSync(join(SHARED, 'upstream-v0.9/manifests/example-layer2-config.yaml'), 'utf8'),
    ],
    ['a config with every feature', RICH],
  ];

  it('finds the five CRDs it writes among the schemas', () => {
    for (const key of [
      'metallb.io/v1beta1/IPAddressPool',
      'metallb.io/v1beta1/L2Advertisement',
      'metallb.io/v1beta1/BGPAdvertisement',
      'metallb.io/v1beta2/BGPPeer',
      'metallb.io/v1beta1/Community',
    ])
      expect(validators.has(key), key).to.equal(true);
  });

  for (const [label, text] of inputs) {
    it(`${label}: every resource validates and has a valid name, unique per kind`, () => {
      const { resources, problems } = toCrds(configFrom(text), 'metallb-system');
      expect(problems).to.deep.equal([]);
      const seen = new Set<string>();
      for (const resource of resources) {
        const { name, namespace } = resource.metadata;
        expect(name.length <= 253 && DNS_SUBDOMAIN.test(name), name).to.equal(true);
        expect(namespace).to.equal('metallb-system');
        const key = `${resource.kind}/${name}`;
        expect(seen.has(key), `${key} twice`).to.equal(false);
        seen.add(key);
        if (resource.kind === 'Secret') continue;
        const validate = validators.get(`${resource.apiVersion}/${resource.kind}`);
        expect(validate, resource.kind).to.not.equal(undefined);
        expect(validate?.(resource), JSON.stringify(validate?.errors)).to.equal(true);
      }
    });

    it(`${label}: the resources mean what the ConfigMap meant`, () => {
      const config = configFrom(text);
      const { resources } = toCrds(config, 'metallb-system');
      const expected = configView(config);
      // Renamed pools are compared under their new names.
      const renamed = toCrds(config, 'metallb-system').renames;
      const wanted = {
        ...expected,
        pools: expected.pools.map((p) => ({
          ...p,
          name: renamed.find((r) => r.from === p.name)?.to ?? p.name,
        })),
      };
      expect(comparable(meaning(resources))).to.deep.equal(comparable(wanted));
    });
  }

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
