/**
 * YAML request bodies (application/yaml, application/apply-patch+yaml),
 * bounded as kube-apiserver's YAML decoder bounds them. The apiserver reads
 * YAML through sigs.k8s.io/yaml over go-yaml v2, whose decoder fails with
 * "document contains excessive aliasing" once more than 100 of more than
 * 1000 decoded nodes came from alias expansion and their share passes an
 * allowance: 99% up to 400,000 decoded nodes, falling evenly to 10% at
 * 4,000,000 (gopkg.in/yaml.v2 decode.go, allowedAliasRatio). That caps what
 * a small body can expand to (the billion-laughs body of a few hundred
 * bytes); the lab also caps the text an expansion stands for (below).
 *
 * js-yaml parses into a flat event stream; one pass over it gives, for each
 * node, how many nodes decoding it would visit with its aliases expanded,
 * so go-yaml's count is reproduced without expanding anything. Only a body
 * that passes is built into a value, where an alias is a shared reference.
 */
import { constructFromEvents, EVENT_ID, parseEvents, YAMLException, type Event } from 'js-yaml';
import { MAX_NESTING, MAX_REQUEST_BODY_BYTES, tooDeep } from './body.js';
import { badRequest, type ApiError } from './status.js';
import type { Json } from './json.js';

/** What decoding a node costs with its aliases expanded. */
interface Expanded {
  /** Nodes visited (go-yaml counts one decode for each). */
  readonly decodes: number;
  /** Depth of objects and arrays (a scalar: 0). */
  readonly nesting: number;
  /** Text it stands for: its scalars' source length (at least 1 each), 2 per collection. */
  readonly text: number;
}

interface OpenNode {
  readonly anchor: string | undefined;
  readonly isCollection: boolean;
  decodes: number;
  nesting: number;
  text: number;
}

/** The counts of go-yaml's decoder so far, and its check after each decode. */
class AliasBudget {
  private decodes = 0;
  private aliased = 0;

  /** One node decoded outside any alias. */
  decodeOwn(): void {
    this.decodes++;
    this.check();
  }

  /**
   * An alias expanded into `count` decodes. Within such a run both counts
   * grow together, so the aliased share only rises while the allowance only
   * falls: checking at the end of the run finds any step that failed.
   */
  decodeAliased(count: number): void {
    this.decodes += count;
    this.aliased += count;
    this.check();
  }

  private check(): void {
    if (
      this.aliased > 100 &&
      this.decodes > 1000 &&
      // Written so that a count grown past what a number holds fails too.
      !(this.aliased / this.decodes <= allowedAliasShare(this.decodes))
    ) {
      throw notYaml('yaml: document contains excessive aliasing');
    }
  }
}

const SHARE_RANGE_LOW = 400_000;
const SHARE_RANGE_HIGH = 4_000_000;

/** The share of decodes that may come from aliases, by how many were decoded. */
function allowedAliasShare(decodes: number): number {
  if (decodes <= SHARE_RANGE_LOW) return 0.99;
  if (decodes >= SHARE_RANGE_HIGH) return 0.1;
  return 0.99 - (0.89 * (decodes - SHARE_RANGE_LOW)) / (SHARE_RANGE_HIGH - SHARE_RANGE_LOW);
}

/**
 * Aliases may also repeat long scalars: a few hundred aliases of a 1 MiB
 * string pass go-yaml's node count and stand for hundreds of MiB of text.
 * The lab refuses a body whose expansion stands for more text than a
 * request may carry; kube-apiserver would decode it and then fail to store
 * it (etcd takes at most 1.5 MiB per object), so nothing storable is refused.
 */
const EXPANDS_PAST_LIMIT = `its aliases expand it past ${MAX_REQUEST_BODY_BYTES} bytes of text`;

function notYaml(reason: string): ApiError {
  return badRequest(`the request body is not YAML: ${reason}`);
}

/** The single document of a YAML body as a value, or a 400 saying why not. */
export function parseYamlBody(body: Buffer): Json {
  const source = body.toString('utf8');
  let events: Event[];
  try {
    events = parseEvents(source, { maxDepth: MAX_NESTING });
  } catch (error) {
    throw notYaml(firstLine(error));
  }
  checkAliases(source, events);
  let documents: unknown[];
  try {
    documents = constructFromEvents(events, { source });
  } catch (error) {
    throw notYaml(firstLine(error));
  }
  if (documents.length === 0) throw notYaml('expected a document, but the input is empty');
  if (documents.length > 1)
    throw notYaml('expected a single document in the stream, but found more');
  return documents[0] as Json;
}

/**
 * One pass over the events: every node's expanded size and nesting, go-yaml's
 * alias budget in document order (the order it decodes in), and aliases to
 * an anchor that is not defined or is still open (a node containing itself,
 * which go-yaml refuses and which would make a circular value here).
 */
function checkAliases(source: string, events: Event[]): void {
  const budget = new AliasBudget();
  const anchors = new Map<string, Expanded | 'open'>();
  const open: OpenNode[] = [];
  const finish = (node: OpenNode): void => {
    if (node.anchor !== undefined) anchors.set(node.anchor, { ...node });
    const parent = open[open.length - 1];
    if (parent === undefined) return;
    parent.decodes += node.decodes;
    parent.nesting = Math.max(parent.nesting, node.nesting + (parent.isCollection ? 1 : 0));
    if (parent.nesting > MAX_NESTING) throw tooDeep();
    parent.text += node.text;
    if (parent.text > MAX_REQUEST_BODY_BYTES) throw notYaml(EXPANDS_PAST_LIMIT);
  };
  const anchorOf = (start: number, end: number): string | undefined => {
    if (start < 0) return undefined;
    const name = source.slice(start, end);
    anchors.set(name, 'open');
    return name;
  };

  for (const event of events) {
    switch (event.type) {
      case EVENT_ID.DOCUMENT:
        budget.decodeOwn();
        open.push({ anchor: undefined, isCollection: false, decodes: 1, nesting: 0, text: 0 });
        break;
      case EVENT_ID.SEQUENCE:
      case EVENT_ID.MAPPING:
        budget.decodeOwn();
        open.push({
          anchor: anchorOf(event.anchorStart, event.anchorEnd),
          isCollection: true,
          decodes: 1,
          nesting: 0,
          text: 2,
        });
        break;
      case EVENT_ID.SCALAR:
        budget.decodeOwn();
        finish({
          anchor: anchorOf(event.anchorStart, event.anchorEnd),
          isCollection: false,
          decodes: 1,
          nesting: 0,
          text: Math.max(1, event.valueEnd - event.valueStart),
        });
        break;
      case EVENT_ID.ALIAS: {
        const name = source.slice(event.anchorStart, event.anchorEnd);
        const target = anchors.get(name);
        if (target === undefined) throw notYaml(`unknown anchor '${name}' referenced`);
        if (target === 'open') throw notYaml(`anchor '${name}' value contains itself`);
        budget.decodeOwn();
        budget.decodeAliased(target.decodes);
        finish({
          anchor: undefined,
          isCollection: false,
          decodes: 1 + target.decodes,
          nesting: target.nesting,
          text: target.text,
        });
        break;
      }
      case EVENT_ID.POP: {
        const node = open.pop();
        if (node !== undefined) {
          // A collection's own level counts once it holds nothing deeper.
          if (node.isCollection) node.nesting = Math.max(node.nesting, 1);
          finish(node);
        }
        break;
      }
    }
  }
}

function firstLine(error: unknown): string {
  const message = error instanceof YAMLException || error instanceof Error ? error.message : '';
  return message.split('\n')[0] ?? String(error);
}
