/**
 * Prometheus metrics with MetalLB v0.9's names (docs/COMPAT.md section 5), so
 * existing dashboards and alerts keep working, plus the usual process
 * metrics.
 */
import { collectDefaultMetrics, Counter, Gauge, Registry } from 'prom-client';

export interface K8sClientMetrics {
  readonly updates: Counter;
  readonly updateErrors: Counter;
  readonly configLoaded: Gauge;
  readonly configStale: Gauge;
  /** metallb-ts's own: the warnings of the config in force (a new name, no v0.9 meaning changed). */
  readonly configWarnings: Gauge;
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
    configWarnings: new Gauge({
      name: 'metallb_ts_config_warnings',
      help: 'Warnings of the configuration in force: what v0.9 accepted as written but probably not as meant (see the configWarning log lines and ConfigWarning Events).',
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

export interface SpeakerMetrics {
  /** 1 per Service this node announces (v0.9: desired state, not proof that peers converged). */
  readonly announced: Gauge<'protocol' | 'service' | 'node' | 'ip'>;
}

export function speakerMetrics(registry: Registry): SpeakerMetrics {
  return {
    announced: new Gauge({
      name: 'metallb_speaker_announced',
      help: 'Services being announced from this node. This is desired state, it does not guarantee that the routing protocols have converged.',
      labelNames: ['protocol', 'service', 'node', 'ip'],
      registers: [registry],
    }),
  };
}

export interface Layer2Metrics {
  readonly requestsReceived: Counter<'ip'>;
  readonly responsesSent: Counter<'ip'>;
  readonly gratuitousSent: Counter<'ip'>;
}

/** v0.9's layer 2 counters: plain names without `_total`, as its Go client registered them. */
export function layer2Metrics(registry: Registry): Layer2Metrics {
  return {
    requestsReceived: new Counter({
      name: 'metallb_layer2_requests_received',
      help: 'Number of layer2 requests received for owned IPs',
      labelNames: ['ip'],
      registers: [registry],
    }),
    responsesSent: new Counter({
      name: 'metallb_layer2_responses_sent',
      help: 'Number of layer2 responses sent for owned IPs in response to requests',
      labelNames: ['ip'],
      registers: [registry],
    }),
    gratuitousSent: new Counter({
      name: 'metallb_layer2_gratuitous_sent',
      help: 'Number of gratuitous layer2 packets sent for owned IPs as a result of failovers',
      labelNames: ['ip'],
      registers: [registry],
    }),
  };
}

export interface BgpMetrics {
  readonly sessionUp: Gauge<'peer'>;
  readonly updates: Counter<'peer'>;
  readonly announcedPrefixes: Gauge<'peer'>;
  readonly pendingPrefixes: Gauge<'peer'>;
}

/** v0.9's BGP metrics, label `peer` = `ip:port` (docs/COMPAT.md section 5). */
export function bgpMetrics(registry: Registry): BgpMetrics {
  return {
    sessionUp: new Gauge({
      name: 'metallb_bgp_session_up',
      help: 'BGP session state (1 is up, 0 is down)',
      labelNames: ['peer'],
      registers: [registry],
    }),
    updates: new Counter({
      name: 'metallb_bgp_updates_total',
      help: 'Number of BGP UPDATE messages sent',
      labelNames: ['peer'],
      registers: [registry],
    }),
    announcedPrefixes: new Gauge({
      name: 'metallb_bgp_announced_prefixes_total',
      help: 'Number of prefixes currently being advertised on the BGP session',
      labelNames: ['peer'],
      registers: [registry],
    }),
    pendingPrefixes: new Gauge({
      name: 'metallb_bgp_pending_prefixes_total',
      help: 'Number of prefixes whose advertisement or withdrawal has not been sent on the BGP session yet',
      labelNames: ['peer'],
      registers: [registry],
    }),
  };
}
