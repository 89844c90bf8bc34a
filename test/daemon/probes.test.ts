/**
 * The controller's health probe answers while a slow ConfigMap is parsed:
 * the parse runs in the worker thread (src/daemon/config-parser.ts), so the
 * kubelet's probe is never held behind it.
 */
import * as k8s from '@kubernetes/client-node';
import { expect } from 'chai';
import { request } from 'node:http';
import type { RunningController } from '../../src/cli/controller.js';
import type { Lab } from '../../src/lab/index.js';
import { eventually } from '../support/eventually.js';
import { manyPools } from './many-pools.js';
import { controllerFor, labWithConfig, METALLB_NAMESPACE as NS } from '../support/metallb-lab.js';

/** Milliseconds until /healthz answers (for the failure message). */
function probe(port: number): Promise<number> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    request({ host: '127.0.0.1', port, path: '/healthz' }, (response) => {
      response.resume();
      response.on('end', () => resolve(performance.now() - started));
    })
      .on('error', reject)
      .end();
  });
}

describe('daemon probes while a config parses', function () {
  this.timeout(120_000);
  let lab: Lab;
  let core: k8s.CoreV1Api;
  let controller: RunningController | undefined;

  beforeEach(async () => {
    ({ lab, core } = await labWithConfig(
      'address-pools:\n- name: lab\n  protocol: layer2\n  addresses: [198.51.100.0/24]\n',
    ));
  });
  afterEach(async () => {
    await controller?.stop();
    controller = undefined;
    await lab.stop();
  });

  it('answers /healthz all through a 12,000-pool config being parsed and taken, one probe after another', async () => {
    const logs: Record<string, string | number | boolean>[] = [];
    controller = await controllerFor(lab, (fields) => logs.push(fields));
    const { port } = controller;
    await eventually(() => expect(controller?.daemon.ready).to.equal(true));
    await core.patchNamespacedConfigMap(
      { name: 'config', namespace: NS, body: { data: { config: manyPools(12_000) } } },
      k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
    );
    const latencies: number[] = [];
    const taken = () => logs.some((l) => l['event'] === 'configLoaded' && l['pools'] === 12_000);
    const started = performance.now();
    while (!taken()) {
      latencies.push(await probe(port));
      await new Promise((resolve) => setTimeout(resolve, 20));
      expect(performance.now() - started, 'the config is taken').to.be.below(60_000);
    }
    // A parse on the event loop would hold every probe until it ended: one answer, or none,
    // before the config is taken. Answers one after another show the loop free meanwhile.
    const took = Math.round(performance.now() - started);
    expect(
      latencies.length,
      `probes answered during ${took} ms (slowest ${Math.round(Math.max(...latencies))} ms)`,
    ).to.be.at.least(5);
  });
});
