/**
 * The controller under fire: 1,000 random Service operations (seeded, so a
 * failure replays) while the lab closes watches, expires its history (410),
 * fails requests with 500 and pauses writes. At the end every address held
 * follows the rules, none is held twice outside the sharing rules, and a
 * restart would change nothing.
 */
import type * as k8s from '@kubernetes/client-node';
import { expect } from 'chai';
import type { RunningController } from '../../src/cli/controller.js';
import { parseConfig } from '../../src/config/index.js';
import { planServices } from '../../src/controller/index.js';
import { serviceRequest } from '../../src/service/index.js';
import { cidrContains, parseIP } from '../../src/ip/index.js';
import type { Lab } from '../../src/lab/index.js';
import { controllerFor, labWithConfig } from '../support/metallb-lab.js';
import { seededRandom } from '../support/seeded.js';

const CONFIG = `address-pools:
- name: main
  protocol: layer2
  addresses: [198.51.100.0/27]
- name: reserved
  protocol: layer2
  auto-assign: false
  addresses: [203.0.113.0/29]
`;
const OPERATIONS = 1000;
const NAMES = Array.from({ length: 40 }, (_, i) => `svc-${i}`);

describe('controller daemon under injected faults', function () {
  this.timeout(180_000);
  let lab: Lab;
  let controller: RunningController | undefined;

  afterEach(async () => {
    await controller?.stop();
    await lab.stop();
  });

  it('ends with every address by the rules after 1,000 random operations and faults', async () => {
    const fixture = await labWithConfig(CONFIG);
    lab = fixture.lab;
    const core = fixture.core;
    controller = await controllerFor(lab, () => undefined, { initialMs: 20, maxMs: 500 });

    const next = seededRandom(2026);
    const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)] as T;
    const body = (name: string): k8s.V1Service => {
      const annotations: Record<string, string> = {};
      const roll = next();
      if (roll < 0.15)
        annotations['metallb.universe.tf/address-pool'] = pick(['main', 'reserved', 'missing']);
      if (next() < 0.3) annotations['metallb.universe.tf/allow-shared-ip'] = pick(['k1', 'k2']);
      return {
        metadata: { name, annotations },
        spec: {
          type: next() < 0.85 ? 'LoadBalancer' : 'ClusterIP',
          ...(roll > 0.9
            ? {
                loadBalancerIP: pick(['198.51.100.3', '198.51.100.31', '203.0.113.2', '192.0.2.1']),
              }
            : {}),
          ports: [{ port: pick([80, 443, 53]), protocol: pick(['TCP', 'UDP']) }],
        },
      };
    };

    let failures = 0;
    for (let op = 0; op < OPERATIONS; op++) {
      if (op % 50 === 25) {
        const fault = pick(['close-watches', 'expire', 'fail', 'pause'] as const);
        if (fault === 'close-watches') lab.inject({ action: 'close-watches' });
        if (fault === 'expire') {
          lab.inject({ action: 'expire-history' });
          lab.inject({ action: 'close-watches' });
        }
        if (fault === 'fail') lab.inject({ action: 'fail', count: 3, code: 500 });
        if (fault === 'pause') {
          lab.inject({ action: 'pause-writes' });
          setTimeout(() => lab.inject({ action: 'resume-writes' }), 100);
        }
      }
      const name = pick(NAMES);
      try {
        const choice = next();
        if (choice < 0.5) {
          await core.createNamespacedService({ namespace: 'default', body: body(name) });
        } else if (choice < 0.75) {
          await core.deleteNamespacedService({ name, namespace: 'default' });
        } else {
          const current = await core.readNamespacedService({ name, namespace: 'default' });
          const changed = body(name);
          current.metadata = {
            ...current.metadata,
            annotations: changed.metadata?.annotations ?? {},
          };
          current.spec = {
            ...current.spec,
            type: changed.spec?.type ?? 'LoadBalancer',
            loadBalancerIP: changed.spec?.loadBalancerIP ?? '',
          };
          await core.replaceNamespacedService({ name, namespace: 'default', body: current });
        }
      } catch {
        failures++; // 404s, 409s and injected 500s: the test's own operations may fail, the controller must cope
      }
    }
    lab.inject({ action: 'clear' });
    expect(failures).to.be.lessThan(OPERATIONS);

    // Let the controller settle: the state stops changing.
    let last = '';
    for (let stable = 0; stable < 3;) {
      await new Promise((resolve) => setTimeout(resolve, 300));
      await controller.daemon.idle();
      const now = JSON.stringify(
        (await core.listNamespacedService({ namespace: 'default' })).items.map((s) => [
          s.metadata?.name,
          s.status?.loadBalancer?.ingress,
        ]),
      );
      stable = now === last ? stable + 1 : 0;
      last = now;
    }

    const services = (await core.listNamespacedService({ namespace: 'default' })).items;
    const config = parseConfig(CONFIG);
    if (!config.ok) throw new Error('bad test config');
    const pools = new Map(config.config.pools.map((p) => [p.name, p]));
    const holders = new Map<string, k8s.V1Service[]>();
    for (const service of services) {
      const ingress = service.status?.loadBalancer?.ingress ?? [];
      const name = service.metadata?.name ?? '';
      if (service.spec?.type !== 'LoadBalancer') {
        expect(ingress, `${name} is no LoadBalancer and holds nothing`).to.have.length(0);
        continue;
      }
      if (ingress.length === 0) continue; // no room, or an impossible request: checked by the plan below
      expect(ingress, name).to.have.length(1);
      const ip = ingress[0]?.ip ?? '';
      const parsed = parseIP(ip);
      expect(parsed.ok, `${name}: ${ip}`).to.equal(true);
      const wantedPool = service.metadata?.annotations?.['metallb.universe.tf/address-pool'];
      const inPool = (pool: string): boolean =>
        (pools.get(pool)?.cidrs ?? []).some((c) => parsed.ok && cidrContains(c, parsed.value));
      if (service.spec.loadBalancerIP !== undefined && service.spec.loadBalancerIP !== '') {
        expect(ip, `${name} holds its requested IP`).to.equal(service.spec.loadBalancerIP);
      } else if (wantedPool !== undefined) {
        expect(inPool(wantedPool), `${name} holds ${ip} from pool ${wantedPool}`).to.equal(true);
      } else {
        // v0.9 keeps a held address when spec.loadBalancerIP is removed: any pool will do.
        expect([...pools.keys()].some(inPool), `${name} holds ${ip} from a pool`).to.equal(true);
      }
      holders.set(ip, [...(holders.get(ip) ?? []), service]);
    }
    for (const [ip, sharing] of holders) {
      if (sharing.length < 2) continue;
      const keys = new Set(
        sharing.map((s) => s.metadata?.annotations?.['metallb.universe.tf/allow-shared-ip'] ?? ''),
      );
      expect(
        keys.size === 1 && !keys.has(''),
        `${ip} is shared only under one sharing key`,
      ).to.equal(true);
      const ports = sharing.flatMap((s) =>
        (s.spec?.ports ?? []).map((p) => `${p.protocol ?? 'TCP'}/${p.port}`),
      );
      expect(new Set(ports).size, `${ip}: no port twice`).to.equal(ports.length);
    }

    // A restart would move nothing: the plan over this state keeps every held address.
    const plan = planServices(config.config, services.map(serviceRequest));
    for (const planned of plan.services) {
      if (planned.previousIp !== null)
        expect(planned.changed, `${planned.service} keeps ${planned.previousIp}`).to.equal(false);
    }
    // And what the controller left without an address, the rules leave without one too.
    for (const planned of plan.services) {
      if (planned.previousIp === null)
        expect(planned.ip, `${planned.service}: ${planned.error ?? ''}`).to.equal(null);
    }
  });
});

