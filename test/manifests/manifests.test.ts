/**
 * manifests/: valid objects of current Kubernetes, v0.9.6's kinds, names,
 * selectors, ports and annotations, RBAC that is v0.9's less what no daemon
 * uses plus what the new code does, and a speaker environment and flags
 * that our CLI accepts.
 */
import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { load } from 'js-yaml';
import { processIO, run, type CliIO } from '../../src/cli/index.js';
import { membershipConfig } from '../../src/speaker/index.js';
import { SPEAKER_USAGE } from '../../src/cli/speaker.js';
import { ROOT } from '../support/paths.js';
import {
  identity,
  manifestFacts,
  OURS,
  ourObjects,
  recordedManifestFacts,
  SCHEMA_VALIDATORS,
  unknownFields,
  type ManifestFacts,
  type ManifestObject,
  type Workload,
} from './support.js';

type ObjectFacts = ManifestFacts['objects'][number];
const key = (o: ObjectFacts): string => `${o.kind}/${o.namespace ?? ''}/${o.name}`;

function find<T extends ManifestObject>(objects: ManifestObject[], kind: string, name: string): T {
  const found = objects.find((o) => o.kind === kind && o.metadata.name === name);
  if (found === undefined) throw new Error(`${kind} ${name} is missing`);
  return found as T;
}

const minus = (a: readonly string[], b: readonly string[]): string[] =>
  a.filter((x) => !b.includes(x)).sort();

async function cli(args: string[]): Promise<number> {
  const io: CliIO = { ...processIO(), stdout: () => undefined, stderr: () => undefined };
  return run(args, io);
}

