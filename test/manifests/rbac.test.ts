/**
 * The manifests' RBAC against what the daemons do: both daemons run against
 * the lab with their ServiceAccounts and the RBAC of manifests/metallb.yaml,
 * through every kind of request they make (lists and watches, status writes,
 * a status write that meets a conflict and reads the Service again, new and
 * repeated Events, the speaker's pod list for memberlist, its read of the
 * last accepted config at start); the lab records every authorization.
 * Then: nothing was denied, and every permission the
 * manifests grant was used by the account it is granted to, but the one kept
 * for v0.9's controller during the rollout (named below, with the v0.9.6
 * code that needs it).
 */
import * as k8s from '@kubernetes/client-node';
import { expect } from 'chai';
import { join } from 'node:path';
import type { RunningController } from '../../src/cli/controller.js';
import { podIPLister } from '../../src/k8s/index.js';
import type { AuthorizationRecord, Lab } from '../../src/lab/index.js';
import { findResource, type ResourceType } from '../../src/lab/resources.js';
import { newRegistry } from '../../src/metrics/index.js';
import { createLabPod, setLabPodStatus } from '../../src/netns/cluster/index.js';
import type { SpeakerDaemon } from '../../src/speaker/index.js';
import {
  controllerFor,
  labWithConfig,
  METALLB_NAMESPACE as NS,
  serviceAccountApi,
  SPEAKER_ACCOUNT,
  speakerFor,
} from '../support/metallb-lab.js';
import { until } from '../support/until.js';
import { OURS, permissions, readObjects } from './support.js';

const CONFIG = `address-pools:
- name: l2
  protocol: layer2
  addresses: [203.0.113.0/28]
`;

/**
 * Granted but not used by metallb-ts: `update` on services/status is what
 * v0.9.6's controller writes status with (controller/main.go SetBalancer ->
 * internal/k8s/k8s.go UpdateStatus, a PUT). It keeps running after
 * `kubectl apply` until the Deployment replaces it, and a Service it
 * assigns in that window must not fail with 403.
 * `use` of v0.9.6's two PodSecurityPolicies is asked at pod admission, not
 * by a request of the daemons: on 1.24 and older those policies stay after
 * the upgrade and admit the new pods only through these grants
 * (test/manifests/admission.test.ts refuses both pods without them).
 */
const KEPT_FOR_V09: readonly string[] = [
  'metallb-system:controller  services/status update *',
  'metallb-system:controller policy podsecuritypolicies use controller',
  'metallb-system:speaker policy podsecuritypolicies use speaker',
];

interface Grant {
  readonly role: string;
  /** `group resource verb name`, as test/manifests/support.ts writes permissions. */
  readonly permission: string;
  /** The users the role is bound to, and where ('' everywhere). */
  readonly users: readonly { readonly user: string; readonly namespace: string }[];
}

function grants(): Grant[] {
  const objects = readObjects(join(OURS, 'metallb.yaml'));
  const out: Grant[] = [];
  for (const role of objects.filter((o) => o.kind === 'ClusterRole' || o.kind === 'Role')) {
    const users = objects
      .filter((b) => b.kind.endsWith('Binding'))
      .filter((b) => {
        const ref = b['roleRef'] as { kind: string; name: string };
        return ref.kind === role.kind && ref.name === role.metadata.name;
      })
      .flatMap((b) =>
        (b['subjects'] as { name: string; namespace?: string }[]).map((s) => ({
          user: `system:serviceaccount:${s.namespace ?? b.metadata.namespace ?? ''}:${s.name}`,
          namespace: b.metadata.namespace ?? '',
        })),
      );
    const rules = role['rules'] as Parameters<typeof permissions>[0];
    for (const permission of permissions(rules))
      out.push({ role: role.metadata.name, permission, users });
  }
  return out;
}

const usedPermission = ({ attributes }: AuthorizationRecord): string => {
  if (attributes.kind !== 'resource') return '';
  const resource =
    attributes.subresource === ''
      ? attributes.resource
      : `${attributes.resource}/${attributes.subresource}`;
  return `${attributes.apiGroup} ${resource} ${attributes.verb} *`;
};

/** Whether the request used the grant: the same group, resource and verb, and its object if the grant names one. */
const usesGrant = (record: AuthorizationRecord, permission: string): boolean => {
  if (usedPermission(record) === permission) return true;
  const { attributes } = record;
  return (
    attributes.kind === 'resource' &&
    attributes.name !== '' &&
    `${usedPermission(record).slice(0, -1)}${attributes.name}` === permission
  );
};

