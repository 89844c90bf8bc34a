/**
 * The lab's pod admission rules one by one: PodSecurityPolicy's choice of
 * policy, its defaults and its refusals (texts as kube-apiserver 1.20 words
 * them), Pod Security Admission's levels, versions and texts, the pod a
 * template makes, and which release runs which plugin.
 */
import { expect } from 'chai';
import type { JsonObject } from '../../src/lab/json.js';
import {
  admitWithPodSecurityPolicies,
  checkPodSecurity,
  enforcedPolicy,
  PodSecurityAdmission,
  podFromTemplate,
} from '../../src/lab/pod-security/index.js';
import { Registry } from '../../src/lab/registry.js';
import { findResource, POD_SECURITY_POLICIES, type ResourceType } from '../../src/lab/resources.js';
import { ApiError } from '../../src/lab/status.js';
import { Store } from '../../src/lab/store.js';

const policy = (
  name: string,
  spec: JsonObject,
  annotations: Record<string, string> = {},
): JsonObject => ({
  metadata: { name, annotations },
  spec,
});
const pod = (spec: JsonObject, annotations: Record<string, string> = {}): JsonObject => ({
  metadata: { name: 'p', namespace: 'demo', annotations },
  spec: { containers: [{ name: 'c', image: 'i' }], ...spec },
});
const everyone = () => true;

function refusal(
  p: JsonObject,
  policies: JsonObject[],
  mayUse: (name: string) => boolean = everyone,
): string {
  const decision = admitWithPodSecurityPolicies(p, policies, mayUse);
  if (decision.admitted) throw new Error(`admitted by ${decision.policy}`);
  return decision.reason;
}

function admitted(
  p: JsonObject,
  policies: JsonObject[],
  mayUse: (name: string) => boolean = everyone,
) {
  const decision = admitWithPodSecurityPolicies(p, policies, mayUse);
  if (!decision.admitted) throw new Error(decision.reason);
  return decision;
}

const containerSc = (p: JsonObject): JsonObject =>
  (p['spec'] as { containers: { securityContext?: JsonObject }[] }).containers[0]
    ?.securityContext ?? {};

