/**
 * MIGRATION.md's in-place upgrade, against the lab with the real kubectl:
 * a v0.9.6 install from its own manifests (on a current server, its
 * PodSecurityPolicies are refused), its ConfigMap, Secret and Services
 * with addresses; `migrate check` says safe; `kubectl apply -f manifests/`
 * succeeds; the new controller starts and no Service address changes.
 * Upstream comparison tier: it applies v0.9.6's files from ../shared.
 */
import { expect } from 'chai';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { processIO, run, type CliIO } from '../../src/cli/index.js';
import type { RunningController } from '../../src/cli/controller.js';
import { Lab } from '../../src/lab/index.js';
import { OURS } from '../manifests/support.js';
import { KUBECTL, kubectlRunner, type KubectlRun } from '../support/kubectl.js';
import { controllerFor } from '../support/metallb-lab.js';
import { ROOT } from '../support/paths.js';
import { describeUpstream } from '../support/upstream.js';
import { until } from '../support/until.js';

const SERVICES = ['web', 'api', 'db']
  .map(
    (name, i) => `apiVersion: v1
kind: Service
metadata: {name: ${name}, namespace: default}
spec:
  type: LoadBalancer
  selector: {app: ${name}}
  ports: [{port: ${80 + i}, targetPort: 8080}]
`,
  )
  .join('---\n');

/** The addresses the v0.9 controller had given them (not the lowest free ones, on purpose). */
const HELD: Record<string, string> = {
  web: '192.168.1.247',
  api: '192.168.1.241',
  db: '192.168.1.253',
};

