/**
 * Prometheus metrics with MetalLB v0.9's names (COMPAT.md section 5), so
 * existing dashboards and alerts keep working, plus the usual process
 * metrics.
 */
import { collectDefaultMetrics, Counter, Gauge, Registry } from 'prom-client';

export interface K8sClientMetrics {
  readonly updates: Counter;
  readonly updateErrors: Counter;
  readonly configLoaded: Gauge;
  readonly configStale: Gauge;
}

export interface AllocatorMetrics {
  readonly addresses: Gauge<'pool'>;
  readonly addressesInUse: Gauge<'pool'>;
  readonly servicesAllocated: Gauge<'pool'>;
}

export function newRegistry(): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  return registry;
}

export function k8sClientMetrics(registry: Registry): K8sClientMetrics {
  return {
    updates: new Counter({
      name: 'metallb_k8s_client_updates_total',
      help: 'Number of k8s object updates that have been processed.',
      registers: [registry],
    }),
    updateErrors: new Counter({
      name: 'metallb_k8s_client_update_errors_total',
      help: 'Number of k8s object updates that failed for some reason.',
      registers: [registry],
    }),
    configLoaded: new Gauge({
      name: 'metallb_k8s_client_config_loaded_bool',
      help: '1 if the MetalLB configuration was successfully loaded at least once.',
      registers: [registry],
    }),
    configStale: new Gauge({
      name: 'metallb_k8s_client_config_stale_bool',
      help: '1 if running on a stale configuration, because the latest config failed to load.',
      registers: [registry],
    }),
  };
}

export function allocatorMetrics(registry: Registry): AllocatorMetrics {
  return {
    addresses: new Gauge({
      name: 'metallb_allocator_addresses_total',
      help: 'Number of usable IP addresses, per pool',
      labelNames: ['pool'],
      registers: [registry],
    }),
    addressesInUse: new Gauge({
      name: 'metallb_allocator_addresses_in_use_total',
      help: 'Number of IP addresses in use, per pool',
      labelNames: ['pool'],
      registers: [registry],
    }),
    servicesAllocated: new Gauge({
      name: 'metallb_allocator_services_allocated_total',
      help: 'Number of Services with an address, per pool',
      labelNames: ['pool'],
      registers: [registry],
    }),
  };
}
