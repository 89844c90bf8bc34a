/**
 * fieldValidation=Strict: fields the real schema does not know are refused.
 * The lab knows the top level and metadata of every kind it serves, and the
 * whole of a Service's spec (the object metallb-ts users write most); deeper
 * unknown fields elsewhere pass.
 */
import type { ResourceType } from './resources.js';
import { isObject, type JsonObject } from './json.js';

const METADATA = [
  'name',
  'generateName',
  'namespace',
  'selfLink',
  'uid',
  'resourceVersion',
  'generation',
  'creationTimestamp',
  'deletionTimestamp',
  'deletionGracePeriodSeconds',
  'labels',
  'annotations',
  'ownerReferences',
  'finalizers',
  'managedFields',
];

const TOP_LEVEL: Record<string, string[]> = {
  Namespace: ['spec', 'status'],
  Service: ['spec', 'status'],
  Pod: ['spec', 'status'],
  Node: ['spec', 'status'],
  Endpoints: ['subsets'],
  ConfigMap: ['data', 'binaryData', 'immutable'],
  Secret: ['data', 'stringData', 'type', 'immutable'],
  'v1/Event': [
    'involvedObject',
    'reason',
    'message',
    'source',
    'firstTimestamp',
    'lastTimestamp',
    'count',
    'type',
    'eventTime',
    'series',
    'action',
    'related',
    'reportingComponent',
    'reportingInstance',
  ],
  'events.k8s.io/v1/Event': [
    'eventTime',
    'series',
    'reportingController',
    'reportingInstance',
    'action',
    'reason',
    'regarding',
    'related',
    'note',
    'type',
    'deprecatedSource',
    'deprecatedFirstTimestamp',
    'deprecatedLastTimestamp',
    'deprecatedCount',
  ],
  EndpointSlice: ['addressType', 'endpoints', 'ports'],
  Lease: ['spec'],
  ServiceAccount: ['secrets', 'imagePullSecrets', 'automountServiceAccountToken'],
  ClusterRole: ['rules', 'aggregationRule'],
  Role: ['rules'],
  ClusterRoleBinding: ['roleRef', 'subjects'],
  RoleBinding: ['roleRef', 'subjects'],
  PodSecurityPolicy: ['spec'],
  DaemonSet: ['spec', 'status'],
  Deployment: ['spec', 'status'],
};

const SERVICE_SPEC = [
  'ports',
  'selector',
  'clusterIP',
  'clusterIPs',
  'type',
  'externalIPs',
  'sessionAffinity',
  'loadBalancerIP',
  'loadBalancerSourceRanges',
  'externalName',
  'externalTrafficPolicy',
  'healthCheckNodePort',
  'publishNotReadyAddresses',
  'sessionAffinityConfig',
  'ipFamilies',
  'ipFamilyPolicy',
  'allocateLoadBalancerNodePorts',
  'loadBalancerClass',
  'internalTrafficPolicy',
  'trafficDistribution',
];
const SERVICE_PORT = ['name', 'protocol', 'appProtocol', 'port', 'targetPort', 'nodePort'];

/** The unknown fields of an object, as paths (`spec.prots`, `spec.ports[0].nmae`). */
export function unknownFields(type: ResourceType, object: JsonObject): string[] {
  const unknown: string[] = [];
  const check = (value: unknown, known: string[], path: string): void => {
    if (!isObject(value)) return;
    for (const key of Object.keys(value)) {
      if (!known.includes(key)) unknown.push(path === '' ? key : `${path}.${key}`);
    }
  };
  const kindKey =
    type.kind === 'Event'
      ? `${type.group === '' ? 'v1' : `${type.group}/${type.version}`}/Event`
      : type.kind;
  check(object, ['apiVersion', 'kind', 'metadata', ...(TOP_LEVEL[kindKey] ?? [])], '');
  check(object['metadata'], METADATA, 'metadata');
  if (type.kind === 'Service' && type.group === '') {
    const spec = object['spec'];
    check(spec, SERVICE_SPEC, 'spec');
    const ports = isObject(spec) ? spec['ports'] : undefined;
    if (Array.isArray(ports))
      ports.forEach((port, i) => check(port, SERVICE_PORT, `spec.ports[${i}]`));
  }
  return unknown;
}
