/**
 * The lab's control-plane loops for workloads, a thin shell around the
 * pure planners: after any change to a DaemonSet, Deployment, ReplicaSet,
 * Pod or Node it works every DaemonSet and Deployment once (on the next
 * turn, so that a burst of changes is one pass), applies what the planners
 * decided through the Registry like any client (so admission may refuse a
 * Pod: then, like the real controllers, it records a `FailedCreate` Event
 * on its owner and tries again a second later), binds unscheduled Pods to
 * nodes, and writes statuses only when they change.
 */
import { keepTransitionTimes, timestamp } from '../conditions.js';
import type { Registry, Scope } from '../registry.js';
import { findResource, resourceKey, type ResourceType } from '../resources.js';
import { ApiError } from '../status.js';
import type { Change } from '../store.js';
import { isObject, objectAt, stringAt, type Json, type JsonObject } from '../json.js';
import { planDaemonSet } from './daemonset.js';
import { planDeployment } from './deployment.js';
import { controllerReference, isControlledBy, isTerminating, nameOf, nodeNameOf } from './pods.js';
import { chooseNode } from './scheduling.js';

const typeOf = (group: string, plural: string): ResourceType =>
  findResource(group, 'v1', plural) as ResourceType;
const DAEMON_SET = typeOf('apps', 'daemonsets');
const DEPLOYMENT = typeOf('apps', 'deployments');
const REPLICA_SET = typeOf('apps', 'replicasets');
const POD = typeOf('', 'pods');
const NODE = typeOf('', 'nodes');
const EVENT = typeOf('', 'events');
const WATCHED = new Set([DAEMON_SET, DEPLOYMENT, REPLICA_SET, POD, NODE].map(resourceKey));
const WRITE = { dryRun: false, strict: false };
const RETRY_MS = 1_000;

const all = (): boolean => true;
const scopeOf = (type: ResourceType, namespace: string, name = '', status = false): Scope => ({
  type,
  namespace,
  name,
  subresource: status ? 'status' : '',
});
const namespaceOf = (object: JsonObject): string =>
  stringAt(objectAt(object, 'metadata'), 'namespace') ?? '';
const uidOf = (object: JsonObject): string => stringAt(objectAt(object, 'metadata'), 'uid') ?? '';

export class WorkloadControllers {
  private pending: NodeJS.Immediate | undefined;
  private retry: NodeJS.Timeout | undefined;
  /** The Event recorded for each owner, reason and message, to count repeats on. */
  private readonly events = new Map<string, string>();
  private readonly unsubscribe: () => void;

  constructor(
    private readonly registry: Registry,
    private readonly now: () => Date,
  ) {
    this.unsubscribe = registry.store.onChange((change: Change) => {
      if (WATCHED.has(change.resource)) this.schedule();
    });
  }

  stop(): void {
    this.unsubscribe();
    if (this.pending !== undefined) clearImmediate(this.pending);
    if (this.retry !== undefined) clearTimeout(this.retry);
  }

  /** Works every workload once and binds unscheduled Pods (the tests call it directly). */
  reconcile(): void {
    let failed = false;
    const nodes = this.list(NODE);
    for (const daemonSet of this.list(DAEMON_SET))
      failed = this.guarded(() => this.daemonSet(daemonSet, nodes)) || failed;
    for (const deployment of this.list(DEPLOYMENT))
      failed = this.guarded(() => this.deployment(deployment)) || failed;
    failed = this.guarded(() => this.collectOrphans()) || failed;
    failed = this.guarded(() => this.bindPending(nodes)) || failed;
    if (failed && this.retry === undefined)
      this.retry = setTimeout(() => {
        this.retry = undefined;
        this.schedule();
      }, RETRY_MS);
  }

  /**
   * Runs one step; an API error (a write refused or raced) makes it a
   * failure to retry, as the real controllers requeue, rather than an
   * exception on the lab's event loop.
   */
  private guarded(step: () => boolean | void): boolean {
    try {
      return step() === true;
    } catch (error) {
      if (error instanceof ApiError) return true;
      throw error;
    }
  }

  private schedule(): void {
    if (this.pending !== undefined) return;
    this.pending = setImmediate(() => {
      this.pending = undefined;
      this.reconcile();
    });
  }

