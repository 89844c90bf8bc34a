/**
 * The daemons' flags read as v0.9's Go flag package reads them
 * (src/cli/go-flags.ts). The table's expectations come from reading Go's
 * src/flag/flag.go (FlagSet.parseOne) and strconv (ParseInt with base 0,
 * ParseBool) and v0.9.6's speaker/main.go and controller/main.go flag
 * definitions; where Go is installed, test/cli/go/flagjudge (Go's own flag
 * package with v0.9.6's definitions) judges the same arguments and many
 * generated ones.
 */
import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import fc from 'fast-check';
import { CONTROLLER_FLAGS } from '../../src/cli/controller.js';
import { parseGoFlags, parseGoInt, type GoFlagSpecs } from '../../src/cli/go-flags.js';
import { SPEAKER_FLAGS } from '../../src/cli/speaker.js';
import { runCli } from '../support/cli.js';
import { runGoJudge } from '../support/go-judge.js';
import { ROOT } from '../support/paths.js';

type Command = 'speaker' | 'controller';

/** The flags v0.9.6 defines for each command, and their defaults (the environment's taken as empty). */
const V09_DEFAULTS: Record<Command, Record<string, string | number>> = {
  speaker: {
    config: 'config',
    host: '',
    'ml-bindaddr': '',
    'ml-bindport': '',
    'ml-labels': '',
    'ml-namespace': '',
    'ml-secret-key': '',
    'node-name': '',
    port: 80,
  },
  controller: { config: 'config', port: 7472 },
};

const SPECS: Record<Command, GoFlagSpecs> = {
  speaker: SPEAKER_FLAGS,
  controller: CONTROLLER_FLAGS,
};

interface Verdict {
  readonly kind: 'parsed' | 'help' | 'error';
  readonly message?: string;
  readonly values?: Record<string, string | number>;
  readonly rest?: string[];
}

/** Ours, in the judge's terms: v0.9's flags only, a string not given as v0.9's empty default. */
function ours(command: Command, args: readonly string[]): Verdict {
  const result = parseGoFlags(args, SPECS[command]);
  if (result.kind !== 'parsed') return result;
  const values: Record<string, string | number> = {};
  const all: Record<string, unknown> = result.values;
  for (const name of Object.keys(V09_DEFAULTS[command])) {
    const value = all[name];
    values[name] = typeof value === 'number' || typeof value === 'string' ? value : '';
  }
  return {
    kind: 'parsed',
    values,
    ...(result.rest.length === 0 ? {} : { rest: [...result.rest] }),
  };
}

const parsed = (
  command: Command,
  values: Record<string, string | number>,
  rest?: string[],
): Verdict => ({
  kind: 'parsed',
  values: { ...V09_DEFAULTS[command], ...values },
  ...(rest === undefined ? {} : { rest }),
});

/** Arguments and what Go's flag package makes of them, read from flag.go and strconv. */
const TABLE: [Command, string[], Verdict][] = [
  ['speaker', [], parsed('speaker', {})], // v0.9.6 speaker/main.go: -port defaults to 80
  ['controller', [], parsed('controller', {})], // controller/main.go: 7472
  ['speaker', ['-port', '7472'], parsed('speaker', { port: 7472 })],
  ['speaker', ['-port=7472'], parsed('speaker', { port: 7472 })],
  ['speaker', ['--port=7472'], parsed('speaker', { port: 7472 })],
  ['speaker', ['--port', '7472'], parsed('speaker', { port: 7472 })],
  ['controller', ['-port', '0x1d30'], parsed('controller', { port: 7472 })],
  ['controller', ['-port=0o16460'], parsed('controller', { port: 7472 })],
  ['controller', ['-port=016460'], parsed('controller', { port: 7472 })],
  ['controller', ['-port=7_472'], parsed('controller', { port: 7472 })],
  ['controller', ['-port=+7472'], parsed('controller', { port: 7472 })],
  [
    'controller',
    ['-port=7__472'],
    { kind: 'error', message: 'invalid value "7__472" for flag -port: parse error' },
  ],
  [
    'controller',
    ['-port=08'],
    { kind: 'error', message: 'invalid value "08" for flag -port: parse error' },
  ],
  [
    'controller',
    ['-port', '99999999999999999999'],
    {
      kind: 'error',
      message: 'invalid value "99999999999999999999" for flag -port: value out of range',
    },
  ],
  ['controller', ['-port'], { kind: 'error', message: 'flag needs an argument: -port' }],
  // A flag's value is the next argument, whatever it looks like.
  ['speaker', ['-config', '-port'], parsed('speaker', { config: '-port' })],
  ['speaker', ['-config='], parsed('speaker', { config: '' })],
  ['speaker', ['-config=a=b'], parsed('speaker', { config: 'a=b' })],
  // Flags end at the first argument that is not one, or after `--`; the last value wins.
  ['controller', ['x', '-port=1'], parsed('controller', {}, ['x', '-port=1'])],
  ['controller', ['-', '-port=1'], parsed('controller', {}, ['-', '-port=1'])],
  ['controller', ['--', '-port=1'], parsed('controller', {}, ['-port=1'])],
  ['controller', ['-port=1', '-port=2'], parsed('controller', { port: 2 })],
  ['controller', ['---port=1'], { kind: 'error', message: 'bad flag syntax: ---port=1' }],
  ['controller', ['-=1'], { kind: 'error', message: 'bad flag syntax: -=1' }],
  ['controller', ['-Port=1'], { kind: 'error', message: 'flag provided but not defined: -Port' }],
  ['controller', ['-h'], { kind: 'help' }],
  ['controller', ['--help'], { kind: 'help' }],
  ['controller', ['-help=false'], { kind: 'help' }],
];

