/**
 * The fixture the daemon tests share: a lab with the metallb-system
 * namespace, the ServiceAccounts and RBAC objects of manifests/metallb.yaml
 * and a `config` ConfigMap, an administrator's client for it, and the
 * daemons started against it as their pods run them: with their
 * ServiceAccount's token, so the lab authorizes every request they make by
 * the manifests' RBAC.
 */
import * as k8s from '@kubernetes/client-node';
import { join } from 'node:path';
import { startController, type RunningController } from '../../src/cli/controller.js';
import type { Log } from '../../src/daemon/index.js';
import { reuseConnections, type ApiClient, type BackoffOptions } from '../../src/k8s/index.js';
import { k8sClientMetrics, speakerMetrics, type newRegistry } from '../../src/metrics/index.js';
import {
  SpeakerDaemon,
  type AnnouncementSink,
  type BgpSink,
  type SpeakerMembership,
} from '../../src/speaker/index.js';
import { Lab, type Json, type JsonObject, type LabOptions } from '../../src/lab/index.js';
import { isObject, objectAt, stringAt } from '../../src/lab/json.js';
import { OURS, readObjects } from '../manifests/support.js';
import { labApi } from './lab-api.js';

export const METALLB_NAMESPACE = 'metallb-system';
/** The ServiceAccounts of the manifests' two workloads. */
export const CONTROLLER_ACCOUNT = 'controller';
export const SPEAKER_ACCOUNT = 'speaker';

/** The kinds of manifests/metallb.yaml that say who may do what. */
const ACCESS_KINDS = ['ServiceAccount', 'ClusterRole', 'ClusterRoleBinding', 'Role', 'RoleBinding'];

/** A permission to leave out of the applied roles (a negative control). */
export interface Withheld {
  readonly role: string;
  readonly resource: string;
  readonly verb: string;
}

/** The ServiceAccounts and RBAC objects of manifests/metallb.yaml (parsed, in file order). */
export function manifestAccessObjects(): JsonObject[] {
  return readObjects(join(OURS, 'metallb.yaml'))
    .filter((o) => ACCESS_KINDS.includes(o.kind))
    .map((o) => JSON.parse(JSON.stringify(o)) as JsonObject);
}

/**
 * Creates them in the lab; the metallb-system namespace must exist.
 * `withheld` removes one verb on one resource from one role.
 */
export function applyManifestAccess(lab: Lab, withheld?: Withheld): void {
  const objects = manifestAccessObjects();
  lab.create(withheld === undefined ? objects : objects.map((o) => withhold(o, withheld)));
}

function withhold(object: JsonObject, withheld: Withheld): JsonObject {
  const rules = object['rules'];
  if (stringAt(objectAt(object, 'metadata'), 'name') !== withheld.role || !Array.isArray(rules))
    return object;
  const kept = rules.filter(isObject).flatMap((rule): JsonObject[] => {
    const resources = strings(rule['resources']);
    if (!resources.includes(withheld.resource)) return [rule];
    const others = resources.filter((r) => r !== withheld.resource);
    const verbs = strings(rule['verbs']).filter((v) => v !== withheld.verb);
    return [
      ...(others.length > 0 ? [{ ...rule, resources: others }] : []),
      ...(verbs.length > 0 ? [{ ...rule, resources: [withheld.resource], verbs }] : []),
    ];
  });
  return { ...object, rules: kept };
}

const strings = (value: Json | undefined): string[] =>
  Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];

/** Our API client with the token of a metallb-system ServiceAccount, as its pod has it mounted. */
export function serviceAccountApi(lab: Lab, account: string): ApiClient {
  return labApi(lab, lab.tokenForServiceAccount(METALLB_NAMESPACE, account));
}

export interface MetallbLab {
  readonly lab: Lab;
  readonly core: k8s.CoreV1Api;
}

/** `options.withheld`: one permission left out of the manifests' roles (a negative control). */
export async function labWithConfig(
  config: string,
  options: LabOptions & { readonly withheld?: Withheld } = {},
): Promise<MetallbLab> {
  const { withheld, ...labOptions } = options;
  const lab = await Lab.start(labOptions);
  const kc = reuseConnections(new k8s.KubeConfig());
  kc.loadFromFile(lab.kubeconfigPath);
  const core = kc.makeApiClient(k8s.CoreV1Api);
  await core.createNamespace({ body: { metadata: { name: METALLB_NAMESPACE } } });
  applyManifestAccess(lab, withheld);
  await core.createNamespacedConfigMap({
    namespace: METALLB_NAMESPACE,
    body: { metadata: { name: 'config' }, data: { config } },
  });
  return { lab, core };
}

/** A controller with the controller ServiceAccount's kubeconfig (the manifests' RBAC must be in the lab). */
export function controllerFor(
  lab: Lab,
  log: Log,
  backoff?: BackoffOptions,
): Promise<RunningController> {
  return startController(
    {
      configName: 'config',
      port: 0,
      host: '127.0.0.1',
      kubeconfig: lab.writeServiceAccountKubeconfig(METALLB_NAMESPACE, CONTROLLER_ACCOUNT),
      namespace: METALLB_NAMESPACE,
      ...(backoff === undefined ? {} : { backoff }),
    },
    log,
  );
}

/** The first ingress address of each Service in the default namespace, by name. */
export async function ingressByName(core: k8s.CoreV1Api): Promise<Map<string, string>> {
  const list = await core.listNamespacedService({ namespace: 'default' });
  const found = new Map<string, string>();
  for (const service of list.items) {
    const ip = service.status?.loadBalancer?.ingress?.[0]?.ip;
    if (ip !== undefined) found.set(service.metadata?.name ?? '', ip);
  }
  return found;
}

/**
 * A speaker daemon (not started) for node `nodeName` with the speaker
 * ServiceAccount's token, memberlist off, and the sinks and metrics
 * registry the test watches.
 */
export function speakerFor(
  lab: Lab,
  nodeName: string,
  log: Log,
  sinks: { readonly layer2: AnnouncementSink; readonly bgp: BgpSink },
  registry: ReturnType<typeof newRegistry>,
  membership: SpeakerMembership | null = null,
): SpeakerDaemon {
  return new SpeakerDaemon({
    api: serviceAccountApi(lab, SPEAKER_ACCOUNT),
    namespace: METALLB_NAMESPACE,
    configName: 'config',
    nodeName,
    log,
    metrics: { k8s: k8sClientMetrics(registry), speaker: speakerMetrics(registry) },
    layer2: sinks.layer2,
    bgp: sinks.bgp,
    membership,
    backoff: { initialMs: 50, maxMs: 500 },
  });
}