  private list(type: ResourceType, namespace = ''): JsonObject[] {
    return this.registry.list(scopeOf(type, namespace), all).items;
  }

  /** Returns whether a Pod could not be created. */
  private daemonSet(daemonSet: JsonObject, nodes: JsonObject[]): boolean {
    const namespace = namespaceOf(daemonSet);
    const pods = this.list(POD, namespace).filter((p) => isControlledBy(p, uidOf(daemonSet)));
    const plan = planDaemonSet(daemonSet, nodes, pods, this.now());
    this.deletePods(namespace, plan.delete);
    const failed = this.createPods(daemonSet, plan.create);
    this.writeStatus(DAEMON_SET, daemonSet, plan.status);
    return failed;
  }

  private deployment(deployment: JsonObject): boolean {
    const namespace = namespaceOf(deployment);
    const sets = this.list(REPLICA_SET, namespace).filter((s) =>
      isControlledBy(s, uidOf(deployment)),
    );
    const owned = new Set(sets.map(uidOf));
    const pods = this.list(POD, namespace).filter((pod) =>
      [...owned].some((uid) => isControlledBy(pod, uid)),
    );
    const plan = planDeployment(deployment, pods, this.now());
    const stored = new Map<string, JsonObject>();
    for (const wanted of plan.replicaSets) {
      const set = this.upsertReplicaSet(namespace, wanted);
      stored.set(nameOf(set), set);
    }
    this.deletePods(namespace, plan.delete);
    // Each new Pod belongs to its ReplicaSet, now stored with its uid, which is also
    // where the ReplicaSet controller records a refusal.
    let failed = false;
    for (const pod of plan.create) {
      const setName = (stringAt(objectAt(pod, 'metadata'), 'generateName') ?? '').replace(/-$/, '');
      const owner = stored.get(setName) ?? deployment;
      const owned = {
        ...pod,
        metadata: { ...objectAt(pod, 'metadata'), ownerReferences: [controllerReference(owner)] },
      };
      failed = this.createPods(owner, [owned]) || failed;
    }
    this.writeStatus(DEPLOYMENT, deployment, plan.status);
    return failed;
  }

  private upsertReplicaSet(namespace: string, wanted: JsonObject): JsonObject {
    const name = nameOf(wanted);
    const current = this.registry.store.get(resourceKey(REPLICA_SET), namespace, name);
    const { status, ...body } = wanted;
    let set =
      current === undefined
        ? this.registry.create(scopeOf(REPLICA_SET, namespace), body, WRITE)
        : current;
    if (current !== undefined && !sameJson(objectAt(current, 'spec'), body['spec'] ?? {}))
      set = this.registry.update(
        scopeOf(REPLICA_SET, namespace, name),
        { ...current, spec: body['spec'] ?? {} },
        WRITE,
      );
    this.writeStatus(REPLICA_SET, set, isObject(status) ? status : {});
    return set;
  }

  private deletePods(namespace: string, names: readonly string[]): void {
    for (const name of names) {
      try {
        this.registry.delete(scopeOf(POD, namespace, name), { dryRun: false });
      } catch (error) {
        // Gone already: nothing to do.
        if (!(error instanceof ApiError && error.code === 404)) throw error;
      }
    }
  }

  /** Creates the Pods; a refusal becomes a FailedCreate Event on the owner. Returns whether one failed. */
  private createPods(owner: JsonObject, pods: readonly JsonObject[]): boolean {
    const namespace = namespaceOf(owner);
    let failed = false;
    for (const pod of pods) {
      try {
        this.registry.create(scopeOf(POD, namespace), pod, WRITE);
      } catch (error) {
        if (!(error instanceof ApiError)) throw error;
        failed = true;
        this.warn(owner, 'FailedCreate', `Error creating: ${error.message}`);
      }
    }
    return failed;
  }

