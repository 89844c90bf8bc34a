/**
 * The speaker daemon: Services + Endpoints (or EndpointSlices) + its Node +
 * the `config` ConfigMap + the live memberlist members -> what this node
 * announces (COMPAT.md section 3).
 *
 * Level-based like the controller: any change queues the Service keys it
 * may affect; working a key reads the latest objects from the informers'
 * caches, decides (decide.ts, pure) and applies the difference to the
 * protocol handlers. Nothing is decided before the config, the Services and
 * the endpoints are all listed, so a restart never withdraws what it is
 * about to announce again.
 */
import {
  BALANCER_CLASS_ANNOTATION,
  balancerChoice,
  parseConfigData,
  summarizeErrors,
  type Config,
} from '../config/index.js';
import {
  EventRecorder,
  referenceTo,
  ResilientInformer,
  type ApiClient,
  type BackoffOptions,
  type ConfigMap,
  type EndpointSlice,
  type Endpoints,
  type Node,
  type Service,
} from '../k8s/index.js';
import type { K8sClientMetrics, SpeakerMetrics } from '../metrics/index.js';
import { Announcements, type AnnouncementSink, type AppliedChange } from './announcements.js';
import { decide, ownerOf, type Decision, type NodeFacts, type ServiceFacts } from './decide.js';
import { fromEndpoints, fromSlices, NO_ENDPOINTS, type ReadyEndpoints } from './endpoints.js';
import type { BgpSink } from './bgp.js';
import { HomeCache } from './home-cache.js';
import type { SpeakerMembership } from './membership.js';

/** One structured log line, with v0.9's keys (`op`, `event`, `msg`, `service`, `ip`, `pool`, `error`). */
export type Log = (fields: Record<string, string | number | boolean>) => void;

export interface SpeakerOptions {
  readonly api: ApiClient;
  /** Where the ConfigMap lives (metallb-system). */
  readonly namespace: string;
  /** The ConfigMap's name (v0.9 `--config`, default `config`). */
  readonly configName: string;
  /** This node's name (METALLB_NODE_NAME). */
  readonly nodeName: string;
  readonly log: Log;
  readonly metrics: { readonly k8s: K8sClientMetrics; readonly speaker: SpeakerMetrics };
  /** Answers ARP/NDP for the IPs handed to it. */
  readonly layer2: AnnouncementSink;
  /** Advertises routes for the IPs handed to it (BGP sessions); told the config and this node's labels. */
  readonly bgp: BgpSink;
  /** The memberlist, or null when it is off (liveness from Kubernetes alone). */
  readonly membership: SpeakerMembership | null;
  readonly backoff?: BackoffOptions;
}

const SERVICE_NAME_LABEL = 'kubernetes.io/service-name';

export class SpeakerDaemon {
  private readonly events: EventRecorder;
  private readonly services: ResilientInformer<Service>;
  private readonly endpoints: ResilientInformer<Endpoints>;
  private readonly slices: ResilientInformer<EndpointSlice>;
  private readonly configMaps: ResilientInformer<ConfigMap>;
  private readonly nodes: ResilientInformer<Node>;
  /** EndpointSlices by Service key, then by slice name. */
  private readonly slicesByService = new Map<string, Map<string, EndpointSlice>>();
  private readonly announcements: Announcements;
  private config: Config | null = null;
  private live: ReadonlySet<string> | null;
  /** Every Node's name, labels and age, for the balancer classes (docs/SCALEOUT.md). */
  private readonly nodeFacts = new Map<string, NodeFacts>();
  private nodeFactsList: readonly NodeFacts[] = [];
  private readonly homes = new HomeCache();
  private readonly queue = new Set<string>();
  private scheduled = false;
  private stopped = false;
  private idleWaiters: (() => void)[] = [];
  private readonly onMembership = (live: readonly string[]): void => {
    this.live = new Set(live);
    this.enqueueAll();
  };

