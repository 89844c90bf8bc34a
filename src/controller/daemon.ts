/**
 * The controller daemon: watches Services and the `config` ConfigMap and
 * keeps every LoadBalancer Service's `status.loadBalancer.ingress` where
 * v0.9's rules put it (COMPAT.md sections 1, 2 and 5).
 *
 * Level-based: an informer change only queues a key; working a key reads
 * the latest object from the informer's cache and converges it. A key is
 * queued once however often it changes, and a failed key is retried with
 * backoff, so closed watches, relists and API errors cost time, never
 * correctness.
 */
import { Allocator } from '../allocator/index.js';
import { parseConfigData, summarizeErrors, type Config } from '../config/index.js';
import { formatIP, ipEquals, type IPAddress } from '../ip/index.js';
import {
  EventRecorder,
  referenceTo,
  ResilientInformer,
  writeServiceIngress,
  type ApiClient,
  type BackoffOptions,
  type ConfigMap,
  type Service,
} from '../k8s/index.js';
import type { AllocatorMetrics, K8sClientMetrics } from '../metrics/index.js';
import { allocatedMessage } from './class-events.js';
import { convergeAnyService } from './converge-any.js';
import type { ClassConvergence } from './converge-class.js';
import type { Convergence, ServiceRequest } from './converge.js';
import { serviceKey, serviceRequest, slimService } from './service-object.js';

/** One structured log line, with v0.9's keys (`op`, `event`, `msg`, `service`, `ip`, `pool`, `error`). */
export type Log = (fields: Record<string, string | number | boolean>) => void;

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

const CONFIG_KEY = '\u0000config';
/** Keys worked at once. The allocator's decisions are synchronous; only the API writes overlap. */
const WORKERS = 16;
const RETRY_MS = { initial: 100, max: 10_000 };

export class ControllerDaemon {
  private readonly allocator = new Allocator();
  private readonly events: EventRecorder;
  private readonly services: ResilientInformer<Service>;
  private readonly configMaps: ResilientInformer<ConfigMap>;
  private config: Config | null = null;
  private readonly queue = new Set<string>();
  private readonly inFlight = new Set<string>();
  private readonly retries = new Map<string, number>();
  private stopped = false;
  private idleWaiters: (() => void)[] = [];
  private reportedPools = new Set<string>();
  /** Services whose last allocation failed: an address that frees up may be theirs. */
  private readonly waitingForAddress = new Set<string>();
  /** Services of another implementation's loadBalancerClass, logged once each. */
  private readonly foreignLogged = new Set<string>();

  constructor(private readonly options: ControllerOptions) {
    this.events = new EventRecorder(options.api, 'metallb-controller', undefined, (error) =>
      options.log({ op: 'recordEvent', error: String(error), msg: 'failed to record an event' }),
    );
    const informerFailed = (what: string) => (error: unknown, retryInMs: number) =>
      options.log({
        op: 'watch',
        kind: what,
        error: String(error),
        retryInMs,
        msg: 'watch failed, retrying',
      });
    this.services = new ResilientInformer<Service>(
      options.api,
      { path: '/api/v1/services' },
      {
        changed: (service) => this.enqueue(serviceKey(service)),
        deleted: (service) => this.enqueue(serviceKey(service)),
        synced: () => {
          options.log({
            op: 'allocateIPs',
            event: 'synced',
            msg: 'all Services are listed: allocating from now on',
          });
          for (const service of this.services.list()) this.enqueue(serviceKey(service));
        },
        failed: informerFailed('Service'),
      },
      {
        transform: slimService,
        ...(options.backoff === undefined ? {} : { backoff: options.backoff }),
      },
    );
    this.configMaps = new ResilientInformer<ConfigMap>(
      options.api,
      {
        path: `/api/v1/namespaces/${encodeURIComponent(options.namespace)}/configmaps`,
        fieldSelector: `metadata.name=${options.configName}`,
      },
      {
        changed: () => this.enqueue(CONFIG_KEY),
        deleted: () => this.enqueue(CONFIG_KEY),
        synced: () => this.enqueue(CONFIG_KEY),
        failed: informerFailed('ConfigMap'),
      },
      options.backoff === undefined ? {} : { backoff: options.backoff },
    );
  }