describe('manifests', () => {
  const ours = ourObjects();
  const mine = manifestFacts(ours);
  /** v0.9.6's manifests as test/fixtures/upstream-facts records them. */
  const v09 = recordedManifestFacts();
  const migration = readFileSync(join(ROOT, 'MIGRATION.md'), 'utf8');

  it('every object validates against the Kubernetes OpenAPI schema of its kind', () => {
    for (const object of ours) {
      const validate = SCHEMA_VALIDATORS[`${object.apiVersion}/${object.kind}`];
      expect(validate, `a schema for ${object.apiVersion} ${object.kind}`).to.not.equal(undefined);
      expect(() => validate?.(object), identity(object)).to.not.throw();
    }
  });

  it('no object has a field its type does not know (the server refuses them in strict mode)', () => {
    for (const object of ours)
      expect(unknownFields(object.kind, object), identity(object)).to.deep.equal([]);
  });

  it('the checks can fail: a misspelt field and a wrong type are caught', () => {
    const ds = structuredClone(find<Workload>(ours, 'DaemonSet', 'speaker'));
    const container = ds.spec.template.spec.containers[0] as unknown as Record<string, unknown>;
    container['imagePulPolicy'] = 'Always';
    expect(unknownFields('DaemonSet', ds)).to.deep.equal([
      'spec.template.spec.containers[0].imagePulPolicy',
    ]);
    (container['ports'] as { containerPort: unknown }[])[0] = { containerPort: 'seven' };
    expect(() => SCHEMA_VALIDATORS['apps/v1/DaemonSet']?.(ds)).to.throw(/integer/);
  });

  it("keeps every v0.9.6 object's kind, name and namespace, or MIGRATION.md explains its removal", () => {
    const have = new Map(mine.objects.map((o) => [key(o), o]));
    const removed = v09.objects.filter((o) => !have.has(key(o)));
    expect(removed.map(key)).to.deep.equal([
      'PodSecurityPolicy/metallb-system/controller',
      'PodSecurityPolicy/metallb-system/speaker',
    ]);
    for (const object of removed)
      expect(migration, key(object)).to.contain(`${object.kind} \`${object.name}\``);
    for (const object of v09.objects.filter((o) => have.has(key(o)))) {
      const ourObject = have.get(key(object));
      expect(ourObject?.apiVersion, key(object)).to.equal(object.apiVersion);
      expect(ourObject?.labels['app'], key(object)).to.equal('metallb');
    }
    const before = new Set(v09.objects.map(key));
    // New: the controller's permission to keep its last accepted config, the speaker's to read it.
    expect(mine.objects.filter((o) => !before.has(key(o))).map(key)).to.deep.equal([
      'Role/metallb-system/last-accepted-config',
      'Role/metallb-system/last-accepted-config-reader',
      'RoleBinding/metallb-system/last-accepted-config',
      'RoleBinding/metallb-system/last-accepted-config-reader',
    ]);
    expect(ours.length).to.equal(v09.objects.length - removed.length + 4);
  });

  it('keeps the workload selectors, pod labels, ports and Prometheus annotations exactly', () => {
    for (const workload of ['DaemonSet/speaker', 'Deployment/controller']) {
      const old = v09.workloads[workload];
      const ourWorkload = mine.workloads[workload];
      expect(old, workload).to.not.equal(undefined);
      expect(ourWorkload?.selector, workload).to.deep.equal(old?.selector);
      expect(ourWorkload?.podLabels).to.deep.equal(old?.podLabels);
      expect(ourWorkload?.podAnnotations).to.deep.equal(old?.podAnnotations);
      expect(ourWorkload?.podAnnotations).to.deep.equal({
        'prometheus.io/port': '7472',
        'prometheus.io/scrape': 'true',
      });
      expect(ourWorkload?.serviceAccountName).to.equal(old?.serviceAccountName);
      expect(ourWorkload?.ports).to.deep.equal(old?.ports);
      expect(ourWorkload?.ports).to.deep.equal([{ containerPort: 7472, name: 'monitoring' }]);
    }
  });

  it("grants v0.9's permissions that some daemon uses, PodSecurityPolicy use included, plus what the new code does", () => {
    // What each role gains and loses against v0.9.6's; test/manifests/rbac.test.ts
    // shows that every permission left is used (or kept for v0.9's controller).
    const changes: Record<string, { added: string[]; removed: string[] }> = {
      'metallb-system:controller': {
        // src/k8s/status.ts writes status with a merge patch: the `patch` verb.
        added: [' services/status patch *'],
        removed: [' services update *'],
      },
      'metallb-system:speaker': {
        added: [
          'discovery.k8s.io endpointslices list *',
          'discovery.k8s.io endpointslices watch *',
        ],
        removed: [' endpoints get *', ' nodes get *', ' services get *'],
      },
      'config-watcher': { added: [], removed: [' configmaps get *'] },
      'pod-lister': { added: [], removed: [] },
      // The controller's last accepted config (src/controller/daemon.ts).
      'last-accepted-config': {
        added: [
          ' configmaps create *',
          ' configmaps get metallb-ts-last-accepted',
          ' configmaps update metallb-ts-last-accepted',
        ],
        removed: [],
      },
      // A speaker starts on it too (src/speaker/daemon.ts): it reads that one ConfigMap only.
      'last-accepted-config-reader': {
        added: [' configmaps get metallb-ts-last-accepted'],
        removed: [],
      },
    };
    expect(Object.keys(mine.roles).sort()).to.deep.equal(Object.keys(changes).sort());
    for (const [name, { added, removed }] of Object.entries(changes)) {
      const old = v09.roles[name];
      const ourRole = mine.roles[name];
      if (old !== undefined) expect(ourRole?.kind, name).to.equal(old.kind);
      expect(ourRole?.kind, name).to.equal(
        name.startsWith('metallb-system:') ? 'ClusterRole' : 'Role',
      );
      const oldPermissions = old?.permissions ?? [];
      const ourPermissions = ourRole?.permissions ?? [];
      expect(minus(ourPermissions, oldPermissions), name).to.deep.equal(added);
      // v0.9's PodSecurityPolicy `use` grants stay: on 1.24 and older its
      // policies remain after the upgrade and admit the pods (admission.test.ts).
      expect(minus(oldPermissions, ourPermissions), `${name} lost`).to.deep.equal(removed);
    }
    expect(Object.keys(v09.bindings)).to.have.length(4);
    for (const [name, old] of Object.entries(v09.bindings)) {
      const ourBinding = mine.bindings[name];
      expect(ourBinding?.kind, name).to.equal(old.kind);
      expect(ourBinding?.roleRef, name).to.deep.equal(old.roleRef);
      expect(ourBinding?.subjects, name).to.deep.equal(old.subjects);
    }
    // Only the controller writes its last accepted config; only the speaker reads it alone.
    expect(mine.bindings['last-accepted-config']?.subjects).to.deep.equal([
      { kind: 'ServiceAccount', name: 'controller' },
    ]);
    expect(mine.bindings['last-accepted-config-reader']?.subjects).to.deep.equal([
      { kind: 'ServiceAccount', name: 'speaker' },
    ]);
  });

  it("gives the speaker v0.9's environment, and our speaker reads it as memberlist settings", () => {
    const ourEnv = mine.workloads['DaemonSet/speaker']?.env ?? [];
    expect(ourEnv).to.deep.equal(v09.workloads['DaemonSet/speaker']?.env);
    // What the kubelet would put there on a node.
    const fields: Record<string, string> = {
      'spec.nodeName': 'node-a',
      'status.hostIP': '192.0.2.10',
      'status.podIP': '192.0.2.10',
      'metadata.namespace': 'metallb-system',
    };
    const env: Record<string, string> = {};
    for (const variable of ourEnv) {
      const fieldPath = variable.valueFrom?.['fieldRef']?.['fieldPath'];
      const secret = variable.valueFrom?.['secretKeyRef'];
      env[variable.name] =
        variable.value ??
        (fieldPath !== undefined ? (fields[fieldPath] ?? '') : secret !== undefined ? 'k3y' : '');
      expect(SPEAKER_USAGE, variable.name).to.contain(variable.name);
    }
    const settings = membershipConfig(env);
    expect(settings.enabled, JSON.stringify(settings)).to.equal(true);
    if (settings.enabled) {
      expect(settings.settings).to.deep.include({
        nodeName: 'node-a',
        bindPort: 7946,
        labels: 'app=metallb,component=speaker',
        namespace: 'metallb-system',
        secret: 'k3y',
      });
    }
    // The memberlist labels select exactly the speaker pods.
    const labels = mine.workloads['DaemonSet/speaker']?.podLabels ?? {};
    expect(env['METALLB_ML_LABELS']).to.equal(
      Object.entries(labels)
        .map(([k, v]) => `${k}=${v}`)
        .join(','),
    );
  });

  it('passes each program flags that our CLI accepts (and the check can fail)', async () => {
    for (const [kind, name] of [
      ['DaemonSet', 'speaker'],
      ['Deployment', 'controller'],
    ] as const) {
      const container = find<Workload>(ours, kind, name).spec.template.spec.containers[0];
      const args = container?.args ?? [];
      expect(args[0], 'the command comes first').to.equal(name);
      expect(args.slice(1)).to.deep.equal(['--port=7472', '--config=config']);
      expect(await cli([...args, '--help']), args.join(' ')).to.equal(0);
    }
    expect(await cli(['controller', '--bogus', '--help'])).to.equal(2);
  });

  it("runs this project's image, tagged with the package version, for both programs", () => {
    const { version } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
      version: string;
    };
    for (const [kind, name] of [
      ['DaemonSet', 'speaker'],
      ['Deployment', 'controller'],
    ] as const) {
      const container = find<Workload>(ours, kind, name).spec.template.spec.containers[0];
      expect(container?.image).to.equal(`metallb-ts/metallb-ts:v${version}`);
    }
  });

  it('locks the programs down: controller non-root and read-only, speaker with NET_RAW only', () => {
    const controller = find<Workload>(ours, 'Deployment', 'controller').spec.template.spec;
    expect(controller.securityContext?.runAsNonRoot).to.equal(true);
    expect(controller.securityContext?.runAsUser).to.not.equal(0);
    expect(controller.hostNetwork ?? false).to.equal(false);
    const c = controller.containers[0]?.securityContext;
    expect(c).to.deep.include({ readOnlyRootFilesystem: true, allowPrivilegeEscalation: false });
    expect(c?.capabilities).to.deep.equal({ drop: ['ALL'] });

    const speaker = find<Workload>(ours, 'DaemonSet', 'speaker').spec.template.spec;
    expect(speaker.hostNetwork).to.equal(true);
    const s = speaker.containers[0]?.securityContext;
    expect(s).to.deep.include({ readOnlyRootFilesystem: true, allowPrivilegeEscalation: false });
    expect(s?.capabilities).to.deep.equal({ add: ['NET_RAW'], drop: ['ALL'] });
  });

  it('labels the namespace for Pod Security Admission at the level the speaker needs', () => {
    const ns = find(ours, 'Namespace', 'metallb-system');
    expect(ns.metadata.labels).to.deep.equal({
      app: 'metallb',
      'pod-security.kubernetes.io/enforce': 'privileged',
      'pod-security.kubernetes.io/audit': 'privileged',
      'pod-security.kubernetes.io/warn': 'privileged',
    });
  });

  it('has a Kustomization listing both files, which kubectl apply -f DIR does not read', () => {
    const kustomization = load(readFileSync(join(OURS, 'Kustomization'), 'utf8')) as {
      resources: string[];
    };
    expect([...kustomization.resources].sort()).to.deep.equal(['metallb.yaml', 'namespace.yaml']);
  });
});
