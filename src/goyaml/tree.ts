/**
 * js-yaml's event stream read into nodes with their places in the text, an
 * alias pointing at the node its anchor names (no expansion), built without
 * recursion. The readers that need places (the config's key lines, the
 * config found in a manifest) walk these after src/goyaml's checks passed.
 */
import { EVENT_ID, getScalarValue, type Event, type ScalarEvent } from 'js-yaml';

/** A node of a document, its aliases pointing at the nodes they stand for. */
export type YamlNode = ScalarNode | CollectionNode | AliasNode;

export interface ScalarNode {
  readonly kind: 'scalar';
  readonly start: number;
  /** The scalar's text with escapes and folding applied. */
  readonly text: string;
  readonly plain: boolean;
  /** js-yaml's SCALAR_STYLE (1 plain, 4 literal block, ...). */
  readonly style: number;
  /** Its tag in long form (`tag:yaml.org,2002:binary`), or null. */
  readonly tag: string | null;
}

export interface CollectionNode {
  readonly kind: 'map' | 'seq';
  readonly start: number;
  /** A mapping's keys and values alternate. */
  readonly children: YamlNode[];
}

export interface AliasNode {
  readonly kind: 'alias';
  readonly start: number;
  readonly name: string;
  /** undefined: no anchor of that name comes before it. */
  readonly target: YamlNode | undefined;
}

export const GO_YAML_TAG = 'tag:yaml.org,2002:';

/** Builds the first document's nodes from its events, without recursion; null for an empty stream. */
export function buildTree(source: string, events: readonly Event[]): YamlNode | null {
  const anchors = new Map<string, YamlNode>();
  const open: CollectionNode[] = [];
  let root: YamlNode | null = null;
  const add = (node: YamlNode): void => {
    const parent = open[open.length - 1];
    if (parent === undefined) root ??= node;
    else parent.children.push(node);
  };
  const anchor = (node: YamlNode, start: number, end: number): void => {
    if (start >= 0) anchors.set(source.slice(start, end), node);
  };
  /** How far into the text the events so far reach: where an empty scalar's search starts. */
  let cursor = 0;
  for (const event of events) {
    cursor = Math.max(cursor, reachOf(event));
    switch (event.type) {
      case EVENT_ID.SEQUENCE:
      case EVENT_ID.MAPPING: {
        const kind = event.type === EVENT_ID.MAPPING ? 'map' : 'seq';
        const node: CollectionNode = { kind, start: event.start, children: [] };
        anchor(node, event.anchorStart, event.anchorEnd);
        add(node);
        open.push(node);
        break;
      }
      case EVENT_ID.SCALAR: {
        const node: ScalarNode = {
          kind: 'scalar',
          start:
            event.valueStart >= 0
              ? event.valueStart
              : emptyScalarStart(event, open, cursor, source),
          text: getScalarValue(source, event),
          plain: event.style === 1,
          style: event.style,
          tag: event.tagStart < 0 ? null : longTag(source.slice(event.tagStart, event.tagEnd)),
        };
        anchor(node, event.anchorStart, event.anchorEnd);
        add(node);
        break;
      }
      case EVENT_ID.ALIAS: {
        const name = source.slice(event.anchorStart, event.anchorEnd);
        add({ kind: 'alias', start: event.anchorStart - 1, name, target: anchors.get(name) });
        break;
      }
      case EVENT_ID.POP:
        open.pop();
        break;
    }
  }
  return root;
}

/** The furthest offset an event names. */
function reachOf(event: Event): number {
  switch (event.type) {
    case EVENT_ID.SEQUENCE:
    case EVENT_ID.MAPPING:
      return Math.max(event.start, event.anchorEnd, event.tagEnd);
    case EVENT_ID.SCALAR:
      return Math.max(event.valueEnd, event.anchorEnd, event.tagEnd);
    case EVENT_ID.ALIAS:
      return event.anchorEnd;
    default:
      return 0;
  }
}

/**
 * Where an empty scalar (js-yaml gives it no offset) stands: after its tag
 * or anchor; as a block list's item, at the next `-` (so its line is the
 * item's); else where the events so far reach.
 */
function emptyScalarStart(
  event: ScalarEvent,
  open: readonly CollectionNode[],
  cursor: number,
  source: string,
): number {
  if (event.tagEnd >= 0 || event.anchorEnd >= 0) return Math.max(event.tagEnd, event.anchorEnd);
  if (open[open.length - 1]?.kind === 'seq') {
    const dash = source.indexOf('-', cursor);
    if (dash !== -1) return dash + 1;
  }
  return cursor;
}

/** Where an event's node starts in the text. */
export function startOf(event: Event | undefined): number | null {
  if (event === undefined) return null;
  switch (event.type) {
    case EVENT_ID.SEQUENCE:
    case EVENT_ID.MAPPING:
      return event.start;
    case EVENT_ID.SCALAR:
      return event.valueStart;
    case EVENT_ID.ALIAS:
      return event.anchorStart - 1;
    default:
      return null;
  }
}

/** `!!binary` and `!<tag:yaml.org,2002:binary>` -> `tag:yaml.org,2002:binary`; other tags as written. */
function longTag(written: string): string {
  if (written.startsWith('!!')) return GO_YAML_TAG + written.slice(2);
  if (written.startsWith('!<') && written.endsWith('>')) return written.slice(2, -1);
  return written;
}

/** 1-based line of an offset, by binary search over the line starts. */
export function lineLocator(text: string): (offset: number) => number {
  const starts = [0];
  for (let at = text.indexOf('\n'); at !== -1; at = text.indexOf('\n', at + 1)) starts.push(at + 1);
  return (offset) => {
    let low = 0;
    let high = starts.length - 1;
    while (low < high) {
      const middle = (low + high + 1) >> 1;
      if ((starts[middle] ?? 0) <= offset) low = middle;
      else high = middle - 1;
    }
    return low + 1;
  };
}
