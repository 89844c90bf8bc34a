/**
 * The controller daemon: watches Services and the `config` ConfigMap and
 * keeps every LoadBalancer Service's `status.loadBalancer.ingress` where
 * v0.9's rules put it (docs/COMPAT.md sections 1, 2 and 5).
 *
 * Level-based: an informer change only queues a key; working a key reads
 * the latest object from the informer's cache and converges it. A key is
 * queued once however often it changes, and a failed key is retried with
 * backoff, so closed watches, relists and API errors cost time, never
 * correctness.
 */
import { Allocator } from '../allocator/index.js';
import { LAST_ACCEPTED_CONFIG_MAP, type Config } from '../config/index.js';
import {
  ConfigKeeper,
  DAEMON_RETRY_MS,
  DaemonShell,
  KeyedWorkQueue,
  type Log,
} from '../daemon/index.js';
import { formatIP, ipEquals, type IPAddress } from '../ip/index.js';
import {
  ALL_SERVICES,
  referenceTo,
  writeConfigMapData,
  writeServiceIngress,
  type ApiClient,
  type ConfigData,
  type BackoffOptions,
  type ObjectReference,
  type ResilientInformer,
} from '../k8s/index.js';
import type { AllocatorMetrics, K8sClientMetrics } from '../metrics/index.js';
import {
  heldAddressesRefusal,
  keyParts,
  serviceKey,
  serviceRequest,
  slimService,
  type ServiceObject,
  type ServiceRequest,
} from '../service/index.js';
import { allocatedMessage } from './class-events.js';
import { convergeAnyService, isShortOfAddresses } from './converge-any.js';
import { ingressWritten } from './ingress-written.js';
import { isSettled, restoreHeld } from './restore.js';
import type { ClassConvergence } from './converge-class.js';
import type { Convergence } from './converge.js';

export interface ControllerOptions {
  readonly api: ApiClient;
  /** Where the ConfigMap lives (metallb-system). */
  readonly namespace: string;
  /** The ConfigMap's name (v0.9 `--config`, default `config`). */
  readonly configName: string;
  readonly log: Log;
  readonly metrics: { readonly k8s: K8sClientMetrics; readonly allocator: AllocatorMetrics };
  readonly backoff?: BackoffOptions;
}

/** The queue key of the ConfigMap: `\u0000` is in no Service's `namespace/name`. */
const CONFIG_KEY = '\u0000config';
/** Keys worked at once. The allocator's decisions are synchronous; only the API writes overlap. */
const WORKERS = 16;

/** A Service whose outcome is being reported: its status write and Events. */
interface Subject {
  readonly key: string;
  readonly service: ServiceObject;
  readonly reference: ObjectReference;
}

export class ControllerDaemon {
  private readonly allocator = new Allocator();
  private readonly shell: DaemonShell;
  private readonly services: ResilientInformer<ServiceObject>;
  private readonly configs: ConfigKeeper;
  /** The ConfigMap alone and first, then up to WORKERS Services at once; failures retried with backoff. */
  private readonly queue: KeyedWorkQueue;
  private reportedPools = new Set<string>();
  /** Services whose last allocation failed: an address that frees up may be theirs. */
  private readonly waitingForAddress = new Set<string>();
  /** Services of another implementation's loadBalancerClass, logged once each. */
  private readonly foreignLogged = new Set<string>();
  /** What LAST_ACCEPTED_CONFIG_MAP holds (null: nothing), once read; undefined before. */
  private lastAccepted: ConfigData | null | undefined = undefined;
  /** Counts the Service cache's changes: requests read from it hold while it stays. */
  private servicesVersion = 0;
  /** The cached Services as requests, read at `version`; kept for one pass only (`serviceRequests`). */
  private requestsRead: { readonly version: number; readonly requests: ServiceRequest[] } | null =
    null;

