/**
 * YAML text -> plain value, read the way v0.9 read it, plus the line of every
 * key path for error messages.
 *
 * v0.9 decoded the config with Go's yaml.v2 (v2.4.0) into Go structs: plain
 * scalars typed by yaml.v2's resolve.go (`yes`/`no`/`on`/`off` are
 * booleans, integers read with Go's base prefixes, no base-60 numbers), and
 * string fields that take ANY scalar as its literal text (`name: 123`,
 * `password: 12345` and `match-labels: {rack: 1}` are all strings there).
 * We reproduce that with the schema as a guide (src/goyaml has yaml.v2's
 * rules), so that configs that work on v0.9 stay valid and mean the same. A
 * key whose value is null is treated as absent, as a Go zero value was.
 *
 * Bounded before anything is built: a text larger than a ConfigMap can hold
 * is refused unread; js-yaml's event parser (linear, with a depth limit)
 * reads the rest, and go-yaml's alias rule is counted over its events, so an
 * alias bomb is refused in one pass without being expanded.
 */
import { EVENT_ID, parseEvents, YAMLException, type Event } from 'js-yaml';
import {
  checkAliases,
  decodeGoBase64,
  decodeGoInt,
  GoYamlError,
  buildTree,
  lineLocator,
  GO_YAML_TAG,
  resolvePlain,
  startOf,
  type AliasNode,
  type CollectionNode,
  type ScalarNode,
  type YamlNode,
  type GoIntKind,
  type Resolved,
} from '../goyaml/index.js';
import { formatPath, type Path, type PathSegment } from './path.js';
import type { Schema } from './schema.js';
import type { ConfigError, ConfigWarning } from './types.js';

/**
 * The most a config text may be: a ConfigMap's data holds at most 1 MiB
 * (Kubernetes validates ConfigMap size against MaxSecretSize, 1 MiB:
 * k8s.io/kubernetes pkg/apis/core/validation ValidateConfigMap).
 */
export const MAX_CONFIG_BYTES = 1024 * 1024;

/**
 * The deepest nesting of lists and mappings read, aliases expanded. yaml.v2
 * stops at 10000 (scannerc.go max_indents, max_flow_level); every config
 * v0.9 accepts nests at most 7 deep (its strict decoding refuses anything
 * deeper as a wrong type or an unknown key), so this refuses nothing v0.9
 * accepts, and it keeps js-yaml's recursive parser and our reader within
 * the stack.
 */
const MAX_NESTING = 1000;

/**
 * The most text a config may stand for with its aliases expanded (scalars'
 * lengths, 2 per list or mapping). go-yaml's rule bounds the number of
 * nodes, not their size: a few hundred aliases of a long string pass it.
 * Eight times what the text itself may be is far beyond any config (v0.9's
 * configs use aliases for shared selectors and advertisements).
 */
const MAX_EXPANDED_TEXT = 8 * MAX_CONFIG_BYTES;

/** Lines of the key paths of one document (1-based). */
export class LineIndex {
  /** A tree of path segments, so that recording a line builds no text (alias expansions record many). */
  private readonly root: LineNode = { line: undefined, children: undefined };

  /** Records a line unless one is already known for the path. */
  set(path: Path, line: number): void {
    let node = this.root;
    for (const segment of path) {
      node.children ??= new Map();
      let child = node.children.get(segment);
      if (child === undefined) {
        child = { line: undefined, children: undefined };
        node.children.set(segment, child);
      }
      node = child;
    }
    node.line ??= line;
  }

  /**
   * The line of a path; for a path that is not in the text (a missing key),
   * the line of its nearest ancestor that is.
   */
  lineOf(path: Path): number | null {
    let node: LineNode | undefined = this.root;
    let line = this.root.line ?? null;
    for (const segment of path) {
      node = node.children?.get(segment);
      if (node === undefined) break;
      line = node.line ?? line;
    }
    return line;
  }
}

interface LineNode {
  line: number | undefined;
  children: Map<PathSegment, LineNode> | undefined;
}

