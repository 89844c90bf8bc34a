/**
 * What the API server does to a Service on its way in (admission): the
 * defaults a real 1.32 server fills in, a ClusterIP from the service range
 * of each family (`ipFamilies` / `ipFamilyPolicy`), NodePorts for NodePort
 * and LoadBalancer Services, and the checks that go with them. Also
 * Secret `stringData`, which the server folds into `data`.
 */
import {
  cidrContains,
  formatIP,
  nthAddress,
  parseCidr,
  parseIP,
  cidrSize,
  type Cidr,
  type Family,
} from '../ip/index.js';
import type { Admission } from './registry.js';
import type { ResourceType } from './resources.js';
import { invalid } from './status.js';
import { isObject, objectAt, stringAt, text, type Json, type JsonObject } from './json.js';

export interface ServiceNetwork {
  /** Service CIDRs by family (the real defaults of kind: 10.96.0.0/16 and fd00:10:96::/112). */
  readonly ipv4: string;
  readonly ipv6: string;
  /** Inclusive NodePort range. */
  readonly nodePorts: readonly [number, number];
}

export const DEFAULT_SERVICE_NETWORK: ServiceNetwork = {
  ipv4: '10.96.0.0/16',
  ipv6: 'fd00:10:96::/112',
  nodePorts: [30000, 32767],
};

const FAMILY_NAME: Record<Family, string> = { 4: 'IPv4', 6: 'IPv6' };

export class ServiceAdmission implements Admission {
  private readonly ranges: Record<Family, Cidr>;
  private readonly usedIPs = new Set<string>();
  private readonly usedNodePorts = new Set<number>();
  private nextOffset: Record<Family, bigint> = { 4: 1n, 6: 1n };

  constructor(private readonly network: ServiceNetwork = DEFAULT_SERVICE_NETWORK) {
    const v4 = parseCidr(network.ipv4);
    const v6 = parseCidr(network.ipv6);
    if (!v4.ok || !v6.ok) throw new Error('invalid service network');
    this.ranges = { 4: v4.value.cidr, 6: v6.value.cidr };
  }

  admit(type: ResourceType, object: JsonObject, old: JsonObject | null): JsonObject {
    if (type.group !== '') return object;
    if (type.kind === 'Secret') return foldStringData(object);
    if (type.kind === 'Namespace')
      return { ...object, status: { phase: 'Active', ...objectAt(object, 'status') } };
    if (type.kind === 'Pod' && old === null) return { ...object, status: { phase: 'Pending' } };
    if (type.kind !== 'Service') return object;
    return this.admitService(object, old);
  }

  released(type: ResourceType, object: JsonObject): void {
    if (type.group !== '' || type.kind !== 'Service') return;
    const spec = objectAt(object, 'spec');
    for (const ip of stringList(spec['clusterIPs'])) this.usedIPs.delete(ip);
    for (const port of portsOf(spec)) {
      if (typeof port['nodePort'] === 'number') this.usedNodePorts.delete(port['nodePort']);
    }
  }