  async start(): Promise<void> {
    this.stopped = false;
    // The config first, so that Services are converged against it.
    await this.configMaps.start();
    await this.services.start();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await Promise.all([this.services.stop(), this.configMaps.stop()]);
  }

  /** Ready: the config is loaded and the Services are listed. */
  get ready(): boolean {
    return this.config !== null && this.services.synced;
  }

  /** Resolves when the queue is empty and nothing is being worked (for tests and the demo). */
  idle(): Promise<void> {
    if (this.inFlight.size === 0 && this.queue.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private enqueue(key: string): void {
    if (this.stopped) return;
    this.queue.add(key);
    this.pump();
  }

  /** Starts workers while there are keys that nobody is working; the config alone, before any Service. */
  private pump(): void {
    while (!this.stopped && this.inFlight.size < WORKERS) {
      if (this.inFlight.has(CONFIG_KEY)) return;
      const key = this.nextKey();
      if (key === undefined) break;
      if (key === CONFIG_KEY && this.inFlight.size > 0) return; // let the Service writes finish first
      this.queue.delete(key);
      this.inFlight.add(key);
      void this.workOn(key).finally(() => {
        this.inFlight.delete(key);
        this.pump();
        if (this.queue.size === 0 && this.inFlight.size === 0) {
          for (const resolve of this.idleWaiters.splice(0)) resolve();
        }
      });
    }
  }

  /** The config first; otherwise the oldest key nobody is working on. */
  private nextKey(): string | undefined {
    if (this.queue.has(CONFIG_KEY)) return CONFIG_KEY;
    for (const key of this.queue) if (!this.inFlight.has(key)) return key;
    return undefined;
  }

  private async workOn(key: string): Promise<void> {
    try {
      if (key === CONFIG_KEY) this.syncConfig();
      else await this.syncService(key);
      this.retries.delete(key);
    } catch (error) {
      this.options.metrics.k8s.updateErrors.inc();
      const attempt = (this.retries.get(key) ?? 0) + 1;
      this.retries.set(key, attempt);
      const wait = Math.min(RETRY_MS.initial * 2 ** (attempt - 1), RETRY_MS.max);
      this.options.log({
        op: 'sync',
        service: key,
        error: String(error),
        retryInMs: wait,
        msg: 'update failed, will retry',
      });
      setTimeout(() => this.enqueue(key), wait);
    }
  }

  /** A new or changed ConfigMap: take it, or refuse it and keep the one in force. */
  private syncConfig(): void {
    const { namespace, configName, log, metrics } = this.options;
    const configMap = this.configMaps.get(configName, namespace);
    metrics.k8s.updates.inc();
    if (configMap === undefined) {
      if (this.config === null) {
        log({
          op: 'setConfig',
          event: 'noConfig',
          msg: `no ConfigMap ${namespace}/${configName}: no addresses will be allocated until there is one`,
        });
      } else {
        log({
          op: 'setConfig',
          event: 'configDeleted',
          msg: `ConfigMap ${namespace}/${configName} was deleted: keeping the configuration in force`,
        });
      }
      return;
    }
    const parsed = parseConfigData(configMap.data ?? {});
    if (!parsed.ok) {
      this.refuseConfig(configMap, summarizeErrors(parsed.errors));
      return;
    }
    const set = this.allocator.setPools(parsed.config);
    if (!set.ok) {
      this.refuseConfig(configMap, set.error);
      return;
    }
    this.config = parsed.config;
    metrics.k8s.configLoaded.set(1);
    metrics.k8s.configStale.set(0);
    log({
      op: 'setConfig',
      event: 'configLoaded',
      pools: parsed.config.pools.length,
      msg: 'config (re)loaded',
    });
    this.updatePoolMetrics();
    // Every Service may converge differently now.
    for (const service of this.services.list()) this.enqueue(serviceKey(service));
  }

  private refuseConfig(configMap: ConfigMap, reason: string): void {
    const { log, metrics } = this.options;
    metrics.k8s.configStale.set(1);
    log({
      op: 'setConfig',
      event: 'configRejected',
      error: reason,
      msg: 'new config not applied, keeping the previous one',
    });
    void this.events.record(
      referenceTo('ConfigMap', configMap),
      'Warning',
      'InvalidConfig',
      `configuration rejected, the previous one stays in force: ${reason}`,
    );
  }

  private async syncService(key: string): Promise<void> {
    const { log, metrics } = this.options;
    const [namespace = '', name = ''] = key.split('/');
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
    if (this.config === null) return; // nothing to allocate from; the config's arrival requeues everything
    const request = serviceRequest(service);
    const held = this.addressesOf(key);
    const outcome = convergeAnyService(this.allocator, request, this.config.balancerClasses, {
      synced: this.services.synced,
    });
    const now = this.addressesOf(key);
    // v0.9 reprocesses all Services when one goes away; here, whenever an address is released.
    if (held.some((ip) => !now.some((n) => ipEquals(ip, n)))) this.retryWaiting();
    const short =
      (outcome.rules === 'v0.9' && outcome.result.kind === 'failed') ||
      (outcome.rules === 'class' &&
        (outcome.result.kind === 'failed' ||
          (outcome.result.kind === 'assigned' && outcome.result.shortfall !== null)));
    if (short) this.waitingForAddress.add(key);
    else this.waitingForAddress.delete(key);
    if (outcome.rules === 'foreign') this.leaveAlone(key, outcome.loadBalancerClass);
    else {
      this.foreignLogged.delete(key);
      if (outcome.rules === 'class') await this.reportClass(service, request, outcome.result);
      else await this.reportSingle(service, request, outcome.result);
    }
    this.updatePoolMetrics();
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

  /** Status, log and Events of a v0.9 Service (COMPAT.md section 2). */
  private async reportSingle(
    service: Service,
    request: ServiceRequest,
    result: Convergence,
  ): Promise<void> {
    const { log } = this.options;
    const key = request.key;
    const [namespace = '', name = ''] = key.split('/');
    const reference = referenceTo('Service', service);
    switch (result.kind) {
      case 'not-load-balancer':
      case 'failed': {
        // v0.9 clears what it set when a Service stops being a LoadBalancer or loses its address.
        if (
          request.ingress.length > 0 &&
          (result.kind === 'failed' || result.kind === 'not-load-balancer')
        ) {
          await writeServiceIngress(this.options.api, namespace, name, [], service);
        }
        if (result.kind === 'failed') {
          log({ op: 'allocateIP', service: key, error: result.error, msg: 'IP allocation failed' });
          void this.events.record(
            reference,
            'Warning',
            'AllocationFailed',
            `Failed to allocate IP for "${key}": ${result.error}`,
          );
        }
        break;
      }
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
        await writeServiceIngress(this.options.api, namespace, name, [ip], service);
        if (result.allocated) {
          log({
            op: 'allocateIP',
            event: 'ipAllocated',
            service: key,
            ip,
            pool: result.pool,
            msg: 'IP address assigned by controller',
          });
          void this.events.record(reference, 'Normal', 'IPAllocated', `Assigned IP "${ip}"`);
        }
        break;
      }
    }
  }

  /** Status, log and Events of a Service of a balancer class (docs/SCALEOUT.md). */
  private async reportClass(
    service: Service,
    request: ServiceRequest,
    result: ClassConvergence,
  ): Promise<void> {
    const { log } = this.options;
    const key = request.key;
    const [namespace = '', name = ''] = key.split('/');
    const reference = referenceTo('Service', service);
    const failed = (error: string): void => {
      log({ op: 'allocateIP', service: key, error, msg: 'IP allocation failed' });
      void this.events.record(
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
      // As v0.9 clears a Service that cannot have its address.
      if (request.ingress.length > 0)
        await writeServiceIngress(this.options.api, namespace, name, [], service);
      failed(result.error);
      return;
    }
    const ips = result.ips.map(formatIP);
    await writeServiceIngress(this.options.api, namespace, name, ips, service);
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
      void this.events.record(
        reference,
        'Normal',
        'IPAllocated',
        allocatedMessage(ips, result.className),
      );
    }
    if (result.shortfall !== null) failed(result.shortfall);
  }

  /** Queues the Services that found no address, now that one was released. */
  private retryWaiting(): void {
    for (const key of this.waitingForAddress) this.enqueue(key);
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
