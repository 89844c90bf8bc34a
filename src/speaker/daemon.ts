/**
 * The speaker daemon: Services + Endpoints (or EndpointSlices) + its Node +
 * the `config` ConfigMap + the live memberlist members -> what this node
 * announces (docs/COMPAT.md section 3).
 *
 * Level-based like the controller: any change queues the Service keys it
 * may affect; working a key reads the latest objects from the informers'
 * caches, decides (decide.ts, pure) and applies the difference to the
 * protocol handlers. Nothing is decided before the config, the Services and
 * the endpoints are all listed, so a restart never withdraws what it is
 * about to announce again; the config itself is taken only once the
 * Services are listed, starting from the one the controller last accepted
 * (`syncConfig`), so a restart never adopts a config the controller refused. EndpointSlices are watched at the version the
 * server serves (v1, else v1beta1), or not at all on a server without them.
 */
import type { Config } from '../config/index.js';
import {
  ConfigKeeper,
  DAEMON_RETRY_MS,
  DaemonShell,
  KeyedWorkQueue,
  type Log,
} from '../daemon/index.js';
import {
  ALL_ENDPOINTS,
  ALL_NODES,
  ALL_SERVICES,
  endpointSliceSource,
  referenceTo,
  type ApiClient,
  type BackoffOptions,
  type EndpointSlice,
  type Endpoints,
  type ResilientInformer,
  type Service,
} from '../k8s/index.js';
import type { K8sClientMetrics, SpeakerMetrics } from '../metrics/index.js';
import {
  heldAddressesRefusal,
  nodeFacts,
  keyParts,
  sameNodeFacts,
  serviceFacts,
  serviceKey,
  serviceRequest,
  slimNode,
  type NodeFacts,
  type NodeObject,
} from '../service/index.js';
import { Announcements, type AnnouncementSink, type AppliedChange } from './announcements.js';
import { decide, ownerOf, type Decision } from './decide.js';
import { fromEndpoints, fromSlices, NO_ENDPOINTS, type ReadyEndpoints } from './endpoints.js';
import type { BgpSink } from './bgp.js';
import { HomeCache } from './home-cache.js';
import type { SpeakerMembership } from './membership.js';

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
/** The config queue's one key. */
const CONFIG_KEY = 'config';

export class SpeakerDaemon {
  private readonly shell: DaemonShell;
  private readonly services: ResilientInformer<Service>;
  private readonly endpoints: ResilientInformer<Endpoints>;
  /** Not yet known (undefined) until discovery answers; null when the server serves no EndpointSlices. */
  private slices: ResilientInformer<EndpointSlice> | null | undefined;
  /** Ends the discovery retries when the daemon stops first. */
  private stopping = new AbortController();
  /** Discovery, then the EndpointSlice informer's start; awaited by stop. */
  private slicesStarting: Promise<void> = Promise.resolve();
  private readonly configs: ConfigKeeper;
  private readonly nodes: ResilientInformer<NodeObject>;
  /** EndpointSlices by Service key, then by slice name. */
  private readonly slicesByService = new Map<string, Map<string, EndpointSlice>>();
  private readonly announcements: Announcements;
  private live: ReadonlySet<string> | null;
  /** Memberlist is joined, or off; the speaker decides nothing before. */
  private joined: boolean;
  private joining = false;
  /** Every Node's name, labels and age, for the balancer classes (docs/SCALEOUT.md). */
  private readonly factsByNode = new Map<string, NodeFacts>();
  private nodeFactsList: readonly NodeFacts[] = [];
  private readonly homes = new HomeCache();
  /**
   * Service keys, worked on the next turn so that a burst of changes is
   * decided once, and only once the config and every watched kind are in.
   */
  private readonly queue: KeyedWorkQueue;
  /**
   * The ConfigMap, worked once the Services are listed (the check of a
   * config reads their statuses); a failed read of the last accepted
   * config is retried with backoff.
   */
  private readonly configQueue: KeyedWorkQueue;
  /** The last accepted config was read (and offered), once, at start. */
  private lastAcceptedRead = false;
  private readonly onMembership = (live: readonly string[]): void => {
    this.live = new Set(live);
    this.enqueueAll();
  };