  private admitService(object: JsonObject, old: JsonObject | null): JsonObject {
    const name = stringAt(objectAt(object, 'metadata'), 'name') ?? '';
    const spec: JsonObject = { ...objectAt(object, 'spec') };
    const oldSpec = old === null ? null : objectAt(old, 'spec');
    const type = stringAt(spec, 'type') ?? 'ClusterIP';
    const problems: { field: string; message: string }[] = [];
    if (!['ClusterIP', 'NodePort', 'LoadBalancer', 'ExternalName'].includes(type)) {
      problems.push({ field: 'spec.type', message: `Unsupported value: "${type}"` });
    }
    spec['type'] = type;
    spec['sessionAffinity'] ??= 'None';
    if (type === 'ExternalName') {
      if (problems.length > 0) throw invalid('Service', name, problems);
      return { ...object, spec, ...(old === null ? { status: { loadBalancer: {} } } : {}) };
    }
    spec['internalTrafficPolicy'] ??= 'Cluster';
    if (type === 'NodePort' || type === 'LoadBalancer') spec['externalTrafficPolicy'] ??= 'Cluster';
    if (type === 'LoadBalancer') spec['allocateLoadBalancerNodePorts'] ??= true;

    const ports = portsOf(spec).map((port, i) => {
      const filled: JsonObject = { ...port, protocol: port['protocol'] ?? 'TCP' };
      if (typeof filled['port'] !== 'number' || filled['port'] < 1 || filled['port'] > 65535) {
        problems.push({
          field: `spec.ports[${i}].port`,
          message: 'Invalid value: must be between 1 and 65535, inclusive',
        });
      }
      filled['targetPort'] ??= filled['port'] ?? null;
      return filled;
    });
    // A headless Service (clusterIP None) may have no ports, as
    // `kubectl create service clusterip NAME --clusterip=None` sends it
    // (ValidateService, kubernetes pkg/apis/core/validation/validation.go).
    const headless = stringAt(spec, 'clusterIP') === 'None';
    if (ports.length === 0 && !headless) {
      problems.push({ field: 'spec.ports', message: 'Required value' });
    }
    if (problems.length > 0) throw invalid('Service', name, problems);

    this.assignClusterIPs(name, spec, oldSpec);
    spec['ports'] = this.assignNodePorts(name, type, ports, spec, oldSpec);
    const status = old === null ? { loadBalancer: {} } : (object['status'] ?? { loadBalancer: {} });
    return { ...object, spec, status };
  }

  private assignClusterIPs(name: string, spec: JsonObject, oldSpec: JsonObject | null): void {
    if (oldSpec !== null && stringList(oldSpec['clusterIPs']).length > 0) {
      // clusterIP is immutable once set.
      const before = stringList(oldSpec['clusterIPs']);
      const asked = stringAt(spec, 'clusterIP');
      if (asked !== undefined && asked !== '' && asked !== before[0]) {
        throw invalid('Service', name, [
          { field: 'spec.clusterIPs[0]', message: 'Invalid value: field is immutable' },
        ]);
      }
      spec['clusterIP'] = before[0] ?? null;
      spec['clusterIPs'] = before;
      spec['ipFamilies'] = oldSpec['ipFamilies'] ?? null;
      spec['ipFamilyPolicy'] = oldSpec['ipFamilyPolicy'] ?? null;
      return;
    }
    const asked = stringAt(spec, 'clusterIP') ?? '';
    if (asked === 'None') {
      spec['clusterIPs'] = ['None'];
      spec['ipFamilies'] ??= ['IPv4'];
      spec['ipFamilyPolicy'] ??= 'SingleStack';
      return;
    }
    const policy = stringAt(spec, 'ipFamilyPolicy') ?? 'SingleStack';
    const families = familiesOf(spec, asked);
    const wanted: Family[] =
      policy === 'SingleStack'
        ? families.slice(0, 1)
        : families.length > 1
          ? families
          : [families[0] ?? 4, families[0] === 6 ? 4 : 6];
    const ips: string[] = [];
    wanted.forEach((family, i) => {
      const requested = i === 0 ? asked : (stringList(spec['clusterIPs'])[i] ?? '');
      ips.push(
        requested === '' ? this.allocateIP(name, family) : this.claimIP(name, family, requested, i),
      );
    });
    spec['clusterIP'] = ips[0] ?? null;
    spec['clusterIPs'] = ips;
    spec['ipFamilies'] = wanted.map((f) => FAMILY_NAME[f]);
    spec['ipFamilyPolicy'] = policy;
  }

  private allocateIP(name: string, family: Family): string {
    const range = this.ranges[family];
    const size = cidrSize(range);
    for (let tried = 0n; tried < size - 2n; tried++) {
      const offset = this.nextOffset[family];
      this.nextOffset[family] = offset + 1n >= size - 1n ? 1n : offset + 1n;
      const ip = formatIP(nthAddress(range, offset));
      if (!this.usedIPs.has(ip)) {
        this.usedIPs.add(ip);
        return ip;
      }
    }
    throw invalid('Service', name, [
      {
        field: 'spec.clusterIPs',
        message: `Internal error: no ${FAMILY_NAME[family]} cluster IP left in ${this.network[family === 4 ? 'ipv4' : 'ipv6']}`,
      },
    ]);
  }

