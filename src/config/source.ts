/**
 * YAML text -> plain value, read the way v0.9 read it, plus the line of every
 * key path for error messages.
 *
 * v0.9 decoded the config with Go's yaml.v2 (YAML 1.1 scalars: `yes`/`no`/
 * `on`/`off` are booleans, `0x1F` and `010` are integers) into Go structs
 * whose string fields take ANY scalar as its literal text: `name: 123`,
 * `password: 12345` and `match-labels: {rack: 1}` are all strings there. We
 * reproduce that with the schema as a guide, so that configs that work on
 * v0.9 stay valid. A key whose value is null is treated as absent, as a Go
 * zero value was.
 */
import {
  isAlias,
  type Alias,
  isMap,
  isScalar,
  isSeq,
  LineCounter,
  parseDocument,
  type Document,
  type Node as YamlNode,
  type YAMLMap,
  type YAMLSeq,
} from 'yaml';
import { formatPath, type Path } from './path.js';
import type { Schema } from './schema.js';
import type { ConfigError } from './types.js';

/** Lines of the key paths of one document (1-based). */
export class LineIndex {
  private readonly lines = new Map<string, number>();

  /** Records a line unless one is already known for the path. */
  set(path: Path, line: number): void {
    const key = formatPath(path);
    if (!this.lines.has(key)) this.lines.set(key, line);
  }

  /**
   * The line of a path; for a path that is not in the text (a missing key),
   * the line of its nearest ancestor that is.
   */
  lineOf(path: Path): number | null {
    for (let end = path.length; end >= 0; end--) {
      const line = this.lines.get(formatPath(path.slice(0, end)));
      if (line !== undefined) return line;
    }
    return null;
  }
}

export type LoadResult =
  | { readonly ok: true; readonly value: unknown; readonly lines: LineIndex }
  | { readonly ok: false; readonly errors: readonly ConfigError[] };

/** Alias expansion can grow a small text exponentially ("billion laughs"): cap the nodes read. */
const MAX_NODES = 2_000_000;

class TooLarge extends Error {}

/** Parses one YAML document; syntax errors come back with their lines, never thrown. */
export function loadYaml(text: string, schema: Schema): LoadResult {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, {
    version: '1.1',
    lineCounter,
    keepSourceTokens: true,
    prettyErrors: false,
    uniqueKeys: true,
  });
  const lineAt = (offset: number): number => lineCounter.linePos(offset).line;

  if (doc.errors.length > 0) {
    return {
      ok: false,
      errors: doc.errors.map((error) => ({
        path: '',
        line: lineAt(error.pos[0]),
        message: yamlMessage(error.code, error.message),
      })),
    };
  }

  const lines = new LineIndex();
  const reader = new Reader(doc, lines, lineAt);
  const contents = doc.contents;
  if (contents === null) return { ok: true, value: null, lines };
  lines.set([], lineAt(nodeStart(contents)));
  try {
    const value = reader.read(contents, schema, []);
    if (reader.errors.length > 0) return { ok: false, errors: reader.errors };
    return { ok: true, value, lines };
  } catch (error) {
    if (!(error instanceof TooLarge)) throw error;
    return {
      ok: false,
      errors: [{ path: '', line: null, message: 'the document expands to too many values' }],
    };
  }
}

/** The library's messages, made to read as the rest of ours. */
function yamlMessage(code: string, message: string): string {
  switch (code) {
    case 'TAB_AS_INDENT':
      return 'YAML does not allow tabs for indentation: indent with spaces';
    case 'DUPLICATE_KEY':
      return 'this key appears twice in the same mapping';
    case 'MULTIPLE_DOCS':
      return 'the config holds more than one YAML document';
    default:
      return `YAML syntax error: ${message.charAt(0).toLowerCase()}${message.slice(1)}`;
  }
}

function nodeStart(node: YamlNode): number {
  return node.range?.[0] ?? 0;
}

class Reader {
  readonly errors: ConfigError[] = [];
  private nodesRead = 0;
  /** The mappings and lists being read, outermost first: an alias to one of them would never end. */
  private readonly open = new Set<unknown>();

  constructor(
    private readonly doc: Document,
    private readonly lines: LineIndex,
    private readonly lineAt: (offset: number) => number,
  ) {}

  read(node: unknown, schema: Schema | undefined, path: Path): unknown {
    if (++this.nodesRead > MAX_NODES) throw new TooLarge();
    if (isAlias(node)) return this.read(this.resolve(node, path), schema, path);
    if (isMap(node) || isSeq(node)) {
      this.open.add(node);
      try {
        return isMap(node) ? this.readMap(node, schema, path) : this.readSeq(node, schema, path);
      } finally {
        this.open.delete(node);
      }
    }
    if (isScalar(node)) return scalarValue(node.value, node.source, schema);
    return emptyOf(schema);
  }