  constructor(private readonly options: SpeakerOptions) {
    this.announcements = new Announcements({ layer2: options.layer2, bgp: options.bgp });
    this.live = options.membership === null ? null : new Set(options.membership.live());
    this.events = new EventRecorder(options.api, 'metallb-speaker', undefined, (error) =>
      options.log({ op: 'recordEvent', error: String(error), msg: 'failed to record an event' }),
    );
    const backoff = options.backoff === undefined ? {} : { backoff: options.backoff };
    const failed = (kind: string) => (error: unknown, retryInMs: number) =>
      options.log({
        op: 'watch',
        kind,
        error: String(error),
        retryInMs,
        msg: 'watch failed, retrying',
      });
    const synced = () => this.enqueueAll();
    this.services = new ResilientInformer<Service>(
      options.api,
      { path: '/api/v1/services' },
      {
        changed: (service) => this.enqueue(keyOf(service)),
        deleted: (service) => this.enqueue(keyOf(service)),
        synced,
        failed: failed('Service'),
      },
      backoff,
    );
    this.endpoints = new ResilientInformer<Endpoints>(
      options.api,
      { path: '/api/v1/endpoints' },
      {
        changed: (endpoints) => this.enqueue(keyOf(endpoints)),
        deleted: (endpoints) => this.enqueue(keyOf(endpoints)),
        synced,
        failed: failed('Endpoints'),
      },
      backoff,
    );
    this.slices = new ResilientInformer<EndpointSlice>(
      options.api,
      { path: '/apis/discovery.k8s.io/v1/endpointslices' },
      {
        changed: (slice) => this.indexSlice(slice, true),
        deleted: (slice) => this.indexSlice(slice, false),
        synced,
        failed: failed('EndpointSlice'),
      },
      backoff,
    );
    this.configMaps = new ResilientInformer<ConfigMap>(
      options.api,
      {
        path: `/api/v1/namespaces/${encodeURIComponent(options.namespace)}/configmaps`,
        fieldSelector: `metadata.name=${options.configName}`,
      },
      {
        changed: () => this.syncConfig(),
        deleted: () => this.syncConfig(),
        synced: () => this.syncConfig(),
        failed: failed('ConfigMap'),
      },
      backoff,
    );
    // v0.9 watches its own Node only: a change there is a hint that a speaker
    // came or went. The balancer classes need every Node's labels and age.
    this.nodes = new ResilientInformer<Node>(
      options.api,
      { path: '/api/v1/nodes' },
      {
        changed: (node) => {
          const name = node.metadata?.name ?? '';
          if (name === options.nodeName) {
            // v0.9 re-selects BGP peers by this node's labels whenever they change.
            options.bgp.setNodeLabels(node.metadata?.labels ?? {});
            options.membership?.nodeChanged();
          } else if (!this.nodeFacts.has(name)) options.membership?.nodeChanged();
          this.setNodeFacts(name, nodeFactsOf(node));
        },
        deleted: (node) => {
          options.membership?.nodeChanged();
          this.setNodeFacts(node.metadata?.name ?? '', undefined);
        },
        synced: () => this.enqueueAll(),
        failed: failed('Node'),
      },
      { ...backoff, transform: slimNode },
    );
    options.membership?.on('change', this.onMembership);
  }

  async start(): Promise<void> {
    this.stopped = false;
    await this.configMaps.start();
    await Promise.all([
      this.services.start(),
      this.endpoints.start(),
      this.slices.start(),
      this.nodes.start(),
    ]);
  }

  /**
   * Leaves memberlist first, so the other speakers take over within the
   * leave time while this one still answers, then withdraws everything.
   */
  async stop(): Promise<void> {
    this.stopped = true;
    this.options.membership?.off('change', this.onMembership);
    await this.options.membership?.stop();
    for (const [service] of [...this.announcements.services()])
      this.report(
        service,
        this.announcements.apply(service, { kind: 'withdraw', reason: 'serviceDeleted' }),
      );
    await Promise.all([
      this.services.stop(),
      this.endpoints.stop(),
      this.slices.stop(),
      this.configMaps.stop(),
      this.nodes.stop(),
    ]);
  }

  /** Ready: the config is loaded and every watched kind is listed. */
  get ready(): boolean {
    return this.config !== null && this.listed();
  }

  /** The Services this node announces, one row per IP (for the lab and debugging). */
  announced(): { service: string; ip: string; protocol: string; pool: string }[] {
    return [...this.announcements.services()].flatMap(([service, list]) =>
      list.map((a) => ({ service, ip: a.ip, protocol: a.protocol, pool: a.pool.name })),
    );
  }

