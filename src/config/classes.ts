/**
 * The `balancer-classes` data key (docs/SCALEOUT.md, "Configuration"): text
 * -> BalancerClass list or every error in it. The same three passes as the
 * `config` key (YAML, the schema, the rules between values), read with the
 * same YAML rules, so a class reads like an address pool.
 *
 * Paths name the key (`balancer-classes[0].addresses[1]`) and lines count
 * within the key's text (plus `lineOffset`).
 */
import { findOverlaps } from './addresses.js';
import { classesSchema, type RawBalancerClass } from './classes-schema.js';
import { parseNodeSelector } from './peers.js';
import { formatPath, type Path, type Report } from './path.js';
import { countUsableAddresses, parseAddressEntries } from './pools.js';
import { loadYaml } from './source.js';
import { checkClassesStructure } from './structure.js';
import type { AddressEntry, BalancerClass, ConfigError, Pool } from './types.js';

/** The data key v0.9 never reads; every path of its errors starts with it. */
export const CLASSES_KEY = 'balancer-classes';

/** docs/SCALEOUT.md: addresses a Service of the class gets unless it asks for another number. */
const DEFAULT_IPS_PER_SERVICE = 2;

/**
 * SCALEOUT.md: a class name is a DNS-1123 label, as it is the name part of
 * the Service's `loadBalancerClass: metallb-ts.io/<class>`.
 */
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const MAX_LABEL_LENGTH = 63;

export interface ClassesOptions {
  /** Added to every line: the key's first line is line `lineOffset + 1` of the file it came from. */
  readonly lineOffset?: number;
}

export type ClassesResult =
  | { readonly ok: true; readonly classes: readonly BalancerClass[] }
  | { readonly ok: false; readonly errors: readonly ConfigError[] };

/**
 * Parses the `balancer-classes` text. `pools` are the address pools of the
 * `config` key, which names and addresses of classes are checked against;
 * null when that key is invalid, and then only the classes among themselves
 * are checked. Never throws: any input gives classes or a list of errors.
 * Empty text (or a null document) is no classes.
 */
export function parseBalancerClasses(
  text: string,
  pools: readonly Pool[] | null,
  options: ClassesOptions = {},
): ClassesResult {
  let result: ClassesResult;
  try {
    result = parseText(text, pools);
  } catch (error) {
    // A bug of ours must not take a daemon down with it; the fuzz tests look for this message.
    const message = `internal error while reading ${CLASSES_KEY}: ${error instanceof Error ? error.message : String(error)}`;
    result = { ok: false, errors: [{ path: CLASSES_KEY, line: null, message }] };
  }
  const offset = options.lineOffset ?? 0;
  if (result.ok || offset === 0) return result;
  return {
    ok: false,
    errors: result.errors.map((e) => ({ ...e, line: e.line === null ? null : e.line + offset })),
  };
}

function parseText(text: string, pools: readonly Pool[] | null): ClassesResult {
  const loaded = loadYaml(text, classesSchema);
  if (!loaded.ok) return { ok: false, errors: loaded.errors.map(underKey) };
  const { value, lines } = loaded;
  // The key is metallb-ts's own, so what v0.9 would read other than written (a second
  // document, a fraction) is an error here, as the pools' notes are for a class (pools.ts).
  const misread = loaded.warnings.map((w) => ({
    ...underKey(w),
    message: `${w.message}; balancer-classes takes no such text`,
  }));
  if (misread.length > 0) return { ok: false, errors: misread };
  if (value === null) return { ok: true, classes: [] };

  const errors: ConfigError[] = [];
  const report: Report = (path, message) =>
    errors.push({ path: formatPath([CLASSES_KEY, ...path]), line: lines.lineOf(path), message });

  // A class with structural errors is left out of the later passes, so each
  // mistake is reported once; the list itself being wrong stops here.
  const broken = new Set<string>();
  for (const issue of checkClassesStructure(value, lines)) {
    report(issue.path, issue.error.message);
    broken.add(formatPath(issue.path.slice(0, 1)));
  }
  if (broken.has('')) return { ok: false, errors };

  const placed: PlacedClass[] = [];
  (value as readonly RawBalancerClass[]).forEach((raw, index) => {
    if (broken.has(formatPath([index]))) return;
    const parsed = parseClass(raw, [index], report);
    if (parsed !== null) placed.push({ balancerClass: parsed, index });
  });
  checkClassesTogether(placed, pools, report);

  if (errors.length > 0) return { ok: false, errors: inTextOrder(errors) };
  return { ok: true, classes: placed.map((p) => p.balancerClass) };
}

/** An error of the YAML pass, whose path is relative to the key, put under it. */
function underKey(error: ConfigError): ConfigError {
  const path =
    error.path === ''
      ? CLASSES_KEY
      : error.path.startsWith('[')
        ? `${CLASSES_KEY}${error.path}`
        : `${CLASSES_KEY}.${error.path}`;
  return { ...error, path, message: error.message.replace(/^the config /, `${CLASSES_KEY} `) };
}

