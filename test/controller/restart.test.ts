/**
 * A controller start over Services that already hold addresses, as after an
 * upgrade from v0.9 (the Deployment is `Recreate`, so the new controller
 * starts with every address held in `status.loadBalancer.ingress`): no held
 * address moves, and Services without one get only addresses nobody holds.
 * The pool is nearly full, the Services' names run in another order than
 * their addresses, and the start comes with the config in place or before it.
 */
import * as k8s from '@kubernetes/client-node';
import { expect } from 'chai';
import type { RunningController } from '../../src/cli/controller.js';
import type { Lab } from '../../src/lab/index.js';
import { eventually } from '../support/eventually.js';
import { seededRandom, shuffled } from '../support/seeded.js';
import {
  controllerFor,
  ingressByName,
  labWithConfig,
  METALLB_NAMESPACE as NS,
} from '../support/metallb-lab.js';

/** 256 addresses. */
const POOL_CONFIG =
  'address-pools:\n- name: lab\n  protocol: layer2\n  addresses:\n  - 198.51.100.0/24\n';
const HOLDERS = 240;
const PENDING = 20;
const CLUSTER_IP_ONLY = 30;

describe('controller start over held addresses (upgrade in place)', function () {
  this.timeout(120_000);
  let lab: Lab;
  let core: k8s.CoreV1Api;
  let controller: RunningController | undefined;

  afterEach(async () => {
    await controller?.stop();
    controller = undefined;
    await lab.stop();
  });

  /** Creates the Services; holders get their address written into status, as v0.9 left it. */
  async function fill(seed: number): Promise<Map<string, string>> {
    const addresses = Array.from({ length: 256 }, (_, i) => `198.51.100.${i}`);
    const held = shuffled(addresses, seededRandom(seed)).slice(0, HOLDERS);
    const holders = new Map(held.map((ip, i) => [`held-${i}`, ip]));
    // Created in an order of their own: the list the controller reads is in name order.
    const names = shuffled([...holders.keys()], seededRandom(seed + 1));
    const create = (name: string, type: 'LoadBalancer' | 'ClusterIP') =>
      core.createNamespacedService({
        namespace: 'default',
        body: { metadata: { name }, spec: { type, ports: [{ port: 80, protocol: 'TCP' }] } },
      });
    for (let i = 0; i < names.length; i += 40) {
      await Promise.all(
        names.slice(i, i + 40).map(async (name) => {
          await create(name, 'LoadBalancer');
          await core.patchNamespacedServiceStatus(
            {
              name,
              namespace: 'default',
              body: { status: { loadBalancer: { ingress: [{ ip: holders.get(name) }] } } },
            },
            k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
          );
        }),
      );
    }
    await Promise.all([
      ...Array.from({ length: PENDING }, (_, i) => create(`a-pending-${i}`, 'LoadBalancer')),
      ...Array.from({ length: CLUSTER_IP_ONLY }, (_, i) => create(`plain-${i}`, 'ClusterIP')),
    ]);
    return holders;
  }

  /** Waits until every free address went to a pending Service, then checks nothing moved. */
  async function expectNothingMoved(holders: Map<string, string>): Promise<void> {
    const free = 256 - HOLDERS;
    await eventually(async () => {
      const now = await ingressByName(core);
      const served = [...now.keys()].filter((name) => name.startsWith('a-pending-'));
      expect(served, 'pending Services that got an address').to.have.length(free);
    }, 60_000);
    const now = await ingressByName(core);
    const moved = [...holders].filter(([name, ip]) => now.get(name) !== ip);
    expect(moved, 'held addresses that moved').to.deep.equal([]);
    const heldSet = new Set(holders.values());
    const taken = [...now].filter(([name]) => name.startsWith('a-pending-')).map(([, ip]) => ip);
    expect(
      taken.filter((ip) => heldSet.has(ip)),
      'addresses given away that others hold',
    ).to.deep.equal([]);
    expect(new Set(taken).size, 'no free address given twice').to.equal(free);
    expect([...now.keys()].filter((name) => name.startsWith('plain-'))).to.deep.equal([]);
  }

  for (const seed of [1, 2]) {
    it(`moves no held address when it starts with the config in place (order ${seed})`, async () => {
      ({ lab, core } = await labWithConfig(POOL_CONFIG));
      const holders = await fill(seed);
      controller = await controllerFor(lab, () => undefined);
      await expectNothingMoved(holders);
    });
  }

  it('moves no held address when the config arrives after the Services are listed', async () => {
    ({ lab, core } = await labWithConfig(POOL_CONFIG));
    await core.deleteNamespacedConfigMap({ name: 'config', namespace: NS });
    const holders = await fill(3);
    controller = await controllerFor(lab, () => undefined);
    await new Promise((resolve) => setTimeout(resolve, 500));
    await core.createNamespacedConfigMap({
      namespace: NS,
      body: { metadata: { name: 'config' }, data: { config: POOL_CONFIG } },
    });
    await expectNothingMoved(holders);
  });
});
