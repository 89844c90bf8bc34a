/**
 * The real controller, stopped and started again at random points of its
 * start, over about 2,000 Services of both families that hold addresses
 * (some shared) and Services waiting for one, in pools that are nearly
 * full: no held address moves, and the waiting ones get only addresses
 * nobody held. `migrate check`, run on the same Services beforehand,
 * predicts it. The model-level property test (restart-property.test.ts)
 * covers many more orders; this one shows the daemon's I/O does not undo it.
 */
import { expect } from 'chai';
import type { RunningController } from '../../src/cli/controller.js';
import { parseConfig } from '../../src/config/index.js';
import { checkUpgrade } from '../../src/migrate/index.js';
import { serviceRequest, type ServiceObject } from '../../src/service/index.js';
import type { ApiClient } from '../../src/k8s/index.js';
import type { Lab } from '../../src/lab/index.js';
import { eventually } from '../support/eventually.js';
import { labApi } from '../support/lab-api.js';
import { controllerFor, labWithConfig } from '../support/metallb-lab.js';
import { seededRandom, shuffled } from '../support/seeded.js';

/** 768 IPv4 addresses in three pools; 2,048 IPv6 ones. */
const CONFIG = `address-pools:
- {name: a, protocol: layer2, addresses: [192.0.2.0/24]}
- {name: b, protocol: layer2, addresses: [198.51.100.0/24]}
- {name: c, protocol: layer2, addresses: [203.0.113.0/24]}
- {name: six, protocol: layer2, addresses: ['2001:db8::/117']}
`;
const V4 = ['192.0.2', '198.51.100', '203.0.113'].flatMap((net) =>
  Array.from({ length: 256 }, (_, i) => `${net}.${i}`),
);
const V6 = Array.from({ length: 2048 }, (_, i) => `2001:db8::${i.toString(16)}`);
/** Addresses held by one Service each, and by a pair sharing it; the waiting Services are listed first. */
const V4_SINGLE = 600;
const V4_PAIRS = 120;
const V6_HOLDERS = 1_100;
const PENDING_V4 = 80;
const PENDING_V6 = 40;
const SEED = 20_261_206;
const RESTARTS = 3;

interface Wanted {
  readonly name: string;
  readonly family: 4 | 6;
  readonly ip: string | null;
  readonly share?: string;
  readonly port: number;
}

function servicesToCreate(random: () => number): Wanted[] {
  const v4 = shuffled(V4, random);
  const v6 = shuffled(V6, random);
  const wanted: Wanted[] = [];
  for (let i = 0; i < V4_SINGLE; i++)
    wanted.push({ name: `h4-${i}`, family: 4, ip: v4[i] as string, port: 80 });
  for (let i = 0; i < V4_PAIRS; i++) {
    const ip = v4[V4_SINGLE + i] as string;
    for (const port of [80, 443])
      wanted.push({ name: `p4-${i}-${port}`, family: 4, ip, share: `pair-${i}`, port });
  }
  for (let i = 0; i < V6_HOLDERS; i++)
    wanted.push({ name: `h6-${i}`, family: 6, ip: v6[i] as string, port: 80 });
  for (let i = 0; i < PENDING_V4; i++)
    wanted.push({ name: `a-wait4-${i}`, family: 4, ip: null, port: 80 });
  for (let i = 0; i < PENDING_V6; i++)
    wanted.push({ name: `a-wait6-${i}`, family: 6, ip: null, port: 80 });
  return shuffled(wanted, random);
}

async function create(api: ApiClient, wanted: readonly Wanted[]): Promise<void> {
  for (let i = 0; i < wanted.length; i += 100) {
    await Promise.all(
      wanted.slice(i, i + 100).map(async (w) => {
        const path = '/api/v1/namespaces/default/services';
        await api.request('POST', path, {
          body: {
            metadata: {
              name: w.name,
              ...(w.share === undefined
                ? {}
                : { annotations: { 'metallb.universe.tf/allow-shared-ip': w.share } }),
            },
            spec: {
              type: 'LoadBalancer',
              ipFamilies: [w.family === 4 ? 'IPv4' : 'IPv6'],
              ports: [{ port: w.port, protocol: 'TCP' }],
            },
          },
        });
        if (w.ip === null) return;
        await api.request('PATCH', `${path}/${w.name}/status`, {
          body: { status: { loadBalancer: { ingress: [{ ip: w.ip }] } } },
          contentType: 'application/merge-patch+json',
        });
      }),
    );
  }
}

async function servicesNow(api: ApiClient): Promise<ServiceObject[]> {
  const list = await api.request<{ items: ServiceObject[] }>(
    'GET',
    '/api/v1/namespaces/default/services',
  );
  return list.items;
}

const firstIngress = (s: ServiceObject): string | undefined =>
  s.status?.loadBalancer?.ingress?.[0]?.ip;

describe('controller restarted at random points of its start (about 2,000 Services)', function () {
  this.timeout(300_000);
  let lab: Lab;
  let api: ApiClient;
  let controller: RunningController | undefined;

  afterEach(async () => {
    await controller?.stop();
    controller = undefined;
    api.close();
    await lab.stop();
  });

  it(`moves no held address (seed ${SEED})`, async () => {
    ({ lab } = await labWithConfig(CONFIG));
    api = labApi(lab);
    const random = seededRandom(SEED);
    const wanted = servicesToCreate(random);
    await create(api, wanted);
    const held = new Map(wanted.flatMap((w) => (w.ip === null ? [] : [[w.name, w.ip] as const])));
    const heldSet = new Set(held.values());

    const parsed = parseConfig(CONFIG);
    if (!parsed.ok) throw new Error('the test config does not parse');
    const check = checkUpgrade(parsed, (await servicesNow(api)).map(serviceRequest));
    expect(check.safe, 'migrate check: safe').to.equal(true);
    expect(check.services?.kept.length, 'migrate check: kept').to.equal(held.size);

    const pauses: number[] = [];
    for (let run = 0; run < RESTARTS; run++) {
      controller = await controllerFor(lab, () => undefined);
      const pause = Math.floor(random() * 400);
      pauses.push(pause);
      await new Promise((resolve) => setTimeout(resolve, pause));
      await controller.stop();
      controller = undefined;
    }
    controller = await controllerFor(lab, () => undefined);

    const freeV4 = V4.length - V4_SINGLE - V4_PAIRS;
    const context = `seed ${SEED}, stopped after ${pauses.join(', ')} ms`;
    await eventually(async () => {
      const served = (await servicesNow(api)).filter(
        (s) => s.metadata?.name?.startsWith('a-wait') === true && firstIngress(s) !== undefined,
      );
      expect(served, `waiting Services served (${context})`).to.have.length(
        Math.min(freeV4, PENDING_V4) + PENDING_V6,
      );
    }, 120_000);
    const now = await servicesNow(api);
    const moved = now.filter((s) => {
      const before = held.get(s.metadata?.name ?? '');
      return before !== undefined && firstIngress(s) !== before;
    });
    expect(
      moved.map((s) => s.metadata?.name),
      `held addresses that moved (${context})`,
    ).to.deep.equal([]);
    const taken = now
      .filter((s) => s.metadata?.name?.startsWith('a-wait') === true)
      .flatMap((s) => firstIngress(s) ?? []);
    expect(
      taken.filter((ip) => heldSet.has(ip)),
      `addresses given away that others hold (${context})`,
    ).to.deep.equal([]);
    expect(new Set(taken).size, 'no free address given twice').to.equal(taken.length);
  });
});
