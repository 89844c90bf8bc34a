/**
 * Config text -> Config or every error in it. Three passes: YAML (syntax,
 * lines), the schema (keys, types), then the rules between values. A part
 * with structural errors is left out of the later passes, so each mistake
 * is reported once and the rest of the config is still checked.
 */
import { parseCommunity } from './community.js';
import { formatPath, type Path, type Report } from './path.js';
import { parsePeer, warnRepeatedPeers } from './peers.js';
import { checkPoolsTogether, parsePool, type PlacedPool } from './pools.js';
import { configSchema, type RawConfig } from './schema.js';
import { loadYaml } from './source.js';
import { checkStructure } from './structure.js';
import type { Config, ConfigError, ConfigResult, ConfigWarning, Peer } from './types.js';

export interface ParseOptions {
  /** Added to every line: the config's first line is line `lineOffset + 1` of the file it came from. */
  readonly lineOffset?: number;
}

/** Parses a v0.9 config. Never throws: any input gives a Config or a list of errors. */
export function parseConfig(text: string, options: ParseOptions = {}): ConfigResult {
  let result: ConfigResult;
  try {
    result = parseText(text);
  } catch (error) {
    // A bug of ours must not take a daemon down with it; the fuzz tests look for this message.
    const message = `internal error while reading the config: ${error instanceof Error ? error.message : String(error)}`;
    result = { ok: false, errors: [{ path: '', line: null, message }] };
  }
  const offset = options.lineOffset ?? 0;
  if (offset === 0) return result;
  const shift = <T extends ConfigError | ConfigWarning>(e: T): T => ({
    ...e,
    line: e.line === null ? null : e.line + offset,
  });
  return result.ok
    ? { ...result, warnings: result.warnings.map(shift) }
    : { ok: false, errors: result.errors.map(shift) };
}

function parseText(text: string): ConfigResult {
  const loaded = loadYaml(text, configSchema);
  if (!loaded.ok) return { ok: false, errors: loaded.errors };
  const { value, lines } = loaded;
  if (value === null)
    return {
      ok: true,
      config: { pools: [], peers: [], communities: new Map(), balancerClasses: [] },
      warnings: loaded.warnings,
    };

  const errors: ConfigError[] = [];
  const report: Report = (path, message) =>
    errors.push({ path: formatPath(path), line: lines.lineOf(path), message });
  const warnings: ConfigWarning[] = [...loaded.warnings];
  /** What v0.9 accepted and we accept alike, said once, where it is written. */
  const warn: Report = (path, message) =>
    warnings.push({ path: formatPath(path), line: lines.lineOf(path), message });

  if (typeof value !== 'object' || Array.isArray(value)) {
    report(
      [],
      'the config must be a mapping with the keys peers, bgp-communities and address-pools',
    );
    return { ok: false, errors };
  }

  // Parts with structural errors are skipped below: a whole top-level key, or one element.
  const broken = new Set<string>();
  for (const issue of checkStructure(value, lines)) {
    errors.push(issue.error);
    broken.add(formatPath(issue.path.slice(0, 2)));
  }
  const usable = (path: Path): boolean =>
    !broken.has(formatPath(path.slice(0, 1))) && !broken.has(formatPath(path));
  const raw = value as RawConfig;

  const aliases = new Map<string, number | null>();
  if (usable(['bgp-communities'])) {
    for (const [alias, text] of Object.entries(raw['bgp-communities'] ?? {})) {
      const path = ['bgp-communities', alias];
      const parsed = usable(path) ? parseCommunity(text) : null;
      // An alias with an error is still known, so its users are not reported a second time.
      aliases.set(alias, parsed?.ok === true ? parsed.value : null);
      if (parsed?.ok === false) report(path, parsed.error);
    }
  }

  const peers: { peer: Peer; index: number }[] = [];
  (usable(['peers']) ? (raw.peers ?? []) : []).forEach((rawPeer, index) => {
    const path = ['peers', index];
    if (!usable(path)) return;
    const peer = parsePeer(rawPeer, path, report, warn);
    if (peer !== null) peers.push({ peer, index });
  });
  warnRepeatedPeers(peers, warn);

  const pools: PlacedPool[] = [];
  (usable(['address-pools']) ? (raw['address-pools'] ?? []) : []).forEach((rawPool, index) => {
    const path = ['address-pools', index];
    if (!usable(path)) return;
    const pool = parsePool(rawPool, path, aliases, report, warn);
    if (pool !== null) pools.push({ pool, index });
  });
  checkPoolsTogether(pools, report);

  if (errors.length > 0) return { ok: false, errors: sortErrors(errors) };
  const config: Config = {
    pools: pools.map((p) => p.pool),
    peers: peers.map((p) => p.peer),
    communities: aliasesOnly(aliases),
    balancerClasses: [],
  };
  return { ok: true, config, warnings: sortErrors(warnings) };
}

/** Errors (or warnings) in the order of the text; those without a line last. */
function sortErrors<T extends ConfigError | ConfigWarning>(errors: T[]): T[] {
  return errors
    .map((error, order) => ({ error, order }))
    .sort((a, b) => (a.error.line ?? Infinity) - (b.error.line ?? Infinity) || a.order - b.order)
    .map(({ error }) => error);
}

function aliasesOnly(aliases: ReadonlyMap<string, number | null>): Map<string, number> {
  const valid = new Map<string, number>();
  for (const [alias, value] of aliases) if (value !== null) valid.set(alias, value);
  return valid;
}