  constructor(private readonly options: SpeakerOptions) {
    this.announcements = new Announcements({ layer2: options.layer2, bgp: options.bgp });
    this.live = options.membership === null ? null : new Set(options.membership.live());
    this.joined = options.membership === null || !options.membership.waitingToJoin;
    this.shell = new DaemonShell({
      api: options.api,
      log: options.log,
      component: 'metallb-speaker',
      ...(options.backoff === undefined ? {} : { backoff: options.backoff }),
    });
    this.queue = new KeyedWorkQueue({
      work: (key) => this.syncService(key),
      concurrency: Infinity,
      open: () => this.ready,
      nextTurn: true,
    });
    this.configQueue = new KeyedWorkQueue({
      work: () => this.syncConfig(),
      concurrency: 1,
      open: () => this.services.synced,
      retry: {
        ...DAEMON_RETRY_MS,
        failed: (_key, error, retryInMs) => {
          options.metrics.k8s.updateErrors.inc();
          options.log({
            op: 'setConfig',
            error: String(error),
            retryInMs,
            msg: 'cannot read the last accepted config, will retry',
          });
        },
      },
    });
    const enqueue = (object: { metadata?: { name?: string; namespace?: string } }) =>
      this.queue.add(serviceKey(object));
    const synced = () => this.kindListed();
    this.services = this.shell.watch<Service>('Service', ALL_SERVICES, {
      changed: enqueue,
      deleted: enqueue,
      synced: () => {
        this.configQueue.add(CONFIG_KEY);
        synced();
      },
    });
    this.endpoints = this.shell.watch<Endpoints>('Endpoints', ALL_ENDPOINTS, {
      changed: enqueue,
      deleted: enqueue,
      synced,
    });
    this.configs = new ConfigKeeper(this.shell, {
      namespace: options.namespace,
      configName: options.configName,
      metrics: options.metrics.k8s,
      withoutConfig: 'nothing is announced',
      changed: () => this.configQueue.add(CONFIG_KEY),
      take: (config) => this.take(config),
    });
    // v0.9 watches its own Node only: a change there is a hint that a speaker
    // came or went. The balancer classes need every Node's labels and age.
    this.nodes = this.shell.watch<NodeObject>(
      'Node',
      ALL_NODES,
      {
        changed: (node) => {
          const name = node.metadata?.name ?? '';
          if (name === options.nodeName) {
            // v0.9 re-selects BGP peers by this node's labels whenever they change.
            options.bgp.setNodeLabels(node.metadata?.labels ?? {});
            options.membership?.nodeChanged();
          } else if (!this.factsByNode.has(name)) options.membership?.nodeChanged();
          this.setNodeFacts(name, nodeFacts(node));
        },
        deleted: (node) => {
          options.membership?.nodeChanged();
          this.setNodeFacts(node.metadata?.name ?? '', undefined);
        },
        synced: () => this.kindListed(),
      },
      slimNode,
    );
    options.membership?.on('change', this.onMembership);
  }

  async start(): Promise<void> {
    this.configQueue.start();
    this.queue.start();
    await this.configs.start();
    // Not awaited: discovery retries while the server cannot answer, and
    // start resolves, as the informers' starts do, after one attempt each.
    this.stopping = new AbortController();
    this.slicesStarting = this.startSlices();
    await Promise.all([this.services.start(), this.endpoints.start(), this.nodes.start()]);
  }