describe('controller daemon across an API server outage', function () {
  this.timeout(60_000);

  it('carries on once the API server is back, with nothing lost', async () => {
    const { lab, core } = await labWithConfig(CONFIG);
    let controller: RunningController | undefined;
    try {
      const failures: string[] = [];
      controller = await controllerFor(
        lab,
        (fields) => {
          if (fields['op'] === 'watch') failures.push(String(fields['error']));
        },
        { initialMs: 50, maxMs: 400 },
      );
      const lb = (name: string): k8s.V1Service => ({
        metadata: { name },
        spec: { type: 'LoadBalancer', ports: [{ port: 80 }] },
      });
      await core.createNamespacedService({ namespace: 'default', body: lb('before') });

      // Two seconds without an API server: watches break, relists fail, the informers back off.
      await lab.outage(2000);
      expect(failures.length, 'the controller saw the outage').to.be.greaterThan(0);
      await core.createNamespacedService({ namespace: 'default', body: lb('after') });

      const deadline = Date.now() + 20_000;
      let ips: (string | undefined)[] = [];
      while (Date.now() < deadline) {
        const list = (await core.listNamespacedService({ namespace: 'default' })).items;
        ips = ['before', 'after'].map(
          (n) => list.find((s) => s.metadata?.name === n)?.status?.loadBalancer?.ingress?.[0]?.ip,
        );
        if (ips.every((ip) => ip !== undefined)) break;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      expect(ips).to.deep.equal(['198.51.100.0', '198.51.100.1']);
    } finally {
      await controller?.stop();
      await lab.stop();
    }
  });
});
