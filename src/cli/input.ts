/**
 * What `config validate` accepts, and how it finds the config text in it:
 * the raw config; a ConfigMap manifest in YAML or JSON (its `data.config`,
 * and its `data.balancer-classes` when it has one);
 * or several documents / a `kind: List` (as `kubectl get cm -o yaml`
 * prints) holding a ConfigMap named `config` or the one asked for.
 */
import { constructFromEvents, EVENT_ID, parseEvents, SCALAR_STYLE } from 'js-yaml';
import { CLASSES_KEY, type ConfigError } from '../config/index.js';
import { buildTree, checkAliases, lineLocator, type YamlNode } from '../goyaml/index.js';

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
  /** The object's node in its document (for the lines of its keys); null where not found. */
  readonly node: YamlNode | null;
}

/** One document of the input: its value, and its nodes with their places. */
interface InputDocument {
  readonly value: unknown;
  readonly root: YamlNode | null;
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
  const documents = boundedDocuments(input);
  if (documents === null) return rawConfig;
  const looksLikeObject = (value: unknown): value is Record<string, unknown> =>
    isRecord(value) && typeof value['kind'] === 'string' && 'apiVersion' in value;
  if (documents.length <= 1 && !looksLikeObject(documents[0]?.value)) return rawConfig;
  const lineAt = lineLocator(input);

  const candidates: Candidate[] = [];
  const others: string[] = [];
  for (const { value, root } of documents) {
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
          candidates.push({ object: item, node: nodeAt(root, ['items', index]) });
        } else others.push(describeObject(item));
      });
    } else if (value['kind'] === 'ConfigMap') candidates.push({ object: value, node: root });
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
    const line = lineOfKey(chosen, lineAt, ['data']) ?? lineOfKey(chosen, lineAt, ['kind']);
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
          line: lineOfKey(chosen, lineAt, ['data', CLASSES_KEY]),
          message: `${origin} has a data.${CLASSES_KEY} that is not a string: ConfigMap data values are strings, so write the list as a block (${CLASSES_KEY}: |)`,
        },
      ],
    };
  }
  return {
    ok: true,
    found: {
      text,
      lineOffset: literalBlockOffset(chosen, lineAt, input, 'config'),
      origin,
      classes:
        classes === undefined
          ? null
          : {
              // A key with no value is an empty text: no classes.
              text: classes ?? '',
              lineOffset: literalBlockOffset(chosen, lineAt, input, CLASSES_KEY),
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
  lineAt: (offset: number) => number,
  input: string,
  key: string,
): number | null {
  const node = nodeAt(candidate.node, ['data', key]);
  if (node?.kind !== 'scalar' || node.style !== SCALAR_STYLE.LITERAL_BLOCK) return null;
  // The block's content starts on the line after its `|` header.
  const headerLine = lineAt(input.lastIndexOf('|', node.start));
  const inputLines = input.split(/\r?\n/);
  const configLines = node.text.replace(/\n$/, '').split('\n');
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
  lineAt: (offset: number) => number,
  keys: readonly string[],
): number | null {
  const object = nodeAt(candidate.node, keys.slice(0, -1));
  const key = keyNode(object, keys[keys.length - 1] ?? '');
  return key === undefined ? null : lineAt(key.start);
}

/** The node at a path below `node` (aliases followed), or null. */
function nodeAt(node: YamlNode | null, path: readonly (string | number)[]): YamlNode | null {
  let here = resolved(node);
  for (const segment of path) {
    if (here === null) return null;
    if (typeof segment === 'number') {
      here = here.kind === 'seq' ? resolved(here.children[segment] ?? null) : null;
      continue;
    }
    const key = keyNode(here, segment);
    here =
      key === undefined || here.kind !== 'map'
        ? null
        : resolved(here.children[here.children.indexOf(key) + 1] ?? null);
  }
  return here;
}

/** A mapping's key node of that text. */
function keyNode(node: YamlNode | null, key: string): YamlNode | undefined {
  if (node?.kind !== 'map') return undefined;
  return node.children.find(
    (child, index) => index % 2 === 0 && child.kind === 'scalar' && child.text === key,
  );
}

function resolved(node: YamlNode | null): YamlNode | null {
  return node?.kind === 'alias' ? (node.target ?? null) : node;
}

/**
 * The input's documents as values and nodes, read in one bounded pass
 * (js-yaml's event parser with a depth limit, go-yaml's alias rule counted
 * over its events, aliases kept as shared references); null where that pass
 * refuses the text (a syntax error, a duplicate key, an unknown anchor,
 * excessive aliasing).
 */
function boundedDocuments(input: string): InputDocument[] | null {
  try {
    const events = parseEvents(input, { maxDepth: INPUT_LIMITS.maxNesting });
    checkAliases(input, events, INPUT_LIMITS);
    const values = constructFromEvents(events, { source: input });
    const starts = events.flatMap((event, index) =>
      event.type === EVENT_ID.DOCUMENT ? [index] : [],
    );
    return values.map((value, i) => ({
      value,
      root: buildTree(input, events.slice(starts[i] ?? 0, starts[i + 1] ?? events.length)),
    }));
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