  /**
   * Watches EndpointSlices at the version the server serves. A server
   * without them (before 1.17, or with the group off) leaves the Endpoints,
   * which v0.9 reads anyway; a v1 list on a 1.19 or 1.20 server is a 404
   * forever and would keep the speaker from ever deciding.
   */
  private async startSlices(): Promise<void> {
    if (this.slices !== undefined) {
      await this.slices?.start(); // started again: the server's answer is known
      return;
    }
    const { log, api, backoff } = this.options;
    const source = await endpointSliceSource(api, {
      signal: this.stopping.signal,
      ...(backoff === undefined ? {} : { backoff }),
      failed: (error, retryInMs) =>
        log({
          op: 'discovery',
          error: String(error),
          retryInMs,
          msg: 'cannot ask which EndpointSlice API the server serves, retrying',
        }),
    });
    if (source === undefined || this.stopping.signal.aborted) return; // stopped first
    if (source === null) {
      log({
        op: 'startup',
        event: 'endpointSlicesNotServed',
        msg: 'the server serves no EndpointSlices: reading Endpoints alone',
      });
      this.slices = null;
      this.kindListed();
      return;
    }
    log({
      op: 'startup',
      event: 'endpointSlices',
      version: source.version,
      msg: `watching discovery.k8s.io/${source.version} EndpointSlices`,
    });
    const slices = this.shell.watch<EndpointSlice>(
      'EndpointSlice',
      source.resource,
      {
        changed: (slice) => this.indexSlice(slice, true),
        deleted: (slice) => this.indexSlice(slice, false),
        synced: () => this.kindListed(),
      },
      source.toV1,
    );
    this.slices = slices;
    await slices.start();
  }