  constructor(private readonly options: ControllerOptions) {
    this.shell = new DaemonShell({
      api: options.api,
      log: options.log,
      component: 'metallb-controller',
      ...(options.backoff === undefined ? {} : { backoff: options.backoff }),
    });
    this.queue = new KeyedWorkQueue({
      work: (key) => (key === CONFIG_KEY ? this.syncConfig() : this.syncService(key)),
      concurrency: WORKERS,
      first: CONFIG_KEY,
      // Nothing is worked before the first full list: restoreAll takes every held address
      // back then in one pass, so converging Services one by one before it is only waste.
      open: () => this.services.synced,
      retry: {
        ...DAEMON_RETRY_MS,
        failed: (key, error, retryInMs) => {
          options.metrics.k8s.updateErrors.inc();
          options.log({
            op: 'sync',
            service: key,
            error: String(error),
            retryInMs,
            msg: 'update failed, will retry',
          });
        },
      },
    });
    this.services = this.shell.watch<ServiceObject>(
      'Service',
      ALL_SERVICES,
      {
        // The first list's Services are queued by the pass that follows it (restoreAll).
        changed: (service) => {
          this.servicesVersion++;
          if (this.services.synced) this.queue.add(serviceKey(service));
        },
        deleted: (service) => {
          this.servicesVersion++;
          this.queue.add(serviceKey(service));
        },
        synced: () => {
          options.log({
            op: 'allocateIPs',
            event: 'synced',
            msg: 'all Services are listed: allocating from now on',
          });
          this.queue.addAll(this.restoreAll());
          this.requestsRead = null;
        },
      },
      slimService,
    );
    this.configs = new ConfigKeeper(this.shell, {
      namespace: options.namespace,
      configName: options.configName,
      metrics: options.metrics.k8s,
      withoutConfig: 'no addresses will be allocated',
      changed: () => this.queue.add(CONFIG_KEY),
      take: (config) => this.take(config),
      describe: (config) => ({ pools: config.pools.length }),
      events: this.shell.events,
    });
  }

  async start(): Promise<void> {
    this.queue.start();
    // The config first, so that Services are converged against it.
    await this.configs.start();
    await this.services.start();
  }

  async stop(): Promise<void> {
    this.queue.stop();
    await Promise.all([this.services.stop(), this.configs.stop()]);
  }

  /** Ready: the config is loaded and the Services are listed. */
  get ready(): boolean {
    return this.configs.config !== null && this.services.synced;
  }

  /** Resolves when the queue is empty and nothing is being worked (for tests and the demo). */
  idle(): Promise<void> {
    return this.queue.idle();
  }

  /**
   * A new or changed ConfigMap: take it, or refuse it and keep the one in
   * force. The first time (always after the first full list, see the
   * queue's gate), the config this controller or an earlier one last
   * accepted is offered first, so a start refuses what the running
   * controller refused.
   */
  private async syncConfig(): Promise<void> {
    let offered: boolean;
    let taken: boolean;
    let unsettled: string[];
    try {
      offered = this.lastAccepted === undefined && (await this.offerLastAccepted());
      taken = await this.configs.sync();
      if (!offered && !taken) return;
      // Every Service may converge differently now, but those the restore pass settled.
      unsettled = this.restoreAll();
    } finally {
      this.requestsRead = null;
    }
    this.updatePoolMetrics();
    this.queue.addAll(unsettled);
    if (taken) await this.recordAccepted();
  }

  /**
   * Every cached Service as a request, read once for both the check and
   * the restore pass of a config taken (each reads all of them, and at a
   * start over 10,000 Services each reading shows in bench/restart's
   * profile), and read again once the cache has changed. The caller drops
   * them after its pass.
   */
  private serviceRequests(): ServiceRequest[] {
    if (this.requestsRead?.version !== this.servicesVersion) {
      const requests = this.services.list().map(serviceRequest);
      this.requestsRead = { version: this.servicesVersion, requests };
    }
    return this.requestsRead.requests;
  }

  /**
   * A config is taken only when no address a Service holds lies outside
   * its pools: for a running controller v0.9's rule (the allocator's own
   * check of what it holds), and at start the same check of the statuses,
   * which hold everything before the allocator holds anything.
   */
  private take(config: Config): string | undefined {
    const refusal = heldAddressesRefusal(config, this.serviceRequests());
    if (refusal !== undefined) return refusal;
    const set = this.allocator.setPools(config);
    return set.ok ? undefined : set.error;
  }

  /** Reads the last accepted config and offers it; true when it was taken. */
  private async offerLastAccepted(): Promise<boolean> {
    const { data, taken } = await this.configs.offerLastAccepted();
    this.lastAccepted = data;
    return taken;
  }

