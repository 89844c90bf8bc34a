/**
 * `metallb-ts config validate`, in process through run() and, for exit
 * codes and standard input, as the real binary.
 */
import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli, type Ran } from '../support/cli.js';
import { FIXTURES, ROOT } from '../support/paths.js';

/** Standard input is not a terminal unless a test says so. */
const cli = (args: string[], stdinIsTerminal = false): Promise<Ran> =>
  runCli(args, { stdinIsTerminal });

interface JsonResult {
  valid: boolean;
  config?: {
    pools: {
      name: string;
      cidrs: string[];
      addresses: string;
      bgpAdvertisements: { communities: string[] }[];
    }[];
    peers: { holdTimeSeconds: number; peerAddress: string; hasPassword: boolean }[];
  };
  errors?: { path: string; line: number | null; message: string }[];
  linesRelativeTo: string;
}

async function json(args: string[]): Promise<{ code: number; result: JsonResult }> {
  const ran = await cli(['config', 'validate', '--json', ...args]);
  return { code: ran.code, result: JSON.parse(ran.stdout) as JsonResult };
}

const input = (name: string): string => join(FIXTURES, 'inputs', name);

describe('cli: config validate finds the config in what kubectl prints', () => {
  it('picks the ConfigMap named config out of a List', async () => {
    const { code, result } = await json([input('kubectl-list.yaml')]);
    expect(code).to.equal(0);
    expect(result.config?.pools.map((p) => [p.name, p.addresses])).to.deep.equal([
      ['lab', '64'],
      ['lab-v6', '16'],
    ]);
  });

  it('picks another ConfigMap with --name', async () => {
    const { code, result } = await json(['--name', 'config-staging', input('kubectl-list.yaml')]);
    expect(code).to.equal(0);
    expect(result.config?.pools.map((p) => p.name)).to.deep.equal(['staging']);
  });

  it('names what it found when no ConfigMap has the name', async () => {
    const ran = await cli(['config', 'validate', '--name', 'nope', input('kubectl-list.yaml')]);
    expect(ran.code).to.equal(1);
    expect(ran.stdout).to.include('no ConfigMap named "nope"');
    expect(ran.stdout).to.include('ConfigMap "config-staging"');
  });

  it('maps errors inside a config: | block to lines of the file', async () => {
    const { code, result } = await json([input('multi-doc-bad.yaml')]);
    expect(code).to.equal(1);
    expect(result.linesRelativeTo).to.equal('input');
    expect(result.errors).to.have.length(1);
    expect(result.errors?.[0]).to.include({ path: 'address-pools[0].addresses[0]', line: 18 });
  });

  it('reads a JSON manifest and counts lines within data.config', async () => {
    const { code, result } = await json([input('configmap.json')]);
    expect(code).to.equal(1);
    expect(result.linesRelativeTo).to.equal('data.config');
    expect(result.errors?.[0]).to.include({
      path: 'address-pools[0].bgp-advertisements[0].aggregation-length',
      line: 11,
    });
    const human = await cli(['config', 'validate', input('configmap.json')]);
    expect(human.stdout).to.include('(line 11 of data.config)');
  });

  it('says so when the ConfigMap has no data.config, or the input is another kind', async () => {
    const noData = await cli(['config', 'validate', input('configmap-no-data.yaml')]);
    expect(noData.code).to.equal(1);
    expect(noData.stdout).to.match(/^data\.config \(line 6\): .*no data\.config/);
    const other = await cli(['config', 'validate', input('deployment.yaml')]);
    expect(other.code).to.equal(1);
    expect(other.stdout).to.include('Deployment "controller"');
  });
});

