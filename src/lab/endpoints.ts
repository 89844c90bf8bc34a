/**
 * The endpoints and endpointslice controllers of a real control plane, in
 * small: for each Service with a selector, the Pods of its namespace that
 * match and have an IP become its Endpoints (ready ones in `addresses`,
 * others in `notReadyAddresses`) and its EndpointSlices (one per address
 * family, `conditions.ready`), each with the Pod's `nodeName`. Readiness is
 * the Pod's Ready condition. Objects are rewritten only when they change.
 * Slices are stored in discovery.k8s.io/v1's shape and served as v1beta1
 * too where the release serves it (conversion.ts).
 */
import { parseIP } from '../ip/index.js';
import type { Registry, Scope } from './registry.js';
import { findResource, resourceKey, type ResourceType } from './resources.js';
import type { Change } from './store.js';
import { isObject, objectAt, stringAt, type Json, type JsonObject } from './json.js';

const SERVICE = findResource('', 'v1', 'services') as ResourceType;
const POD = findResource('', 'v1', 'pods') as ResourceType;
const ENDPOINTS = findResource('', 'v1', 'endpoints') as ResourceType;
const SLICE = findResource('discovery.k8s.io', 'v1', 'endpointslices') as ResourceType;

const SERVICE_NAME_LABEL = 'kubernetes.io/service-name';
const MANAGED_BY_LABEL = 'endpointslice.kubernetes.io/managed-by';
const MANAGED_BY = 'endpointslice-controller.k8s.io';
const WRITE = { dryRun: false, strict: false };
const TERMINATING_CONDITION_FROM = 22;

interface Backend {
  readonly ip: string;
  readonly family: 4 | 6;
  readonly ready: boolean;
  readonly nodeName: string | null;
  readonly pod: JsonObject;
  readonly ports: JsonObject[];
}

export class EndpointsController {
  private busy = false;
  /** Per namespace, the Services whose Endpoints this controller wrote. */
  private readonly managed = new Map<string, Set<string>>();

  constructor(private readonly registry: Registry) {}

  /**
   * After a change to a Service, reconcile that Service; after a change to
   * a Pod, the Services of its namespace whose selector matches it now or
   * matched it before.
   */
  onChange(change: Change): void {
    if (this.busy) return;
    const isService = change.resource === resourceKey(SERVICE);
    if (!isService && change.resource !== resourceKey(POD)) return;
    this.busy = true;
    try {
      const names = new Set<string>();
      if (isService) names.add(stringAt(objectAt(change.object, 'metadata'), 'name') ?? '');
      else {
        const labelSets = [change.object, change.previous]
          .filter((o): o is JsonObject => o !== null)
          .map((o) => objectAt(objectAt(o, 'metadata'), 'labels'));
        this.registry.store.scan(resourceKey(SERVICE), change.namespace, (service) => {
          const selector = objectAt(objectAt(service, 'spec'), 'selector');
          if (Object.keys(selector).length === 0) return;
          if (
            labelSets.some((labels) => Object.entries(selector).every(([k, v]) => labels[k] === v))
          ) {
            names.add(stringAt(objectAt(service, 'metadata'), 'name') ?? '');
          }
        });
      }
      for (const name of names) this.reconcileService(change.namespace, name);
    } finally {
      this.busy = false;
    }
  }

  /** Brings one Service's Endpoints and EndpointSlices in line with its Pods. */
  reconcileService(namespace: string, name: string): void {
    const scope = (type: ResourceType, objectName = ''): Scope => ({
      type,
      namespace,
      name: objectName,
      subresource: '',
    });
    const service = this.registry.store.get(resourceKey(SERVICE), namespace, name);
    const spec = service === undefined ? {} : objectAt(service, 'spec');
    const selector = objectAt(spec, 'selector');
    const managed = this.managed.get(namespace) ?? new Set<string>();
    this.managed.set(namespace, managed);
    if (
      service === undefined ||
      Object.keys(selector).length === 0 ||
      spec['type'] === 'ExternalName'
    ) {
      if (!managed.has(name)) return;
      managed.delete(name);
      try {
        this.registry.delete(scope(ENDPOINTS, name), { dryRun: false });
      } catch {
        // Already gone.
      }
      for (const slice of this.registry.list(
        scope(SLICE),
        (s) =>
          isManagedSlice(s) &&
          stringAt(objectAt(objectAt(s, 'metadata'), 'labels'), SERVICE_NAME_LABEL) === name,
      ).items) {
        this.registry.delete(scope(SLICE, stringAt(objectAt(slice, 'metadata'), 'name') ?? ''), {
          dryRun: false,
        });
      }
      return;
    }
    managed.add(name);
    const backends: Backend[] = [];
    this.registry.store.scan(resourceKey(POD), namespace, (pod) =>
      backends.push(...backendOf(pod, selector, spec)),
    );
    backends.sort((a, b) => (a.ip < b.ip ? -1 : a.ip > b.ip ? 1 : 0));
    this.writeEndpoints(scope(ENDPOINTS, name), service, backends);
    this.writeSlices(namespace, service, backends);
  }