describe("daemon flags, read as v0.9's Go flag package reads them", () => {
  for (const [command, args, verdict] of TABLE) {
    it(`${command} ${JSON.stringify(args)}`, () => {
      expect(ours(command, args)).to.deep.equal(verdict);
    });
  }

  it('reads a bool flag as -x or -x=VALUE (strconv.ParseBool), never from the next argument', () => {
    const dryRun = (args: string[]) => {
      const result = parseGoFlags(args, SPEAKER_FLAGS);
      return result.kind === 'parsed' ? [result.values['dry-run'], result.rest] : result;
    };
    expect(dryRun(['-dry-run'])).to.deep.equal([true, []]);
    expect(dryRun(['--dry-run=false'])).to.deep.equal([false, []]);
    for (const yes of ['1', 't', 'T', 'TRUE', 'true', 'True'])
      expect(dryRun([`-dry-run=${yes}`])).to.deep.equal([true, []]);
    for (const no of ['0', 'f', 'F', 'FALSE', 'false', 'False'])
      expect(dryRun([`-dry-run=${no}`])).to.deep.equal([false, []]);
    expect(dryRun(['-dry-run', 'false'])).to.deep.equal([true, ['false']]);
    expect(dryRun(['-dry-run=no'])).to.deep.equal({
      kind: 'error',
      message: 'invalid boolean value "no" for -dry-run: parse error',
    });
  });

  it('reads integers with base 0 as strconv.ParseInt does', () => {
    const table: [string, ReturnType<typeof parseGoInt>][] = [
      ['80', 80],
      ['-1', -1],
      ['0', 0],
      ['0x50', 80],
      ['0X50', 80],
      ['0b1010000', 80],
      ['0o120', 80],
      ['0120', 80],
      ['0_120', 80],
      ['0x_50', 80],
      ['', 'parse error'],
      ['0x', 'parse error'],
      ['_80', 'parse error'],
      ['80_', 'parse error'],
      ['8a', 'parse error'],
      ['0b2', 'parse error'],
      [' 80', 'parse error'],
      ['9007199254740991', Number.MAX_SAFE_INTEGER],
      // int64's ends are in range (as doubles: 2^63 and -2^63).
      ['9223372036854775807', 2 ** 63],
      ['-9223372036854775808', -(2 ** 63)],
      ['9223372036854775808', 'value out of range'],
    ];
    for (const [text, value] of table) expect(parseGoInt(text), text).to.equal(value);
  });

  it('runs the speaker and controller commands with Go-style flags: usage and exit 2 on a bad one', async () => {
    const bad = await runCli(['controller', '-port', 'eighty']);
    expect(bad.code).to.equal(2);
    expect(bad.stderr).to.match(
      /^metallb-ts controller: invalid value "eighty" for flag -port: parse error\n\nUsage:/,
    );
    const help = await runCli(['speaker', '-h']);
    expect(help.code).to.equal(0);
    expect(help.stdout).to.match(/^Usage: metallb-ts speaker/);
    const range = await runCli(['speaker', '-node-name', 'n', '-port=65536']);
    expect(range.code).to.equal(2);
    expect(range.stderr).to.equal('metallb-ts speaker: --port must be a port number\n');
  });
});

/** Runs Go's flag package over the requests (test/cli/go/flagjudge, the standard library only). */
function judge(requests: { command: Command; args: string[] }[]): Promise<Verdict[]> {
  return runGoJudge<Verdict>(
    'flagjudge',
    join(ROOT, 'test', 'cli', 'go', 'flagjudge', 'main.go'),
    requests,
  );
}

describe("daemon flags, judged by Go's flag package with v0.9.6's definitions", function () {
  this.timeout(180_000);

  before(function () {
    if (spawnSync('go', ['version'], { encoding: 'utf8' }).status !== 0) this.skip();
  });

  it('agrees on the table and on 3,000 generated argument lists', async () => {
    const names = ['port', 'config', 'host', 'ml-labels', 'node-name', 'x', 'h', 'help', 'Port'];
    const token = fc.oneof(
      fc
        .constantFrom(...names)
        .chain((name) =>
          fc
            .tuple(
              fc.constantFrom('-', '--', '---'),
              fc.constant(name),
              fc.option(fc.constantFrom('=', '=80', '=0x50', '=abc', '=', '=1_0', '=-1', '=a=b')),
            )
            .map(([dashes, n, value]) => `${dashes}${n}${value ?? ''}`),
        ),
      fc.constantFrom('80', '0o120', '08', 'x', '-', '--', '', '=', '-=', 'false', '7_4_7_2'),
    );
    const generated = fc.sample(
      fc.record({
        command: fc.constantFrom<Command>('speaker', 'controller'),
        args: fc.array(token, { maxLength: 6 }),
      }),
      { numRuns: 3000, seed: 20 },
    );
    const requests = [...TABLE.map(([command, args]) => ({ command, args })), ...generated];
    const verdicts = await judge(requests);
    expect(verdicts).to.have.length(requests.length);
    requests.forEach((request, i) =>
      expect(ours(request.command, request.args), JSON.stringify(request)).to.deep.equal(
        verdicts[i],
      ),
    );
  });
});