  /**
   * The garbage collector's part for these kinds: a ReplicaSet or Pod whose
   * controlling owner is gone is deleted (background propagation, the
   * default of `kubectl delete`;
   * https://kubernetes.io/docs/concepts/architecture/garbage-collection/).
   */
  private collectOrphans(): void {
    const owners = new Set(
      [DAEMON_SET, DEPLOYMENT, REPLICA_SET].flatMap((type) => this.list(type).map(uidOf)),
    );
    for (const type of [REPLICA_SET, POD]) {
      for (const object of this.list(type)) {
        const references = objectAt(object, 'metadata')['ownerReferences'];
        const controller = (Array.isArray(references) ? references : []).find(
          (r): r is JsonObject => isObject(r) && r['controller'] === true,
        );
        const kind = stringAt(controller, 'kind') ?? '';
        if (!['DaemonSet', 'Deployment', 'ReplicaSet'].includes(kind)) continue;
        if (owners.has(stringAt(controller, 'uid') ?? '')) continue;
        if (type === POD && isTerminating(object)) continue;
        try {
          this.registry.delete(scopeOf(type, namespaceOf(object), nameOf(object)), {
            dryRun: false,
          });
        } catch (error) {
          if (!(error instanceof ApiError && error.code === 404)) throw error;
        }
      }
    }
  }

  /** Pods without a node go to one they fit; none fitting leaves them Pending, Unschedulable. */
  private bindPending(nodes: readonly JsonObject[]): void {
    const pods = this.list(POD);
    for (const pod of pods) {
      if (nodeNameOf(pod) !== undefined || isTerminating(pod)) continue;
      const spec = objectAt(pod, 'spec');
      const node = chooseNode(spec, nodes, pods);
      const scope = scopeOf(POD, namespaceOf(pod), nameOf(pod));
      if (node !== undefined) {
        this.registry.update(scope, { ...pod, spec: { ...spec, nodeName: node } }, WRITE);
        continue;
      }
      const unschedulable: JsonObject = {
        phase: 'Pending',
        conditions: [
          {
            type: 'PodScheduled',
            status: 'False',
            reason: 'Unschedulable',
            message: `0/${nodes.length} nodes are available: no node matches the Pod's node selector, affinity and tolerations.`,
          },
        ],
      };
      if (!sameJson(pod['status'], unschedulable))
        this.registry.update(
          { ...scope, subresource: 'status' },
          { ...pod, status: unschedulable },
          WRITE,
        );
    }
  }

  /** Writes `status` unless it is what is stored; a condition that keeps its status keeps its transition time. */
  private writeStatus(type: ResourceType, object: JsonObject, status: JsonObject): void {
    const current = objectAt(object, 'status');
    const next = keepTransitionTimes(current, status);
    if (sameJson(current, next)) return;
    const scope = scopeOf(type, namespaceOf(object), nameOf(object), true);
    const latest = this.registry.get(scope);
    this.registry.update(scope, { ...latest, status: next }, WRITE);
  }

  /**
   * A Warning Event on `owner`; a repeat of the same one counts up on it, as
   * client-go's event recorder aggregates.
   */
  private warn(owner: JsonObject, reason: string, message: string): void {
    const namespace = namespaceOf(owner);
    const at = timestamp(this.now());
    const key = `${uidOf(owner)}\n${reason}\n${message}`;
    const seen = this.events.get(key);
    const existing =
      seen === undefined ? undefined : this.registry.store.get(resourceKey(EVENT), namespace, seen);
    if (existing !== undefined) {
      const count = typeof existing['count'] === 'number' ? existing['count'] : 1;
      this.registry.update(
        scopeOf(EVENT, namespace, nameOf(existing)),
        { ...existing, count: count + 1, lastTimestamp: at },
        WRITE,
      );
      return;
    }
    const created = this.registry.create(
      scopeOf(EVENT, namespace),
      {
        metadata: { generateName: `${nameOf(owner)}.` },
        involvedObject: {
          apiVersion: owner['apiVersion'] ?? '',
          kind: owner['kind'] ?? '',
          name: nameOf(owner),
          namespace,
          uid: uidOf(owner),
        },
        reason,
        message,
        type: 'Warning',
        source: {
          component:
            owner['kind'] === 'DaemonSet' ? 'daemonset-controller' : 'replicaset-controller',
        },
        firstTimestamp: at,
        lastTimestamp: at,
        count: 1,
      },
      WRITE,
    );
    this.events.set(key, nameOf(created));
  }
}

function sameJson(a: Json | undefined, b: Json | undefined): boolean {
  return JSON.stringify(a ?? null) === JSON.stringify(b ?? null);
}
