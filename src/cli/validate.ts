/**
 * `metallb-ts config validate [--json] [--name NAME] [FILE|-]`
 *
 * Exit 0 when the config is valid, 1 when it is not (every error printed as
 * `path (line N): message`), 2 for a usage error or an input that cannot be
 * read.
 */
import { parseArgs } from 'node:util';
import {
  configView,
  parseConfig,
  type Config,
  type ConfigError,
  type ValidationView,
} from '../config/index.js';
import { formatCidr, formatIP } from '../ip/index.js';
import { findConfig } from './input.js';
import { InputError, type CliIO } from './io.js';

export const VALIDATE_USAGE = `Usage: metallb-ts config validate [--json] [--name NAME] [FILE|-]

Checks a MetalLB v0.9 config the way the controller and speaker will read it.
FILE (or standard input, with - or no FILE) holds the raw config text, a
ConfigMap manifest in YAML or JSON, or several documents / a List (as
\`kubectl get configmap -o yaml\` prints) with a ConfigMap named "config".

  --json       print the result as JSON
  --name NAME  the ConfigMap to read when the input holds several (default: config)
  -h, --help   show this help

Exit status: 0 valid, 1 invalid, 2 usage error or unreadable input.
`;

export const EXIT_VALID = 0;
export const EXIT_INVALID = 1;
export const EXIT_USAGE = 2;

export async function validateCommand(args: readonly string[], io: CliIO): Promise<number> {
  let options: { json: boolean; name: string | undefined; help: boolean; file: string | undefined };
  try {
    const { values, positionals } = parseArgs({
      args: [...args],
      options: {
        json: { type: 'boolean', default: false },
        name: { type: 'string' },
        help: { type: 'boolean', short: 'h', default: false },
      },
      allowPositionals: true,
      strict: true,
    });
    if (positionals.length > 1) throw new Error('give at most one FILE');
    options = { json: values.json, name: values.name, help: values.help, file: positionals[0] };
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

  const outcome = check(bytes, options.name);
  const view: ValidationView = outcome.ok
    ? { valid: true, config: configView(outcome.config) }
    : { valid: false, errors: [...outcome.errors] };
  if (options.json) {
    const linesOf = outcome.linesRelativeTo === 'file' ? 'input' : 'data.config';
    io.stdout(`${JSON.stringify({ ...view, linesRelativeTo: linesOf }, null, 2)}\n`);
  } else if (outcome.ok) {
    io.stdout(summary(outcome.config, label));
  } else {
    for (const error of outcome.errors)
      io.stdout(`${errorLine(error, label, outcome.linesRelativeTo)}\n`);
  }
  return outcome.ok ? EXIT_VALID : EXIT_INVALID;
}

type Outcome = { linesRelativeTo: 'file' | 'config' } & (
  { ok: true; config: Config } | { ok: false; errors: readonly ConfigError[] }
);

/** Bytes -> text -> the config inside -> a Config or errors. */
function check(bytes: Buffer, name: string | undefined): Outcome {
  const decoded = decodeText(bytes);
  if (!decoded.ok) return { linesRelativeTo: 'file', ok: false, errors: [decoded.error] };
  if (decoded.text.trim() === '') {
    return {
      linesRelativeTo: 'file',
      ok: false,
      errors: [
        {
          path: '',
          line: null,
          message: 'the input is empty: expected a MetalLB config or a ConfigMap holding one',
        },
      ],
    };
  }
  const found = findConfig(decoded.text, name);
  if (!found.ok) return { linesRelativeTo: 'file', ok: false, errors: found.errors };
  const { text, lineOffset } = found.found;
  const linesRelativeTo = lineOffset === null ? 'config' : 'file';
  if (text.trim() === '') {
    return {
      linesRelativeTo: 'file',
      ok: false,
      errors: [
        { path: 'data.config', line: null, message: `${found.found.origin} has an empty config` },
      ],
    };
  }
  const result = parseConfig(text, { lineOffset: lineOffset ?? 0 });
  return result.ok
    ? { linesRelativeTo, ok: true, config: result.config }
    : { linesRelativeTo, ok: false, errors: result.errors };
}

/** UTF-8 text (a BOM dropped), or where the input stops being text: a NUL byte or invalid UTF-8. */
function decodeText(bytes: Buffer): { ok: true; text: string } | { ok: false; error: ConfigError } {
  const nul = bytes.indexOf(0);
  const invalid = firstInvalidUtf8(bytes);
  const at = Math.min(nul === -1 ? Infinity : nul, invalid ?? Infinity);
  if (at === Infinity) return { ok: true, text: new TextDecoder('utf-8').decode(bytes) };
  const byte = bytes[at] ?? 0;
  return {
    ok: false,
    error: {
      path: '',
      line: countLines(bytes, at),
      message: `not a text file: byte 0x${byte.toString(16).padStart(2, '0')} at offset ${at} is not UTF-8 text`,
    },
  };
}

/** Offset of the first byte that does not start a well-formed UTF-8 character (RFC 3629 section 4). */
function firstInvalidUtf8(bytes: Buffer): number | null {
  let i = 0;
  while (i < bytes.length) {
    const lead = bytes[i] ?? 0;
    if (lead < 0x80) {
      i++;
      continue;
    }
    const trailing =
      lead >= 0xc2 && lead <= 0xdf
        ? 1
        : lead >= 0xe0 && lead <= 0xef
          ? 2
          : lead >= 0xf0 && lead <= 0xf4
            ? 3
            : 0;
    if (trailing === 0) return i;
    for (let k = 1; k <= trailing; k++) {
      const next = bytes[i + k];
      if (next === undefined || (next & 0xc0) !== 0x80) return i;
    }
    // Overlong forms, UTF-16 surrogates and code points past U+10FFFF.
    const second = bytes[i + 1] ?? 0;
    if (
      (lead === 0xe0 && second < 0xa0) ||
      (lead === 0xed && second >= 0xa0) ||
      (lead === 0xf0 && second < 0x90) ||
      (lead === 0xf4 && second >= 0x90)
    ) {
      return i;
    }
    i += trailing + 1;
  }
  return null;
}

function countLines(bytes: Buffer, offset: number): number {
  let line = 1;
  for (let i = 0; i < offset; i++) if (bytes[i] === 0x0a) line++;
  return line;
}

function errorLine(error: ConfigError, label: string, linesRelativeTo: 'file' | 'config'): string {
  const where = error.path === '' ? label : error.path;
  const line =
    error.line === null
      ? ''
      : linesRelativeTo === 'file'
        ? ` (line ${error.line})`
        : ` (line ${error.line} of data.config)`;
  return `${where}${line}: ${error.message}`;
}

const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`;

/** The human summary of a valid config. */
function summary(config: Config, label: string): string {
  const out: string[] = [
    `${label}: valid config, ${plural(config.pools.length, 'address pool')}, ${plural(config.peers.length, 'BGP peer')}`,
  ];
  for (const pool of config.pools) {
    const flags = [
      pool.autoAssign ? '' : 'auto-assign off',
      pool.avoidBuggyIps ? 'avoids .0/.255' : '',
    ].filter((f) => f !== '');
    const shown = pool.cidrs.slice(0, 4).map(formatCidr).join(', ');
    const more = pool.cidrs.length > 4 ? `, ... (${pool.cidrs.length} prefixes)` : '';
    out.push(
      `  pool ${pool.name} (${pool.protocol}): ${pool.addressCount} addresses in ${shown}${more}${flags.length > 0 ? `; ${flags.join(', ')}` : ''}`,
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
  return `${out.join('\n')}\n`;
}