  private writeEndpoints(scope: Scope, service: JsonObject, backends: Backend[]): void {
    const address = (b: Backend): JsonObject => ({
      ip: b.ip,
      ...(b.nodeName === null ? {} : { nodeName: b.nodeName }),
      targetRef: targetRef(b.pod),
    });
    const ready = backends.filter((b) => b.ready).map(address);
    const notReady = backends.filter((b) => !b.ready).map(address);
    const subsets: Json =
      backends.length === 0
        ? []
        : [
            {
              ...(ready.length > 0 ? { addresses: ready } : {}),
              ...(notReady.length > 0 ? { notReadyAddresses: notReady } : {}),
              ports: backends[0]?.ports ?? [],
            },
          ];
    const body: JsonObject = {
      metadata: { name: scope.name, labels: objectAt(objectAt(service, 'metadata'), 'labels') },
      ...(Array.isArray(subsets) && subsets.length > 0 ? { subsets } : {}),
    };
    this.upsert(
      scope,
      body,
      (current) => JSON.stringify(current['subsets'] ?? []) === JSON.stringify(subsets),
    );
  }

  private writeSlices(namespace: string, service: JsonObject, backends: Backend[]): void {
    const name = stringAt(objectAt(service, 'metadata'), 'name') ?? '';
    const existing = this.registry.list(
      { type: SLICE, namespace, name: '', subresource: '' },
      (s) =>
        isManagedSlice(s) &&
        stringAt(objectAt(objectAt(s, 'metadata'), 'labels'), SERVICE_NAME_LABEL) === name,
    ).items;
    // `serving` and `terminating` are written from 1.22, where the
    // EndpointSliceTerminatingCondition feature gate is on by default (alpha,
    // off, in 1.20 and 1.21: kubernetes.io feature gates reference).
    const withTerminating = this.registry.release.minor >= TERMINATING_CONDITION_FROM;
    const families = [...new Set(backends.map((b) => b.family))];
    if (families.length === 0) families.push(serviceFamily(service));
    for (const family of families) {
      const addressType = family === 4 ? 'IPv4' : 'IPv6';
      const mine = backends.filter((b) => b.family === family);
      const endpoints: Json = mine.map((b) => ({
        addresses: [b.ip],
        conditions: {
          ready: b.ready,
          ...(withTerminating ? { serving: b.ready, terminating: false } : {}),
        },
        ...(b.nodeName === null ? {} : { nodeName: b.nodeName }),
        targetRef: targetRef(b.pod),
      }));
      // discovery/v1 port names are pointers that the real controller always sets ("" when unnamed);
      // kubectl describe dereferences them.
      const ports: Json = (mine[0]?.ports ?? portsWithoutPods(service)).map((p) => ({
        ...p,
        name: p['name'] ?? '',
      }));
      const current = existing.find((s) => s['addressType'] === addressType);
      const body: JsonObject = {
        metadata: {
          ...(current === undefined
            ? { generateName: `${name}-` }
            : { name: objectAt(current, 'metadata')['name'] ?? '' }),
          labels: { [SERVICE_NAME_LABEL]: name, [MANAGED_BY_LABEL]: MANAGED_BY },
          ownerReferences: [ownerReference(service)],
        },
        addressType,
        endpoints,
        ports,
      };
      if (current === undefined) {
        this.registry.create({ type: SLICE, namespace, name: '', subresource: '' }, body, WRITE);
      } else if (
        JSON.stringify([current['endpoints'], current['ports']]) !==
        JSON.stringify([endpoints, ports])
      ) {
        const sliceName = stringAt(objectAt(current, 'metadata'), 'name') ?? '';
        this.registry.update(
          { type: SLICE, namespace, name: sliceName, subresource: '' },
          { ...current, endpoints, ports },
          WRITE,
        );
      }
    }
  }

