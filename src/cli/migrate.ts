/**
 * `metallb-ts migrate check` and `metallb-ts migrate to-crds`: before the
 * upgrade from v0.9, whether it is safe; after it, the ConfigMap as current
 * MetalLB's resources. The decisions are in src/migrate/; this is reading
 * the inputs and printing.
 */
import { writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { dump } from 'js-yaml';
import { serviceRequest } from '../service/index.js';
import { checkUpgrade, toCrds, type ServiceFinding, type UpgradeCheck } from '../migrate/index.js';
import { errorLine, loadConfigInput, type ConfigInput } from './config-input.js';
import { InputError, type CliIO } from './io.js';
import { readServices } from './services-input.js';
import { decodeText } from './text.js';

export const MIGRATE_USAGE = `Usage: metallb-ts migrate check --config CONFIG --services SERVICES [--json] [--name NAME]
       metallb-ts migrate to-crds [--config CONFIG] [-o FILE] [--namespace NS] [--name NAME]

check: before replacing MetalLB v0.9 by metallb-ts, whether metallb-ts reads
the ConfigMap exactly as v0.9 does (every difference listed), whether every
Service keeps the address it holds (as a restarted controller would assign
them), and what else to know. Exit 0 safe to upgrade, 1 not safe, 2 usage
error or unreadable input.

to-crds: the v0.9 ConfigMap as current MetalLB resources (metallb.io
IPAddressPool, L2Advertisement, BGPAdvertisement, BGPPeer, Community, and a
Secret per BGP password), as YAML documents. Exit 0 written, 1 the config is
invalid or something in it cannot be said in the CRDs, 2 usage error.
Balancer classes (the balancer-classes key) have no equivalent there: they
are left out with a warning.

  --config CONFIG      kubectl get configmap -n metallb-system config -o yaml, a
                       ConfigMap manifest or the raw config (- for stdin; to-crds
                       reads stdin without it)
  --services SERVICES  kubectl get services -A -o yaml (or -o json)
  --name NAME          the ConfigMap to read when CONFIG holds several (default: config)
  --json               check: print the result as JSON
  -o, --output FILE    to-crds: write to FILE (mode 0600: it holds BGP passwords)
  --namespace NS       to-crds: namespace of the resources (default: metallb-system)
  -h, --help           show this help
`;

const SERVICES_LIMIT = { bytes: 512 * 1024 * 1024, why: 'too large to read in one piece' };

export async function migrateCommand(args: readonly string[], io: CliIO): Promise<number> {
  const [sub, ...rest] = args;
  if (sub === '-h' || sub === '--help') {
    io.stdout(MIGRATE_USAGE);
    return 0;
  }
  if (sub === 'check') return check(rest, io);
  if (sub === 'to-crds') return convert(rest, io);
  const what =
    sub === undefined ? 'a subcommand is needed' : `unknown subcommand ${JSON.stringify(sub)}`;
  io.stderr(`metallb-ts migrate: ${what}\n\n${MIGRATE_USAGE}`);
  return 2;
}

interface Options {
  config?: string;
  services?: string;
  name?: string;
  output?: string;
  namespace?: string;
  json: boolean;
  help: boolean;
}

function parse(args: readonly string[]): Options {
  return parseArgs({
    args: [...args],
    options: {
      config: { type: 'string' },
      services: { type: 'string' },
      name: { type: 'string' },
      output: { type: 'string', short: 'o' },
      namespace: { type: 'string' },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
  }).values;
}

function usageError(io: CliIO, sub: string, error: unknown): number {
  const message = error instanceof Error ? error.message : String(error);
  io.stderr(`metallb-ts migrate ${sub}: ${message}\n\n${MIGRATE_USAGE}`);
  return 2;
}

async function readConfig(
  io: CliIO,
  file: string,
  name: string | undefined,
): Promise<ConfigInput | null> {
  try {
    return loadConfigInput(await io.readInput(file), name);
  } catch (error) {
    io.stderr(
      `metallb-ts migrate: ${error instanceof InputError ? error.message : String(error)}\n`,
    );
    return null;
  }
}

async function check(args: readonly string[], io: CliIO): Promise<number> {
  let options: Options;
  try {
    options = parse(args);
    if (options.help) {
      io.stdout(MIGRATE_USAGE);
      return 0;
    }
    if (options.config === undefined || options.services === undefined)
      throw new Error('--config and --services are both needed');
    if (options.config === '-' && options.services === '-')
      throw new Error('only one of them can be standard input');
    if (options.output !== undefined || options.namespace !== undefined)
      throw new Error('-o and --namespace are options of to-crds');
  } catch (error) {
    return usageError(io, 'check', error);
  }
  const config = await readConfig(io, options.config, options.name);
  if (config === null) return 2;
  let servicesBytes: Buffer;
  try {
    servicesBytes = await io.readInput(options.services, SERVICES_LIMIT);
  } catch (error) {
    io.stderr(
      `metallb-ts migrate: ${error instanceof InputError ? error.message : String(error)}\n`,
    );
    return 2;
  }
  const text = decodeText(servicesBytes);
  const services = text.ok
    ? readServices(text.text)
    : { ok: false as const, error: text.error.message };
  if (!services.ok) {
    io.stdout(`${options.services}: ${services.error}\n`);
    return 2;
  }
  const result = checkUpgrade(config, services.services.map(serviceRequest));
  if (options.json) io.stdout(`${JSON.stringify(result, null, 2)}\n`);
  else io.stdout(report(result, config, options.config === '-' ? 'stdin' : options.config));
  return result.safe ? 0 : 1;
}

const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`;

function report(result: UpgradeCheck, config: ConfigInput, label: string): string {
  const out: string[] = [];
  if (config.ok && result.config.extensions.length > 0) {
    out.push(
      'config: it uses metallb-ts extensions, which v0.9 refuses (its pods run on an older config); add them after the upgrade:',
      ...result.config.extensions.map((path) => `  ${path}`),
    );
  } else if (config.ok) {
    out.push(
      `config: metallb-ts reads it exactly as v0.9 does (${plural(config.config.pools.length, 'address pool')}, ${plural(config.config.peers.length, 'BGP peer')})`,
    );
    if (config.warnings.length > 0) {
      out.push(
        `${plural(config.warnings.length, 'warning')}: v0.9 accepted this text, probably not as meant, and metallb-ts reads it alike:`,
        ...config.warnings.map((warning) => `  ${errorLine(warning, label, config)}`),
      );
    }
    const classes = result.config.balancerClasses.length;
    if (classes > 0) {
      out.push(
        `balancer-classes: ${classes} balancer class${classes === 1 ? '' : 'es'}, a metallb-ts extension that v0.9 ignores (see the note)`,
      );
    }
  } else {
    out.push(
      'config: metallb-ts refuses this ConfigMap, so new pods would start without a config:',
    );
    for (const finding of result.config.errors) {
      const where = errorLine(finding, label, config);
      out.push(
        finding.v09 === null
          ? `  ${where} (v0.9 refuses it too)`
          : `  ${where}\n    DIFFERENCE: ${finding.v09}; metallb-ts refuses it`,
      );
    }
  }
  const services = result.services;
  if (services === null) {
    out.push('services: not checked (there is no config to assign addresses with)');
  } else {
    const line = (s: ServiceFinding, what: string) =>
      `  ${s.service}: ${s.previousIp ?? ''} ${what}${s.reason === null ? '' : ` (${s.reason})`}`;
    out.push(
      `services: ${plural(services.kept.length, 'Service')} keep their address, ${services.moved.length} would move, ${services.lost.length} would lose it`,
    );
    for (const s of services.moved) out.push(line(s, `would MOVE to ${s.ip ?? ''}`));
    for (const s of services.lost) out.push(line(s, 'would LOSE its address'));
    if (services.pending.length > 0) {
      out.push(`${plural(services.pending.length, 'Service')} without an address now:`);
      for (const s of services.pending) {
        out.push(
          s.ip === null
            ? `  ${s.service}: would still get none (${s.reason ?? 'no reason given'})`
            : `  ${s.service}: would get ${s.ip}`,
        );
      }
    }
  }
  for (const note of result.notes) out.push(`note: ${note}`);
  out.push(
    result.safe
      ? 'safe to upgrade: metallb-ts starts with the config v0.9 runs on, and no Service address changes'
      : 'NOT safe to upgrade: see above',
  );
  return `${out.join('\n')}\n`;
}

async function convert(args: readonly string[], io: CliIO): Promise<number> {
  let options: Options;
  try {
    options = parse(args);
    if (options.help) {
      io.stdout(MIGRATE_USAGE);
      return 0;
    }
    if (options.services !== undefined || options.json)
      throw new Error('--services and --json are options of check');
    if ((options.config ?? '-') === '-' && io.stdinIsTerminal)
      throw new Error('give --config, or pipe the ConfigMap in');
  } catch (error) {
    return usageError(io, 'to-crds', error);
  }
  const file = options.config ?? '-';
  const config = await readConfig(io, file, options.name);
  if (config === null) return 2;
  if (!config.ok) {
    io.stderr('metallb-ts migrate to-crds: the config is invalid, nothing converted:\n');
    for (const error of config.errors)
      io.stderr(`${errorLine(error, file === '-' ? 'stdin' : file, config)}\n`);
    return 1;
  }
  const conversion = toCrds(config.config, options.namespace ?? 'metallb-system');
  const header = [
    '# The MetalLB v0.9 ConfigMap as current MetalLB (metallb.io) resources,',
    '# written by metallb-ts migrate to-crds. See MIGRATION.md before applying.',
    ...conversion.renames.map((r) => `# renamed: ${r.kind} ${JSON.stringify(r.from)} -> ${r.to}`),
    ...conversion.problems.map((p) => `# PROBLEM: ${p}`),
    ...conversion.warnings.map((w) => `# WARNING: ${w}`),
    ...conversion.notes.map((n) => `# note: ${n}`),
  ];
  // One document per resource, long strings unfolded, a shared object written out again (no anchors).
  const body = conversion.resources
    .map((r) => dump(r, { lineWidth: -1, noRefs: true }))
    .join('---\n');
  const text = `${header.join('\n')}\n${body}`;
  if (options.output === undefined) io.stdout(text);
  else {
    try {
      await writeFile(options.output, text, { mode: 0o600 });
    } catch (error) {
      io.stderr(`metallb-ts migrate to-crds: cannot write ${options.output}: ${String(error)}\n`);
      return 2;
    }
    io.stderr(`wrote ${plural(conversion.resources.length, 'resource')} to ${options.output}\n`);
  }
  for (const problem of conversion.problems) io.stderr(`problem: ${problem}\n`);
  for (const warning of conversion.warnings) io.stderr(`warning: ${warning}\n`);
  for (const note of conversion.notes) io.stderr(`note: ${note}\n`);
  return conversion.problems.length === 0 ? 0 : 1;
}
