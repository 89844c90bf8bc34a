/**
 * What `config validate` accepts, and how it finds the config text in it:
 * the raw config; a ConfigMap manifest in YAML or JSON (its `data.config`,
 * and its `data.balancer-classes` when it has one);
 * or several documents / a `kind: List` (as `kubectl get cm -o yaml`
 * prints) holding a ConfigMap named `config` or the one asked for.
 */
import { constructFromEvents, parseEvents } from 'js-yaml';
import { isMap, isScalar, LineCounter, parseAllDocuments, Scalar, type Document } from 'yaml';
import { CLASSES_KEY, type ConfigError } from '../config/index.js';
import { checkAliases } from '../goyaml/index.js';

/** The config text found in an input, and how its lines map to the input's. */
export interface FoundConfig {
  readonly text: string;
  /** The config's line 1 is the input's line `lineOffset + 1`; null when lines do not map (a JSON string). */
  readonly lineOffset: number | null;
  /** Where it came from, for messages: `the input`, `ConfigMap metallb-system/config`. */
  readonly origin: string;
  /**
   * The ConfigMap's `balancer-classes` key (docs/SCALEOUT.md), its lines
   * mapped as the config's are; null without one (always for a raw config).
   */
  readonly classes: FoundKey | null;
}

/** The text of one more data key, and how its lines map to the input's. */
export interface FoundKey {
  readonly text: string;
  /** The key's line 1 is the input's line `lineOffset + 1`; null when lines do not map. */
  readonly lineOffset: number | null;
}

export type FindResult =
  | { readonly ok: true; readonly found: FoundConfig }
  | { readonly ok: false; readonly errors: readonly ConfigError[] };

/** The name v0.9 reads (`--config` on the daemons). */
export const DEFAULT_CONFIGMAP_NAME = 'config';

interface Candidate {
  readonly object: Record<string, unknown>;
  readonly doc: Document;
  /** Path of the object inside its document: [] or ['items', i]. */
  readonly at: readonly (string | number)[];
}

/**
 * The largest input read: a ConfigMap holds at most 1 MiB, and an input may
 * hold a few more objects beside it (`kubectl get cm -A -o yaml`).
 */
export const MAX_INPUT_BYTES = 4 * 1024 * 1024;

/** Bounds of the first pass over an input (as the config reader's, for a few objects). */
const INPUT_LIMITS = { maxNesting: 1000, maxExpandedText: 8 * MAX_INPUT_BYTES };

/** Finds the config in an input; `name` picks a ConfigMap by name. */
export function findConfig(input: string, name: string | undefined): FindResult {
  const size = Buffer.byteLength(input, 'utf8');
  if (size > MAX_INPUT_BYTES) {
    return rootError(
      `the input is ${size} bytes: metallb-ts reads at most ${MAX_INPUT_BYTES} (a ConfigMap holds at most 1 MiB)`,
    );
  }
  const rawConfig: FindResult = {
    ok: true,
    found: { text: input, lineOffset: 0, origin: 'the input', classes: null },
  };
  // Broken YAML (or YAML that go-yaml refuses): let the config parser report it with its lines.
  const values = boundedValues(input);
  if (values === null) return rawConfig;
  const looksLikeObject = (value: unknown): value is Record<string, unknown> =>
    isRecord(value) && typeof value['kind'] === 'string' && 'apiVersion' in value;
  if (values.length <= 1 && !looksLikeObject(values[0])) return rawConfig;

  // A manifest: read again with `yaml`, which keeps the nodes' places for lines. Keys were
  // found unique above; its own check of them takes time quadratic in a mapping's size.
  const lineCounter = new LineCounter();
  const docs = parseAllDocuments(input, { lineCounter, prettyErrors: false, uniqueKeys: false });
  if (!Array.isArray(docs) || docs.some((doc) => doc.errors.length > 0)) return rawConfig;
  const objects = docs.map((doc) => ({ doc, value: doc.toJS({ maxAliasCount: -1 }) as unknown }));

  const candidates: Candidate[] = [];
  const others: string[] = [];
  for (const { doc, value } of objects) {
    if (value === null || value === undefined) continue;
    if (!looksLikeObject(value)) {
      others.push('a document that is not a Kubernetes object');
      continue;
    }
    const items = value['items'];
    if (
      value['kind'] === 'List' ||
      (String(value['kind']).endsWith('List') && Array.isArray(items))
    ) {
      (Array.isArray(items) ? items : []).forEach((item: unknown, index) => {
        if (isRecord(item) && item['kind'] === 'ConfigMap') {
          candidates.push({ object: item, doc, at: ['items', index] });
        } else others.push(describeObject(item));
      });
    } else if (value['kind'] === 'ConfigMap') candidates.push({ object: value, doc, at: [] });
    else others.push(describeObject(value));
  }

  const wanted = name ?? DEFAULT_CONFIGMAP_NAME;
  const named = candidates.filter((c) => nameOf(c.object) === wanted);
  // A lone ConfigMap is taken whatever its name, unless a name was asked for.
  const chosen =
    named[0] ?? (name === undefined && candidates.length === 1 ? candidates[0] : undefined);
  if (chosen === undefined) {
    const seen = candidates
      .map((c) => `ConfigMap ${JSON.stringify(nameOf(c.object))}`)
      .concat(others);
    const listed = seen.length > 0 ? `; found ${seen.join(', ')}` : '';
    return rootError(
      `no ConfigMap named ${JSON.stringify(wanted)} in the input${listed} (--name picks another)`,
    );
  }

  const origin = `ConfigMap ${describeName(chosen.object)}`;
  const data = chosen.object['data'];
  const text = isRecord(data) ? data['config'] : undefined;
  if (typeof text !== 'string') {
    const line =
      lineOfKey(chosen, lineCounter, ['data']) ?? lineOfKey(chosen, lineCounter, ['kind']);
    return {
      ok: false,
      errors: [
        {
          path: 'data.config',
          line,
          message: `${origin} has no data.config string: MetalLB v0.9 reads its config from that key`,
        },
      ],
    };
  }
  const classes = isRecord(data) ? data[CLASSES_KEY] : undefined;
  // A list written straight under the key instead of as a `|` block is the likely mistake here.
  if (classes !== undefined && classes !== null && typeof classes !== 'string') {
    return {
      ok: false,
      errors: [
        {
          path: `data.${CLASSES_KEY}`,
          line: lineOfKey(chosen, lineCounter, ['data', CLASSES_KEY]),
          message: `${origin} has a data.${CLASSES_KEY} that is not a string: ConfigMap data values are strings, so write the list as a block (${CLASSES_KEY}: |)`,
        },
      ],
    };
  }
  return {
    ok: true,
    found: {
      text,
      lineOffset: literalBlockOffset(chosen, lineCounter, input, 'config'),
      origin,
      classes:
        classes === undefined
          ? null
          : {
              // A key with no value is an empty text: no classes.
              text: classes ?? '',
              lineOffset: literalBlockOffset(chosen, lineCounter, input, CLASSES_KEY),
            },
    },
  };
}