export type LoadResult =
  | {
      readonly ok: true;
      readonly value: unknown;
      readonly lines: LineIndex;
      /** What v0.9 read other than it is written (a fraction truncated, `0x40`, a second document). */
      readonly warnings: readonly ConfigWarning[];
    }
  | { readonly ok: false; readonly errors: readonly ConfigError[] };

/** Reads the first YAML document; errors come back with their lines, never thrown. */
export function loadYaml(text: string, schema: Schema): LoadResult {
  const size = Buffer.byteLength(text, 'utf8');
  if (size > MAX_CONFIG_BYTES) {
    return failed(
      null,
      `the config is ${size} bytes: more than a ConfigMap can hold (1 MiB, ${MAX_CONFIG_BYTES} bytes), so it is not read`,
    );
  }
  const lineAt = lineLocator(text);
  const document = firstDocumentTree(text);
  if ('error' in document) return failed(lineAt(document.offset), document.error);
  const warnings: ConfigWarning[] = [];
  if (document.nextDocument !== null) {
    warnings.push({
      path: '',
      line: lineAt(document.nextDocument),
      message:
        'a second YAML document starts here: v0.9 reads the first document only and ignores the rest',
    });
  }
  const lines = new LineIndex();
  const root = document.root;
  if (root === null) return { ok: true, value: null, lines, warnings };
  lines.set([], lineAt(root.start));
  const reader = new Reader(text, lines, lineAt, warnings);
  const value = reader.read(root, schema, []);
  if (reader.errors.length > 0) return { ok: false, errors: reader.errors };
  return { ok: true, value: value ?? null, lines, warnings };
}

/**
 * The first document's nodes once go-yaml's alias rule and our bounds hold.
 * Its events are not kept: only the nodes outlive this call.
 */
function firstDocumentTree(
  text: string,
):
  | { readonly root: YamlNode | null; readonly nextDocument: number | null }
  | { readonly error: string; readonly offset: number } {
  const parsed = firstDocument(text);
  if ('error' in parsed) return parsed;
  try {
    checkAliases(text, parsed.events, {
      maxNesting: MAX_NESTING,
      maxExpandedText: MAX_EXPANDED_TEXT,
      leaveUnresolved: true,
    });
  } catch (error) {
    if (!(error instanceof GoYamlError)) throw error;
    return { error: refusalMessage(error), offset: error.offset };
  }
  return { root: buildTree(text, parsed.events), nextDocument: parsed.nextDocument };
}

function failed(line: number | null, message: string): LoadResult {
  return { ok: false, errors: [{ path: '', line, message }] };
}

function refusalMessage(error: GoYamlError): string {
  switch (error.refusal) {
    case 'excessive-aliasing':
      return 'its aliases expand it too far: v0.9 refuses it too (yaml.v2: document contains excessive aliasing)';
    case 'too-deep':
      return `lists and mappings nest deeper than ${MAX_NESTING} levels here (aliases expanded); a config nests at most 7`;
    default:
      return `the document is too large once its aliases are expanded: ${error.message}`;
  }
}

type FirstDocument =
  | { readonly events: readonly Event[]; readonly nextDocument: number | null }
  | { readonly error: string; readonly offset: number };

/** A line that is a document marker: `---` or `...` at its start, then a space or its end. */
const DOCUMENT_MARKER = /^(?:---|\.\.\.)(?=[ \t\r\n]|$)/gm;

/**
 * The events of the first document, and where a second one starts. v0.9
 * (yaml.v2's Unmarshal) reads the first document and never looks at the
 * rest, so a syntax error after a document marker that follows a complete
 * first document is not an error: the text is read again up to that marker.
 */
