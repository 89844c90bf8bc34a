/**
 * The controller daemon against the lab API.
 */
import * as k8s from '@kubernetes/client-node';
import { expect } from 'chai';
import type { RunningController } from '../../src/cli/controller.js';
import type { Lab } from '../../src/lab/index.js';
import {
  controllerFor,
  ingressByName,
  labWithConfig,
  METALLB_NAMESPACE as NS,
} from '../support/metallb-lab.js';
import { eventually, metricsText } from '../support/eventually.js';

const POOL_CONFIG =
  'address-pools:\n- name: lab\n  protocol: layer2\n  addresses:\n  - 198.51.100.0/24\n';

describe('controller daemon, against the lab', function () {
  this.timeout(60_000);
  let lab: Lab;
  let core: k8s.CoreV1Api;
  let controller: RunningController | undefined;
  const logs: Record<string, string | number | boolean>[] = [];

  const start = async (): Promise<RunningController> => {
    controller = await controllerFor(lab, (fields) => logs.push(fields));
    return controller;
  };

  const lbService = (name: string): k8s.V1Service => ({
    metadata: { name },
    spec: { type: 'LoadBalancer', ports: [{ port: 80, protocol: 'TCP' }] },
  });

  const ips = (): Promise<Map<string, string>> => ingressByName(core);

  async function setConfig(text: string): Promise<void> {
    await core.patchNamespacedConfigMap(
      { name: 'config', namespace: NS, body: { data: { config: text } } },
      k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
    );
  }

  beforeEach(async () => {
    ({ lab, core } = await labWithConfig(POOL_CONFIG));
    logs.length = 0;
  });
  afterEach(async () => {
    await controller?.stop();
    controller = undefined;
    await lab.stop();
  });

  it('gives 200 Services created at once distinct addresses, with IPAllocated events, and reuses freed ones', async () => {
    await start();
    await Promise.all(
      Array.from({ length: 200 }, (_, i) =>
        core.createNamespacedService({ namespace: 'default', body: lbService(`s${i}`) }),
      ),
    );
    await eventually(async () => expect((await ips()).size).to.equal(200));
    const assigned = await ips();
    expect(new Set(assigned.values()).size, 'no address twice').to.equal(200);
    for (const ip of assigned.values()) expect(ip).to.match(/^198\.51\.100\.\d+$/);

    const events = await core.listNamespacedEvent({ namespace: 'default' });
    const allocated = events.items.filter((e) => e.reason === 'IPAllocated');
    expect(allocated).to.have.length(200);
    expect(allocated[0]?.source?.component).to.equal('metallb-controller');
    expect(allocated[0]?.message).to.match(/^Assigned IP "198\.51\.100\.\d+"$/);

    // Free ten addresses, ask for ten more: the freed ones come back (the pool has 256).
    const freed = ['s3', 's50', 's77', 's100', 's101', 's150', 's160', 's170', 's180', 's199'];
    const freedIPs = new Set(freed.map((s) => assigned.get(s)));
    await Promise.all(
      freed.map((name) => core.deleteNamespacedService({ name, namespace: 'default' })),
    );
    await controller?.daemon.idle();
    for (let i = 0; i < 66; i++)
      await core.createNamespacedService({ namespace: 'default', body: lbService(`n${i}`) });
    await eventually(async () => expect((await ips()).size).to.equal(256));
    const after = await ips();
    expect(new Set(after.values()).size).to.equal(256);
    for (const ip of freedIPs) expect([...after.values()]).to.include(ip);
  });

  it('moves no address across a restart, even with Services created while it was down', async () => {
    await start();
    for (let i = 0; i < 20; i++)
      await core.createNamespacedService({ namespace: 'default', body: lbService(`old${i}`) });
    await eventually(async () => expect((await ips()).size).to.equal(20));
    // Free a low address, so a careless restart would hand it to a newcomer first.
    await core.deleteNamespacedService({ name: 'old0', namespace: 'default' });
    await controller?.daemon.idle();
    const before = await ips();
    await controller?.stop();
    controller = undefined;

    // Newcomers listed BEFORE some old ones (names sort first): restore must still come first.
    for (let i = 0; i < 5; i++)
      await core.createNamespacedService({ namespace: 'default', body: lbService(`a-new${i}`) });
    await start();
    await eventually(async () => expect((await ips()).size).to.equal(24));
    const after = await ips();
    for (const [name, ip] of before) expect(after.get(name), name).to.equal(ip);
    const taken = new Set(before.values());
    for (let i = 0; i < 5; i++) expect(taken.has(after.get(`a-new${i}`) ?? '')).to.equal(false);
    expect(new Set(after.values()).size).to.equal(24);
  });

  it('refuses a broken config and one that orphans an address, keeps the old one, and says why', async () => {
    const running = await start();
    await core.createNamespacedService({ namespace: 'default', body: lbService('web') });
    await eventually(async () => expect((await ips()).get('web')).to.equal('198.51.100.0'));
    expect(await metricsText(running.port)).to.match(/^metallb_k8s_client_config_stale_bool 0$/m);

    await setConfig(
      'address-pools:\n- name: lab\n  protocol: layer3\n  addresses: [198.51.100.0/24]\n',
    );
    await eventually(async () =>
      expect(await metricsText(running.port)).to.match(/^metallb_k8s_client_config_stale_bool 1$/m),
    );
    expect(
      logs.some(
        (l) =>
          l['event'] === 'configRejected' &&
          String(l['error']).includes('address-pools[0].protocol'),
      ),
    ).to.equal(true);

    // A config without the pool that web's address is in: refused, naming the Service.
    await setConfig(
      'address-pools:\n- name: other\n  protocol: layer2\n  addresses: [203.0.113.0/24]\n',
    );
    await eventually(async () => {
      const events = await core.listNamespacedEvent({ namespace: NS });
      const refused = events.items.filter(
        (e) => e.reason === 'InvalidConfig' && e.involvedObject.kind === 'ConfigMap',
      );
      expect(refused.map((e) => e.message).join('\n')).to.include('default/web (198.51.100.0)');
    });
    // The old config is still in force: a new Service gets an address from it.
    await core.createNamespacedService({ namespace: 'default', body: lbService('next') });
    await eventually(async () => expect((await ips()).get('next')).to.equal('198.51.100.1'));

    // A good config is taken.
    await setConfig(
      `${POOL_CONFIG}- name: extra\n  protocol: layer2\n  addresses: [203.0.113.0/30]\n`,
    );
    await eventually(async () =>
      expect(await metricsText(running.port)).to.match(/^metallb_k8s_client_config_stale_bool 0$/m),
    );
  });

  it('keeps an address loadBalancerIP spells otherwise with one IPAllocated, and rewrites a held one in Go spelling', async () => {
    // A holder whose status a v0.9-era tool wrote IPv4-mapped, with leading zeros in the request.
    await core.createNamespacedService({
      namespace: 'default',
      body: {
        metadata: { name: 'held' },
        spec: { ...lbService('held').spec, loadBalancerIP: '198.051.100.009' },
      },
    });
    await core.patchNamespacedServiceStatus(
      {
        name: 'held',
        namespace: 'default',
        body: { status: { loadBalancer: { ingress: [{ ip: '::ffff:198.51.100.9' }] } } },
      },
      k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
    );
    await start();
    await core.createNamespacedService({
      namespace: 'default',
      body: {
        metadata: { name: 'mapped' },
        spec: { ...lbService('mapped').spec, loadBalancerIP: '::ffff:198.51.100.7' },
      },
    });
    // v0.9.6 controller/service.go: status written as IP.String(), dotted.
    await eventually(async () => {
      const now = await ips();
      expect([now.get('held'), now.get('mapped')]).to.deep.equal(['198.51.100.9', '198.51.100.7']);
    });
    const allocated = async (name: string): Promise<number> =>
      (await core.listNamespacedEvent({ namespace: 'default' })).items
        .filter((e) => e.reason === 'IPAllocated' && e.involvedObject.name === name)
        .reduce((sum, e) => sum + (e.count ?? 1), 0);
    const counts = async (): Promise<number[]> => [
      await allocated('held'),
      await allocated('mapped'),
    ];
    // Events are written after the status: wait for the one of the assignment.
    await eventually(async () => expect(await counts()).to.deep.equal([0, 1]));
    // Syncs after the assignment: v0.9 gave the address up and took it back on each,
    // recording IPAllocated every time; metallb-ts keeps it.
    for (const value of ['1', '2']) {
      for (const name of ['held', 'mapped'])
        await core.patchNamespacedService(
          { name, namespace: 'default', body: { metadata: { annotations: { touched: value } } } },
          k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
        );
      await new Promise((resolve) => setTimeout(resolve, 250));
      await controller?.daemon.idle();
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
    expect(await counts()).to.deep.equal([0, 1]);
    expect([(await ips()).get('held'), (await ips()).get('mapped')]).to.deep.equal([
      '198.51.100.9',
      '198.51.100.7',
    ]);
  });

  it('serves v0.9 metrics with the right values', async () => {
    const running = await start();
    for (const name of ['a', 'b', 'c'])
      await core.createNamespacedService({ namespace: 'default', body: lbService(name) });
    await eventually(async () => expect((await ips()).size).to.equal(3));
    await running.daemon.idle();
    const text = await metricsText(running.port);
    expect(text).to.match(/^metallb_allocator_addresses_total\{pool="lab"\} 256$/m);
    expect(text).to.match(/^metallb_allocator_addresses_in_use_total\{pool="lab"\} 3$/m);
    expect(text).to.match(/^metallb_allocator_services_allocated_total\{pool="lab"\} 3$/m);
    expect(text).to.match(/^metallb_k8s_client_config_loaded_bool 1$/m);
    expect(text).to.match(/^metallb_k8s_client_updates_total \d+$/m);
    expect(text).to.match(/^process_cpu_seconds_total /m);
  });
});
