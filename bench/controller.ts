/**
 * The controller on 10,000 Services: time from creating them in the lab to
 * all of them having an IP, and the controller's peak RSS (it runs as its
 * own process, so the figure is its own). Prints figures; asserts nothing.
 * Run: npm run bench. Traffic stays on 127.0.0.1 (the lab's port).
 */
import * as k8s from '@kubernetes/client-node';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { reuseConnections } from '../src/k8s/index.js';
import { Lab } from '../src/lab/index.js';

const SERVICES = 10_000;
const BATCH = 200;
const NS = 'metallb-system';
const main = fileURLToPath(new URL('../src/cli/main.js', import.meta.url));

/** Peak resident set of a process, from the kernel (VmHWM), in MiB. */
function peakRssMiB(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kib = Number(/VmHWM:\s+(\d+) kB/.exec(status)?.[1] ?? NaN);
  return kib / 1024;
}

const lab = await Lab.start();
const kc = reuseConnections(new k8s.KubeConfig());
kc.loadFromFile(lab.kubeconfigPath);
const core = kc.makeApiClient(k8s.CoreV1Api);
await core.createNamespace({ body: { metadata: { name: NS } } });
// A /18 holds 16,384 addresses.
const config = 'address-pools:\n- name: bench\n  protocol: layer2\n  addresses: [198.18.0.0/18]\n';
await core.createNamespacedConfigMap({
  namespace: NS,
  body: { metadata: { name: 'config' }, data: { config } },
});

const controller = spawn(
  process.execPath,
  [main, 'controller', '--kubeconfig', lab.kubeconfigPath, '--namespace', NS, '--port', '0'],
  {
    stdio: ['ignore', 'ignore', 'inherit'],
  },
);
try {
  await new Promise((resolve) => setTimeout(resolve, 1500)); // let it list and load the config
  const start = performance.now();
  for (let i = 0; i < SERVICES; i += BATCH) {
    await Promise.all(
      Array.from({ length: Math.min(BATCH, SERVICES - i) }, (_, j) =>
        core.createNamespacedService({
          namespace: 'default',
          body: {
            metadata: { name: `svc-${i + j}` },
            spec: {
              type: 'LoadBalancer',
              allocateLoadBalancerNodePorts: false,
              ports: [{ port: 443, protocol: 'TCP' }],
            },
          },
        }),
      ),
    );
  }
  const created = performance.now();
  let withIP = 0;
  const deadline = start + 120_000;
  while (withIP < SERVICES && performance.now() < deadline) {
    // Once a second: listing 10,000 Services is work for the lab, which shares this process.
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const list = await core.listNamespacedService({ namespace: 'default' });
    withIP = list.items.filter((s) => (s.status?.loadBalancer?.ingress?.length ?? 0) === 1).length;
  }
  const done = performance.now();
  const rss = controller.pid === undefined ? NaN : peakRssMiB(controller.pid);
  console.log(
    `controller: ${SERVICES.toLocaleString('en-US')} Services created in ${((created - start) / 1000).toFixed(1)} s; ` +
      `${withIP.toLocaleString('en-US')} with an IP ${((done - start) / 1000).toFixed(1)} s after the first create`,
  );
  console.log(`controller: peak RSS ${rss.toFixed(1)} MiB`);
} finally {
  controller.kill('SIGTERM');
  await lab.stop();
}
