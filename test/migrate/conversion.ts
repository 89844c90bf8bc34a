/**
 * What `to-crds` must give for any v0.9 config: resources that validate
 * against the CRD schemas, with valid names unique per kind, that mean what
 * the ConfigMap meant, read back by an interpreter written here
 * independently of toCrds. Declared once, run with the recorded schemas
 * (crds.test.ts) and with the CRD files (test/upstream/).
 */
import { expect } from 'chai';
import type { ValidateFunction } from 'ajv';
import { configView, parseConfig, type Config, type ConfigView } from '../../src/config/index.js';
import { findConfig } from '../../src/cli/index.js';
import { formatCidr, makeRange, parseCidr, parseIP, rangeToCidrs } from '../../src/ip/index.js';
import { toCrds, type Resource } from '../../src/migrate/index.js';

const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/;

/** A config with every feature `to-crds` converts (and a pool name that is no valid name). */
export const RICH = `
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

export function configFrom(text: string): Config {
  const found = findConfig(text, undefined);
  const raw = found.ok ? found.found.text : text;
  const result = parseConfig(raw);
  if (!result.ok) throw new Error(JSON.stringify(result.errors));
  return result.config;
}

export const spec = (r: Resource): Record<string, unknown> =>
  (r['spec'] ?? {}) as Record<string, unknown>;
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

/** The two tests of one input: `label` names it, `text` is a ConfigMap or a bare config. */
export function describeConversion(
  label: string,
  text: string,
  validators: ReadonlyMap<string, ValidateFunction>,
): void {
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
