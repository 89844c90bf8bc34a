/**
 * go-yaml v2's bound on alias expansion, and the checks of anchors and
 * aliases it makes, counted over js-yaml's event stream without expanding
 * anything (gopkg.in/yaml.v2 v2.4.0, the version MetalLB v0.9.6's go.mod and
 * kube-apiserver's sigs.k8s.io/yaml both read YAML with).
 *
 * go-yaml's decoder fails with "document contains excessive aliasing" once
 * more than 100 of more than 1000 decoded nodes came from alias expansion
 * and their share passes an allowance: 99% up to 400,000 decoded nodes,
 * falling evenly to 10% at 4,000,000 (decode.go, allowedAliasRatio). That
 * caps what a small text can expand to (the billion-laughs document of a
 * few hundred bytes). Callers also cap the nesting and the text an
 * expansion stands for, which go-yaml leaves to memory.
 */
import { EVENT_ID, type Event } from 'js-yaml';

/** Why a text is refused, in go-yaml's words where go-yaml refuses it too. */
export type GoYamlRefusal =
  'excessive-aliasing' | 'unknown-anchor' | 'recursive-anchor' | 'too-deep' | 'expands-too-far';

/** A refusal and the offset in the text where it was found. */
export class GoYamlError extends Error {
  constructor(
    readonly refusal: GoYamlRefusal,
    message: string,
    /** Offset in the text of the node that tipped it. */
    readonly offset: number,
  ) {
    super(message);
    this.name = 'GoYamlError';
  }
}

export interface ExpansionLimits {
  /** The deepest nesting of collections, aliases expanded (a scalar: 0). */
  readonly maxNesting: number;
  /** The most text the document may stand for, aliases expanded (see Expanded.text). */
  readonly maxExpandedText: number;
  /**
   * Let an alias to an unknown or still open anchor pass as one empty node,
   * for a caller that reports it later with the key path it stands at.
   */
  readonly leaveUnresolved?: boolean;
}

/** What decoding a node costs with its aliases expanded. */
interface Expanded {
  /** Nodes visited (go-yaml counts one decode for each). */
  readonly decodes: number;
  /** Depth of collections (a scalar: 0). */
  readonly nesting: number;
  /** Text it stands for: its scalars' source length (at least 1 each), 2 per collection. */
  readonly text: number;
}

interface OpenNode {
  readonly anchor: string | undefined;
  readonly isCollection: boolean;
  readonly offset: number;
  decodes: number;
  nesting: number;
  text: number;
}

/** The counts of go-yaml's decoder so far, and its check after each decode. */
class AliasBudget {
  private decodes = 0;
  private aliased = 0;

  /** One node decoded outside any alias. */
  decodeOwn(offset: number): void {
    this.decodes++;
    this.check(offset);
  }

  /**
   * An alias expanded into `count` decodes. Within such a run both counts
   * grow together, so the aliased share only rises while the allowance only
   * falls: checking at the end of the run finds any step that failed.
   */
  decodeAliased(count: number, offset: number): void {
    this.decodes += count;
    this.aliased += count;
    this.check(offset);
  }

  private check(offset: number): void {
    if (
      this.aliased > 100 &&
      this.decodes > 1000 &&
      // Written so that a count grown past what a number holds fails too.
      !(this.aliased / this.decodes <= allowedAliasShare(this.decodes))
    ) {
      throw new GoYamlError(
        'excessive-aliasing',
        'yaml: document contains excessive aliasing',
        offset,
      );
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
 * One pass over the events of one or more documents: every node's expanded
 * size and nesting, go-yaml's alias budget in document order (the order it
 * decodes in; each document has its own, as each is its own Unmarshal), and
 * aliases to an anchor that is not defined or is still open (a node
 * containing itself, which go-yaml refuses and which would never end when
 * expanded). Throws a GoYamlError for the first problem.
 */
export function checkAliases(
  source: string,
  events: readonly Event[],
  limits: ExpansionLimits,
): void {
  let budget = new AliasBudget();
  const anchors = new Map<string, Expanded | 'open'>();
  const open: OpenNode[] = [];
  const finish = (node: OpenNode): void => {
    if (node.anchor !== undefined) anchors.set(node.anchor, { ...node });
    const parent = open[open.length - 1];
    if (parent === undefined) return;
    parent.decodes += node.decodes;
    parent.nesting = Math.max(parent.nesting, node.nesting + (parent.isCollection ? 1 : 0));
    if (parent.nesting > limits.maxNesting) {
      throw new GoYamlError(
        'too-deep',
        `collections nest deeper than ${limits.maxNesting} levels`,
        node.offset,
      );
    }
    parent.text += node.text;
    if (parent.text > limits.maxExpandedText) {
      throw new GoYamlError(
        'expands-too-far',
        `its aliases expand it past ${limits.maxExpandedText} bytes of text`,
        node.offset,
      );
    }
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
        budget = new AliasBudget();
        anchors.clear();
        budget.decodeOwn(0);
        open.push({
          anchor: undefined,
          isCollection: false,
          offset: 0,
          decodes: 1,
          nesting: 0,
          text: 0,
        });
        break;
      case EVENT_ID.SEQUENCE:
      case EVENT_ID.MAPPING:
        budget.decodeOwn(event.start);
        open.push({
          anchor: anchorOf(event.anchorStart, event.anchorEnd),
          isCollection: true,
          offset: event.start,
          decodes: 1,
          nesting: 0,
          text: 2,
        });
        break;
      case EVENT_ID.SCALAR:
        budget.decodeOwn(event.valueStart);
        finish({
          anchor: anchorOf(event.anchorStart, event.anchorEnd),
          isCollection: false,
          offset: event.valueStart,
          decodes: 1,
          nesting: 0,
          text: Math.max(1, event.valueEnd - event.valueStart),
        });
        break;
      case EVENT_ID.ALIAS: {
        const name = source.slice(event.anchorStart, event.anchorEnd);
        // The `*` stands just before the name.
        const offset = Math.max(0, event.anchorStart - 1);
        const target = anchors.get(name);
        if ((target === undefined || target === 'open') && limits.leaveUnresolved === true) {
          budget.decodeOwn(offset);
          finish({
            anchor: undefined,
            isCollection: false,
            offset,
            decodes: 1,
            nesting: 0,
            text: 1,
          });
          break;
        }
        if (target === undefined) {
          throw new GoYamlError('unknown-anchor', `unknown anchor '${name}' referenced`, offset);
        }
        if (target === 'open') {
          throw new GoYamlError(
            'recursive-anchor',
            `anchor '${name}' value contains itself`,
            offset,
          );
        }
        budget.decodeOwn(offset);
        budget.decodeAliased(target.decodes, offset);
        finish({
          anchor: undefined,
          isCollection: false,
          offset,
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
