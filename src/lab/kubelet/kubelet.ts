/**
 * The lab's kubelet: for every Pod bound to one of its nodes, a PodWorker
 * runs the Pod's containers as processes on this machine (see
 * pod-worker.ts and process.ts) and writes the Pod's status; a Pod marked
 * for deletion is ended within its grace period and then deleted for good;
 * a Pod deleted at once (grace period 0) has its processes killed. Like a
 * real kubelet it registers its Node objects (labels `kubernetes.io/hostname`,
 * `kubernetes.io/os`, `kubernetes.io/arch`, the InternalIP, Ready).
 *
 * Every process it starts is tracked by pid: `stop()` ends them all, and
 * if this program exits without stopping, they are SIGKILLed on its way out.
 */
import type { ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { timestamp } from '../conditions.js';
import type { Registry, Scope } from '../registry.js';
import { findResource, resourceKey, type ResourceType } from '../resources.js';
import { ApiError } from '../status.js';
import type { Change } from '../store.js';
import { isObject, objectAt, stringAt, type JsonObject } from '../json.js';
import { PodWorker, type NodeRuntime } from './pod-worker.js';
import { podGraceSeconds } from './termination.js';
import { StandInImages } from './stand-in.js';

const typeOf = (plural: string): ResourceType => findResource('', 'v1', plural) as ResourceType;
const POD = typeOf('pods');
const NODE = typeOf('nodes');
const SECRET = typeOf('secrets');
const CONFIG_MAP = typeOf('configmaps');
const WRITE = { dryRun: false, strict: false };
/** How `kubernetes.io/arch` names Node's process.arch values. */
const ARCH: Readonly<Record<string, string>> = { x64: 'amd64', arm64: 'arm64' };

export interface KubeletOptions {
  readonly registry: Registry;
  readonly now: () => Date;
  readonly apiHost: string;
  readonly apiPort: number;
  readonly caPem: string;
  readonly tokenFor: (namespace: string, serviceAccount: string) => string;
  /** Where Pods' service-account files and logs go (`<folder>/pods/<namespace>_<name>_<uid>/`). */
  readonly folder: string;
  /** What Nodes report as `nodeInfo.kubeletVersion`: the lab's release. */
  readonly kubeletVersion: string;
}

/** A node the kubelet runs: its name, how it runs processes, labels besides the kubelet's own. */
export interface KubeletNode {
  readonly name: string;
  readonly runtime: NodeRuntime;
  readonly labels?: Readonly<Record<string, string>>;
}

const podScope = (namespace: string, name: string, status = false): Scope => ({
  type: POD,
  namespace,
  name,
  subresource: status ? 'status' : '',
});

export class Kubelet {
  private readonly nodes = new Map<string, NodeRuntime>();
  /** By Pod uid. */
  private readonly workers = new Map<string, PodWorker>();
  private readonly children = new Set<ChildProcess>();
  private readonly unsubscribe: () => void;
  private readonly killOnExit = (): void => {
    for (const child of this.children) child.kill('SIGKILL');
  };
  private stopped = false;
  /** Test-only: programs standing in for images the lab cannot run (stand-in.ts). */
  readonly standIns = new StandInImages();

  constructor(private readonly options: KubeletOptions) {
    this.unsubscribe = options.registry.store.onChange((change: Change) => {
      if (change.resource !== resourceKey(POD)) return;
      // On the next turn: the change's writer finishes first, as with a watch.
      queueMicrotask(() => this.onPod(change));
    });
    process.on('exit', this.killOnExit);
  }

  hasNode(name: string): boolean {
    return this.nodes.has(name);
  }

  /** The pids of a Pod's running containers (tests and the command's summary). */
  pids(namespace: string, name: string): number[] {
    const pod = this.options.registry.store.get(resourceKey(POD), namespace, name);
    const uid = stringAt(objectAt(pod ?? {}, 'metadata'), 'uid') ?? '';
    return this.workers.get(uid)?.pids ?? [];
  }

  /** Runs Pods bound to node `name` from now on; creates or updates its Node object, as a kubelet registers. */
  addNode(name: string, runtime: NodeRuntime, labels: Readonly<Record<string, string>> = {}): void {
    this.nodes.set(name, runtime);
    const { registry } = this.options;
    const scope: Scope = { type: NODE, namespace: '', name, subresource: '' };
    const current = registry.store.get(resourceKey(NODE), '', name);
    const metadata = {
      ...objectAt(current ?? {}, 'metadata'),
      name,
      labels: {
        ...objectAt(objectAt(current ?? {}, 'metadata'), 'labels'),
        'kubernetes.io/hostname': name,
        'kubernetes.io/os': 'linux',
        'kubernetes.io/arch': ARCH[process.arch] ?? process.arch,
        ...labels,
      },
    };
    const stored =
      current === undefined
        ? registry.create({ ...scope, name: '' }, { metadata }, WRITE)
        : registry.update(scope, { ...current, metadata }, WRITE);
    const at = timestamp(this.options.now());
    registry.update(
      { ...scope, subresource: 'status' },
      {
        ...stored,
        status: {
          addresses: [
            { type: 'InternalIP', address: runtime.address },
            { type: 'Hostname', address: name },
          ],
          conditions: [
            {
              type: 'Ready',
              status: 'True',
              reason: 'KubeletReady',
              message: 'kubelet is posting ready status',
              lastHeartbeatTime: at,
              lastTransitionTime: at,
            },
          ],
          nodeInfo: {
            kubeletVersion: this.options.kubeletVersion,
            operatingSystem: 'linux',
            architecture: ARCH[process.arch] ?? process.arch,
          },
        },
      },
      WRITE,
    );
    for (const pod of registry.list(
      { type: POD, namespace: '', name: '', subresource: '' },
      () => true,
    ).items)
      this.onPod({ type: 'ADDED', object: pod });
  }

  /**
   * Whether every Pod of `namespace` (there is one at least) has settled:
   * Ready, or waiting for a reason other than ContainerCreating, or not
   * schedulable; for summaries that should not print a Pod still starting.
   */
  settled(namespace: string): boolean {
    const { items } = this.options.registry.list(podScope(namespace, ''), () => true);
    return (
      items.length > 0 &&
      items.every((pod) => {
        const status = objectAt(pod, 'status');
        const containers = Array.isArray(status['containerStatuses'])
          ? status['containerStatuses'].filter(isObject)
          : [];
        if (stringAt(objectAt(pod, 'spec'), 'nodeName') === undefined)
          return JSON.stringify(status).includes('Unschedulable');
        return (
          containers.length > 0 &&
          containers.every((c) => {
            const waiting = stringAt(objectAt(objectAt(c, 'state'), 'waiting'), 'reason');
            return (
              c['ready'] === true || (waiting !== undefined && waiting !== 'ContainerCreating')
            );
          })
        );
      })
    );
  }

  /** Ends every Pod's processes (SIGTERM, SIGKILL after 5 s) and stops watching. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.unsubscribe();
    await Promise.all([...this.workers.values()].map((worker) => worker.end(5_000)));
    this.workers.clear();
    this.killOnExit();
    process.off('exit', this.killOnExit);
  }

  private onPod(change: Pick<Change, 'type' | 'object'>): void {
    if (this.stopped) return;
    const pod = change.object;
    const metadata = objectAt(pod, 'metadata');
    const uid = stringAt(metadata, 'uid') ?? '';
    const namespace = stringAt(metadata, 'namespace') ?? '';
    const name = stringAt(metadata, 'name') ?? '';
    const node = stringAt(objectAt(pod, 'spec'), 'nodeName');
    const runtime = node === undefined ? undefined : this.nodes.get(node);
    if (runtime === undefined) return;
    const worker = this.workers.get(uid);
    if (change.type === 'DELETED') {
      // Deleted at once (grace period 0): the processes go at once too.
      if (worker !== undefined) void worker.end(0).then(() => this.workers.delete(uid));
      return;
    }
    if (metadata['deletionTimestamp'] !== undefined) {
      const grace = metadata['deletionGracePeriodSeconds'];
      const graceMs = (typeof grace === 'number' ? grace : podGraceSeconds(pod)) * 1000;
      const ended = worker === undefined ? Promise.resolve() : worker.end(graceMs);
      void ended.then(() => {
        this.workers.delete(uid);
        this.forget(namespace, name, uid);
      });
      return;
    }
    if (worker !== undefined) return;
    const created = new PodWorker(pod, {
      runtime,
      apiHost: this.options.apiHost,
      apiPort: this.options.apiPort,
      caPem: this.options.caPem,
      tokenFor: this.options.tokenFor,
      read: () => this.current(namespace, name, uid),
      readObject: (kind, ns, objectName) =>
        this.options.registry.store.get(
          resourceKey(kind === 'secret' ? SECRET : CONFIG_MAP),
          ns,
          objectName,
        ),
      writeStatus: (status) => this.writeStatus(namespace, name, uid, status),
      folder: join(this.options.folder, 'pods', `${namespace}_${name}_${uid}`),
      isRoot: process.getuid?.() === 0,
      track: (child) => {
        this.children.add(child);
        child.once('exit', () => this.children.delete(child));
      },
      now: this.options.now,
      standIns: this.standIns,
    });
    this.workers.set(uid, created);
    created.start();
  }

  /** The stored Pod if it is still this one (same uid). */
  private current(namespace: string, name: string, uid: string): JsonObject | undefined {
    const pod = this.options.registry.store.get(resourceKey(POD), namespace, name);
    return pod !== undefined && stringAt(objectAt(pod, 'metadata'), 'uid') === uid
      ? pod
      : undefined;
  }

  private writeStatus(namespace: string, name: string, uid: string, status: JsonObject): void {
    const pod = this.current(namespace, name, uid);
    if (pod === undefined || this.stopped) return;
    try {
      this.options.registry.update(podScope(namespace, name, true), { ...pod, status }, WRITE);
    } catch (error) {
      // A write refused (by an admission, say): the next change of a container writes again.
      if (!(error instanceof ApiError)) throw error;
    }
  }

  /** The final delete once the containers have ended. */
  private forget(namespace: string, name: string, uid: string): void {
    if (this.current(namespace, name, uid) === undefined) return;
    try {
      this.options.registry.delete(podScope(namespace, name), {
        dryRun: false,
        gracePeriodSeconds: 0,
      });
    } catch (error) {
      if (!(error instanceof ApiError && error.code === 404)) throw error;
    }
  }
}
