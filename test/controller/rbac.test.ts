/**
 * The negative control of the daemon tests' RBAC: with one verb the
 * controller needs taken out of the manifests' ClusterRole (`patch` on
 * services/status, which is how it writes an address), the lab refuses the
 * write with kube-apiserver's 403, the controller logs it, and the Service
 * gets no address. With the manifests as shipped, the same steps give the
 * address (test/controller/daemon.test.ts and test/manifests/rbac.test.ts).
 */
import type * as k8s from '@kubernetes/client-node';
import { expect } from 'chai';
import type { RunningController } from '../../src/cli/controller.js';
import type { Lab } from '../../src/lab/index.js';
import { controllerFor, ingressByName, labWithConfig } from '../support/metallb-lab.js';
import { until } from '../support/until.js';

const POOL_CONFIG =
  'address-pools:\n- name: lab\n  protocol: layer2\n  addresses:\n  - 198.51.100.0/24\n';

describe('controller daemon, with a permission withheld from its ClusterRole', function () {
  this.timeout(30_000);
  let lab: Lab;
  let core: k8s.CoreV1Api;
  let controller: RunningController | undefined;

  afterEach(async () => {
    await controller?.stop();
    controller = undefined;
    await lab.stop();
  });

  for (const withheld of [undefined, 'patch'] as const) {
    it(
      withheld === undefined
        ? 'assigns the address with the manifests as shipped'
        : 'without patch on services/status: logs the 403 and the Service gets no address',
      async () => {
        ({ lab, core } = await labWithConfig(
          POOL_CONFIG,
          withheld === undefined
            ? {}
            : {
                withheld: {
                  role: 'metallb-system:controller',
                  resource: 'services/status',
                  verb: withheld,
                },
              },
        ));
        const logs: Record<string, string | number | boolean>[] = [];
        controller = await controllerFor(lab, (fields) => logs.push(fields));
        await core.createNamespacedService({
          namespace: 'default',
          body: {
            metadata: { name: 'web' },
            spec: { type: 'LoadBalancer', ports: [{ port: 80, protocol: 'TCP' }] },
          },
        });
        if (withheld === undefined) {
          await until(async () => (await ingressByName(core)).has('web'), 10_000, 'an address');
          return;
        }
        const forbidden =
          'services "web" is forbidden: User "system:serviceaccount:metallb-system:controller" cannot patch resource "services/status" in API group "" in the namespace "default"';
        await until(
          () =>
            logs.some((line) =>
              JSON.stringify(line).includes(JSON.stringify(forbidden).slice(1, -1)),
            ),
          10_000,
          'the 403 in the log',
        );
        await controller.daemon.idle();
        expect(await ingressByName(core)).to.deep.equal(new Map());
      },
    );
  }
});