  /** Keeps the config just taken where a restarted controller finds it, when it changed. */
  private async recordAccepted(): Promise<void> {
    const data = this.configs.acceptedData;
    if (data === null || sameData(data, this.lastAccepted ?? null)) return;
    try {
      await writeConfigMapData(
        this.options.api,
        this.options.namespace,
        LAST_ACCEPTED_CONFIG_MAP,
        data,
        {
          app: 'metallb',
          component: 'controller',
        },
      );
      this.lastAccepted = data;
    } catch (error) {
      // The config is in force all the same; the next one taken tries again.
      this.options.log({
        op: 'setConfig',
        error: String(error),
        msg: `cannot keep the accepted config in ${LAST_ACCEPTED_CONFIG_MAP}`,
      });
    }
  }

  private async syncService(key: string): Promise<void> {
    const { log, metrics } = this.options;
    const { namespace, name } = keyParts(key);
    const service = this.services.get(name, namespace);
    metrics.k8s.updates.inc();
    if (service === undefined) {
      this.waitingForAddress.delete(key);
      this.foreignLogged.delete(key);
      if (this.allocator.unassignService(key)) {
        log({
          op: 'deleteService',
          event: 'serviceDeleted',
          service: key,
          msg: 'Service deleted, its address is free',
        });
        this.retryWaiting();
      }
      this.updatePoolMetrics();
      return;
    }
    const config = this.configs.config;
    if (config === null) return; // nothing to allocate from; the config's arrival requeues everything
    const request = serviceRequest(service);
    const held = this.addressesOf(key);
    const outcome = convergeAnyService(this.allocator, request, config.balancerClasses, {
      synced: this.services.synced,
    });
    const now = this.addressesOf(key);
    // v0.9 reprocesses all Services when one goes away; here, whenever an address is released.
    if (held.some((ip) => !now.some((n) => ipEquals(ip, n)))) this.retryWaiting();
    if (isShortOfAddresses(outcome)) this.waitingForAddress.add(key);
    else this.waitingForAddress.delete(key);
    if (outcome.rules === 'foreign') this.leaveAlone(key, outcome.loadBalancerClass);
    else {
      this.foreignLogged.delete(key);
      const subject: Subject = {
        key: request.key,
        service,
        reference: referenceTo('Service', service),
      };
      const ips = ingressWritten(outcome, request.ingress);
      if (ips !== null) await this.writeIngress(subject, ips);
      if (outcome.rules === 'class') this.reportClass(subject, outcome.result);
      else this.reportSingle(subject, outcome.result);
    }
    this.updatePoolMetrics();
  }

  /**
   * Takes back every address the listed Services hold, in one synchronous
   * step, before any worker allocates (restore.ts): when the first full
   * list is in, and when a config is taken (before the first, nothing could
   * be restored; after a change, pools may have moved). Workers converging
   * keys that were queued during the list then find every held address
   * taken, whatever order they run in. Returns the keys left to work: all
   * but those the pass settled (`isSettled`).
   */
  private restoreAll(): string[] {
    const config = this.configs.config;
    // Without a config nothing converges; taking one comes back here.
    if (config === null || !this.services.synced) return [];
    const all = this.serviceRequests();
    const restored = restoreHeld(this.allocator, all, config.balancerClasses);
    this.options.log({
      op: 'allocateIPs',
      event: 'restored',
      services: restored.size,
      msg: 'addresses held in Service statuses taken back before allocating',
    });
    return all.flatMap((request) => {
      const outcome = restored.get(request.key);
      return outcome !== undefined && isSettled(outcome, request.ingress) ? [] : [request.key];
    });
  }

  /** Every address the allocator holds for a Service, whatever its slot. */
  private addressesOf(service: string): IPAddress[] {
    return this.allocator.keysOf(service).flatMap((key) => this.allocator.ipOf(key) ?? []);
  }

  /** Kubernetes leaves a Service of another loadBalancerClass to that implementation: no write, no event. */
  private leaveAlone(key: string, loadBalancerClass: string): void {
    if (this.foreignLogged.has(key)) return;
    this.foreignLogged.add(key);
    this.options.log({
      op: 'allocateIP',
      event: 'otherLoadBalancerClass',
      service: key,
      loadBalancerClass,
      msg: 'spec.loadBalancerClass belongs to another implementation: leaving the Service alone',
    });
  }