function firstDocument(text: string): FirstDocument {
  const markers = [...text.matchAll(DOCUMENT_MARKER)].map((match) => match.index);
  let end = text.length;
  for (;;) {
    let events: Event[];
    try {
      events = parseEvents(text.slice(0, end), { maxDepth: MAX_NESTING });
    } catch (error) {
      const { reason, offset } = syntaxError(error);
      const cut = markers.filter((marker) => marker > 0 && marker <= offset).pop();
      if (cut !== undefined && cut < end && documentsBefore(text, cut) > 0) {
        end = cut;
        continue;
      }
      return { error: reason, offset };
    }
    const second = events.findIndex(
      (event, index) => index > 0 && event.type === EVENT_ID.DOCUMENT,
    );
    const first = second === -1 ? events : events.slice(0, second);
    if (second === -1 && end === text.length) return { events: first, nextDocument: null };
    // The first document's own `---`, if it has one, is the first marker of the text.
    const opening =
      first[0]?.type === EVENT_ID.DOCUMENT && first[0].explicitStart ? markers[0] : undefined;
    const content = startOf(first.find((event) => event.type !== EVENT_ID.DOCUMENT));
    const after = Math.max(content ?? -1, opening ?? -1);
    return { events: first, nextDocument: markers.find((marker) => marker > after) ?? end };
  }
}

/** How many documents the text before `end` holds (0 where it does not parse). */
function documentsBefore(text: string, end: number): number {
  try {
    return parseEvents(text.slice(0, end), { maxDepth: MAX_NESTING }).filter(
      (event) => event.type === EVENT_ID.DOCUMENT,
    ).length;
  } catch {
    return 0;
  }
}

function syntaxError(error: unknown): { reason: string; offset: number } {
  if (error instanceof YAMLException) {
    return { reason: syntaxMessage(error.reason), offset: error.mark?.position ?? 0 };
  }
  // js-yaml's parser recurses; the depth limit keeps it within the stack, this is the net under it.
  if (error instanceof RangeError) {
    return { reason: 'the text nests too deep to be read', offset: 0 };
  }
  throw error;
}

/** js-yaml's reasons, made to read as the rest of ours. */
function syntaxMessage(reason: string): string {
  if (/\btab/i.test(reason)) return 'YAML does not allow tabs for indentation: indent with spaces';
  if (reason.startsWith('nesting exceeded maxDepth')) {
    return `lists and mappings nest deeper than ${MAX_NESTING} levels here; a config nests at most 7`;
  }
  return `YAML syntax error: ${reason}`;
}

class Reader {
  readonly errors: ConfigError[] = [];
  /** The mappings and lists being read, outermost first: an alias to one of them would never end. */
  private readonly open = new Set<YamlNode>();

  constructor(
    private readonly source: string,
    private readonly lines: LineIndex,
    private readonly lineAt: (offset: number) => number,
    private readonly warnings: ConfigWarning[],
  ) {}

  read(node: YamlNode | undefined, schema: Schema | undefined, path: Path): unknown {
    if (node === undefined) return emptyOf(schema);
    if (node.kind === 'alias') return this.read(this.resolve(node, path), schema, path);
    if (node.kind === 'scalar') return this.scalar(node, schema, path);
    this.open.add(node);
    try {
      return node.kind === 'map'
        ? this.readMap(node, schema, path)
        : this.readSeq(node, schema, path);
    } finally {
      this.open.delete(node);
    }
  }

  /**
   * An alias's node; undefined (read as empty) when its anchor is unknown,
   * or when it is a value that contains the alias: yaml.v2 refused both
   * ("unknown anchor 'x' referenced", "anchor 'x' value contains itself").
   */
  private resolve(alias: AliasNode, path: Path): YamlNode | undefined {
    const target = alias.target;
    if (target !== undefined && !this.open.has(target)) return target;
    this.error(
      path,
      alias.start,
      target === undefined
        ? `the alias *${alias.name} names no anchor (&${alias.name}) written before it: v0.9 refuses it too (yaml.v2: unknown anchor '${alias.name}' referenced)`
        : `the alias *${alias.name} stands for a value that contains it: it would never end`,
    );
    return undefined;
  }

  private error(path: Path, offset: number, message: string): void {
    this.errors.push({ path: formatPath(path), line: this.lineAt(offset), message });
  }