describe('cli: config validate, tried as a new user would', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'metallb-ts-cli-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  const write = (name: string, content: string | Buffer): string => {
    const file = join(dir, name);
    writeFileSync(file, content);
    return file;
  };
  const l2 = (addresses: string, extra = ''): string =>
    `address-pools:\n- name: default\n  protocol: layer2\n  addresses:\n  - ${addresses}\n${extra}`;

  const cases: { name: string; content: () => string | Buffer; line: RegExp }[] = [
    {
      name: 'a typo in a key',
      content: () => l2('192.0.2.0/24').replace('addresses:', 'adresses:'),
      line: /^address-pools\[0\]\.adresses \(line 4\): unknown key "adresses"; did you mean "addresses"\?$/,
    },
    {
      name: 'a range with an end that is no address',
      content: () => l2('192.0.2.100-192.0.2.300'),
      line: /^address-pools\[0\]\.addresses\[0\] \(line 5\): invalid range end .*greater than 255/,
    },
    {
      name: 'two overlapping pools',
      content: () =>
        l2('192.0.2.0/24') + '- name: more\n  protocol: layer2\n  addresses:\n  - 192.0.2.128/25\n',
      line: /^address-pools\[1\]\.addresses\[0\] \(line 9\): 192\.0\.2\.128\/25 overlaps 192\.0\.2\.0\/24 in pool "default"/,
    },
    {
      name: 'bgp-advertisements on a layer2 pool',
      content: () => l2('192.0.2.0/24', '  bgp-advertisements:\n  - aggregation-length: 24\n'),
      line: /^address-pools\[0\]\.bgp-advertisements \(line 6\): .*only for pools with protocol bgp/,
    },
    {
      name: 'a tab-indented file',
      content: () => 'address-pools:\n- name: default\n\tprotocol: layer2\n',
      line: /^tabs\.yaml \(line 3\): .*tabs/,
    },
    {
      name: 'an empty file',
      content: () => '',
      line: /^empty\.yaml: the input is empty/,
    },
    {
      name: 'a binary file',
      content: () => Buffer.from([0x61, 0x3a, 0x0a, 0x89, 0x50, 0x4e, 0x47, 0x00, 0xff]),
      line: /^binary\.bin \(line 2\): not a text file: byte 0x89 at offset 3/,
    },
  ];
  const fileNames: Record<string, string> = {
    'a tab-indented file': 'tabs.yaml',
    'an empty file': 'empty.yaml',
    'a binary file': 'binary.bin',
  };

  for (const { name, content, line } of cases) {
    it(`${name}: one line naming the place, exit 1`, async () => {
      const file = write(fileNames[name] ?? `${name.replace(/\W+/g, '-')}.yaml`, content());
      const ran = await cli(['config', 'validate', file]);
      expect(ran.code).to.equal(1);
      const lines = ran.stdout.trimEnd().split('\n');
      expect(lines, ran.stdout).to.have.length(1);
      expect(lines[0]?.replace(`${dir}/`, '')).to.match(line);
    });
  }

  it('exits 2 for a file that cannot be read', async () => {
    const missing = await cli(['config', 'validate', join(dir, 'missing.yaml')]);
    expect(missing.code).to.equal(2);
    expect(missing.stderr).to.include('no such file');
    const directory = await cli(['config', 'validate', dir]);
    expect(directory.code).to.equal(2);
    expect(directory.stderr).to.include('directory');
  });

  it('exits 2 for usage errors, and for no input at a terminal', async () => {
    expect((await cli(['config', 'validate', '--bogus', 'x'])).code).to.equal(2);
    expect((await cli(['config', 'validate', 'a.yaml', 'b.yaml'])).code).to.equal(2);
    expect((await cli(['config', 'frobnicate'])).code).to.equal(2);
    expect((await cli(['nonsense'])).code).to.equal(2);
    const terminal = await cli(['config', 'validate'], true);
    expect(terminal.code).to.equal(2);
    expect(terminal.stderr).to.include('give a FILE');
  });

  it('prints help with exit 0', async () => {
    const help = await cli(['config', 'validate', '--help']);
    expect(help.code).to.equal(0);
    expect(help.stdout).to.include('Exit status');
    expect((await cli(['--help'])).stdout).to.include('config validate');
  });
});

