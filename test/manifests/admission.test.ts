/**
 * The pods of our manifests and of v0.9.6's, admitted or refused as a real
 * cluster would: at Kubernetes 1.20 by PodSecurityPolicy, with v0.9.6's two
 * policies (which `kubectl apply` of ours leaves in place) and the RBAC
 * then in force; at the current release by Pod Security Admission, with the
 * namespace's labels. Every pod is made from its workload's template the way
 * the lab's workload controllers make them (`podFromTemplate`).
 */
import { expect } from 'chai';
import { Lab } from '../../src/lab/index.js';
import type { JsonObject } from '../../src/lab/json.js';
import {
  PodSecurityAdmission,
  podFromTemplate,
  PSP_ANNOTATION,
  type MayUsePolicy,
} from '../../src/lab/pod-security/index.js';
import { Registry, type Scope } from '../../src/lab/registry.js';
import { findResource, POD_SECURITY_POLICIES, type ResourceType } from '../../src/lab/resources.js';
import { ApiError } from '../../src/lab/status.js';
import { Store } from '../../src/lab/store.js';
import { manifestFacts, ourObjects, recordedManifestFacts, type ManifestFacts } from './support.js';

const NAMESPACE = 'metallb-system';
const WRITE = { dryRun: false, strict: false };
const scope = (type: ResourceType, namespace = ''): Scope => ({
  type,
  namespace,
  name: '',
  subresource: '',
});
const NAMESPACES = findResource('', 'v1', 'namespaces') as ResourceType;
const PODS = findResource('', 'v1', 'pods') as ResourceType;
const POD_NAMES = {
  'Deployment/controller': 'controller-7d9f6c5b4-x2x8q',
  'DaemonSet/speaker': 'speaker-k7w2p',
};
type WorkloadKey = keyof typeof POD_NAMES;

/**
 * Whether the RBAC of `facts` lets a service account use a policy: a
 * binding names the account and its role grants `use` on that policy. (A
 * stand-in for the lab's RBAC authorizer, which answers this in the lab.)
 */
function mayUseBy(facts: ManifestFacts): MayUsePolicy {
  return (account, policy) =>
    Object.values(facts.bindings).some((binding) => {
      const subjects = binding.subjects as { kind: string; name: string; namespace?: string }[];
      const role = facts.roles[(binding.roleRef as { name: string }).name];
      return (
        subjects.some(
          (s) =>
            s.kind === 'ServiceAccount' &&
            s.name === account.name &&
            (s.namespace ?? NAMESPACE) === account.namespace,
        ) &&
        (role?.permissions ?? []).some(
          (p) =>
            p === `policy podsecuritypolicies use ${policy}` ||
            p === 'policy podsecuritypolicies use *',
        )
      );
    });
}

interface Cluster {
  readonly minor: number;
  /** The RBAC in force (after `kubectl apply` of ours: our roles, same bindings). */
  readonly rbac: ManifestFacts;
  readonly namespaceLabels: Record<string, string>;
  readonly policies: ManifestFacts['podSecurityPolicies'];
}

/** The pod `workload` of `manifests` makes, created in `cluster`: the stored pod, or the refusal's message. */
function createPod(
  cluster: Cluster,
  manifests: ManifestFacts,
  workload: WorkloadKey,
): JsonObject | string {
  const store = new Store();
  const registry = new Registry(store, () => new Date(0));
  registry.addAdmission(new PodSecurityAdmission(store, cluster.minor, mayUseBy(cluster.rbac)));
  registry.create(
    scope(NAMESPACES),
    { metadata: { name: NAMESPACE, labels: cluster.namespaceLabels } },
    WRITE,
  );
  for (const [name, policy] of Object.entries(cluster.policies))
    registry.create(
      scope(POD_SECURITY_POLICIES),
      { metadata: { name, annotations: policy.annotations }, spec: policy.spec } as JsonObject,
      WRITE,
    );
  const template = manifests.podTemplates[workload] as JsonObject;
  const pod = podFromTemplate(template, {
    name: POD_NAMES[workload],
    namespace: NAMESPACE,
    nodeName: 'node-a',
  });
  try {
    return registry.create(scope(PODS, NAMESPACE), pod, WRITE);
  } catch (error) {
    if (error instanceof ApiError && error.code === 403) return error.message;
    throw error;
  }
}

function admittedBy(result: JsonObject | string): string {
  if (typeof result === 'string') throw new Error(`refused: ${result}`);
  const annotations = (result['metadata'] as { annotations?: Record<string, string> }).annotations;
  return annotations?.[PSP_ANNOTATION] ?? '(no policy)';
}

