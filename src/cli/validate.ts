/**
 * `metallb-ts config validate [--json] [--strict] [--name NAME] [FILE|-]`
 *
 * Exit 0 when the config is valid, 1 when it is not (every error printed as
 * `path (line N): message`), 2 for a usage error or an input that cannot be
 * read. A warning (what v0.9 accepted as written but probably not as meant)
 * is printed like an error after `warning: ` and leaves the config valid,
 * unless --strict.
 */
import { parseArgs } from 'node:util';
import {
  CLASSES_KEY,
  configView,
  type BalancerClass,
  type Config,
  type ValidationView,
} from '../config/index.js';
import { formatCidr, formatIP } from '../ip/index.js';
import { errorLine, loadConfigInput } from './config-input.js';
import { InputError, type CliIO } from './io.js';

export const VALIDATE_USAGE = `Usage: metallb-ts config validate [--json] [--strict] [--name NAME] [FILE|-]

Checks a MetalLB v0.9 config the way the controller and speaker will read it.
FILE (or standard input, with - or no FILE) holds the raw config text, a
ConfigMap manifest in YAML or JSON, or several documents / a List (as
\`kubectl get configmap -o yaml\` prints) with a ConfigMap named "config".
A ConfigMap's balancer-classes key (metallb-ts balancer classes, see
docs/SCALEOUT.md) is checked too, its errors named balancer-classes[N]...

A warning names text that v0.9 accepted and metallb-ts accepts alike, though
it is probably not what was meant (a range written end first covers no
address), and says what v0.9 made of it.

  --json       print the result as JSON (warnings included)
  --strict     a warning makes the config invalid (exit 1)
  --name NAME  the ConfigMap to read when the input holds several (default: config)
  -h, --help   show this help

Exit status: 0 valid, 1 invalid (or a warning with --strict), 2 usage error
or unreadable input.
`;

export const EXIT_VALID = 0;
export const EXIT_INVALID = 1;
export const EXIT_USAGE = 2;

export async function validateCommand(args: readonly string[], io: CliIO): Promise<number> {
  let options: {
    json: boolean;
    strict: boolean;
    name: string | undefined;
    help: boolean;
    file: string | undefined;
  };
  try {
    const { values, positionals } = parseArgs({
      args: [...args],
      options: {
        json: { type: 'boolean', default: false },
        strict: { type: 'boolean', default: false },
        name: { type: 'string' },
        help: { type: 'boolean', short: 'h', default: false },
      },
      allowPositionals: true,
      strict: true,
    });
    if (positionals.length > 1) throw new Error('give at most one FILE');
    options = {
      json: values.json,
      strict: values.strict,
      name: values.name,
      help: values.help,
      file: positionals[0],
    };
  } catch (error) {
    io.stderr(
      `metallb-ts config validate: ${error instanceof Error ? error.message : String(error)}\n\n${VALIDATE_USAGE}`,
    );
    return EXIT_USAGE;
  }
  if (options.help) {
    io.stdout(VALIDATE_USAGE);
    return EXIT_VALID;
  }

  const file = options.file ?? '-';
  if (file === '-' && io.stdinIsTerminal) {
    io.stderr(
      `metallb-ts config validate: give a FILE, or pipe the config in\n\n${VALIDATE_USAGE}`,
    );
    return EXIT_USAGE;
  }
  const label = file === '-' ? 'stdin' : file;

  let bytes: Buffer;
  try {
    bytes = await io.readInput(file);
  } catch (error) {
    const message =
      error instanceof InputError ? error.message : `cannot read ${label}: ${String(error)}`;
    io.stderr(`metallb-ts config validate: ${message}\n`);
    return EXIT_USAGE;
  }

  const outcome = loadConfigInput(bytes, options.name);
  const view: ValidationView = outcome.ok
    ? { valid: true, config: configView(outcome.config), warnings: [...outcome.warnings] }
    : { valid: false, errors: [...outcome.errors] };
  const hasClassesKey = outcome.classesLinesRelativeTo !== null;
  if (options.json) {
    const linesOf = outcome.linesRelativeTo === 'file' ? 'input' : 'data.config';
    const classLinesOf =
      outcome.classesLinesRelativeTo === null
        ? {}
        : {
            balancerClassesLinesRelativeTo:
              outcome.classesLinesRelativeTo === 'file' ? 'input' : `data.${CLASSES_KEY}`,
          };
    io.stdout(
      `${JSON.stringify({ ...view, linesRelativeTo: linesOf, ...classLinesOf }, null, 2)}\n`,
    );
  } else if (outcome.ok) {
    for (const warning of outcome.warnings)
      io.stdout(`warning: ${errorLine(warning, label, outcome)}\n`);
    io.stdout(summary(outcome.config, label, hasClassesKey, outcome.warnings.length));
    if (options.strict && outcome.warnings.length > 0) {
      io.stdout(
        `${label}: refused by --strict for ${plural(outcome.warnings.length, 'warning')}\n`,
      );
    }
  } else {
    for (const error of outcome.errors) io.stdout(`${errorLine(error, label, outcome)}\n`);
  }
  if (!outcome.ok) return EXIT_INVALID;
  return options.strict && outcome.warnings.length > 0 ? EXIT_INVALID : EXIT_VALID;
}

