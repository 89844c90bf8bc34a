/**
 * The controller on 10,000 Services: time from creating them in the lab to
 * all of them having an IP, and the controller's peak RSS (it runs as its
 * own process, so the figure is its own). Prints figures; asserts nothing.
 * Run: npm run bench. Traffic stays on 127.0.0.1 (the lab's port).
 */
import { ResilientInformer, type Service } from '../src/k8s/index.js';
import {
  BENCH_NAMESPACE as NS,
  benchLab,
  imageNodeFlags,
  rssMiB,
  spawnController,
} from './controller-process.js';

const SERVICES = 10_000;
const BATCH = 200;

const nodeFlags = imageNodeFlags();
const { lab, api } = await benchLab();

const controller = spawnController(lab.kubeconfigPath, NS, 'ignore');
// The moment the last Service gets its IP, as a watch sees it.
const addressed = new Set<string>();
let allAddressed: () => void = () => undefined;
const allHaveIPs = new Promise<void>((resolve) => (allAddressed = resolve));
const watcher = new ResilientInformer<Service>(
  api,
  { path: '/api/v1/namespaces/default/services' },
  {
    changed: (service) => {
      if ((service.status?.loadBalancer?.ingress?.length ?? 0) !== 1) return;
      addressed.add(service.metadata?.name ?? '');
      if (addressed.size === SERVICES) allAddressed();
    },
    deleted: () => undefined,
  },
);
await watcher.start();
try {
  await new Promise((resolve) => setTimeout(resolve, 1500)); // let it list and load the config
  const idleRss = rssMiB(controller.pid, 'VmRSS');
  const start = performance.now();
  for (let i = 0; i < SERVICES; i += BATCH) {
    await Promise.all(
      Array.from({ length: Math.min(BATCH, SERVICES - i) }, (_, j) =>
        api.request('POST', '/api/v1/namespaces/default/services', {
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
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    allHaveIPs,
    new Promise((resolve) => (timer = setTimeout(resolve, 120_000))),
  ]);
  clearTimeout(timer);
  const done = performance.now();
  const withIP = addressed.size;
  const rss = rssMiB(controller.pid, 'VmHWM');
  console.log(
    `controller: ${SERVICES.toLocaleString('en-US')} Services created in ${((created - start) / 1000).toFixed(1)} s; ` +
      `${withIP.toLocaleString('en-US')} with an IP ${((done - start) / 1000).toFixed(1)} s after the first create`,
  );
  console.log(
    `controller on Node ${process.versions.node}: RSS ${idleRss.toFixed(1)} MiB with the config and no Service, ` +
      `peak ${rss.toFixed(1)} MiB (node ${nodeFlags.join(' ')}, as the image runs it)`,
  );
} finally {
  controller.kill('SIGTERM');
  await watcher.stop();
  api.close();
  await lab.stop();
}
