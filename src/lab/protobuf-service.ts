/**
 * core/v1 Service from protobuf, as `kubectl create service
 * clusterip|nodeport|loadbalancer|externalname` sends it. Field numbers from
 * k8s.io/api core/v1/generated.proto (v0.32):
 *   Service     { 1: metadata, 2: ServiceSpec spec, 3: status (not read: the API server sets it on create) }
 *   ServiceSpec { 1: repeated ServicePort ports, 2: map selector, 3: clusterIP, 18: repeated clusterIPs,
 *                 4: type, 5: repeated externalIPs, 7: sessionAffinity, 8: loadBalancerIP,
 *                 9: repeated loadBalancerSourceRanges, 10: externalName, 11: externalTrafficPolicy,
 *                 12: int32 healthCheckNodePort, 13: bool publishNotReadyAddresses,
 *                 14: SessionAffinityConfig { 1: ClientIPConfig clientIP { 1: int32 timeoutSeconds } },
 *                 19: repeated ipFamilies, 17: *ipFamilyPolicy, 20: *bool allocateLoadBalancerNodePorts,
 *                 21: *loadBalancerClass, 22: *internalTrafficPolicy, 23: *trafficDistribution }
 *   ServicePort { 1: name, 2: protocol, 6: *appProtocol, 3: int32 port, 4: IntOrString targetPort,
 *                 5: int32 nodePort }
 * The JSON written is what the same object gives through the `json` tags of
 * core/v1/types.go: `omitempty` values left out, pointer (`*`) fields kept
 * whenever they were sent. gogo-protobuf sends every non-pointer scalar, zero
 * or not, so "absent" and "zero" mean the same here.
 */
import type { Json, JsonObject } from './json.js';
import { decodeIntOrString, decodeObjectMeta } from './protobuf-meta.js';
import {
  boolOf,
  bytesOf,
  int32Of,
  lastField,
  mapOf,
  messageOf,
  nonEmptyStringOf,
  presentStringOf,
  readFields,
  repeatedFields,
  stringsOf,
  type WireField,
} from './protobuf-wire.js';

/** An int32 field with `omitempty`: undefined when absent or zero. */
function nonZeroInt32Of(fields: WireField[], number: number, where: string): number | undefined {
  const field = lastField(fields, number);
  const value = field === undefined ? 0 : int32Of(field, where);
  return value === 0 ? undefined : value;
}

/** Copies the defined values of `values` into `target`, in order. */
function assignDefined(target: JsonObject, values: Record<string, Json | undefined>): void {
  for (const [name, value] of Object.entries(values)) {
    if (value !== undefined) target[name] = value;
  }
}

function decodeServicePort(buf: Uint8Array): JsonObject {
  const where = 'ServicePort';
  const fields = readFields(buf, where);
  const port: JsonObject = {};
  const targetPortBytes = messageOf(fields, 4, where);
  const targetPort = targetPortBytes === undefined ? 0 : decodeIntOrString(targetPortBytes);
  const portField = lastField(fields, 3);
  assignDefined(port, {
    name: nonEmptyStringOf(fields, 1, where),
    protocol: nonEmptyStringOf(fields, 2, where),
    appProtocol: presentStringOf(fields, 6, where),
    // `port` has no omitempty: JSON always carries it.
    port: portField === undefined ? 0 : int32Of(portField, where),
    // An int 0 or an empty string is "not set": the API server defaults it to
    // `port` either way (SetDefaults_Service, pkg/apis/core/v1/defaults.go),
    // and the lab's Service admission defaults only a missing targetPort.
    targetPort: targetPort === 0 || targetPort === '' ? undefined : targetPort,
    nodePort: nonZeroInt32Of(fields, 5, where),
  });
  return port;
}

function decodeSessionAffinityConfig(buf: Uint8Array): JsonObject {
  const config: JsonObject = {};
  const clientIP = messageOf(readFields(buf, 'SessionAffinityConfig'), 1, 'SessionAffinityConfig');
  if (clientIP !== undefined) {
    const where = 'ClientIPConfig';
    const timeout = lastField(readFields(clientIP, where), 1);
    config.clientIP = timeout === undefined ? {} : { timeoutSeconds: int32Of(timeout, where) };
  }
  return config;
}

function decodeServiceSpec(buf: Uint8Array): JsonObject {
  const where = 'ServiceSpec';
  const fields = readFields(buf, where);
  // Each occurrence of a repeated message field is one element (no merging).
  const ports = repeatedFields(fields, 1).map((field) =>
    decodeServicePort(bytesOf(field, `${where}.ports`)),
  );
  const publishNotReady = lastField(fields, 13);
  const allocateNodePorts = lastField(fields, 20);
  const affinityConfig = messageOf(fields, 14, where);
  const spec: JsonObject = {};
  assignDefined(spec, {
    ports: ports.length > 0 ? ports : undefined,
    selector: mapOf(fields, 2, 'string', `${where}.selector`),
    clusterIP: nonEmptyStringOf(fields, 3, where),
    clusterIPs: stringsOf(fields, 18, where),
    type: nonEmptyStringOf(fields, 4, where),
    externalIPs: stringsOf(fields, 5, where),
    sessionAffinity: nonEmptyStringOf(fields, 7, where),
    loadBalancerIP: nonEmptyStringOf(fields, 8, where),
    loadBalancerSourceRanges: stringsOf(fields, 9, where),
    externalName: nonEmptyStringOf(fields, 10, where),
    externalTrafficPolicy: nonEmptyStringOf(fields, 11, where),
    healthCheckNodePort: nonZeroInt32Of(fields, 12, where),
    publishNotReadyAddresses:
      publishNotReady !== undefined && boolOf(publishNotReady, where) ? true : undefined,
    sessionAffinityConfig:
      affinityConfig === undefined ? undefined : decodeSessionAffinityConfig(affinityConfig),
    ipFamilies: stringsOf(fields, 19, where),
    ipFamilyPolicy: presentStringOf(fields, 17, where),
    allocateLoadBalancerNodePorts:
      allocateNodePorts === undefined ? undefined : boolOf(allocateNodePorts, where),
    loadBalancerClass: presentStringOf(fields, 21, where),
    internalTrafficPolicy: presentStringOf(fields, 22, where),
    trafficDistribution: presentStringOf(fields, 23, where),
  });
  return spec;
}

export function decodeService(raw: Uint8Array): JsonObject {
  const where = 'Service';
  const fields = readFields(raw, where);
  const object: JsonObject = { metadata: decodeObjectMeta(messageOf(fields, 1, where)) };
  const spec = messageOf(fields, 2, where);
  if (spec !== undefined) object.spec = decodeServiceSpec(spec);
  return object;
}