describe('lab pod admission: PodSecurityPolicy', () => {
  it('prefers a policy that admits the pod unchanged, in name order, over one that fills in defaults', () => {
    const defaulting = policy('a-defaults', {
      runAsUser: { rule: 'MustRunAs', ranges: [{ min: 100, max: 200 }] },
    });
    const exact = policy('b-exact', {});
    const chosen = admitted(pod({}), [exact, defaulting]);
    expect(chosen.policy).to.equal('b-exact');
    expect(chosen.pod['metadata']).to.deep.include({
      annotations: { 'kubernetes.io/psp': 'b-exact' },
    });
    // Without the unchanged one, the first by name that admits with its defaults.
    const second = policy('c-defaults', {
      runAsUser: { rule: 'MustRunAs', ranges: [{ min: 300, max: 400 }] },
    });
    const defaulted = admitted(pod({}), [second, defaulting]);
    expect(defaulted.policy).to.equal('a-defaults');
    expect(containerSc(defaulted.pod)).to.deep.equal({ runAsUser: 100 });
  });

  it('counts only policies the pod may use, and shows only their errors', () => {
    const open = policy('open', { privileged: true });
    const strict = policy('strict', { privileged: false });
    const p = pod({
      containers: [{ name: 'c', image: 'i', securityContext: { privileged: true } }],
    });
    expect(admitted(p, [open, strict]).policy).to.equal('open');
    expect(refusal(p, [open, strict], (name) => name === 'strict')).to.equal(
      'PodSecurityPolicy: unable to admit pod: [spec.containers[0].securityContext.privileged: Invalid value: true: Privileged containers are not allowed]',
    );
    expect(refusal(p, [open, strict], () => false)).to.equal(
      'PodSecurityPolicy: unable to admit pod: []',
    );
  });

  it('MustRunAsNonRoot marks containers without a user, and refuses root', () => {
    const nonRoot = policy('non-root', { runAsUser: { rule: 'MustRunAsNonRoot' } });
    expect(containerSc(admitted(pod({}), [nonRoot]).pod)).to.deep.equal({ runAsNonRoot: true });
    const root = pod({ securityContext: { runAsUser: 0 } });
    expect(refusal(root, [nonRoot])).to.equal(
      'PodSecurityPolicy: unable to admit pod: [spec.containers[0].securityContext.runAsUser: Invalid value: 0: running with the root UID is forbidden]',
    );
  });

  it('checks volume types, host path prefixes and read-only mounts', () => {
    const volumes = (path: string, readOnly: boolean) =>
      pod({
        volumes: [{ name: 'v', hostPath: { path } }],
        containers: [
          { name: 'c', image: 'i', volumeMounts: [{ name: 'v', mountPath: '/v', readOnly }] },
        ],
      });
    expect(refusal(volumes('/var/log', true), [policy('p', { volumes: ['secret'] })])).to.equal(
      'PodSecurityPolicy: unable to admit pod: [spec.volumes[0]: Invalid value: "hostPath": hostPath volumes are not allowed to be used]',
    );
    const logs = policy('p', {
      volumes: ['*'],
      allowedHostPaths: [{ pathPrefix: '/var/log', readOnly: true }],
    });
    expect(admitted(volumes('/var/log/pods', true), [logs]).policy).to.equal('p');
    expect(refusal(volumes('/var/logs', true), [logs])).to.equal(
      'PodSecurityPolicy: unable to admit pod: [spec.volumes[0].hostPath.pathPrefix: Invalid value: "/var/logs": is not allowed to be used]',
    );
    expect(refusal(volumes('/var/log', false), [logs])).to.equal(
      'PodSecurityPolicy: unable to admit pod: [spec.containers[0].volumeMounts[0].readOnly: Invalid value: false: must be read-only]',
    );
  });

  it("lets a policy that allows secret volumes admit the service account's projected token volume, and no other", () => {
    const secrets = policy('p', { volumes: ['secret'] });
    const tokenVolume = (configMap: string) =>
      pod({
        volumes: [
          {
            name: 'kube-api-access-x7k2q',
            projected: {
              sources: [
                { serviceAccountToken: { path: 'token', expirationSeconds: 3607 } },
                { configMap: { name: configMap, items: [{ key: 'ca.crt', path: 'ca.crt' }] } },
                {
                  downwardAPI: {
                    items: [
                      {
                        path: 'namespace',
                        fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.namespace' },
                      },
                    ],
                  },
                },
              ],
            },
          },
        ],
      });
    expect(admitted(tokenVolume('kube-root-ca.crt'), [secrets]).policy).to.equal('p');
    expect(refusal(tokenVolume('other'), [secrets])).to.equal(
      'PodSecurityPolicy: unable to admit pod: [spec.volumes[0]: Invalid value: "projected": projected volumes are not allowed to be used]',
    );
  });

  it('applies the seccomp and AppArmor profiles of its annotations, docker/default standing for runtime/default', () => {
    const profiles = policy(
      'p',
      {},
      {
        'seccomp.security.alpha.kubernetes.io/allowedProfileNames': 'runtime/default',
        'seccomp.security.alpha.kubernetes.io/defaultProfileName': 'runtime/default',
        'apparmor.security.beta.kubernetes.io/allowedProfileNames': 'runtime/default',
        'apparmor.security.beta.kubernetes.io/defaultProfileName': 'runtime/default',
      },
    );
    expect(admitted(pod({}), [profiles]).pod['metadata']).to.deep.include({
      annotations: {
        'seccomp.security.alpha.kubernetes.io/pod': 'runtime/default',
        'container.apparmor.security.beta.kubernetes.io/c': 'runtime/default',
        'kubernetes.io/psp': 'p',
      },
    });
    expect(
      admitted(pod({}, { 'seccomp.security.alpha.kubernetes.io/pod': 'docker/default' }), [
        profiles,
      ]).policy,
    ).to.equal('p');
    expect(
      refusal(pod({ securityContext: { seccompProfile: { type: 'Unconfined' } } }), [profiles]),
    ).to.equal(
      'PodSecurityPolicy: unable to admit pod: [' +
        'pod.metadata.annotations[seccomp.security.alpha.kubernetes.io/pod]: Forbidden: unconfined is not an allowed seccomp profile. Valid values are runtime/default ' +
        'pod.metadata.annotations[container.seccomp.security.alpha.kubernetes.io/c]: Forbidden: unconfined is not an allowed seccomp profile. Valid values are runtime/default]',
    );
  });

  it('adds required drops exactly (case counts), and refuses capabilities it does not allow', () => {
    const drops = policy('p', {
      requiredDropCapabilities: ['ALL'],
      allowedCapabilities: ['NET_RAW'],
    });
    const lower = pod({
      containers: [{ name: 'c', image: 'i', securityContext: { capabilities: { drop: ['all'] } } }],
    });
    expect(containerSc(admitted(lower, [drops]).pod)).to.deep.equal({
      capabilities: { drop: ['ALL', 'all'] },
    });
    const adds = pod({
      containers: [
        {
          name: 'c',
          image: 'i',
          securityContext: { capabilities: { add: ['SYS_ADMIN'], drop: ['ALL'] } },
        },
      ],
    });
    expect(refusal(adds, [drops])).to.equal(
      'PodSecurityPolicy: unable to admit pod: [spec.containers[0].securityContext.capabilities.add: Invalid value: "SYS_ADMIN": capability may not be added]',
    );
  });

  it('defaults and checks group ranges, privilege escalation and the read-only root', () => {
    const strict = policy('p', {
      fsGroup: { rule: 'MustRunAs', ranges: [{ min: 10, max: 20 }] },
      supplementalGroups: { rule: 'MayRunAs', ranges: [{ min: 10, max: 20 }] },
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
    });
    const chosen = admitted(pod({}), [strict]);
    expect((chosen.pod['spec'] as JsonObject)['securityContext']).to.deep.equal({ fsGroup: 10 });
    expect(containerSc(chosen.pod)).to.deep.equal({
      readOnlyRootFilesystem: true,
      allowPrivilegeEscalation: false,
    });
    const bad = pod({
      securityContext: { fsGroup: 5, supplementalGroups: [15, 30] },
      containers: [
        {
          name: 'c',
          image: 'i',
          securityContext: { allowPrivilegeEscalation: true, readOnlyRootFilesystem: false },
        },
      ],
    });
    expect(refusal(bad, [strict])).to.equal(
      'PodSecurityPolicy: unable to admit pod: [' +
        'spec.securityContext.fsGroup: Invalid value: []int64{5}: group 5 must be in the ranges: [{10 20}] ' +
        'spec.securityContext.supplementalGroups: Invalid value: []int64{15, 30}: group 30 must be in the ranges: [{10 20}] ' +
        'spec.containers[0].securityContext.readOnlyRootFilesystem: Invalid value: false: ReadOnlyRootFilesystem must be set to true ' +
        'spec.containers[0].securityContext.allowPrivilegeEscalation: Invalid value: true: Allowing privilege escalation for containers is not allowed]',
    );
  });
});