/** Our manifests with the pod templates as they were before: seccompProfile RuntimeDefault. */
function withRuntimeDefaultSeccomp(facts: ManifestFacts): ManifestFacts {
  const templates = structuredClone(facts.podTemplates) as Record<
    string,
    { spec: { securityContext?: JsonObject; containers: { securityContext?: JsonObject }[] } }
  >;
  const controller = templates['Deployment/controller'];
  const speaker = templates['DaemonSet/speaker'];
  if (controller === undefined || speaker === undefined) throw new Error('a workload is missing');
  controller.spec.securityContext = {
    ...controller.spec.securityContext,
    seccompProfile: { type: 'RuntimeDefault' },
  };
  const container = speaker.spec.containers[0];
  if (container !== undefined)
    container.securityContext = {
      ...container.securityContext,
      seccompProfile: { type: 'RuntimeDefault' },
    };
  return { ...facts, podTemplates: templates };
}

describe('manifests: pod admission at Kubernetes 1.20 (PodSecurityPolicy) and now (Pod Security Admission)', () => {
  const v09 = recordedManifestFacts();
  const ours = manifestFacts(ourObjects());
  const ourNamespace = ours.objects.find((o) => o.kind === 'Namespace')?.labels ?? {};
  const v09Namespace = v09.objects.find((o) => o.kind === 'Namespace')?.labels ?? {};
  /** A v0.9.6 cluster at 1.20 after `kubectl apply -f manifests/` of ours. */
  const upgraded: Cluster = {
    minor: 20,
    rbac: { ...v09, roles: ours.roles, bindings: ours.bindings },
    namespaceLabels: ourNamespace,
    policies: v09.podSecurityPolicies,
  };

  it("v0.9.6's policies are the two the upgrade meets", () => {
    expect(Object.keys(v09.podSecurityPolicies).sort()).to.deep.equal(['controller', 'speaker']);
  });

  it("at 1.20, v0.9.6's policy `controller` admits our controller's pod, and `speaker` our speaker's", () => {
    const controller = createPod(upgraded, ours, 'Deployment/controller');
    expect(admittedBy(controller)).to.equal('controller');
    // The policy's MustRunAs group rules fill in what the pod leaves unset.
    expect(
      (controller as { spec: { securityContext: JsonObject } }).spec.securityContext,
    ).to.deep.include({
      fsGroup: 1,
      supplementalGroups: [1],
    });
    expect(admittedBy(createPod(upgraded, ours, 'DaemonSet/speaker'))).to.equal('speaker');
  });

  it("at 1.20, v0.9.6's own pods are admitted the same way (a rollback)", () => {
    const v09Cluster: Cluster = { ...upgraded, rbac: v09, namespaceLabels: v09Namespace };
    expect(admittedBy(createPod(v09Cluster, v09, 'Deployment/controller'))).to.equal('controller');
    expect(admittedBy(createPod(v09Cluster, v09, 'DaemonSet/speaker'))).to.equal('speaker');
  });

  it("at 1.20, pods with a seccomp profile are refused with kube-apiserver's words (why our templates set none)", () => {
    const before = withRuntimeDefaultSeccomp(ours);
    expect(createPod(upgraded, before, 'Deployment/controller')).to.equal(
      'pods "controller-7d9f6c5b4-x2x8q" is forbidden: PodSecurityPolicy: unable to admit pod: [' +
        'pod.metadata.annotations[seccomp.security.alpha.kubernetes.io/pod]: Forbidden: seccomp may not be set ' +
        'pod.metadata.annotations[container.seccomp.security.alpha.kubernetes.io/controller]: Forbidden: seccomp may not be set]',
    );
    expect(createPod(upgraded, before, 'DaemonSet/speaker')).to.equal(
      'pods "speaker-k7w2p" is forbidden: PodSecurityPolicy: unable to admit pod: [' +
        'pod.metadata.annotations[container.seccomp.security.alpha.kubernetes.io/speaker]: Forbidden: seccomp may not be set]',
    );
  });

  it('at 1.20, without the `use` grants in our roles no policy admits either pod', () => {
    const withoutUse: ManifestFacts = {
      ...ours,
      roles: Object.fromEntries(
        Object.entries(ours.roles).map(([name, role]) => [
          name,
          {
            ...role,
            permissions: role.permissions.filter(
              (p) => !p.startsWith('policy podsecuritypolicies'),
            ),
          },
        ]),
      ),
    };
    const cluster = { ...upgraded, rbac: withoutUse };
    expect(createPod(cluster, ours, 'Deployment/controller')).to.equal(
      'pods "controller-7d9f6c5b4-x2x8q" is forbidden: PodSecurityPolicy: unable to admit pod: []',
    );
    expect(createPod(cluster, ours, 'DaemonSet/speaker')).to.equal(
      'pods "speaker-k7w2p" is forbidden: PodSecurityPolicy: unable to admit pod: []',
    );
  });

  it("at 1.20, v0.9.6's policy `controller` refuses the speaker's pod, field by field", () => {
    const controllerPolicy = v09.podSecurityPolicies['controller'];
    if (controllerPolicy === undefined) throw new Error('no controller policy');
    // The speaker's account granted `use` of every policy, and only `controller` stored.
    const cluster: Cluster = {
      ...upgraded,
      policies: { controller: controllerPolicy },
      rbac: {
        ...ours,
        roles: { any: { kind: 'ClusterRole', permissions: ['policy podsecuritypolicies use *'] } },
        bindings: {
          any: {
            kind: 'ClusterRoleBinding',
            roleRef: { name: 'any' },
            subjects: [{ kind: 'ServiceAccount', name: 'speaker', namespace: NAMESPACE }],
          },
        },
      },
    };
    expect(createPod(cluster, ours, 'DaemonSet/speaker')).to.equal(
      'pods "speaker-k7w2p" is forbidden: PodSecurityPolicy: unable to admit pod: [' +
        'spec.securityContext.hostNetwork: Invalid value: true: Host network is not allowed to be used ' +
        'spec.containers[0].securityContext.runAsUser: Invalid value: 0: must be in the ranges: [{1 65535}] ' +
        'spec.containers[0].securityContext.capabilities.add: Invalid value: "NET_RAW": capability may not be added ' +
        'spec.containers[0].hostPort: Invalid value: 7472: Host port 7472 is not allowed to be used. Allowed ports: []]',
    );
  });

  const current = (labels: Record<string, string>): Cluster => ({
    minor: 32,
    rbac: ours,
    namespaceLabels: labels,
    policies: {},
  });

  it('at the current release, our namespace labels admit both pods, and so does a namespace with no label', () => {
    for (const labels of [ourNamespace, v09Namespace]) {
      expect(admittedBy(createPod(current(labels), ours, 'Deployment/controller'))).to.equal(
        '(no policy)',
      );
      expect(admittedBy(createPod(current(labels), ours, 'DaemonSet/speaker'))).to.equal(
        '(no policy)',
      );
      expect(admittedBy(createPod(current(labels), v09, 'DaemonSet/speaker'))).to.equal(
        '(no policy)',
      );
    }
  });

  it('at the current release, a baseline namespace refuses the speaker, with the words of Pod Security Admission', () => {
    const baseline = { ...ourNamespace, 'pod-security.kubernetes.io/enforce': 'baseline' };
    expect(createPod(current(baseline), ours, 'DaemonSet/speaker')).to.equal(
      'pods "speaker-k7w2p" is forbidden: violates PodSecurity "baseline:latest": ' +
        'non-default capabilities (container "speaker" must not include "NET_RAW" in securityContext.capabilities.add), ' +
        'host namespaces (hostNetwork=true), hostPort (container "speaker" uses hostPort 7472)',
    );
    expect(admittedBy(createPod(current(baseline), ours, 'Deployment/controller'))).to.equal(
      '(no policy)',
    );
    const restricted = { ...ourNamespace, 'pod-security.kubernetes.io/enforce': 'restricted' };
    expect(createPod(current(restricted), ours, 'Deployment/controller')).to.equal(
      'pods "controller-7d9f6c5b4-x2x8q" is forbidden: violates PodSecurity "restricted:latest": ' +
        'seccompProfile (pod or container "controller" must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost")',
    );
  });

  it('a lab told to play 1.20 admits pods by its stored policies; one at the default release by labels', async () => {
    for (const [version, expected] of [
      ['1.20', 'PodSecurityPolicy: unable to admit pod'],
      [undefined, 'violates PodSecurity "baseline:latest"'],
    ] as const) {
      const lab = await Lab.start(version === undefined ? {} : { kubernetesVersion: version });
      try {
        lab.registry.create(
          scope(NAMESPACES),
          {
            metadata: {
              name: 'demo',
              labels: { 'pod-security.kubernetes.io/enforce': 'baseline' },
            },
          },
          WRITE,
        );
        lab.registry.create(
          scope(POD_SECURITY_POLICIES),
          { metadata: { name: 'none' }, spec: {} },
          WRITE,
        );
        const pod = {
          metadata: { name: 'p' },
          spec: { hostNetwork: true, containers: [{ name: 'c', image: 'i' }] },
        };
        expect(() => lab.registry.create(scope(PODS, 'demo'), pod, WRITE)).to.throw(
          ApiError,
          expected,
        );
      } finally {
        await lab.stop();
      }
    }
  });
});