describe('cli: config validate reads the balancer-classes key (docs/SCALEOUT.md)', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'metallb-ts-classes-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  const write = (name: string, content: string): string => {
    const file = join(dir, name);
    writeFileSync(file, content);
    return file;
  };
  /** A ConfigMap manifest: the config key on lines 7-11, the classes key's text from line 13. */
  const manifest = (classes: string): string =>
    [
      'apiVersion: v1',
      'kind: ConfigMap',
      'metadata:',
      '  namespace: metallb-system',
      '  name: config',
      'data:',
      '  config: |',
      '    address-pools:',
      '    - name: default',
      '      protocol: layer2',
      '      addresses: [192.0.2.0/25]',
      '  balancer-classes: |',
      ...classes
        .trimEnd()
        .split('\n')
        .map((line) => `    ${line}`),
      '',
    ].join('\n');

  it('validates the example ConfigMap of docs/SCALEOUT.md and summarises its class', async () => {
    const markdown = readFileSync(join(ROOT, 'docs', 'SCALEOUT.md'), 'utf8');
    const example = [...markdown.matchAll(/```yaml\n([\s\S]*?)```/g)]
      .map((m) => m[1] ?? '')
      .find((block) => /^kind: ConfigMap$/m.test(block));
    expect(example, 'the doc has a ConfigMap example').to.be.a('string');
    const ran = await cli(['config', 'validate', write('scaleout.yaml', example ?? '')]);
    expect(ran.code, ran.stdout).to.equal(0);
    const lines = ran.stdout.replace(`${dir}/`, '').trimEnd().split('\n');
    expect(lines).to.deep.equal([
      'scaleout.yaml: valid config, 1 address pool, 0 BGP peers, 1 balancer class',
      '  pool default (layer2): 128 addresses in 192.0.2.0/25',
      '  class edge: 16 addresses in 203.0.113.16/28, 3 per Service, 1 node selector',
    ]);
  });

  it('counts two classes, with their defaults, and shows them in --json', async () => {
    const file = write(
      'two.yaml',
      manifest(
        '- name: edge\n  addresses: [203.0.113.0/28]\n- name: core\n  addresses: [203.0.113.16/29]\n  avoid-buggy-ips: true\n  ips-per-service: 4\n',
      ),
    );
    const ran = await cli(['config', 'validate', file]);
    expect(ran.code).to.equal(0);
    expect(ran.stdout).to.include('1 address pool, 0 BGP peers, 2 balancer classes\n');
    expect(ran.stdout).to.include(
      '  class edge: 16 addresses in 203.0.113.0/28, 2 per Service, all nodes\n',
    );
    // 203.0.113.16/29 holds neither .0 nor .255: all 8 stay.
    expect(ran.stdout).to.include(
      '  class core: 8 addresses in 203.0.113.16/29, 4 per Service, all nodes, avoids .0/.255\n',
    );
    const { result } = await json([file]);
    const withClasses = result as JsonResult & {
      config: { balancerClasses: { name: string; addresses: string; ipsPerService: number }[] };
      balancerClassesLinesRelativeTo: string;
    };
    expect(
      withClasses.config.balancerClasses.map((c) => [c.name, c.addresses, c.ipsPerService]),
    ).to.deep.equal([
      ['edge', '16', 2],
      ['core', '8', 4],
    ]);
    expect(withClasses.balancerClassesLinesRelativeTo).to.equal('input');
  });

  it('names class errors by key path and line of the manifest', async () => {
    // Class text lines 1-6 are manifest lines 13-18.
    const file = write(
      'bad.yaml',
      manifest(
        '- name: edge\n  addresses:\n  - 203.0.113.0/28\n  - 192.0.2.64/26\n- name: default\n  addresses: [203.0.113.16/28]\n',
      ),
    );
    const ran = await cli(['config', 'validate', file]);
    expect(ran.code).to.equal(1);
    expect(ran.stdout.trimEnd().split('\n')).to.deep.equal([
      'balancer-classes[0].addresses[1] (line 16): 192.0.2.64/26 overlaps 192.0.2.0/25 in address pool "default" (address-pools[0].addresses[0])',
      'balancer-classes[1].name (line 17): class name "default" is the name of address pool address-pools[0]: a class needs a name no pool has',
    ]);
  });

  it('reports errors of both keys, each on its own lines', async () => {
    const file = write(
      'both.yaml',
      manifest('- name: edge\n  addresses: [203.0.113.0/28]\n  ips-per-service: 65\n').replace(
        'protocol: layer2',
        'protocol: layer3',
      ),
    );
    const ran = await cli(['config', 'validate', file]);
    expect(ran.code).to.equal(1);
    expect(ran.stdout.trimEnd().split('\n')).to.deep.equal([
      'address-pools[0].protocol (line 10): must be layer2 or bgp, not the string "layer3"',
      'balancer-classes[0].ips-per-service (line 15): 65 is out of range: must be between 1 and 64',
    ]);
  });

  it('counts lines within the key when its text is a quoted string', async () => {
    const file = write(
      'quoted.yaml',
      manifest('').replace(
        '  balancer-classes: |\n    \n',
        '  balancer-classes: "- name: edge\\n  addresses: [203.0.113.0/28]\\n  colour: red\\n"\n',
      ),
    );
    const ran = await cli(['config', 'validate', file]);
    expect(ran.code, ran.stdout).to.equal(1);
    expect(ran.stdout.trimEnd()).to.match(
      /^balancer-classes\[0\]\.colour \(line 3 of data\.balancer-classes\): unknown key "colour"/,
    );
    const { result } = await json([file]);
    expect(result.linesRelativeTo).to.equal('input');
    expect(
      (result as { balancerClassesLinesRelativeTo?: string }).balancerClassesLinesRelativeTo,
    ).to.equal('data.balancer-classes');
  });

  it('says so when the classes are written as a list instead of a block', async () => {
    const file = write(
      'list.yaml',
      manifest('').replace(
        '  balancer-classes: |\n    \n',
        '  balancer-classes:\n  - name: edge\n',
      ),
    );
    const ran = await cli(['config', 'validate', file]);
    expect(ran.code).to.equal(1);
    expect(ran.stdout.trimEnd()).to.match(
      /^data\.balancer-classes \(line 12\): .*not a string.*balancer-classes: \|/,
    );
  });

  it('reads an empty classes key as no classes, and a bare config as before', async () => {
    const empty = await cli([
      'config',
      'validate',
      write(
        'empty.yaml',
        manifest('').replace('  balancer-classes: |\n    \n', '  balancer-classes: ""\n'),
      ),
    ]);
    expect(empty.code, empty.stdout).to.equal(0);
    expect(empty.stdout).to.include('1 address pool, 0 BGP peers, 0 balancer classes\n');
    const bare = await cli([
      'config',
      'validate',
      write(
        'bare.yaml',
        'address-pools:\n- name: a\n  protocol: layer2\n  addresses: [192.0.2.0/30]\n',
      ),
    ]);
    expect(bare.code).to.equal(0);
    expect(bare.stdout).to.match(/: valid config, 1 address pool, 0 BGP peers\n/);
    const { result } = await json([join(dir, 'bare.yaml')]);
    expect(result).not.to.have.property('balancerClassesLinesRelativeTo');
    expect(result.config).not.to.have.property('balancerClasses');
  });

  it('mentions the classes key in --help', async () => {
    const help = await cli(['config', 'validate', '--help']);
    expect(help.stdout).to.include('balancer-classes');
    expect(help.stdout).to.include('docs/SCALEOUT.md');
  });
});