describe("the manifests' RBAC, against what the daemons do", function () {
  this.timeout(60_000);
  let lab: Lab;
  let core: k8s.CoreV1Api;
  let controller: RunningController | undefined;
  let speaker: SpeakerDaemon | undefined;
  const records: AuthorizationRecord[] = [];

  afterEach(async () => {
    await speaker?.stop();
    await controller?.stop();
    await lab.stop();
  });

  it('grants every request the daemons make, and nothing they do not use', async () => {
    ({ lab, core } = await labWithConfig(CONFIG));
    lab.onAuthorization((record) => records.push(record));
    controller = await controllerFor(lab, () => undefined);
    const nothing = () => undefined;
    const started = speakerFor(
      lab,
      'node-a',
      nothing,
      {
        layer2: { announce: nothing, withdraw: nothing },
        bgp: { announce: nothing, withdraw: nothing, setConfig: nothing, setNodeLabels: nothing },
      },
      newRegistry(),
    );
    speaker = started;
    await started.start();
    // The speaker's memberlist peer discovery, as it runs with memberlist on.
    await podIPLister(
      serviceAccountApi(lab, SPEAKER_ACCOUNT),
      NS,
      'app=metallb,component=speaker',
    )();

    const used = (user: string, permission: string) =>
      records.some((r) => r.allowed && r.user.name === user && usedPermission(r) === permission);
    const controllerUser = 'system:serviceaccount:metallb-system:controller';
    const speakerUser = 'system:serviceaccount:metallb-system:speaker';

    // An address, its IPAllocated Event, and the speaker's nodeAssigned Event.
    await createLabPod(core, {
      namespace: 'default',
      name: 'web-a',
      labels: { app: 'web' },
      node: 'node-a',
      ip: '10.0.0.1',
    });
    await core.createNamespacedService({
      namespace: 'default',
      body: {
        metadata: { name: 'web' },
        spec: { type: 'LoadBalancer', selector: { app: 'web' }, ports: [{ port: 80 }] },
      },
    });
    await until(() => used(speakerUser, ' events create *'), 10_000, 'a nodeAssigned Event');
    // The speaker announces again after the backend was not ready: the same Event, repeated (a patch).
    await setLabPodStatus(core, 'default', 'web-a', '10.0.0.1', false);
    await started.idle();
    await setLabPodStatus(core, 'default', 'web-a', '10.0.0.1', true);
    await until(
      () => used(speakerUser, ' events patch *'),
      10_000,
      'a repeated nodeAssigned Event',
    );

    // A Service asking for an address outside the pools fails twice: a repeated AllocationFailed.
    await core.createNamespacedService({
      namespace: 'default',
      body: {
        metadata: { name: 'outside' },
        spec: { type: 'LoadBalancer', loadBalancerIP: '192.0.2.1', ports: [{ port: 80 }] },
      },
    });
    await until(
      () => used(controllerUser, ' events create *'),
      10_000,
      'an AllocationFailed Event',
    );
    await core.patchNamespacedService(
      { namespace: 'default', name: 'outside', body: { metadata: { labels: { again: 'yes' } } } },
      k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
    );
    await until(
      () => used(controllerUser, ' events patch *'),
      10_000,
      'a repeated AllocationFailed Event',
    );

    // A status write that meets a newer Service: 409, then the controller reads it again.
    lab.faults.pauseWrites();
    const services = findResource('', 'v1', 'services') as ResourceType;
    const scope = { type: services, namespace: 'default', name: 'racy', subresource: '' as const };
    const write = { dryRun: false, strict: false };
    lab.registry.create(
      scope,
      { metadata: { name: 'racy' }, spec: { type: 'LoadBalancer', ports: [{ port: 80 }] } },
      write,
    );
    await until(
      () =>
        records.some(
          (r) =>
            r.attributes.kind === 'resource' &&
            r.attributes.name === 'racy' &&
            r.attributes.subresource === 'status',
        ),
      10_000,
      'the status write to wait',
    );
    lab.registry.patch(scope, { metadata: { labels: { changed: 'yes' } } }, 'merge', write);
    lab.faults.resumeWrites();
    await until(
      () => used(controllerUser, ' services get *'),
      10_000,
      'the Service read again after a conflict',
    );
    await until(
      async () =>
        (await core.readNamespacedService({ namespace: 'default', name: 'racy' })).status
          ?.loadBalancer?.ingress !== undefined,
      10_000,
      'racy to get its address',
    );

    const denied = records
      .filter((r) => !r.allowed)
      .map((r) => `${r.user.name} ${usedPermission(r)}`);
    expect(denied, 'requests the lab refused').to.deep.equal([]);
    const unused = grants()
      .filter((grant) =>
        grant.users.every(
          ({ user, namespace }) =>
            !records.some(
              (r) =>
                r.allowed &&
                r.user.name === user &&
                usesGrant(r, grant.permission) &&
                (namespace === '' ||
                  (r.attributes.kind === 'resource' && r.attributes.namespace === namespace)),
            ),
        ),
      )
      .map((grant) => `${grant.role} ${grant.permission}`);
    expect(unused, 'granted but never used').to.deep.equal(KEPT_FOR_V09);
  });
});