  private upsert(
    scope: Scope,
    body: JsonObject,
    unchanged: (current: JsonObject) => boolean,
  ): void {
    let current: JsonObject | undefined;
    try {
      current = this.registry.get(scope);
    } catch {
      current = undefined;
    }
    if (current === undefined) this.registry.create({ ...scope, name: '' }, body, WRITE);
    else if (!unchanged(current)) {
      const next: JsonObject = {
        ...current,
        ...body,
        metadata: { ...objectAt(current, 'metadata'), ...objectAt(body, 'metadata') },
      };
      if (body['subsets'] === undefined) delete next['subsets'];
      this.registry.update(scope, next, WRITE);
    }
  }
}

/** The Pod as a backend of the Service, if it matches, has an IP and every port resolves. */
function backendOf(pod: JsonObject, selector: JsonObject, serviceSpec: JsonObject): Backend[] {
  const metadata = objectAt(pod, 'metadata');
  if (metadata['deletionTimestamp'] !== undefined) return [];
  const labels = objectAt(metadata, 'labels');
  if (!Object.entries(selector).every(([k, v]) => labels[k] === v)) return [];
  const status = objectAt(pod, 'status');
  const ip = stringAt(status, 'podIP');
  const parsed = ip === undefined ? null : parseIP(ip);
  if (ip === undefined || parsed === null || !parsed.ok) return [];
  const conditions = Array.isArray(status['conditions'])
    ? status['conditions'].filter(isObject)
    : [];
  const ready = conditions.some((c) => c['type'] === 'Ready' && c['status'] === 'True');
  const ports: JsonObject[] = [];
  for (const port of Array.isArray(serviceSpec['ports'])
    ? serviceSpec['ports'].filter(isObject)
    : []) {
    const target = resolveTargetPort(pod, port['targetPort'] ?? port['port'] ?? null);
    if (target === null) return [];
    ports.push({
      ...(typeof port['name'] === 'string' ? { name: port['name'] } : {}),
      port: target,
      protocol: port['protocol'] ?? 'TCP',
    });
  }
  return [
    {
      ip,
      family: parsed.value.family,
      ready,
      nodeName: stringAt(objectAt(pod, 'spec'), 'nodeName') ?? null,
      pod,
      ports,
    },
  ];
}

/** A number, or a named container port of the Pod. */
function resolveTargetPort(pod: JsonObject, target: Json): number | null {
  if (typeof target === 'number') return target;
  if (typeof target !== 'string') return null;
  if (/^\d+$/.test(target)) return Number(target);
  const containers = objectAt(pod, 'spec')['containers'];
  for (const container of Array.isArray(containers) ? containers.filter(isObject) : []) {
    for (const port of Array.isArray(container['ports'])
      ? container['ports'].filter(isObject)
      : []) {
      if (port['name'] === target && typeof port['containerPort'] === 'number')
        return port['containerPort'];
    }
  }
  return null;
}

function portsWithoutPods(service: JsonObject): JsonObject[] {
  const ports = objectAt(service, 'spec')['ports'];
  return (Array.isArray(ports) ? ports.filter(isObject) : []).map((p) => ({
    ...(typeof p['name'] === 'string' ? { name: p['name'] } : {}),
    port: typeof p['targetPort'] === 'number' ? p['targetPort'] : (p['port'] ?? null),
    protocol: p['protocol'] ?? 'TCP',
  }));
}

function serviceFamily(service: JsonObject): 4 | 6 {
  const families = objectAt(service, 'spec')['ipFamilies'];
  return Array.isArray(families) && families[0] === 'IPv6' ? 6 : 4;
}

function targetRef(pod: JsonObject): JsonObject {
  const metadata = objectAt(pod, 'metadata');
  return {
    kind: 'Pod',
    namespace: metadata['namespace'] ?? '',
    name: metadata['name'] ?? '',
    uid: metadata['uid'] ?? '',
  };
}

function ownerReference(service: JsonObject): JsonObject {
  const metadata = objectAt(service, 'metadata');
  return {
    apiVersion: 'v1',
    kind: 'Service',
    name: metadata['name'] ?? '',
    uid: metadata['uid'] ?? '',
    controller: true,
    blockOwnerDeletion: true,
  };
}

function isManagedSlice(slice: JsonObject): boolean {
  return stringAt(objectAt(objectAt(slice, 'metadata'), 'labels'), MANAGED_BY_LABEL) === MANAGED_BY;
}