/**
 * Where a `config: |` (or other data key's) literal block starts, when its
 * lines map one to one onto the input's (checked line by line); null
 * otherwise (a quoted or folded string, a JSON manifest).
 */
function literalBlockOffset(
  candidate: Candidate,
  lineCounter: LineCounter,
  input: string,
  key: string,
): number | null {
  const node = candidate.doc.getIn([...candidate.at, 'data', key], true);
  if (!isScalar(node) || node.type !== Scalar.BLOCK_LITERAL || !node.range) return null;
  const headerLine = lineCounter.linePos(node.range[0]).line;
  const inputLines = input.split(/\r?\n/);
  const configLines = String(node.value).replace(/\n$/, '').split('\n');
  const mapsOneToOne = configLines.every((configLine, k) => {
    const inputLine = inputLines[headerLine + k];
    if (inputLine === undefined) return false;
    if (configLine === '') return inputLine.trim() === '';
    const indent = inputLine.slice(0, inputLine.length - configLine.length);
    return inputLine.endsWith(configLine) && indent.trim() === '';
  });
  return mapsOneToOne ? headerLine : null;
}

/** The line of a key of the chosen object, given by its path (`['data', 'config']`). */
function lineOfKey(
  candidate: Candidate,
  lineCounter: LineCounter,
  keys: readonly string[],
): number | null {
  const parents = keys.slice(0, -1);
  const key = keys[keys.length - 1];
  const object =
    candidate.at.length === 0 && parents.length === 0
      ? candidate.doc.contents
      : candidate.doc.getIn([...candidate.at, ...parents], true);
  if (!isMap(object)) return null;
  const pair = object.items.find((item) => isScalar(item.key) && item.key.value === key);
  const start = isScalar(pair?.key) ? pair.key.range?.[0] : undefined;
  return start === undefined ? null : lineCounter.linePos(start).line;
}

/**
 * The input's documents as values, read in one bounded pass (js-yaml's event
 * parser with a depth limit, go-yaml's alias rule counted over its events,
 * aliases kept as shared references); null where that pass refuses the text
 * (a syntax error, a duplicate key, an unknown anchor, excessive aliasing).
 */
function boundedValues(input: string): unknown[] | null {
  try {
    const events = parseEvents(input, { maxDepth: INPUT_LIMITS.maxNesting });
    checkAliases(input, events, INPUT_LIMITS);
    return constructFromEvents(events, { source: input });
  } catch {
    return null;
  }
}

function rootError(message: string): FindResult {
  return { ok: false, errors: [{ path: '', line: null, message }] };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function nameOf(object: Record<string, unknown>): string {
  const metadata = object['metadata'];
  return isRecord(metadata) && typeof metadata['name'] === 'string' ? metadata['name'] : '';
}

function describeName(object: Record<string, unknown>): string {
  const metadata = object['metadata'];
  const namespace =
    isRecord(metadata) && typeof metadata['namespace'] === 'string' ? metadata['namespace'] : '';
  return namespace === '' ? nameOf(object) : `${namespace}/${nameOf(object)}`;
}

function describeObject(value: unknown): string {
  if (!isRecord(value)) return 'an item that is not a Kubernetes object';
  return `${String(value['kind'])} ${JSON.stringify(nameOf(value))}`;
}