describeUpstream('v0.9.6 manifests, upgraded in place', ({ v09Manifests }) => {
  describe('upgrade in place from a v0.9.6 install (MIGRATION.md), with kubectl', function () {
    this.timeout(120_000);
    let lab: Lab;
    let home: string;
    let kubectl: KubectlRun;
    let controller: RunningController | undefined;

    before(function () {
      if (KUBECTL === null) this.skip(); // reported as skipped: kubectl is not on this machine
    });
    beforeEach(async () => {
      lab = await Lab.start();
      home = mkdtempSync(join(tmpdir(), 'metallb-ts-upgrade-'));
      kubectl = kubectlRunner(lab.kubeconfigPath, home, ROOT);
    });
    afterEach(async () => {
      await controller?.stop();
      controller = undefined;
      await lab.stop();
      rmSync(home, { recursive: true, force: true });
    });

    async function ok(args: string[], input?: string): Promise<string> {
      const ran = await kubectl(args, input);
      expect(ran.code, `kubectl ${args.join(' ')}: ${ran.stderr}`).to.equal(0);
      return ran.stdout;
    }

    async function addresses(): Promise<Record<string, string>> {
      const list = JSON.parse(await ok(['get', 'svc', '-n', 'default', '-o', 'json'])) as {
        items: {
          metadata: { name: string };
          status?: { loadBalancer?: { ingress?: { ip: string }[] } };
        }[];
      };
      return Object.fromEntries(
        list.items
          .filter((s) => s.metadata.name !== 'kubernetes')
          .map((s) => [s.metadata.name, s.status?.loadBalancer?.ingress?.[0]?.ip ?? '']),
      );
    }

    it('applies over v0.9.6, and the new controller keeps every address', async () => {
      // 1. The v0.9.6 install, as its documentation had it applied.
      await ok(['apply', '-f', join(v09Manifests, 'namespace.yaml')]);
      const v09 = await kubectl(['apply', '-f', join(v09Manifests, 'metallb.yaml')]);
      expect(v09.code).to.equal(1);
      const refused = v09.stderr
        .split('\n')
        .filter((l) => l.startsWith('resource mapping not found'));
      expect(refused).to.have.length(2);
      for (const line of refused)
        expect(line).to.contain('no matches for kind "PodSecurityPolicy"');
      expect(v09.stdout.trimEnd().split('\n')).to.have.length(12);
      await ok([
        'create',
        'secret',
        'generic',
        '-n',
        'metallb-system',
        'memberlist',
        '--from-literal=secretkey=v09-secret',
      ]);
      await ok(['apply', '-f', join(v09Manifests, 'example-layer2-config.yaml')]);
      await ok(['apply', '-f', '-'], SERVICES);
      for (const [name, ip] of Object.entries(HELD)) {
        await ok([
          'patch',
          'svc',
          name,
          '-n',
          'default',
          '--subresource=status',
          '--type=merge',
          '-p',
          JSON.stringify({ status: { loadBalancer: { ingress: [{ ip }] } } }),
        ]);
      }
      expect(await addresses()).to.deep.equal(HELD);

      // 2. Before: migrate check on what kubectl prints.
      const config = join(home, 'config.yaml');
      const services = join(home, 'services.yaml');
      writeFileSync(
        config,
        await ok(['get', 'configmap', '-n', 'metallb-system', 'config', '-o', 'yaml']),
      );
      writeFileSync(services, await ok(['get', 'services', '-A', '-o', 'yaml']));
      let out = '';
      const io: CliIO = { ...processIO(), stdout: (t) => (out += t), stderr: (t) => (out += t) };
      expect(
        await run(['migrate', 'check', '--config', config, '--services', services], io),
        out,
      ).to.equal(0);
      expect(out).to.contain(
        'services: 3 Services keep their address, 0 would move, 0 would lose it',
      );

      // 3. During: apply the new manifests over the old install.
      const applied = await ok(['apply', '-f', 'manifests/']);
      const lines = applied.trimEnd().split('\n');
      // v0.9.6's 13 objects that stay, and the Roles for the last accepted config
      // (the controller's to keep it, the speaker's to read it), with their bindings.
      expect(lines).to.have.length(17);
      for (const changed of [
        'clusterrole.rbac.authorization.k8s.io/metallb-system:speaker configured',
        'daemonset.apps/speaker configured',
        'deployment.apps/controller configured',
        'namespace/metallb-system configured',
        'role.rbac.authorization.k8s.io/last-accepted-config created',
        'rolebinding.rbac.authorization.k8s.io/last-accepted-config created',
        'role.rbac.authorization.k8s.io/last-accepted-config-reader created',
        'rolebinding.rbac.authorization.k8s.io/last-accepted-config-reader created',
      ])
        expect(lines).to.include(changed);
      expect(lines).to.include('rolebinding.rbac.authorization.k8s.io/pod-lister unchanged');
      const ds = JSON.parse(
        await ok(['get', 'ds', 'speaker', '-n', 'metallb-system', '-o', 'json']),
      ) as {
        spec: { template: { spec: { containers: { image: string; args: string[] }[] } } };
      };
      expect(ds.spec.template.spec.containers.map((c) => [c.image, c.args[0]])).to.deep.equal([
        ['metallb-ts/metallb-ts:v0.1.0', 'speaker'],
      ]);
      // Applying again changes nothing.
      expect(
        (await ok(['apply', '-f', OURS])).split('\n').filter((l) => l.endsWith('configured')),
      ).to.deep.equal([]);

      // 4. After: the new controller starts (as its pod would) and restores every address.
      const logs: Record<string, unknown>[] = [];
      controller = await controllerFor(lab, (fields) => logs.push(fields));
      await until(() => controller?.daemon.ready === true, 30_000, 'the controller to be ready');
      await ok(['apply', '-f', '-'], SERVICES.replace(/name: db/, 'name: fresh'));
      await until(
        async () => (await addresses())['fresh'] !== '',
        30_000,
        'an address for a new Service',
      );
      const after = await addresses();
      expect({ web: after['web'], api: after['api'], db: after['db'] }).to.deep.equal(HELD);
      // The lowest free address of 192.168.1.240/28 once the held ones are restored.
      expect(after['fresh']).to.equal('192.168.1.240');
    });
  });
});
