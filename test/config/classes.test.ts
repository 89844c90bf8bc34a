/**
 * The `balancer-classes` data key (docs/SCALEOUT.md, "Configuration"): valid
 * classes with every default, each error with its key path and line (both
 * worked out by hand from the texts below), and parseConfigData, which reads
 * it beside the v0.9 `config` key without changing how that key reads.
 */
import { expect } from 'chai';
import { readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { load } from 'js-yaml';
import {
  parseBalancerClasses,
  parseConfig,
  parseConfigData,
  type BalancerClass,
  type ConfigError,
  type Pool,
} from '../../src/config/index.js';
import { formatCidr } from '../../src/ip/index.js';
import { FIXTURES, ROOT } from '../support/paths.js';
import { configOfConfigMap, OWN_SAMPLES } from '../support/v09-samples.js';
import { expectDataKeyReadsAsConfig, where } from './data-key.js';

/** The pools of the `config` key the classes are checked against. */
const CONFIG = `address-pools:
- name: default
  protocol: layer2
  addresses:
  - 192.0.2.0/25
- name: routed
  protocol: bgp
  addresses:
  - 198.51.100.0/24
`;

function pools(): readonly Pool[] {
  const parsed = parseConfig(CONFIG);
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
  return parsed.config.pools;
}

function classesOf(text: string): readonly BalancerClass[] {
  const result = parseBalancerClasses(text, pools());
  if (!result.ok) expect.fail(`expected valid classes, got ${JSON.stringify(result.errors)}`);
  return result.classes;
}

function errorsOf(text: string, offset = 0): ConfigError[] {
  const result = parseBalancerClasses(text, pools(), { lineOffset: offset });
  if (result.ok) expect.fail('expected errors, got valid classes');
  for (const error of result.errors) {
    expect(error.path, 'every path names the key').to.match(/^balancer-classes/);
    expect(error.message, 'a message is one line').not.to.include('\n');
  }
  return [...result.errors];
}

describe('config: balancer classes, valid', () => {
  it('applies every default to a class with only a name and addresses', () => {
    const [edge, ...rest] = classesOf('- name: edge\n  addresses:\n  - 203.0.113.16/28\n');
    expect(rest).to.deep.equal([]);
    expect(edge?.name).to.equal('edge');
    expect(edge?.ipsPerService).to.equal(2);
    expect(edge?.nodeSelectors).to.deep.equal([]);
    const pool = edge?.pool;
    expect(pool?.name).to.equal('edge');
    expect(pool?.protocol).to.equal('layer2');
    expect(pool?.autoAssign).to.equal(false);
    expect(pool?.avoidBuggyIps).to.equal(false);
    expect(pool?.bgpAdvertisements).to.deep.equal([]);
    expect(pool?.entries.map((e) => e.text)).to.deep.equal(['203.0.113.16/28']);
    expect(pool?.cidrs.map(formatCidr)).to.deep.equal(['203.0.113.16/28']);
    expect(pool?.addressCount).to.equal(16n);
  });

  it('reads every key: ranges, both families, avoid-buggy-ips, selectors, ips-per-service', () => {
    const [mixed] = classesOf(`- name: mixed
  addresses:
  - 203.0.113.250-203.0.114.5
  - 2001:db8:c1a5::/120
  avoid-buggy-ips: yes
  node-selectors:
  - match-labels:
      metallb-ts.io/balancer: "true"
  - match-expressions:
    - key: rack
      operator: In
      values: [r1, r2]
    - key: draining
      operator: DoesNotExist
  ips-per-service: 64
`);
    expect(mixed?.ipsPerService).to.equal(64);
    // .250-.255 and 114.0-114.5: minimal prefixes .250/31 .252/30 | 114.0/30 114.4/31.
    expect(mixed?.pool.cidrs.map(formatCidr)).to.deep.equal([
      '203.0.113.250/31',
      '203.0.113.252/30',
      '203.0.114.0/30',
      '203.0.114.4/31',
      '2001:db8:c1a5::/120',
    ]);
    // 12 IPv4 addresses less .255 and .0 (YAML 1.1 `yes` is true), plus 256 IPv6 ones.
    expect(mixed?.pool.avoidBuggyIps).to.equal(true);
    expect(mixed?.pool.addressCount).to.equal(10n + 256n);
    expect(mixed?.nodeSelectors).to.deep.equal([
      { matchLabels: { 'metallb-ts.io/balancer': 'true' }, matchExpressions: [] },
      {
        matchLabels: {},
        matchExpressions: [
          { key: 'rack', operator: 'In', values: ['r1', 'r2'] },
          { key: 'draining', operator: 'DoesNotExist', values: [] },
        ],
      },
    ]);
  });

  it('keeps the order of the text and accepts classes that touch without overlapping', () => {
    const classes = classesOf(`- name: b
  addresses: [203.0.113.0/25]
- name: a
  addresses: [203.0.113.128/25]
  ips-per-service: 1
- name: "123"
  addresses: [192.0.2.128/25]
`);
    expect(classes.map((c) => [c.name, c.ipsPerService, c.pool.addressCount])).to.deep.equal([
      ['b', 2, 128n],
      ['a', 1, 128n],
      ['123', 2, 128n],
    ]);
  });

  for (const [what, text] of [
    ['empty text', ''],
    ['only a comment', '# no classes yet\n'],
    ['a null document', '~\n'],
    ['an empty list', '[]\n'],
  ]) {
    it(`reads ${what} as no classes`, () => {
      expect(classesOf(text ?? '')).to.deep.equal([]);
    });
  }
});

describe('config: balancer classes, errors by key path and line', () => {
  const cases: {
    what: string;
    text: string;
    errors: { path: string; line: number | null }[];
    says: RegExp;
  }[] = [
    {
      what: 'a missing name',
      text: '- addresses: [203.0.113.0/28]\n',
      errors: [{ path: 'balancer-classes[0].name', line: 1 }],
      says: /missing required key "name"/,
    },
    {
      what: 'a name that is no DNS-1123 label',
      text: '- name: edge\n  addresses: [203.0.113.0/28]\n- name: Edge_2\n  addresses: [203.0.113.16/28]\n',
      errors: [{ path: 'balancer-classes[1].name', line: 3 }],
      says: /"Edge_2" must be a DNS-1123 label/,
    },
    {
      what: 'a name of 64 characters',
      text: `- name: ${'a'.repeat(64)}\n  addresses: [203.0.113.0/28]\n`,
      errors: [{ path: 'balancer-classes[0].name', line: 1 }],
      says: /at most 63/,
    },
    {
      // The class key is not v0.9's: what the config key takes with a warning, it refuses.
      what: 'a range written end first, which a pool takes with a warning',
      text: '- name: edge\n  addresses: [203.0.113.9-203.0.113.1]\n',
      errors: [{ path: 'balancer-classes[0].addresses[0]', line: 2 }],
      says: /ends before it starts.*; a balancer class takes no such entry$/,
    },
    {
      what: 'an IPv4-mapped prefix, which a pool takes with a warning',
      text: '- name: edge\n  addresses: ["::ffff:203.0.113.0/124"]\n',
      errors: [{ path: 'balancer-classes[0].addresses[0]', line: 2 }],
      says: /IPv4-mapped IPv6 prefix.*; a balancer class takes no such entry$/,
    },
    {
      what: 'a duplicate name',
      text: '- name: edge\n  addresses: [203.0.113.0/28]\n- name: edge\n  addresses: [203.0.113.16/28]\n',
      errors: [{ path: 'balancer-classes[1].name', line: 3 }],
      says: /duplicate class name "edge": balancer-classes\[0\] has it already/,
    },
    {
      what: 'the name of an address pool',
      text: '- name: edge\n  addresses: [203.0.113.0/28]\n- name: routed\n  addresses: [203.0.113.16/28]\n',
      errors: [{ path: 'balancer-classes[1].name', line: 3 }],
      says: /"routed" is the name of address pool address-pools\[1\]/,
    },
    {
      what: 'addresses overlapping a pool',
      text: '- name: edge\n  addresses:\n  - 203.0.113.0/28\n  - 192.0.2.100-192.0.2.130\n',
      errors: [{ path: 'balancer-classes[0].addresses[1]', line: 4 }],
      says: /^192\.0\.2\.100-192\.0\.2\.130 overlaps 192\.0\.2\.0\/25 in address pool "default" \(address-pools\[0\]\.addresses\[0\]\)$/,
    },
    {
      what: 'addresses overlapping another class',
      text: '- name: edge\n  addresses: [203.0.113.0/24]\n- name: core\n  addresses:\n  - 203.0.113.64/26\n',
      errors: [{ path: 'balancer-classes[1].addresses[0]', line: 5 }],
      says: /^203\.0\.113\.64\/26 overlaps 203\.0\.113\.0\/24 in class "edge" \(balancer-classes\[0\]\.addresses\[0\]\)$/,
    },
    {
      what: 'addresses overlapping within the class',
      text: '- name: edge\n  addresses:\n  - 203.0.113.0/24\n  - 203.0.113.7/32\n',
      errors: [{ path: 'balancer-classes[0].addresses[1]', line: 4 }],
      says: /in this class's addresses\[0\]/,
    },
    {
      what: 'an address that does not parse',
      text: '- name: edge\n  addresses:\n  - 203.0.113.0/28\n  - 203.0.113.300/32\n',
      errors: [{ path: 'balancer-classes[0].addresses[1]', line: 4 }],
      says: /203\.0\.113\.300/,
    },
    {
      what: 'a single address without a prefix length',
      text: '- name: edge\n  addresses: [203.0.113.9]\n',
      errors: [{ path: 'balancer-classes[0].addresses[0]', line: 2 }],
      says: /single address: write 203\.0\.113\.9\/32/,
    },
    {
      what: 'an empty address list',
      text: '- name: edge\n  addresses: []\n',
      errors: [{ path: 'balancer-classes[0].addresses', line: 2 }],
      says: /must not be an empty list/,
    },
    {
      what: 'a selector with a bad label key',
      text: '- name: edge\n  addresses: [203.0.113.0/28]\n  node-selectors:\n  - match-labels:\n      "bad key": "x"\n',
      errors: [{ path: 'balancer-classes[0].node-selectors[0].match-labels["bad key"]', line: 5 }],
      says: /label key "bad key" is not valid/,
    },
    {
      what: 'a selector with an unknown operator',
      text: '- name: edge\n  addresses: [203.0.113.0/28]\n  node-selectors:\n  - match-expressions:\n    - key: rack\n      operator: Equals\n',
      errors: [
        {
          path: 'balancer-classes[0].node-selectors[0].match-expressions[0].operator',
          line: 6,
        },
      ],
      says: /operator "Equals" must be In, NotIn, Exists or DoesNotExist/,
    },
    {
      what: 'ips-per-service 0',
      text: '- name: edge\n  addresses: [203.0.113.0/28]\n  ips-per-service: 0\n',
      errors: [{ path: 'balancer-classes[0].ips-per-service', line: 3 }],
      says: /^0 is out of range: must be between 1 and 64$/,
    },
    {
      what: 'ips-per-service 65',
      text: '- name: edge\n  addresses: [203.0.113.0/28]\n  ips-per-service: 65\n',
      errors: [{ path: 'balancer-classes[0].ips-per-service', line: 3 }],
      says: /^65 is out of range: must be between 1 and 64$/,
    },
    {
      what: 'ips-per-service "three"',
      text: '- name: edge\n  addresses: [203.0.113.0/28]\n  ips-per-service: three\n',
      errors: [{ path: 'balancer-classes[0].ips-per-service', line: 3 }],
      says: /^must be a whole number, not the string "three"$/,
    },
    {
      what: 'a misspelt key',
      text: '- name: edge\n  addresses: [203.0.113.0/28]\n  ip-per-service: 3\n',
      errors: [{ path: 'balancer-classes[0].ip-per-service', line: 3 }],
      says: /unknown key "ip-per-service"; did you mean "ips-per-service"\?/,
    },
    {
      what: 'an unknown key',
      text: '- name: edge\n  addresses: [203.0.113.0/28]\n  protocol: layer2\n',
      errors: [{ path: 'balancer-classes[0].protocol', line: 3 }],
      says: /unknown key "protocol" \(allowed here: name, addresses, avoid-buggy-ips, node-selectors, ips-per-service\)/,
    },
    {
      what: 'a mapping instead of a list',
      text: 'name: edge\naddresses: [203.0.113.0/28]\n',
      errors: [{ path: 'balancer-classes', line: 1 }],
      says: /^must be a list, not a mapping$/,
    },
    {
      what: 'a string instead of a list',
      text: 'edge\n',
      errors: [{ path: 'balancer-classes', line: 1 }],
      says: /^must be a list, not the string "edge"$/,
    },
    {
      what: 'a list item that is not a mapping',
      text: '- name: edge\n  addresses: [203.0.113.0/28]\n- 203.0.113.16/28\n',
      errors: [{ path: 'balancer-classes[1]', line: 3 }],
      says: /must be a mapping \(key: value\), not the string "203\.0\.113\.16\/28"/,
    },
    {
      what: 'a key twice',
      text: '- name: edge\n  name: core\n  addresses: [203.0.113.0/28]\n',
      errors: [{ path: 'balancer-classes', line: 2 }],
      says: /this key appears twice/,
    },
    {
      what: 'an alias inside the value it stands for',
      text: '- &c\n  name: edge\n  addresses: [203.0.113.0/28]\n  <<: *c\n',
      errors: [{ path: 'balancer-classes[0]', line: 4 }],
      says: /the alias \*c stands for a value that contains it/,
    },
    {
      what: 'a tab for indentation',
      text: '- name: edge\n  addresses:\n\t- 203.0.113.0/28\n',
      errors: [{ path: 'balancer-classes', line: 3 }],
      says: /tabs/,
    },
  ];

  for (const { what, text, errors, says } of cases) {
    it(what, () => {
      const found = errorsOf(text);
      expect(where(found), JSON.stringify(found)).to.deep.equal(errors);
      expect(found[0]?.message).to.match(says);
    });
  }

  it('reports every class with errors at once, in the order of the text', () => {
    const found = errorsOf(`- name: Bad
  addresses: [203.0.113.0/28]
- name: fine
  addresses: [203.0.113.16/28]
- name: edge
  addresses: [192.0.2.0/24]
  ips-per-service: 99
`);
    // The third class has a structural error (99), so its overlap is not looked at.
    expect(where(found)).to.deep.equal([
      { path: 'balancer-classes[0].name', line: 1 },
      { path: 'balancer-classes[2].ips-per-service', line: 7 },
    ]);
  });

  it("refuses what v0.9 would read other than written (a second document, a fraction): the key is metallb-ts's own", () => {
    const second = errorsOf(`- name: edge
  addresses: [203.0.113.0/28]
---
- name: more
  addresses: [203.0.113.16/28]
`);
    expect(where(second)).to.deep.equal([{ path: 'balancer-classes', line: 3 }]);
    expect(second[0]?.message).to.include('balancer-classes takes no such text');
    const fraction = errorsOf(`- name: edge
  addresses: [203.0.113.0/28]
  ips-per-service: 2.5
`);
    expect(where(fraction)).to.deep.equal([
      { path: 'balancer-classes[0].ips-per-service', line: 3 },
    ]);
  });

  it('adds lineOffset to every line', () => {
    const found = errorsOf(
      '- name: edge\n  addresses: [203.0.113.0/28]\n  ips-per-service: 0\n',
      20,
    );
    expect(where(found)).to.deep.equal([{ path: 'balancer-classes[0].ips-per-service', line: 23 }]);
  });

  it('without the pools (an invalid config key), checks the classes among themselves only', () => {
    const text =
      '- name: default\n  addresses: [192.0.2.0/28]\n- name: core\n  addresses: [192.0.2.8/29]\n';
    const result = parseBalancerClasses(text, null);
    if (result.ok) expect.fail('expected the overlap between the classes');
    expect(where(result.errors)).to.deep.equal([
      { path: 'balancer-classes[1].addresses[0]', line: 4 },
    ]);
  });
});

/** Every config text of the corpus and of this project's v0.9 samples, by name. */
function v09Configs(): [string, string][] {
  const folder = join(FIXTURES, 'configs');
  const texts: [string, string][] = readdirSync(folder)
    .filter((file) => file.endsWith('.yaml'))
    .sort()
    .map((file) => [file, readFileSync(join(folder, file), 'utf8')]);
  for (const file of [OWN_SAMPLES.bgp, OWN_SAMPLES.layer2])
    texts.push([basename(file), configOfConfigMap(file)]);
  return texts;
}

describe('config: parseConfigData reads the v0.9 key exactly as parseConfig does', () => {
  const corpus = v09Configs();

  it('has the whole corpus and both samples', () => {
    expect(corpus.length).to.be.at.least(90);
  });

  for (const [name, text] of corpus) it(name, () => expectDataKeyReadsAsConfig(text));
});

describe('config: parseConfigData', () => {
  it('fills in the classes and checks them against the config key', () => {
    const result = parseConfigData({
      config: CONFIG,
      'balancer-classes': '- name: edge\n  addresses: [203.0.113.16/28]\n',
    });
    if (!result.ok) expect.fail(JSON.stringify(result.errors));
    expect(result.config.pools.map((p) => p.name)).to.deep.equal(['default', 'routed']);
    expect(result.config.balancerClasses.map((c) => c.name)).to.deep.equal(['edge']);

    const clash = parseConfigData({
      config: CONFIG,
      'balancer-classes': '- name: edge\n  addresses: [198.51.100.128/25]\n',
    });
    if (clash.ok) expect.fail('expected the overlap with pool "routed"');
    expect(where(clash.errors)).to.deep.equal([
      { path: 'balancer-classes[0].addresses[0]', line: 2 },
    ]);
    expect(clash.errors[0]?.message).to.include('address pool "routed"');
  });

  it('gives the errors of both keys, each with its own line offset', () => {
    const result = parseConfigData(
      {
        config: 'address-pools:\n- name: a\n  protocol: layer3\n  addresses: [192.0.2.0/28]\n',
        'balancer-classes': '- name: edge\n  addresses: [203.0.113.16/28]\n  ips-per-service: 0\n',
      },
      { lineOffsets: { config: 7, 'balancer-classes': 14 } },
    );
    if (result.ok) expect.fail('expected errors');
    expect(where(result.errors)).to.deep.equal([
      { path: 'address-pools[0].protocol', line: 10 },
      { path: 'balancer-classes[0].ips-per-service', line: 17 },
    ]);
  });

  it('reads a ConfigMap without a config key as an empty config, with its classes', () => {
    const result = parseConfigData({
      'balancer-classes': '- name: edge\n  addresses: [203.0.113.16/28]\n',
    });
    if (!result.ok) expect.fail(JSON.stringify(result.errors));
    expect(result.config.pools).to.deep.equal([]);
    expect(result.config.balancerClasses).to.have.length(1);
  });

  it('reads an empty classes key as no classes', () => {
    const result = parseConfigData({ config: CONFIG, 'balancer-classes': '' });
    if (!result.ok) expect.fail(JSON.stringify(result.errors));
    expect(result.config.balancerClasses).to.deep.equal([]);
  });
});

describe('config: the example of docs/SCALEOUT.md', () => {
  /** The ConfigMap manifest in the doc's "Configuration" section, as it stands. */
  function docExample(): Record<string, string> {
    const markdown = readFileSync(join(ROOT, 'docs', 'SCALEOUT.md'), 'utf8');
    const blocks = [...markdown.matchAll(/```yaml\n([\s\S]*?)```/g)].map((m) => m[1] ?? '');
    const manifest = blocks.find((block) => /^kind: ConfigMap$/m.test(block));
    if (manifest === undefined) throw new Error('docs/SCALEOUT.md has no ConfigMap example');
    return (load(manifest) as { data: Record<string, string> }).data;
  }

  it('validates, with the class it describes', () => {
    const data = docExample();
    expect(Object.keys(data)).to.include('balancer-classes');
    const result = parseConfigData(data);
    if (!result.ok) expect.fail(JSON.stringify(result.errors));
    const [edge] = result.config.balancerClasses;
    expect(edge?.name).to.equal('edge');
    expect(edge?.ipsPerService).to.equal(3);
    expect(edge?.pool.addressCount).to.equal(16n);
    expect(edge?.nodeSelectors[0]?.matchLabels).to.deep.equal({
      'metallb-ts.io/balancer': 'true',
    });
  });
});