/** One class, or null when it has errors (they are reported). */
function parseClass(raw: RawBalancerClass, path: Path, report: Report): BalancerClass | null {
  let failed = false;
  const fail: Report = (where, message) => {
    failed = true;
    report(where, message);
  };

  if (raw.name.length > MAX_LABEL_LENGTH || !DNS_LABEL.test(raw.name)) {
    fail(
      [...path, 'name'],
      `class name ${JSON.stringify(raw.name)} must be a DNS-1123 label: at most ${MAX_LABEL_LENGTH} lower-case letters, digits and "-", starting and ending with a letter or digit`,
    );
  }
  const entries = parseAddressEntries(raw.addresses, [...path, 'addresses'], fail);
  const nodeSelectors = (raw['node-selectors'] ?? []).map((selector, index) =>
    parseNodeSelector(selector, [...path, 'node-selectors', index], fail),
  );
  if (failed) return null;

  const avoidBuggyIps = raw['avoid-buggy-ips'] ?? false;
  const cidrs = entries.flatMap((entry) => entry.cidrs);
  const pool: Pool = {
    name: raw.name,
    protocol: 'layer2',
    entries,
    cidrs,
    avoidBuggyIps,
    // Only the class's own Services draw from it (SCALEOUT.md).
    autoAssign: false,
    bgpAdvertisements: [],
    addressCount: countUsableAddresses(cidrs, avoidBuggyIps),
  };
  return {
    name: raw.name,
    pool,
    nodeSelectors,
    ipsPerService: raw['ips-per-service'] ?? DEFAULT_IPS_PER_SERVICE,
  };
}

interface PlacedClass {
  readonly balancerClass: BalancerClass;
  readonly index: number;
}

/**
 * Rules between classes, and between classes and address pools: names
 * unique among both; no class address overlaps a pool's or another class's
 * (so a v0.9 speaker, which knows only the pools, never announces one).
 */
function checkClassesTogether(
  classes: readonly PlacedClass[],
  pools: readonly Pool[] | null,
  report: Report,
): void {
  const poolIndexByName = new Map<string, number>();
  (pools ?? []).forEach((pool, index) => {
    if (!poolIndexByName.has(pool.name)) poolIndexByName.set(pool.name, index);
  });
  const firstClassByName = new Map<string, number>();
  for (const { balancerClass, index } of classes) {
    const name = balancerClass.name;
    const poolIndex = poolIndexByName.get(name);
    const first = firstClassByName.get(name);
    if (poolIndex !== undefined) {
      report(
        [index, 'name'],
        `class name ${JSON.stringify(name)} is the name of address pool address-pools[${poolIndex}]: a class needs a name no pool has`,
      );
    } else if (first !== undefined) {
      report(
        [index, 'name'],
        `duplicate class name ${JSON.stringify(name)}: ${CLASSES_KEY}[${first}] has it already`,
      );
    }
    if (first === undefined) firstClassByName.set(name, index);
  }

  // Pools first, so an overlap is always reported on the class's entry.
  const owners: Owner[] = [];
  (pools ?? []).forEach((pool, poolIndex) =>
    pool.entries.forEach((entry, entryIndex) =>
      owners.push({ kind: 'pool', name: pool.name, index: poolIndex, entryIndex, entry }),
    ),
  );
  for (const { balancerClass, index } of classes) {
    balancerClass.pool.entries.forEach((entry, entryIndex) =>
      owners.push({ kind: 'class', name: balancerClass.name, index, entryIndex, entry }),
    );
  }
  const overlaps = findOverlaps(
    owners.map((owner, order) => ({ order, cidrs: owner.entry.cidrs })),
  );
  for (const [later, earlier] of [...overlaps].sort((a, b) => a[0] - b[0])) {
    const mine = owners[later];
    const theirs = owners[earlier];
    // Pools overlapping pools are the `config` key's errors, reported there.
    if (mine?.kind !== 'class' || theirs === undefined) continue;
    report(
      [mine.index, 'addresses', mine.entryIndex],
      `${mine.entry.text} overlaps ${theirs.entry.text} in ${describeOwner(theirs, mine)}`,
    );
  }
}

/** One address entry of a pool or a class. */
interface Owner {
  readonly kind: 'pool' | 'class';
  readonly name: string;
  /** Index of the pool in `address-pools`, or of the class in `balancer-classes`. */
  readonly index: number;
  readonly entryIndex: number;
  readonly entry: AddressEntry;
}

function describeOwner(theirs: Owner, mine: Owner): string {
  if (theirs.kind === 'pool') {
    return `address pool ${JSON.stringify(theirs.name)} (address-pools[${theirs.index}].addresses[${theirs.entryIndex}])`;
  }
  if (theirs.index === mine.index) return `this class's addresses[${theirs.entryIndex}]`;
  return `class ${JSON.stringify(theirs.name)} (${CLASSES_KEY}[${theirs.index}].addresses[${theirs.entryIndex}])`;
}

/** Errors in the order of the text; those without a line last. */
function inTextOrder(errors: ConfigError[]): ConfigError[] {
  return errors
    .map((error, order) => ({ error, order }))
    .sort((a, b) => (a.error.line ?? Infinity) - (b.error.line ?? Infinity) || a.order - b.order)
    .map(({ error }) => error);
}