describe('lab pod admission: Pod Security Admission', () => {
  const bare = pod({});

  it('privileged (and no label at all) admits anything', () => {
    const host = pod({ hostNetwork: true, hostPID: true });
    expect(checkPodSecurity(host, enforcedPolicy({}), 32)).to.equal(undefined);
    expect(
      checkPodSecurity(
        host,
        enforcedPolicy({ 'pod-security.kubernetes.io/enforce': 'privileged' }),
        32,
      ),
    ).to.equal(undefined);
  });

  it("restricted words a bare pod's failures as the Kubernetes documentation shows them", () => {
    expect(
      checkPodSecurity(
        bare,
        enforcedPolicy({ 'pod-security.kubernetes.io/enforce': 'restricted' }),
        32,
      ),
    ).to.equal(
      'violates PodSecurity "restricted:latest": ' +
        'allowPrivilegeEscalation != false (container "c" must set securityContext.allowPrivilegeEscalation=false), ' +
        'unrestricted capabilities (container "c" must set securityContext.capabilities.drop=["ALL"]), ' +
        'runAsNonRoot != true (pod or container "c" must set securityContext.runAsNonRoot=true), ' +
        'seccompProfile (pod or container "c" must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost")',
    );
  });

  it('puts baseline failures first, and an older standard version uses its own checks', () => {
    const p = pod({
      hostNetwork: true,
      containers: [
        {
          name: 'c',
          image: 'i',
          securityContext: { capabilities: { add: ['NET_ADMIN'] }, runAsUser: 0 },
        },
      ],
    });
    const restricted = { 'pod-security.kubernetes.io/enforce': 'restricted' };
    const latest = checkPodSecurity(p, enforcedPolicy(restricted), 32) ?? '';
    expect(latest).to.match(
      /^violates PodSecurity "restricted:latest": host namespaces \(hostNetwork=true\), allowPrivilegeEscalation/,
    );
    expect(latest).to.contain('runAsUser=0 (container "c" must not set runAsUser=0)');
    // v1.21: no capabilities_restricted (1.22) and no runAsUser (1.23); baseline's capability check instead.
    const old = checkPodSecurity(
      p,
      enforcedPolicy({ ...restricted, 'pod-security.kubernetes.io/enforce-version': 'v1.21' }),
      32,
    );
    expect(old).to.match(
      /^violates PodSecurity "restricted:v1.21": non-default capabilities \(container "c" must not include "NET_ADMIN"/,
    );
    expect(old).to.not.contain('runAsUser=0');
  });

  it('enforces restricted for a level it cannot read, and latest for a version it cannot read', () => {
    expect(enforcedPolicy({ 'pod-security.kubernetes.io/enforce': 'strict' })).to.deep.equal({
      level: 'restricted',
      minor: undefined,
    });
    expect(
      enforcedPolicy({
        'pod-security.kubernetes.io/enforce': 'baseline',
        'pod-security.kubernetes.io/enforce-version': '1.24',
      }),
    ).to.deep.equal({ level: 'baseline', minor: undefined });
  });
});

describe('lab pod admission: by release, and the pod a template makes', () => {
  const NAMESPACES = findResource('', 'v1', 'namespaces') as ResourceType;
  const PODS = findResource('', 'v1', 'pods') as ResourceType;
  const write = { dryRun: false, strict: false };
  const at = (type: ResourceType, namespace = '') => ({
    type,
    namespace,
    name: '',
    subresource: '' as const,
  });

  /** Whether a host-network pod is created at 1.`minor` with a policy that forbids it and a baseline label. */
  function creates(minor: number): string {
    const store = new Store();
    const registry = new Registry(store, () => new Date(0));
    registry.addAdmission(new PodSecurityAdmission(store, minor));
    registry.create(
      at(NAMESPACES),
      { metadata: { name: 'demo', labels: { 'pod-security.kubernetes.io/enforce': 'baseline' } } },
      write,
    );
    registry.create(at(POD_SECURITY_POLICIES), { metadata: { name: 'none' }, spec: {} }, write);
    try {
      registry.create(at(PODS, 'demo'), pod({ hostNetwork: true }), write);
      return 'created';
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      return `${error.code} ${error.message.includes('PodSecurityPolicy') ? 'PSP' : 'PSA'}`;
    }
  }

  it('names a pod made from generateName by its generateName, as kube-apiserver (which admits before naming) does', () => {
    const store = new Store();
    const registry = new Registry(store, () => new Date(0));
    registry.addAdmission(new PodSecurityAdmission(store, 32));
    registry.create(
      at(NAMESPACES),
      { metadata: { name: 'demo', labels: { 'pod-security.kubernetes.io/enforce': 'baseline' } } },
      write,
    );
    const generated = {
      metadata: { generateName: 'speaker-' },
      spec: { hostNetwork: true, containers: [{ name: 'c' }] },
    };
    expect(() => registry.create(at(PODS, 'demo'), generated, write)).to.throw(
      ApiError,
      'pods "speaker-" is forbidden: violates PodSecurity "baseline:latest": host namespaces (hostNetwork=true)',
    );
  });

  it('runs PodSecurityPolicy up to 1.24 and Pod Security Admission from 1.23', () => {
    expect([22, 23, 24, 25, 32].map(creates)).to.deep.equal([
      '403 PSP',
      '403 PSP',
      '403 PSP',
      '403 PSA',
      '403 PSA',
    ]);
  });

  it('makes a pod from a template, host ports defaulted on the host network', () => {
    const template = {
      metadata: { labels: { app: 'a' }, annotations: { note: 'n' } },
      spec: {
        hostNetwork: true,
        containers: [{ name: 'c', image: 'i', ports: [{ containerPort: 7472 }] }],
      },
    };
    expect(
      podFromTemplate(template, { name: 'a-1', namespace: 'demo', nodeName: 'node-a' }),
    ).to.deep.equal({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: {
        name: 'a-1',
        namespace: 'demo',
        labels: { app: 'a' },
        annotations: { note: 'n' },
      },
      spec: {
        hostNetwork: true,
        containers: [{ name: 'c', image: 'i', ports: [{ containerPort: 7472, hostPort: 7472 }] }],
        nodeName: 'node-a',
      },
    });
    const inPodNetwork = podFromTemplate(
      { spec: { containers: [{ name: 'c', ports: [{ containerPort: 80 }] }] } },
      {
        name: 'b',
        namespace: 'demo',
      },
    );
    expect(inPodNetwork['spec']).to.deep.equal({
      containers: [{ name: 'c', ports: [{ containerPort: 80 }] }],
    });
  });
});