  /** Resolves when no key is waiting (for tests and the lab). */
  idle(): Promise<void> {
    if (this.queue.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private listed(): boolean {
    return this.services.synced && this.endpoints.synced && this.slices.synced && this.nodes.synced;
  }

  /**
   * Records a Node's facts; when what the balancer classes read of it
   * changed (not its heartbeat), the Services are decided again.
   */
  private setNodeFacts(name: string, facts: NodeFacts | undefined): void {
    const before = this.nodeFacts.get(name);
    if (facts === undefined) this.nodeFacts.delete(name);
    else this.nodeFacts.set(name, facts);
    if (before !== undefined && facts !== undefined && sameNodeFacts(before, facts)) return;
    this.nodeFactsList = [...this.nodeFacts.values()];
    if ((this.config?.balancerClasses.length ?? 0) > 0) this.enqueueAll();
  }

  private indexSlice(slice: EndpointSlice, present: boolean): void {
    const service = slice.metadata?.labels?.[SERVICE_NAME_LABEL];
    if (service === undefined) return;
    const key = `${slice.metadata?.namespace ?? 'default'}/${service}`;
    const name = slice.metadata?.name ?? '';
    let slices = this.slicesByService.get(key);
    if (present) {
      if (slices === undefined) {
        slices = new Map();
        this.slicesByService.set(key, slices);
      }
      slices.set(name, slice);
    } else if (slices !== undefined) {
      slices.delete(name);
      if (slices.size === 0) this.slicesByService.delete(key);
    }
    this.enqueue(key);
  }

  private enqueueAll(): void {
    for (const service of this.services.list()) this.queue.add(keyOf(service));
    // Announced Services whose object is gone are withdrawn by working their key.
    for (const [service] of this.announcements.services()) this.queue.add(service);
    this.schedule();
  }

  private enqueue(key: string): void {
    if (this.stopped) return;
    this.queue.add(key);
    this.schedule();
  }

  /** Works the queue on the next turn, so a burst of changes is decided once. */
  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.work();
    });
  }

  private work(): void {
    if (!this.stopped && this.config !== null && this.listed()) {
      const keys = [...this.queue];
      this.queue.clear();
      for (const key of keys) this.syncService(key);
    }
    if (this.queue.size === 0 || this.config === null || !this.listed())
      for (const resolve of this.idleWaiters.splice(0)) resolve();
  }

  private readyEndpoints(key: string): ReadyEndpoints {
    const [namespace = '', name = ''] = key.split('/');
    const endpoints = this.endpoints.get(name, namespace);
    if (endpoints !== undefined) return fromEndpoints(endpoints);
    const slices = this.slicesByService.get(key);
    return slices === undefined ? NO_ENDPOINTS : fromSlices(slices.values());
  }

  private syncService(key: string): void {
    const config = this.config;
    if (config === null) return;
    const [namespace = '', name = ''] = key.split('/');
    const service = this.services.get(name, namespace);
    this.options.metrics.k8s.updates.inc();
    const decision = decide(
      service === undefined ? undefined : factsOf(service),
      this.readyEndpoints(key),
      {
        config,
        myNode: this.options.nodeName,
        live: this.live,
        nodes: this.nodeFactsList,
        homes: this.homes,
      },
    );
    this.report(key, this.announcements.apply(key, decision), decision, service);
  }

  /** Logs, metrics and the `nodeAssigned` Events for one applied decision. */
  private report(key: string, change: AppliedChange, decision?: Decision, service?: Service): void {
    const { log, metrics, nodeName } = this.options;
    for (const w of change.withdrawn) {
      metrics.speaker.announced.remove({
        protocol: w.protocol,
        service: key,
        node: nodeName,
        ip: w.ip,
      });
      const announcer =
        decision?.kind === 'withdraw' && typeof decision.announcer === 'string'
          ? decision.announcer
          : decision?.assignment?.get(w.ip);
      log({
        op: 'setBalancer',
        event: 'serviceWithdrawn',
        protocol: w.protocol,
        service: key,
        ip: w.ip,
        reason: w.reason,
        ...(typeof announcer === 'string' ? { announcer } : {}),
        msg: 'withdrawn service announcement',
      });
    }
    const scaledOut = decision?.kind === 'announce' && decision.assignment !== undefined;
    for (const a of change.announced) {
      metrics.speaker.announced.set(
        { protocol: a.protocol, service: key, node: nodeName, ip: a.ip },
        1,
      );
      log({
        op: 'setBalancer',
        event: 'serviceAnnounced',
        protocol: a.protocol,
        service: key,
        ip: a.ip,
        pool: a.pool.name,
        msg: 'service has IP, announcing',
      });
      // v0.9 sends this on every sync; once per change of announcing node is
      // enough. A class Service has one announcer per address: say which.
      if (a.protocol === 'layer2' && service !== undefined)
        void this.events.record(
          referenceTo('Service', service),
          'Normal',
          'nodeAssigned',
          scaledOut
            ? `announcing ${a.ip} from node "${nodeName}"`
            : `announcing from node "${nodeName}"`,
        );
    }
  }

  /** A new, changed or deleted ConfigMap: take it, or refuse it and keep the one in force. */
  private syncConfig(): void {
    const { namespace, configName, log, metrics } = this.options;
    const configMap = this.configMaps.get(configName, namespace);
    metrics.k8s.updates.inc();
    if (configMap === undefined) {
      log({
        op: 'setConfig',
        event: this.config === null ? 'noConfig' : 'configDeleted',
        msg:
          this.config === null
            ? `no ConfigMap ${namespace}/${configName}: nothing is announced until there is one`
            : `ConfigMap ${namespace}/${configName} was deleted: keeping the configuration in force`,
      });
      return;
    }
    const parsed = parseConfigData(configMap.data ?? {});
    if (!parsed.ok) {
      this.refuseConfig(summarizeErrors(parsed.errors));
      return;
    }
    // v0.9 refuses a config under which an announced IP belongs to no pool.
    const stranded: string[] = [];
    for (const [service, list] of this.announcements.services()) {
      for (const announced of list) {
        if (ownerOf(parsed.config, announced.address) === undefined)
          stranded.push(`${service} (${announced.ip})`);
      }
    }
    if (stranded.length > 0) {
      this.refuseConfig(`announced addresses would belong to no pool: ${stranded.join(', ')}`);
      return;
    }
    this.config = parsed.config;
    this.options.bgp.setConfig(parsed.config);
    metrics.k8s.configLoaded.set(1);
    metrics.k8s.configStale.set(0);
    log({ op: 'setConfig', event: 'configLoaded', msg: 'config (re)loaded' });
    this.enqueueAll();
  }

  private refuseConfig(reason: string): void {
    this.options.metrics.k8s.configStale.set(1);
    this.options.log({
      op: 'setConfig',
      event: 'configRejected',
      error: reason,
      msg: 'new config not applied, keeping the previous one',
    });
  }
}