  /**
   * Leaves memberlist first, so the other speakers take over within the
   * leave time while this one still answers, then withdraws everything.
   */
  async stop(): Promise<void> {
    this.stopping.abort();
    await this.slicesStarting;
    this.configQueue.stop();
    this.queue.stop();
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
      this.slices?.stop(),
      this.configs.stop(),
      this.nodes.stop(),
    ]);
  }

  /** Ready: the config is loaded, every watched kind is listed and memberlist joined (when on). */
  get ready(): boolean {
    return this.configs.config !== null && this.listed() && this.joined;
  }

  /** The Services this node announces, one row per IP (for the lab and debugging). */
  announced(): { service: string; ip: string; protocol: string; pool: string }[] {
    return [...this.announcements.services()].flatMap(([service, list]) =>
      list.map((a) => ({ service, ip: a.ip, protocol: a.protocol, pool: a.pool.name })),
    );
  }

  /** Resolves when no key is waiting, or what waits cannot be decided yet (for tests and the lab). */
  async idle(): Promise<void> {
    await this.configQueue.idle();
    await this.queue.idle();
  }

  /**
   * Takes the ConfigMap, or refuses it and keeps the config in force. The
   * first time (after the first full list of Services, the queue's gate),
   * the config the controller last accepted is offered first, so that a
   * restarted speaker refuses what the controller refused and goes on
   * announcing what it announced. v0.9's speaker adopts `config` at start.
   */
  private async syncConfig(): Promise<void> {
    let offered = false;
    if (!this.lastAcceptedRead) {
      offered = (await this.configs.offerLastAccepted()).taken;
      this.lastAcceptedRead = true;
    }
    const taken = await this.configs.sync();
    if (offered || taken) this.enqueueAll();
  }

  /**
   * The speaker's check of a parsed config, which puts it in force when it
   * passes. With a config in force, the controller's check first (the
   * statuses' addresses, src/service/held.ts), so the speakers take only
   * what the controller takes, at start as at run time. With none (a start
   * that found no last accepted config: the controller never wrote one, or
   * it may not be read) there is nothing to keep, and `config` is taken as
   * v0.9's speaker takes it. Then v0.9's own rule (speaker/main.go
   * SetConfig): no announced address may fall outside every pool.
   */
  private take(config: Config): string | undefined {
    if (this.configs.config !== null) {
      const refusal = heldAddressesRefusal(config, this.services.list().map(serviceRequest));
      if (refusal !== undefined) return refusal;
    }
    const stranded: string[] = [];
    for (const [service, list] of this.announcements.services()) {
      for (const announced of list) {
        if (ownerOf(config, announced.address) === undefined)
          stranded.push(`${service} (${announced.ip})`);
      }
    }
    if (stranded.length > 0)
      return `announced addresses would belong to no pool: ${stranded.join(', ')}`;
    this.options.bgp.setConfig(config);
    return undefined;
  }

  /**
   * One more kind is listed. Once all are, the speaker joins memberlist
   * (with deferJoin): the other speakers count a member alive and leave
   * it Services, so it must not be one before it can decide them. v0.9
   * joins on its Node informer's first event.
   */
  private kindListed(): void {
    const membership = this.options.membership;
    if (membership !== null && this.listed() && !this.joined && !this.joining) {
      this.joining = true;
      const joined = (): void => {
        this.joined = true;
        this.live = new Set(membership.live());
        this.enqueueAll();
      };
      // A failed join is retried every minute by the membership: decide with who is there.
      membership.join().then(joined, (error: unknown) => {
        this.options.log({ op: 'memberlist', error: String(error), msg: 'memberlist join failed' });
        joined();
      });
    }
    this.enqueueAll();
  }

  private listed(): boolean {
    const slicesListed = this.slices === null || this.slices?.synced === true;
    return this.services.synced && this.endpoints.synced && slicesListed && this.nodes.synced;
  }

  /**
   * Records a Node's facts; when what the balancer classes read of it
   * changed (not its heartbeat), the Services are decided again.
   */
  private setNodeFacts(name: string, facts: NodeFacts | undefined): void {
    const before = this.factsByNode.get(name);
    if (facts === undefined) this.factsByNode.delete(name);
    else this.factsByNode.set(name, facts);
    if (before !== undefined && facts !== undefined && sameNodeFacts(before, facts)) return;
    this.nodeFactsList = [...this.factsByNode.values()];
    if ((this.configs.config?.balancerClasses.length ?? 0) > 0) this.enqueueAll();
  }

  private indexSlice(slice: EndpointSlice, present: boolean): void {
    const service = slice.metadata?.labels?.[SERVICE_NAME_LABEL];
    if (service === undefined) return;
    // A slice names its Service by label, in the Service's namespace.
    const key = serviceKey({ metadata: { namespace: slice.metadata?.namespace, name: service } });
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
    this.queue.add(key);
  }

  private enqueueAll(): void {
    // Announced Services whose object is gone are withdrawn by working their key.
    this.queue.addAll([
      ...this.services.list().map(serviceKey),
      ...[...this.announcements.services()].map(([service]) => service),
    ]);
  }

  private readyEndpoints(key: string): ReadyEndpoints {
    const { namespace, name } = keyParts(key);
    const endpoints = this.endpoints.get(name, namespace);
    if (endpoints !== undefined) return fromEndpoints(endpoints);
    const slices = this.slicesByService.get(key);
    return slices === undefined ? NO_ENDPOINTS : fromSlices(slices.values());
  }

  private syncService(key: string): void {
    const config = this.configs.config;
    if (config === null) return;
    const { namespace, name } = keyParts(key);
    const service = this.services.get(name, namespace);
    this.options.metrics.k8s.updates.inc();
    const decision = decide(
      service === undefined ? undefined : serviceFacts(service),
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
      // v0.9.6 (speaker/main.go SetBalancer) records it for both protocols, with this
      // message, on every sync that announces; here once per address newly announced from
      // this node, as an Event a sync repeats says nothing new. A class Service has one
      // announcer per address: say which.
      if (service !== undefined)
        void this.shell.events.record(
          referenceTo('Service', service),
          'Normal',
          'nodeAssigned',
          scaledOut
            ? `announcing ${a.ip} from node "${nodeName}"`
            : `announcing from node "${nodeName}"`,
        );
    }
  }
}