  private warn(path: Path, offset: number, message: string): void {
    this.warnings.push({ path: formatPath(path), line: this.lineAt(offset), message });
  }

  private readMap(node: CollectionNode, schema: Schema | undefined, path: Path): unknown {
    const result: Record<string, unknown> = Object.create(null) as Record<string, unknown>;
    const merged: Record<string, unknown>[] = [];
    const seen = new Set<string>();
    for (let i = 0; i + 1 < node.children.length; i += 2) {
      const keyNode = node.children[i] as YamlNode;
      const value = node.children[i + 1] as YamlNode;
      const key = keyNode.kind === 'alias' ? this.resolve(keyNode, path) : keyNode;
      if (key === undefined) continue;
      if (key.kind !== 'scalar') {
        this.error(path, keyNode.start, 'a key must be a plain string, not a list or mapping');
        continue;
      }
      if (keyNode.kind === 'scalar' && key.plain && key.tag === null && key.text === '<<') {
        // YAML 1.1 merge key `<<: *anchor` (yaml.v2 decode.go isMerge).
        merged.push(...this.mergeSources(value, schema, path));
        continue;
      }
      const name = key.text;
      const childPath = [...path, name];
      if (seen.has(name)) {
        // yaml.v2's strict decoding (v0.9 used UnmarshalStrict): "already set". Said of the document, as before.
        this.error([], keyNode.start, 'this key appears twice in the same mapping');
        continue;
      }
      seen.add(name);
      this.lines.set(childPath, this.lineAt(keyNode.start));
      if (value.kind === 'scalar' && this.resolveScalar(value).kind === 'null') continue;
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
    value: YamlNode,
    schema: Schema | undefined,
    path: Path,
  ): Record<string, unknown>[] {
    const target = value.kind === 'alias' ? this.resolve(value, path) : value;
    const sources = target?.kind === 'seq' ? target.children : [target];
    const maps: Record<string, unknown>[] = [];
    for (const source of sources) {
      const read = this.read(source, schema, path);
      if (typeof read === 'object' && read !== null && !Array.isArray(read)) {
        maps.push(read as Record<string, unknown>);
      }
    }
    return maps;
  }

  private readSeq(node: CollectionNode, schema: Schema | undefined, path: Path): unknown[] {
    const itemSchema = schema?.type === 'array' ? schema.items : undefined;
    return node.children.map((item, index) => {
      const childPath = [...path, index];
      this.lines.set(childPath, this.lineAt(this.itemStart(item.start)));
      return this.read(item, itemSchema, childPath);
    });
  }

  /**
   * Where a list item starts: its `-`, which may stand on a line of its own,
   * followed by a comment, and be followed by lines of comments only. Only
   * whole lines above the item are looked at (each once per item), so a
   * long flow list costs no more than its length.
   */
  private itemStart(start: number): number {
    let at = start - 1;
    for (;;) {
      let crossedLine = false;
      for (; at >= 0 && ' \t\r\n'.includes(this.source.charAt(at)); at--) {
        if (this.source.charAt(at) === '\n') crossedLine = true;
      }
      if (this.source.charAt(at) === '-') return at;
      if (!crossedLine) return start;
      const lineStart = this.source.lastIndexOf('\n', at) + 1;
      const comment = /^([ \t]*)(-[ \t]+)?#/.exec(this.source.slice(lineStart, at + 1));
      if (comment === null) return start;
      if (comment[2] !== undefined) return lineStart + (comment[1] ?? '').length;
      at = lineStart - 1;
    }
  }

  /** go-yaml's resolution of a scalar: by its tag, or by its text when plain and untagged. */
  private resolveScalar(node: ScalarNode): Resolved {
    if (node.tag === null) return node.plain ? resolvePlain(node.text) : { kind: 'str' };
    switch (node.tag) {
      case `${GO_YAML_TAG}null`:
      case `${GO_YAML_TAG}bool`:
      case `${GO_YAML_TAG}int`:
      case `${GO_YAML_TAG}float`:
        return resolvePlain(node.text);
      default:
        return { kind: 'str' };
    }
  }

  private scalar(node: ScalarNode, schema: Schema | undefined, path: Path): unknown {
    if (node.tag === `${GO_YAML_TAG}binary`) return this.binary(node, path);
    const resolved = this.resolveScalar(node);
    const tagged =
      node.tag?.startsWith(GO_YAML_TAG) === true ? node.tag.slice(GO_YAML_TAG.length) : null;
    if (tagged !== null && tagged !== 'str' && !tagMatches(tagged, resolved)) {
      // resolve.go: an explicit tag the text does not resolve to is an error.
      this.error(
        path,
        node.start,
        `cannot read \`${node.text}\` as a !!${tagged} (yaml.v2 refuses it too)`,
      );
      return emptyOf(schema);
    }
    if (resolved.kind === 'null') return emptyOf(schema);
    if (schema?.type === 'string') return node.text;
    if (schema?.type === 'integer')
      return this.integer(node, resolved, schema.goType ?? 'int', path);
    return plainValue(resolved, node.text);
  }

  /** decode.go: a `!!binary` scalar is its base64 decoded; a string field holds those bytes. */
  private binary(node: ScalarNode, path: Path): unknown {
    const bytes = decodeGoBase64(node.text);
    if (bytes === null) {
      this.error(
        path,
        node.start,
        '!!binary value contains invalid base64 data (yaml.v2 refuses it too)',
      );
      return '';
    }
    const text = bytes.toString('utf8');
    // Go keeps any bytes in a string; ours are text, so bytes that are not UTF-8 cannot pass through unchanged.
    const exact = Buffer.from(text, 'utf8').equals(bytes);
    this.warn(
      path,
      node.start,
      exact
        ? `the !!binary value is read as the ${bytes.length} bytes its base64 encodes, as v0.9's YAML reader (yaml.v2) did`
        : `the !!binary value encodes ${bytes.length} bytes that are not UTF-8 text: v0.9 uses those bytes, metallb-ts reads them as UTF-8 with U+FFFD for each invalid sequence, so the value differs from v0.9's`,
    );
    return text;
  }

  /** decode.go's rules for a Go integer field; a value it refuses is left as written, for the schema to name. */
  private integer(node: ScalarNode, resolved: Resolved, kind: GoIntKind, path: Path): unknown {
    const decoded = decodeGoInt(resolved, kind);
    if (!decoded.ok) {
      // A number past an int64 (no schema bound says so) is left as its text for the schema to refuse.
      const unbounded = kind === 'int' && (resolved.kind === 'int' || resolved.kind === 'float');
      return unbounded ? node.text : plainValue(resolved, node.text);
    }
    if (decoded.truncated) {
      this.warn(
        path,
        node.start,
        `\`${node.text}\` is not a whole number: v0.9's YAML reader (yaml.v2) truncates it to ${decoded.value}`,
      );
    } else if (resolved.kind === 'int' && !/^[-+]?(0|[1-9][0-9]*)$/.test(node.text)) {
      this.warn(
        path,
        node.start,
        `\`${node.text}\` is read as ${decoded.value}: v0.9's YAML reader (yaml.v2) reads integers with Go's prefixes (0x hexadecimal, 0o or a leading 0 octal, 0b binary) and drops \`_\``,
      );
    }
    return decoded.value;
  }
}

/** Whether a scalar resolved as an explicit tag says (an int may stand as a float). */
function tagMatches(tag: string, resolved: Resolved): boolean {
  return resolved.kind === tag || (tag === 'float' && resolved.kind === 'int');
}

/** A resolved scalar as a plain value, for a field that is not a string or an integer. */
function plainValue(resolved: Resolved, text: string): unknown {
  switch (resolved.kind) {
    case 'null':
      return null;
    case 'bool':
      return resolved.value;
    case 'int':
      return Number(resolved.value);
    case 'float':
      return resolved.value;
    case 'str':
      return text;
  }
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