const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`;

const classCount = (n: number): string => `${n} balancer class${n === 1 ? '' : 'es'}`;

/** The human summary of a valid config; the classes are counted when the input has their key. */
function summary(config: Config, label: string, hasClassesKey: boolean, warnings: number): string {
  const classes = hasClassesKey ? `, ${classCount(config.balancerClasses.length)}` : '';
  const warned = warnings > 0 ? `, ${plural(warnings, 'warning')} (above)` : '';
  const out: string[] = [
    `${label}: valid config, ${plural(config.pools.length, 'address pool')}, ${plural(config.peers.length, 'BGP peer')}${classes}${warned}`,
  ];
  for (const pool of config.pools) {
    const flags = [
      pool.autoAssign ? '' : 'auto-assign off',
      pool.avoidBuggyIps ? 'avoids .0/.255' : '',
    ].filter((f) => f !== '');
    const shown = pool.cidrs.slice(0, 4).map(formatCidr).join(', ');
    const more = pool.cidrs.length > 4 ? `, ... (${pool.cidrs.length} prefixes)` : '';
    out.push(
      `  pool ${pool.name} (${pool.protocol}): ${pool.addressCount} addresses${shown === '' ? '' : ` in ${shown}${more}`}${flags.length > 0 ? `; ${flags.join(', ')}` : ''}`,
    );
  }
  for (const peer of config.peers) {
    const kind = peer.myAsn === peer.peerAsn ? 'iBGP' : 'eBGP';
    const parts = [
      `  peer ${formatIP(peer.address)} port ${peer.port}: AS ${peer.myAsn} -> AS ${peer.peerAsn} (${kind})`,
      `hold-time ${peer.holdTimeSeconds}s`,
      peer.routerId === null ? '' : `router-id ${formatIP(peer.routerId)}`,
      peer.password === null ? '' : 'TCP MD5 password set',
      peer.nodeSelectors.length === 0
        ? 'all nodes'
        : `${plural(peer.nodeSelectors.length, 'node selector')}`,
    ];
    out.push(parts.filter((p) => p !== '').join(', '));
  }
  for (const balancerClass of config.balancerClasses) out.push(classLine(balancerClass));
  return `${out.join('\n')}\n`;
}

/** `  class edge: 16 addresses in 203.0.113.16/28, 3 per Service, 1 node selector`. */
function classLine(balancerClass: BalancerClass): string {
  const pool = balancerClass.pool;
  const shown = pool.cidrs.slice(0, 4).map(formatCidr).join(', ');
  const more = pool.cidrs.length > 4 ? `, ... (${pool.cidrs.length} prefixes)` : '';
  const parts = [
    `  class ${balancerClass.name}: ${pool.addressCount} addresses in ${shown}${more}`,
    `${balancerClass.ipsPerService} per Service`,
    balancerClass.nodeSelectors.length === 0
      ? 'all nodes'
      : plural(balancerClass.nodeSelectors.length, 'node selector'),
    pool.avoidBuggyIps ? 'avoids .0/.255' : '',
  ];
  return parts.filter((p) => p !== '').join(', ');
}
