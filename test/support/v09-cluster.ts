/**
 * What a MetalLB v0.9.6 cluster holds, built for an upgrade rehearsal:
 * v0.9.6's manifest objects rebuilt from the facts recorded in
 * test/fixtures/upstream-facts/v0.9.6-manifests.json (this repository
 * does not copy MetalLB's files), a v0.9 `config` ConfigMap of layer 2
 * pools in both families, and the Services a v0.9 controller leaves
 * behind: both pools full, shared addresses, requested addresses.
 *
 * The Services' addresses follow v0.9.6's controller/main.go and
 * internal/allocator/allocator.go: a Service's family is its cluster IP's,
 * spec.loadBalancerIP asks for one address, Services with the same
 * `metallb.universe.tf/allow-shared-ip` key and no common port share one,
 * and the others take the lowest free address of the pool.
 */
import { createHash } from 'node:crypto';
import type { JsonObject } from '../../src/lab/json.js';
import { recordedManifestFacts } from '../manifests/support.js';

export const V09_NAMESPACE = 'metallb-system';
/** The v0.9 speaker image, which the lab's kubelet runs a stand-in for. */
export const V09_SPEAKER_IMAGE = 'metallb/speaker:v0.9.6';
/** v0.9's memberlist port (speaker/main.go binds memberlist's default, 7946). */
export const V09_MEMBERLIST_PORT = 7946;

/** One layer 2 pool per family, inside the ranges the netns client has on-link (topology.ts SERVICE_RANGES). */
export const V09_POOLS = { 4: '203.0.113.0/25', 6: '2001:db8:203::/121' } as const;
const POOL_SIZE = 128;

export const V09_CONFIG = `address-pools:
- name: lan4
  protocol: layer2
  addresses:
  - ${V09_POOLS[4]}
- name: lan6
  protocol: layer2
  addresses:
  - ${V09_POOLS[6]}
`;

const SHARING_ANNOTATION = 'metallb.universe.tf/allow-shared-ip';
const PSA_LABELS = {
  'pod-security.kubernetes.io/enforce': 'privileged',
  'pod-security.kubernetes.io/audit': 'privileged',
  'pod-security.kubernetes.io/warn': 'privileged',
};

/**
 * v0.9.6's objects in the order its installation applies them. With `podSecurityPolicies` false (a
 * Kubernetes release without policy/v1beta1, 1.25 on) the PSPs are left out
 * and the namespace carries Pod Security Admission labels instead, as an
 * administrator of such a cluster has to set for v0.9's privileged speaker
 * (https://kubernetes.io/docs/concepts/security/pod-security-admission/).
 */
export function v09Objects(podSecurityPolicies: boolean): JsonObject[] {
  const facts = recordedManifestFacts();
  const out: JsonObject[] = [];
  for (const object of facts.objects) {
    const metadata: JsonObject = {
      name: object.name,
      labels: { ...object.labels },
      ...(object.namespace === null || object.kind === 'PodSecurityPolicy'
        ? {}
        : { namespace: object.namespace }),
    };
    const head = { apiVersion: object.apiVersion, kind: object.kind, metadata };
    switch (object.kind) {
      case 'PodSecurityPolicy': {
        const psp = facts.podSecurityPolicies[object.name];
        if (!podSecurityPolicies || psp === undefined) break;
        metadata['annotations'] = { ...psp.annotations };
        out.push({ ...head, spec: psp.spec as JsonObject });
        break;
      }
      case 'ClusterRole':
      case 'Role':
        out.push({ ...head, rules: rulesOf(facts.roles[object.name]?.permissions ?? []) });
        break;
      case 'ClusterRoleBinding':
      case 'RoleBinding': {
        const binding = facts.bindings[object.name];
        out.push({
          ...head,
          roleRef: binding?.roleRef as JsonObject,
          subjects: binding?.subjects as JsonObject[],
        });
        break;
      }
      case 'DaemonSet':
      case 'Deployment': {
        const key = `${object.kind}/${object.name}`;
        const workload = facts.workloads[key];
        const spec: JsonObject = {
          selector: workload?.selector ?? {},
          template: facts.podTemplates[key] as JsonObject,
        };
        // v0.9.6's Deployment keeps three old ReplicaSets; neither sets a strategy (the defaults).
        if (object.kind === 'Deployment') spec['revisionHistoryLimit'] = 3;
        out.push({ ...head, spec });
        break;
      }
      case 'Namespace':
        if (!podSecurityPolicies) metadata['labels'] = { ...object.labels, ...PSA_LABELS };
        out.push(head);
        break;
      default:
        out.push(head);
    }
  }
  // v0.9.6's installation applies namespace.yaml first, then metallb.yaml.
  return [
    ...out.filter((o) => o['kind'] === 'Namespace'),
    ...out.filter((o) => o['kind'] !== 'Namespace'),
  ];
}

