/**
 * What the speaker reads of a Node: its name, labels and age, for the
 * balancer classes' node selectors and home assignments (docs/SCALEOUT.md).
 */

/** The parts of a core/v1 Node the speaker reads. */
export interface NodeObject {
  readonly metadata?: {
    readonly name?: string;
    readonly labels?: Readonly<Record<string, string>>;
    /** RFC 3339, as the API server sends it. */
    readonly creationTimestamp?: string;
    readonly resourceVersion?: string;
  };
}

/** What the scale-out assignment needs of a Node. */
export interface NodeFacts {
  readonly name: string;
  readonly labels: ReadonlyMap<string, string>;
  /** `metadata.creationTimestamp` in ms; `Infinity` when missing. */
  readonly createdAt: number;
}

/**
 * What the speaker keeps of a Node: what nodeFacts reads. A real Node's
 * status (its image list above all) and managedFields are most of its size,
 * and every speaker watches every Node.
 */
export function slimNode(node: NodeObject): NodeObject {
  const { name, labels, creationTimestamp, resourceVersion } = node.metadata ?? {};
  return { metadata: { name, labels, creationTimestamp, resourceVersion } };
}

export function nodeFacts(node: NodeObject): NodeFacts {
  const created = node.metadata?.creationTimestamp;
  const ms = created === undefined ? NaN : new Date(created).getTime();
  return {
    name: node.metadata?.name ?? '',
    labels: new Map(Object.entries(node.metadata?.labels ?? {})),
    createdAt: Number.isFinite(ms) ? ms : Infinity,
  };
}

/** Same age and labels: a heartbeat or a status change, nothing a class reads. */
export function sameNodeFacts(a: NodeFacts, b: NodeFacts): boolean {
  if (a.createdAt !== b.createdAt || a.labels.size !== b.labels.size) return false;
  for (const [key, value] of a.labels) if (b.labels.get(key) !== value) return false;
  return true;
}