  /** Log and Events of a v0.9 Service (docs/COMPAT.md section 2); its status is written already. */
  private reportSingle(subject: Subject, result: Convergence): void {
    const { log } = this.options;
    const { key, reference } = subject;
    switch (result.kind) {
      case 'failed':
        log({ op: 'allocateIP', service: key, error: result.error, msg: 'IP allocation failed' });
        void this.shell.events.record(
          reference,
          'Warning',
          'AllocationFailed',
          `Failed to allocate IP for "${key}": ${result.error}`,
        );
        break;
      case 'not-load-balancer':
      case 'no-cluster-ip':
      case 'waiting':
        break;
      case 'assigned': {
        const ip = formatIP(result.ip);
        if (result.dropped !== null)
          log({
            op: 'allocateIP',
            event: 'clearAssignment',
            service: key,
            reason: result.dropped,
            msg: 'previous address dropped',
          });
        if (result.allocated) {
          log({
            op: 'allocateIP',
            event: 'ipAllocated',
            service: key,
            ip,
            pool: result.pool,
            msg: 'IP address assigned by controller',
          });
          void this.shell.events.record(reference, 'Normal', 'IPAllocated', `Assigned IP "${ip}"`);
        }
        break;
      }
    }
  }

  /** Log and Events of a Service of a balancer class (docs/SCALEOUT.md); its status is written already. */
  private reportClass(subject: Subject, result: ClassConvergence): void {
    const { log } = this.options;
    const { key, reference } = subject;
    const failed = (error: string): void => {
      log({ op: 'allocateIP', service: key, error, msg: 'IP allocation failed' });
      void this.shell.events.record(
        reference,
        'Warning',
        'AllocationFailed',
        `Failed to allocate IPs for "${key}": ${error}`,
      );
    };
    if (result.kind === 'no-cluster-ip') return;
    for (const reason of result.dropped) {
      log({
        op: 'allocateIP',
        event: 'clearAssignment',
        service: key,
        reason,
        msg: 'previous address dropped',
      });
    }
    if (result.kind === 'waiting') return;
    if (result.kind === 'failed') {
      failed(result.error);
      return;
    }
    const ips = result.ips.map(formatIP);
    if (result.released.length > 0) {
      log({
        op: 'allocateIP',
        event: 'ipsReleased',
        service: key,
        ip: result.released.map(formatIP).join(','),
        msg: 'addresses released: the Service asks for fewer',
      });
    }
    if (result.allocated.length > 0) {
      log({
        op: 'allocateIP',
        event: 'ipAllocated',
        service: key,
        ip: ips.join(','),
        pool: result.className,
        msg: 'IP addresses assigned by controller',
      });
      void this.shell.events.record(
        reference,
        'Normal',
        'IPAllocated',
        allocatedMessage(ips, result.className),
      );
    }
    if (result.shortfall !== null) failed(result.shortfall);
  }

  /** The Service's `status.loadBalancer.ingress`, written from its cached copy. */
  private async writeIngress(subject: Subject, ips: readonly string[]): Promise<void> {
    const { namespace, name } = keyParts(subject.key);
    await writeServiceIngress(this.options.api, namespace, name, ips, subject.service);
  }

  /** Queues the Services that found no address, now that one was released. */
  private retryWaiting(): void {
    this.queue.addAll(this.waitingForAddress);
  }

  private updatePoolMetrics(): void {
    const { allocator } = this.options.metrics;
    const pools = new Set(this.allocator.poolNames());
    // A pool gone from the config takes its series with it, as in v0.9.
    for (const pool of this.reportedPools) {
      if (pools.has(pool)) continue;
      for (const gauge of [
        allocator.addresses,
        allocator.addressesInUse,
        allocator.servicesAllocated,
      ])
        gauge.remove({ pool });
    }
    this.reportedPools = pools;
    for (const pool of pools) {
      const stats = this.allocator.stats(pool);
      if (stats === undefined) continue;
      allocator.addresses.set({ pool }, Number(stats.capacity));
      allocator.addressesInUse.set({ pool }, stats.addressesInUse);
      allocator.servicesAllocated.set({ pool }, stats.servicesAllocated);
    }
  }
}

function sameData(a: ConfigData, b: ConfigData | null): boolean {
  if (b === null) return false;
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length && keys.every((key) => a[key] === b[key]);
}