/** RBAC rules from the facts' permission lines (`group resource verb name`, name `*` for any). */
function rulesOf(permissions: readonly string[]): JsonObject[] {
  const verbs = new Map<string, string[]>();
  for (const line of permissions) {
    const [group = '', resource = '', verb = '', name = '*'] = line.split(' ');
    const key = [group, resource, name].join(' ');
    verbs.set(key, [...(verbs.get(key) ?? []), verb]);
  }
  return [...verbs].map(([key, list]) => {
    const [group = '', resource = '', name = '*'] = key.split(' ');
    return {
      apiGroups: [group],
      resources: [resource],
      verbs: list,
      ...(name === '*' ? {} : { resourceNames: [name] }),
    };
  });
}

/** The `config` ConfigMap and the `memberlist` Secret v0.9.6's install asks the administrator to create. */
export function v09ConfigObjects(secretKey: string): JsonObject[] {
  return [
    {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'config', namespace: V09_NAMESPACE },
      data: { config: V09_CONFIG },
    },
    {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'memberlist', namespace: V09_NAMESPACE },
      stringData: { secretkey: secretKey },
    },
  ];
}

/** A Service as a v0.9 controller left it. */
export interface HeldService {
  readonly name: string;
  readonly family: 4 | 6;
  readonly ip: string;
  /** The backends' port (topology.ts's backends listen on 8080); a sharing partner gets 8081. */
  readonly port: number;
  readonly sharingKey?: string;
  /** spec.loadBalancerIP names the address. */
  readonly requested: boolean;
}

/**
 * The layer 2 election order of `nodes` for Service `key` (namespace/name),
 * per docs/COMPAT.md section 3: ascending sha256(node + "#" + key).
 */
export function electionOrder(key: string, nodes: readonly string[]): string[] {
  const hash = (node: string) => createHash('sha256').update(`${node}#${key}`).digest('hex');
  return [...nodes].sort((a, b) => (hash(a) < hash(b) ? -1 : hash(a) > hash(b) ? 1 : 0));
}

/** The pool's address at `index`, written as v0.9 (Go's net.IP.String) writes it to status. */
function addressAt(family: 4 | 6, index: number): string {
  if (family === 4) return `203.0.113.${index}`;
  return index === 0 ? '2001:db8:203::' : `2001:db8:203::${index.toString(16)}`;
}

/**
 * `count` Services of `family` filling its pool: `shared` addresses held
 * by two Services each (the partner named so that its election order is
 * its partner's on `nodes`: v0.9 elects per Service, so partners with
 * different orders would have two nodes answer for one address, a v0.9
 * trait the rehearsal is not about), every seventh of the others asking
 * for its address. Names are given in another order than addresses, as
 * on a cluster where Services came and went.
 */
function heldServices(family: 4 | 6, shared: number, nodes: readonly string[]): HeldService[] {
  const out: HeldService[] = [];
  for (let i = 0; i < POOL_SIZE; i++) {
    const index = (i * 37) % POOL_SIZE;
    const name = `web${family}-${String(i).padStart(3, '0')}`;
    const ip = addressAt(family, index);
    if (i < shared) {
      const sharingKey = `pair-${family}-${i}`;
      const order = electionOrder(`default/${name}`, nodes).join();
      let j = 0;
      while (electionOrder(`default/${name}-b${j}`, nodes).join() !== order) j++;
      out.push({ name, family, ip, port: 8080, sharingKey, requested: false });
      out.push({ name: `${name}-b${j}`, family, ip, port: 8081, sharingKey, requested: false });
    } else out.push({ name, family, ip, port: 8080, requested: i % 7 === 0 });
  }
  return out;
}

/** 300 Services: the IPv4 pool full with 20 shared addresses (148), the IPv6 pool with 24 (152). */
export function v09Services(nodes: readonly string[]): HeldService[] {
  return [...heldServices(4, 20, nodes), ...heldServices(6, 24, nodes)];
}

/** The Service object to create (status is written after, as the v0.9 controller did). */
export function serviceObject(service: HeldService, selector: Record<string, string>): JsonObject {
  return {
    metadata: {
      name: service.name,
      namespace: 'default',
      ...(service.sharingKey === undefined
        ? {}
        : { annotations: { [SHARING_ANNOTATION]: service.sharingKey } }),
    },
    spec: {
      type: 'LoadBalancer',
      selector,
      ports: [{ name: 'http', port: service.port, targetPort: service.port }],
      ipFamilies: [service.family === 4 ? 'IPv4' : 'IPv6'],
      ipFamilyPolicy: 'SingleStack',
      ...(service.requested ? { loadBalancerIP: service.ip } : {}),
    },
  };
}
