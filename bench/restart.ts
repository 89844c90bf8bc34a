/**
 * A controller start over 10,000 Services that hold addresses (as a v0.9
 * controller or an earlier run left them, names in another order than
 * addresses) and 1,000 that wait for one: the time from the process's
 * spawn until every held address is taken back (the controller's
 * `restored` log line) and until every waiting Service has an address (as
 * a watch sees it), and how many held addresses moved (it must be 0). Prints figures; asserts nothing.
 * Run: npm run bench. Traffic stays on 127.0.0.1 (the lab's port).
 */
import { createInterface } from 'node:readline';
import { ResilientInformer, type Service } from '../src/k8s/index.js';
import { seededRandom, shuffled } from '../test/support/seeded.js';
import { BENCH_NAMESPACE, benchLab, cpuSeconds, spawnController } from './controller-process.js';

const HOLDING = 10_000;
const WAITING = 1_000;
const BATCH = 200;
const SERVICES_PATH = '/api/v1/namespaces/default/services';

const { lab, api } = await benchLab();

const addresses = shuffled(
  Array.from({ length: 16_384 }, (_, i) => `198.18.${i >> 8}.${i & 0xff}`),
  seededRandom(2026),
);
const held = new Map(Array.from({ length: HOLDING }, (_, i) => [`held-${i}`, addresses[i] ?? '']));
const waiting = Array.from({ length: WAITING }, (_, i) => `a-waiting-${i}`);
const created = performance.now();
const names = [...held.keys(), ...waiting];
for (let i = 0; i < names.length; i += BATCH) {
  await Promise.all(
    names.slice(i, i + BATCH).map(async (name) => {
      await api.request('POST', SERVICES_PATH, {
        body: {
          metadata: { name },
          spec: {
            type: 'LoadBalancer',
            allocateLoadBalancerNodePorts: false,
            ports: [{ port: 443, protocol: 'TCP' }],
          },
        },
      });
      const ip = held.get(name);
      if (ip === undefined) return;
      await api.request('PATCH', `${SERVICES_PATH}/${name}/status`, {
        body: { status: { loadBalancer: { ingress: [{ ip }] } } },
        contentType: 'application/merge-patch+json',
      });
    }),
  );
}
console.log(
  `restart: ${HOLDING.toLocaleString('en-US')} Services holding addresses and ${WAITING.toLocaleString('en-US')} waiting, created in ${((performance.now() - created) / 1000).toFixed(1)} s`,
);

// The watch sees each waiting Service get its address.
const served = new Set<string>();
let allServed: () => void = () => undefined;
const everyWaitingServed = new Promise<void>((resolve) => (allServed = resolve));
const watcher = new ResilientInformer<Service>(
  api,
  { path: SERVICES_PATH },
  {
    changed: (service) => {
      const name = service.metadata?.name ?? '';
      if (held.has(name) || (service.status?.loadBalancer?.ingress?.length ?? 0) === 0) return;
      served.add(name);
      if (served.size === WAITING) allServed();
    },
    deleted: () => undefined,
  },
);
await watcher.start();

const start = performance.now();
const controller = spawnController(lab.kubeconfigPath, BENCH_NAMESPACE, 'pipe');
const since = (): string => ((performance.now() - start) / 1000).toFixed(2);
try {
  const lines = createInterface({ input: controller.stdout ?? process.stdin });
  let listedAt = '';
  let restored = 0;
  const heldTakenBack = new Promise<string>((resolve) => {
    lines.on('line', (line) => {
      const entry = JSON.parse(line) as { event?: string; services?: number };
      if (entry.event === 'synced') listedAt = since();
      if (entry.event !== 'restored') return;
      restored = entry.services ?? 0;
      resolve(since());
    });
  });
  const heldAt = await heldTakenBack;
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    everyWaitingServed,
    new Promise((resolve) => (timer = setTimeout(resolve, 120_000))),
  ]);
  clearTimeout(timer);
  const servedAt = since();
  const cpu = cpuSeconds(controller.pid).toFixed(2);
  const list = await api.request<{ items: Service[] }>('GET', SERVICES_PATH);
  const moved = list.items.filter((service) => {
    const ip = held.get(service.metadata?.name ?? '');
    return ip !== undefined && service.status?.loadBalancer?.ingress?.[0]?.ip !== ip;
  }).length;
  console.log(
    `restart: from the controller's spawn, Services listed at ${listedAt} s, ` +
      `the ${restored.toLocaleString('en-US')} Services holding addresses restored at ${heldAt} s, ` +
      `${served.size.toLocaleString('en-US')} of ${WAITING.toLocaleString('en-US')} waiting Services served at ${servedAt} s; ` +
      `held addresses moved: ${moved}; controller CPU by then ${cpu} s`,
  );
} finally {
  controller.kill('SIGTERM');
  await watcher.stop();
  api.close();
  await lab.stop();
}