  /**
   * An alias's value; null (read as empty) when it is a value that contains
   * the alias, which yaml.v2 refused too ("anchor ... value contains itself").
   */
  private resolve(alias: Alias, path: Path): unknown {
    const target = alias.resolve(this.doc);
    if (!this.open.has(target)) return target;
    this.errors.push({
      path: formatPath(path),
      line: this.lineAt(nodeStart(alias)),
      message: `the alias *${alias.source} stands for a value that contains it: it would never end`,
    });
    return null;
  }

  private readMap(node: YAMLMap, schema: Schema | undefined, path: Path): unknown {
    const result: Record<string, unknown> = Object.create(null) as Record<string, unknown>;
    const merged: Record<string, unknown>[] = [];
    for (const pair of node.items) {
      const key = pair.key;
      if (isScalar(key) && typeof key.value === 'symbol') {
        // YAML 1.1 merge key `<<: *anchor` (yaml.v2 supports it).
        merged.push(...this.mergeSources(pair.value, schema, path));
        continue;
      }
      if (!isScalar(key)) {
        this.errors.push({
          path: formatPath(path),
          line: this.lineAt(nodeStart(key as YamlNode)),
          message: 'a key must be a plain string, not a list or mapping',
        });
        continue;
      }
      const name = scalarText(key.value, key.source);
      const childPath = [...path, name];
      this.lines.set(childPath, this.lineAt(nodeStart(key)));
      const value = pair.value;
      if (value === null || (isScalar(value) && value.value === null)) continue;
      result[name] = this.read(value, childSchema(schema, name), childPath);
    }
    // Explicit keys win over merged ones; an earlier merge source wins over a later one.
    for (const source of merged.reverse()) {
      for (const [name, value] of Object.entries(source)) {
        if (!(name in result)) result[name] = value;
      }
    }
    return result;
  }

  private mergeSources(
    value: unknown,
    schema: Schema | undefined,
    path: Path,
  ): Record<string, unknown>[] {
    const target = isAlias(value) ? this.resolve(value, path) : value;
    const sources = isSeq(target) ? target.items : [target];
    const maps: Record<string, unknown>[] = [];
    for (const source of sources) {
      const read = this.read(source, schema, path);
      if (typeof read === 'object' && read !== null && !Array.isArray(read)) {
        maps.push(read as Record<string, unknown>);
      }
    }
    return maps;
  }

  private readSeq(node: YAMLSeq, schema: Schema | undefined, path: Path): unknown[] {
    const itemSchema = schema?.type === 'array' ? schema.items : undefined;
    const starts = itemStarts(node);
    return node.items.map((item, index) => {
      const childPath = [...path, index];
      const start = starts[index] ?? (isNode(item) ? nodeStart(item) : nodeStart(node));
      this.lines.set(childPath, this.lineAt(start));
      return this.read(item, itemSchema, childPath);
    });
  }
}

function isNode(value: unknown): value is YamlNode {
  return isScalar(value) || isMap(value) || isSeq(value) || isAlias(value);
}

/** Where each item of a block sequence starts: its `-`, which may stand on a line of its own. */
function itemStarts(node: YAMLSeq): (number | undefined)[] {
  const token = node.srcToken;
  if (token?.type !== 'block-seq') return [];
  return token.items.map((item) => item.start.find((t) => t.type === 'seq-item-ind')?.offset);
}

function childSchema(schema: Schema | undefined, key: string): Schema | undefined {
  if (schema?.type !== 'object') return undefined;
  const known = schema.properties?.[key];
  if (known !== undefined) return known;
  return schema.additionalProperties === false ? undefined : schema.additionalProperties;
}

/** A Go zero value for a null list item: `- ~` in a list of pools is an empty pool. */
function emptyOf(schema: Schema | undefined): unknown {
  switch (schema?.type) {
    case 'object':
      return Object.create(null) as Record<string, unknown>;
    case 'array':
      return [];
    case 'string':
      return '';
    default:
      return null;
  }
}

function scalarText(value: unknown, source: string | undefined): string {
  if (typeof value === 'string') return value;
  return source ?? String(value);
}

function scalarValue(
  value: unknown,
  source: string | undefined,
  schema: Schema | undefined,
): unknown {
  if (value === null) return emptyOf(schema);
  if (schema?.type === 'string') return scalarText(value, source);
  // Numbers, booleans and strings pass as they are; other YAML 1.1 types
  // (timestamps, binary) become their text so the schema can name them.
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'string') {
    return value;
  }
  return scalarText(value, source);
}