  private claimIP(name: string, family: Family, text: string, index: number): string {
    const parsed = parseIP(text);
    const field = `spec.clusterIPs[${index}]`;
    if (
      !parsed.ok ||
      parsed.value.family !== family ||
      !cidrContains(this.ranges[family], parsed.value)
    ) {
      throw invalid('Service', name, [
        { field, message: `Invalid value: "${text}": the provided IP is not in the valid range` },
      ]);
    }
    const ip = formatIP(parsed.value);
    if (this.usedIPs.has(ip)) {
      throw invalid('Service', name, [
        { field, message: `Invalid value: "${text}": provided IP is already allocated` },
      ]);
    }
    this.usedIPs.add(ip);
    return ip;
  }

  private assignNodePorts(
    name: string,
    type: string,
    ports: JsonObject[],
    spec: JsonObject,
    oldSpec: JsonObject | null,
  ): JsonObject[] {
    const oldPorts = oldSpec === null ? [] : portsOf(oldSpec);
    // allocateLoadBalancerNodePorts: false gives a LoadBalancer no NodePorts (as from 1.24).
    const needed =
      type === 'NodePort' ||
      (type === 'LoadBalancer' && spec['allocateLoadBalancerNodePorts'] !== false);
    // Ports the update dropped, or a type that no longer has them, give their NodePort back.
    const kept = new Set(
      needed ? ports.map((p) => p['nodePort']).filter((n) => typeof n === 'number') : [],
    );
    for (const old of oldPorts) {
      if (typeof old['nodePort'] === 'number' && !kept.has(old['nodePort']))
        this.usedNodePorts.delete(old['nodePort']);
    }
    return ports.map((port, i) => {
      if (!needed) {
        const rest = { ...port };
        delete rest['nodePort'];
        return rest;
      }
      const given = port['nodePort'];
      const previous = oldPorts.find(
        (o) => o['port'] === port['port'] && o['protocol'] === port['protocol'],
      );
      if (typeof given === 'number') {
        const mine = oldPorts.some((o) => o['nodePort'] === given);
        if (!mine && this.usedNodePorts.has(given)) {
          throw invalid('Service', name, [
            {
              field: `spec.ports[${i}].nodePort`,
              message: `Invalid value: ${given}: provided port is already allocated`,
            },
          ]);
        }
        this.usedNodePorts.add(given);
        return port;
      }
      if (typeof previous?.['nodePort'] === 'number')
        return { ...port, nodePort: previous['nodePort'] };
      return { ...port, nodePort: this.allocateNodePort(name) };
    });
  }

  private allocateNodePort(name: string): number {
    const [low, high] = this.network.nodePorts;
    for (let port = low; port <= high; port++) {
      if (!this.usedNodePorts.has(port)) {
        this.usedNodePorts.add(port);
        return port;
      }
    }
    throw invalid('Service', name, [
      { field: 'spec.ports', message: 'Internal error: no NodePort left' },
    ]);
  }
}

function portsOf(spec: JsonObject): JsonObject[] {
  const ports = spec['ports'];
  return Array.isArray(ports) ? ports.filter(isObject) : [];
}

function stringList(value: Json | undefined): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}

function familiesOf(spec: JsonObject, clusterIP: string): Family[] {
  const named = stringList(spec['ipFamilies']).map((f): Family => (f === 'IPv6' ? 6 : 4));
  if (named.length > 0) return named;
  const parsed = parseIP(clusterIP);
  return [parsed.ok ? parsed.value.family : 4];
}

/** The server folds Secret `stringData` into base64 `data`. */
function foldStringData(object: JsonObject): JsonObject {
  const stringData = objectAt(object, 'stringData');
  if (Object.keys(stringData).length === 0) return object;
  const data: JsonObject = { ...objectAt(object, 'data') };
  for (const [key, value] of Object.entries(stringData)) {
    data[key] = Buffer.from(text(value)).toString('base64');
  }
  const folded: JsonObject = { ...object, data };
  delete folded['stringData'];
  return folded;
}
