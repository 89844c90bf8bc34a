/**
 * The install kinds of the lab (ServiceAccounts, RBAC, DaemonSets,
 * Deployments) with the real kubectl: stored with apply's semantics, the
 * immutable fields refused as a real server refuses them, and the removed
 * PodSecurityPolicy reported as a current (1.25+) server makes kubectl
 * report it.
 */
import { expect } from 'chai';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Lab } from '../../src/lab/index.js';
import { KUBECTL, kubectlRunner, type KubectlRun } from '../support/kubectl.js';

const NAMESPACE = `apiVersion: v1
kind: Namespace
metadata: {name: demo}
`;

function daemonSet(component: string, env: string): string {
  return `apiVersion: apps/v1
kind: DaemonSet
metadata: {name: agent, namespace: demo}
spec:
  selector:
    matchLabels: {app: demo, component: ${component}}
  template:
    metadata:
      labels: {app: demo, component: ${component}}
    spec:
      containers:
      - name: agent
        image: example/agent:1
        env:
${env}
`;
}

const BINDING = (role: string): string => `apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: readers, namespace: demo}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: ${role}}
subjects:
- {kind: ServiceAccount, name: default}
`;

const PSP = `apiVersion: policy/v1beta1
kind: PodSecurityPolicy
metadata: {name: old}
spec: {privileged: false}
---
apiVersion: v1
kind: ServiceAccount
metadata: {name: after-psp, namespace: demo}
`;

describe('lab: install kinds with the real kubectl', function () {
  this.timeout(60_000);
  let lab: Lab;
  let home: string;
  let run: KubectlRun;

  before(function () {
    if (KUBECTL === null) this.skip(); // reported as skipped: kubectl is not on this machine
  });
  beforeEach(async () => {
    lab = await Lab.start();
    home = mkdtempSync(join(tmpdir(), 'metallb-ts-install-'));
    run = kubectlRunner(lab.kubeconfigPath, home);
  });
  afterEach(async () => {
    await lab.stop();
    rmSync(home, { recursive: true, force: true });
  });

  function file(name: string, text: string): string {
    const path = join(home, name);
    writeFileSync(path, text);
    return path;
  }

  it('applies a DaemonSet twice, merging env by name, and refuses a new selector', async () => {
    expect((await run(['apply', '-f', file('ns.yaml', NAMESPACE)])).code).to.equal(0);
    const first = daemonSet(
      'agent',
      '        - {name: A, value: "1"}\n        - {name: B, value: "2"}',
    );
    const created = await run(['apply', '-f', file('ds.yaml', first)]);
    expect(created.stdout).to.equal('daemonset.apps/agent created\n');
    // A server-side default the manifest does not set, which apply must keep.
    await run([
      'patch',
      '-n',
      'demo',
      'ds',
      'agent',
      '--type=strategic',
      '-p',
      '{"spec":{"template":{"spec":{"containers":[{"name":"agent","terminationMessagePath":"/dev/termination-log"}]}}}}',
    ]);
    const changed = daemonSet(
      'agent',
      '        - {name: A, value: "1"}\n        - {name: B, value: "3"}',
    );
    expect((await run(['apply', '-f', file('ds.yaml', changed)])).stdout).to.equal(
      'daemonset.apps/agent configured\n',
    );
    const stored = JSON.parse(
      (await run(['get', '-n', 'demo', 'ds', 'agent', '-o', 'json'])).stdout,
    ) as {
      metadata: { generation: number };
      spec: {
        template: {
          spec: {
            containers: {
              env: { name: string; value: string }[];
              terminationMessagePath?: string;
            }[];
          };
        };
      };
    };
    const container = stored.spec.template.spec.containers[0];
    expect(container?.env).to.deep.equal([
      { name: 'A', value: '1' },
      { name: 'B', value: '3' },
    ]);
    expect(container?.terminationMessagePath).to.equal('/dev/termination-log');
    expect(stored.metadata.generation).to.equal(3);

    const moved = await run([
      'apply',
      '-f',
      file('ds.yaml', daemonSet('other', '        - {name: A, value: "1"}')),
    ]);
    expect(moved.code).to.not.equal(0);
    expect(moved.stderr).to.contain('spec.selector');
    expect(moved.stderr).to.contain('field is immutable');
  });

  it('refuses a workload whose selector does not select its template', async () => {
    await run(['apply', '-f', file('ns.yaml', NAMESPACE)]);
    const text = daemonSet('agent', '        - {name: A, value: "1"}').replace(
      'labels: {app: demo, component: agent}',
      'labels: {app: demo}',
    );
    const ran = await run(['apply', '-f', file('ds.yaml', text)]);
    expect(ran.code).to.not.equal(0);
    expect(ran.stderr).to.contain('`selector` does not match template `labels`');
  });

  it('refuses a new roleRef for a binding, keeping the old one', async () => {
    await run(['apply', '-f', file('ns.yaml', NAMESPACE)]);
    expect((await run(['apply', '-f', file('rb.yaml', BINDING('reader'))])).stdout).to.equal(
      'rolebinding.rbac.authorization.k8s.io/readers created\n',
    );
    const changed = await run(['apply', '-f', file('rb.yaml', BINDING('writer'))]);
    expect(changed.code).to.not.equal(0);
    expect(changed.stderr).to.contain('cannot change roleRef');
    const roles = await run(['get', 'rolebindings', '-n', 'demo', '-o', 'name']);
    expect(roles.stdout).to.equal('rolebinding.rbac.authorization.k8s.io/readers\n');
  });

  it('reports PodSecurityPolicy as a kind the server does not have, and applies the rest', async () => {
    await run(['apply', '-f', file('ns.yaml', NAMESPACE)]);
    const ran = await run(['apply', '-f', file('psp.yaml', PSP)]);
    expect(ran.code).to.equal(1);
    expect(ran.stderr).to.contain(
      'no matches for kind "PodSecurityPolicy" in version "policy/v1beta1"',
    );
    expect(ran.stdout).to.equal('serviceaccount/after-psp created\n');
  });
});
