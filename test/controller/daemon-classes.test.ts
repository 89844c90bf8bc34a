/**
 * The controller daemon against the lab, for a Service of a balancer class
 * (docs/SCALEOUT.md): N ingress entries and an IPAllocated event, the count
 * grown then shrunk, a restart that moves nothing, the class's pool in the
 * allocator metrics, and another implementation's Service left alone.
 */
import * as k8s from '@kubernetes/client-node';
import { expect } from 'chai';
import type { RunningController } from '../../src/cli/controller.js';
import * as configPackage from '../../src/config/index.js';
import type { Lab } from '../../src/lab/index.js';
import { controllerFor, labWithConfig, METALLB_NAMESPACE as NS } from '../support/metallb-lab.js';
import { eventually, metricsText } from '../support/eventually.js';

const POOL_CONFIG =
  'address-pools:\n- name: lab\n  protocol: layer2\n  addresses:\n  - 198.51.100.0/24\n';
const CLASSES = `- name: edge
  addresses:
  - 203.0.113.16/28
  ips-per-service: 2
`;

describe('controller daemon, a Service of a balancer class, against the lab', function () {
  this.timeout(60_000);
  let lab: Lab | undefined;
  let core: k8s.CoreV1Api;
  let controller: RunningController | undefined;
  const logs: Record<string, string | number | boolean>[] = [];

  before(function () {
    // Decided synchronously (an async hook that skips spins mocha when piped).
    if (!('parseConfigData' in configPackage)) this.skip();
  });

  const start = async (): Promise<RunningController> => {
    if (lab === undefined) throw new Error('no lab');
    controller = await controllerFor(lab, (fields) => logs.push(fields));
    return controller;
  };

  async function ingress(name: string): Promise<string[]> {
    const service = await core.readNamespacedService({ name, namespace: 'default' });
    return (service.status?.loadBalancer?.ingress ?? []).map((i) => i.ip ?? '');
  }

  async function events(reason: string): Promise<string[]> {
    const list = await core.listNamespacedEvent({ namespace: 'default' });
    return list.items.filter((e) => e.reason === reason).map((e) => e.message ?? '');
  }

  const setCount = (count: number): Promise<k8s.V1Service> =>
    core.patchNamespacedService(
      {
        name: 'web',
        namespace: 'default',
        body: { metadata: { annotations: { 'metallb-ts.io/ip-count': String(count) } } },
      },
      k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
    );

  beforeEach(async () => {
    ({ lab, core } = await labWithConfig(POOL_CONFIG));
    await core.patchNamespacedConfigMap(
      { name: 'config', namespace: NS, body: { data: { 'balancer-classes': CLASSES } } },
      k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
    );
    logs.length = 0;
  });
  afterEach(async () => {
    await controller?.stop();
    controller = undefined;
    await lab?.stop();
    lab = undefined;
  });

  it('gives 3 addresses, appends a fourth, releases the last two, and a restart moves none', async () => {
    const running = await start();
    await core.createNamespacedService({
      namespace: 'default',
      body: {
        metadata: { name: 'web', annotations: { 'metallb-ts.io/ip-count': '3' } },
        spec: {
          type: 'LoadBalancer',
          loadBalancerClass: 'metallb-ts.io/edge',
          ports: [{ port: 80, protocol: 'TCP' }],
        },
      },
    });
    // The class's lowest addresses, in order.
    const three = ['203.0.113.16', '203.0.113.17', '203.0.113.18'];
    await eventually(async () => expect(await ingress('web')).to.deep.equal(three));
    await eventually(async () =>
      expect(await events('IPAllocated')).to.deep.equal([
        'Assigned IPs "203.0.113.16", "203.0.113.17", "203.0.113.18" from class "edge"',
      ]),
    );

    await setCount(4);
    await eventually(async () =>
      expect(await ingress('web')).to.deep.equal([...three, '203.0.113.19']),
    );
    await setCount(2);
    await eventually(async () =>
      expect(await ingress('web')).to.deep.equal(['203.0.113.16', '203.0.113.17']),
    );
    await running.daemon.idle();
    const text = await metricsText(running.port);
    expect(text).to.match(/^metallb_allocator_addresses_total\{pool="edge"\} 16$/m);
    expect(text).to.match(/^metallb_allocator_addresses_in_use_total\{pool="edge"\} 2$/m);
    expect(text).to.match(/^metallb_allocator_services_allocated_total\{pool="edge"\} 1$/m);
    expect(text).to.match(/^metallb_allocator_addresses_in_use_total\{pool="lab"\} 0$/m);

    // Restart, with a newcomer of the class created while the controller is down.
    await controller?.stop();
    controller = undefined;
    await core.createNamespacedService({
      namespace: 'default',
      body: {
        metadata: { name: 'a-new', annotations: { 'metallb-ts.io/balancer-class': 'edge' } },
        spec: { type: 'LoadBalancer', ports: [{ port: 80, protocol: 'TCP' }] },
      },
    });
    await start();
    // The newcomer gets the lowest addresses web does not hold: .18 and .19.
    await eventually(async () =>
      expect(await ingress('a-new')).to.deep.equal(['203.0.113.18', '203.0.113.19']),
    );
    expect(await ingress('web')).to.deep.equal(['203.0.113.16', '203.0.113.17']);
    expect(await events('IPAllocated')).to.have.length(3); // create, growth, newcomer
  });

  it('leaves another implementation Service alone and fails an unknown class', async () => {
    await start();
    await core.createNamespacedService({
      namespace: 'default',
      body: {
        metadata: { name: 'theirs' },
        spec: {
          type: 'LoadBalancer',
          loadBalancerClass: 'example.com/lb',
          ports: [{ port: 80, protocol: 'TCP' }],
        },
      },
    });
    await core.createNamespacedService({
      namespace: 'default',
      body: {
        metadata: { name: 'lost' },
        spec: {
          type: 'LoadBalancer',
          loadBalancerClass: 'metallb-ts.io/nope',
          ports: [{ port: 80, protocol: 'TCP' }],
        },
      },
    });
    await eventually(async () =>
      expect(await events('AllocationFailed')).to.deep.equal([
        'Failed to allocate IPs for "default/lost": no balancer class "nope" in the config',
      ]),
    );
    await controller?.daemon.idle();
    expect(await ingress('theirs')).to.deep.equal([]);
    const about = (name: string) =>
      logs.filter(
        (l) => l['service'] === `default/${name}` && l['event'] === 'otherLoadBalancerClass',
      );
    expect(about('theirs')).to.have.length(1);
    expect(await events('IPAllocated')).to.deep.equal([]);
  });
});
