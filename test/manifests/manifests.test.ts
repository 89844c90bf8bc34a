/**
 * manifests/: valid objects of current Kubernetes, v0.9.6's kinds, names,
 * selectors, ports and annotations, RBAC that is v0.9's plus what the new
 * code uses, and a speaker environment and flags that our CLI accepts.
 */
import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { processIO, run, type CliIO } from '../../src/cli/index.js';
import { membershipConfig } from '../../src/speaker/index.js';
import { SPEAKER_USAGE } from '../../src/cli/speaker.js';
import { ROOT } from '../support/paths.js';
import {
  identity,
  OURS,
  ourObjects,
  SCHEMA_VALIDATORS,
  unknownFields,
  v09Objects,
  type ManifestObject,
} from './support.js';

interface Container {
  name: string;
  image: string;
  args?: string[];
  env?: { name: string; value?: string; valueFrom?: Record<string, Record<string, string>> }[];
  ports?: { containerPort: number; name?: string }[];
  securityContext?: {
    capabilities?: { add?: string[]; drop?: string[] };
    readOnlyRootFilesystem?: boolean;
    allowPrivilegeEscalation?: boolean;
    runAsUser?: number;
  };
}
interface PodTemplate {
  metadata: { labels: Record<string, string>; annotations: Record<string, string> };
  spec: {
    containers: Container[];
    hostNetwork?: boolean;
    serviceAccountName: string;
    securityContext?: { runAsNonRoot?: boolean; runAsUser?: number };
  };
}
interface Workload extends ManifestObject {
  spec: { selector: { matchLabels: Record<string, string> }; template: PodTemplate };
}
interface Rule {
  apiGroups: string[];
  resources: string[];
  verbs: string[];
  resourceNames?: string[];
}

function find<T extends ManifestObject>(objects: ManifestObject[], kind: string, name: string): T {
  const found = objects.find((o) => o.kind === kind && o.metadata.name === name);
  if (found === undefined) throw new Error(`${kind} ${name} is missing`);
  return found as T;
}

/** One line per permission: `group resource verb [name]`. */
function permissions(rules: Rule[]): Set<string> {
  const out = new Set<string>();
  for (const r of rules)
    for (const g of r.apiGroups)
      for (const res of r.resources)
        for (const v of r.verbs)
          for (const n of r.resourceNames ?? ['*']) out.add(`${g} ${res} ${v} ${n}`);
  return out;
}

const minus = (a: Set<string>, b: Set<string>): string[] => [...a].filter((x) => !b.has(x)).sort();

async function cli(args: string[]): Promise<number> {
  const io: CliIO = { ...processIO(), stdout: () => undefined, stderr: () => undefined };
  return run(args, io);
}

describe('manifests', () => {
  const ours = ourObjects();
  const v09 = v09Objects();
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
    const have = new Set(ours.map(identity));
    const removed = v09.filter((o) => !have.has(identity(o)));
    expect(removed.map(identity)).to.deep.equal([
      'PodSecurityPolicy/metallb-system/controller',
      'PodSecurityPolicy/metallb-system/speaker',
    ]);
    for (const object of removed)
      expect(migration, identity(object)).to.contain(`${object.kind} \`${object.metadata.name}\``);
    for (const object of v09.filter((o) => have.has(identity(o)))) {
      const mine = find(ours, object.kind, object.metadata.name);
      expect(mine.apiVersion, identity(object)).to.equal(object.apiVersion);
      expect(mine.metadata.labels?.['app'], identity(object)).to.equal('metallb');
    }
    expect(ours.length).to.equal(v09.length - removed.length);
  });

  it('keeps the workload selectors, pod labels, ports and Prometheus annotations exactly', () => {
    for (const [kind, name] of [
      ['DaemonSet', 'speaker'],
      ['Deployment', 'controller'],
    ] as const) {
      const old = find<Workload>(v09, kind, name);
      const mine = find<Workload>(ours, kind, name);
      expect(mine.spec.selector, kind).to.deep.equal(old.spec.selector);
      expect(mine.spec.template.metadata.labels).to.deep.equal(old.spec.template.metadata.labels);
      expect(mine.spec.template.metadata.annotations).to.deep.equal({
        'prometheus.io/port': '7472',
        'prometheus.io/scrape': 'true',
      });
      expect(mine.spec.template.spec.serviceAccountName).to.equal(
        old.spec.template.spec.serviceAccountName,
      );
      const ports = (w: Workload) => w.spec.template.spec.containers[0]?.ports;
      expect(ports(mine)).to.deep.equal(ports(old));
      expect(ports(mine)).to.deep.equal([{ containerPort: 7472, name: 'monitoring' }]);
    }
  });

  it("grants v0.9's permissions except PodSecurityPolicy use, plus only what the new code reads", () => {
    const added: Record<string, string[]> = {
      'metallb-system:controller': [],
      'metallb-system:speaker': [
        'discovery.k8s.io endpointslices get *',
        'discovery.k8s.io endpointslices list *',
        'discovery.k8s.io endpointslices watch *',
      ],
      'config-watcher': [],
      'pod-lister': [],
    };
    for (const [name, extra] of Object.entries(added)) {
      const kind = name.startsWith('metallb-system:') ? 'ClusterRole' : 'Role';
      const old = permissions(find<ManifestObject & { rules: Rule[] }>(v09, kind, name).rules);
      const mine = permissions(find<ManifestObject & { rules: Rule[] }>(ours, kind, name).rules);
      expect(minus(mine, old), name).to.deep.equal(extra);
      expect(
        minus(old, mine).every((p) => p.startsWith('policy podsecuritypolicies use ')),
        `${name} lost ${minus(old, mine).join(', ')}`,
      ).to.equal(true);
    }
    for (const kind of ['ClusterRoleBinding', 'RoleBinding']) {
      for (const old of v09.filter((o) => o.kind === kind)) {
        const mine = find(ours, kind, old.metadata.name);
        expect(mine['roleRef']).to.deep.equal(old['roleRef']);
        expect(mine['subjects']).to.deep.equal(old['subjects']);
      }
    }
  });

  it("gives the speaker v0.9's environment, and our speaker reads it as memberlist settings", () => {
    const old = find<Workload>(v09, 'DaemonSet', 'speaker').spec.template.spec.containers[0];
    const mine = find<Workload>(ours, 'DaemonSet', 'speaker').spec.template.spec.containers[0];
    expect(mine?.env).to.deep.equal(old?.env);
    // What the kubelet would put there on a node.
    const fields: Record<string, string> = {
      'spec.nodeName': 'node-a',
      'status.hostIP': '192.0.2.10',
      'status.podIP': '192.0.2.10',
      'metadata.namespace': 'metallb-system',
    };
    const env: Record<string, string> = {};
    for (const variable of mine?.env ?? []) {
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
    const labels = find<Workload>(ours, 'DaemonSet', 'speaker').spec.template.metadata.labels;
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
    const kustomization = parse(readFileSync(join(OURS, 'Kustomization'), 'utf8')) as {
      resources: string[];
    };
    expect([...kustomization.resources].sort()).to.deep.equal(['metallb.yaml', 'namespace.yaml']);
  });
});