describe('cli: the metallb-ts binary', () => {
  const bin = join(ROOT, 'dist', 'src', 'cli', 'main.js');
  const exec = (args: string[], stdin?: string) =>
    spawnSync(process.execPath, [bin, ...args], {
      input: stdin ?? '',
      encoding: 'utf8',
      timeout: 20_000,
    });

  it('reads standard input with - and sets the exit status', () => {
    const good = exec(
      ['config', 'validate', '-'],
      'address-pools:\n- name: a\n  protocol: layer2\n  addresses: [192.0.2.0/30]\n',
    );
    expect(good.status).to.equal(0);
    expect(good.stdout).to.include('stdin: valid config');
    const bad = exec(
      ['config', 'validate', '-'],
      'address-pools:\n- name: a\n  protocol: layer3\n  addresses: [192.0.2.0/30]\n',
    );
    expect(bad.status).to.equal(1);
    expect(bad.stdout).to.match(/^address-pools\[0\]\.protocol \(line 3\): must be layer2 or bgp/);
  });

  // The range a real cluster ran v0.9 with: v0.9.6 config.go parseCIDR accepts it and
  // ipaddr.Summarize gives it no address.
  const swapped =
    'address-pools:\n- name: a\n  protocol: layer2\n  addresses:\n  - 192.0.2.0/30\n  - 172.21.11.2-172.20.11.254\n';

  it('warns of a range written end first, naming its line, and exits 0', () => {
    const ran = exec(['config', 'validate', '-'], swapped);
    expect(ran.status, ran.stderr).to.equal(0);
    const lines = ran.stdout.split('\n');
    expect(lines[0]).to.match(
      /^warning: address-pools\[0\]\.addresses\[1\] \(line 6\): the range 172\.21\.11\.2-172\.20\.11\.254 ends before it starts: v0\.9 accepts it and it covers no address/,
    );
    expect(lines[1]).to.equal(
      'stdin: valid config, 1 address pool, 0 BGP peers, 1 warning (above)',
    );
  });

  it('shows a pool left with no address as such', () => {
    const ran = exec(['config', 'validate', '-'], swapped.replace('  - 192.0.2.0/30\n', ''));
    expect(ran.status).to.equal(0);
    expect(ran.stdout.split('\n')).to.include('  pool a (layer2): 0 addresses');
  });

  it('refuses the same config with --strict (exit 1)', () => {
    const ran = exec(['config', 'validate', '--strict', '-'], swapped);
    expect(ran.status).to.equal(1);
    expect(ran.stdout).to.match(/^warning: address-pools\[0\]\.addresses\[1\] \(line 6\)/);
    expect(ran.stdout).to.include('stdin: refused by --strict for 1 warning');
    const clean = exec(
      ['config', 'validate', '--strict', '-'],
      swapped.replace('172.21.11.2-172.20.11.254', '172.20.11.254-172.21.11.2'),
    );
    expect(clean.status, clean.stdout).to.equal(0);
  });

  it('carries the warnings in --json', () => {
    const ran = exec(['config', 'validate', '--json', '-'], swapped);
    expect(ran.status).to.equal(0);
    const result = JSON.parse(ran.stdout) as {
      valid: boolean;
      warnings: { path: string; line: number; message: string }[];
    };
    expect(result.valid).to.equal(true);
    expect(result.warnings.map(({ path, line }) => ({ path, line }))).to.deep.equal([
      { path: 'address-pools[0].addresses[1]', line: 6 },
    ]);
    expect(exec(['config', 'validate', '--json', '--strict', '-'], swapped).status).to.equal(1);
  });

  it('prints its version', () => {
    const ran = exec(['--version']);
    expect(ran.status).to.equal(0);
    expect(ran.stdout).to.match(/^metallb-ts \d+\.\d+\.\d+/);
  });

  it('validates the shipped example config', () => {
    const ran = exec(['config', 'validate', join(ROOT, 'examples', 'config.yaml')]);
    expect(ran.status, ran.stdout + ran.stderr).to.equal(0);
  });
});