function keyOf(object: { metadata?: { name?: string; namespace?: string } }): string {
  return `${object.metadata?.namespace ?? 'default'}/${object.metadata?.name ?? ''}`;
}

function factsOf(service: Service): ServiceFacts {
  return {
    key: keyOf(service),
    isLoadBalancer: service.spec?.type === 'LoadBalancer',
    ingress: (service.status?.loadBalancer?.ingress ?? []).map((i) => i.ip ?? ''),
    externalTrafficPolicy: service.spec?.externalTrafficPolicy ?? 'Cluster',
    class: balancerChoice({
      loadBalancerClass: service.spec?.loadBalancerClass ?? '',
      classAnnotation: service.metadata?.annotations?.[BALANCER_CLASS_ANNOTATION] ?? null,
    }),
  };
}

/**
 * What the speaker keeps of a Node: what nodeFactsOf reads. A real Node's
 * status (its image list above all) and managedFields are most of its size,
 * and every speaker watches every Node.
 */
function slimNode(node: Node): Node {
  const { name, labels, creationTimestamp, resourceVersion } = node.metadata ?? {};
  return { metadata: { name, labels, creationTimestamp, resourceVersion } };
}

function nodeFactsOf(node: Node): NodeFacts {
  const created = node.metadata?.creationTimestamp;
  const ms = created === undefined ? NaN : new Date(created).getTime();
  return {
    name: node.metadata?.name ?? '',
    labels: new Map(Object.entries(node.metadata?.labels ?? {})),
    createdAt: Number.isFinite(ms) ? ms : Infinity,
  };
}

function sameNodeFacts(a: NodeFacts, b: NodeFacts): boolean {
  if (a.createdAt !== b.createdAt || a.labels.size !== b.labels.size) return false;
  for (const [key, value] of a.labels) if (b.labels.get(key) !== value) return false;
  return true;
}
