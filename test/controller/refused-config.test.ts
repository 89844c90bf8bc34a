/**
 * A config the running controller refuses (it would leave held addresses
 * outside every pool) stays refused when the controller restarts: the
 * restarted controller starts on the last config it accepted (the
 * `metallb-ts-last-accepted` ConfigMap it keeps), refuses the ConfigMap by
 * the same check as at run time, and no Service loses its address. v0.9
 * adopts such a config at its next start; before this, metallb-ts did too,
 * and 24 of the 40 Services below lost their address.
 */
import type * as k8s from '@kubernetes/client-node';
import { expect } from 'chai';
import type { RunningController } from '../../src/cli/controller.js';
import type { Log } from '../../src/daemon/index.js';
import type { Lab } from '../../src/lab/index.js';
import { eventually } from '../support/eventually.js';
import {
  controllerFor,
  ingressByName,
  labWithConfig,
  METALLB_NAMESPACE as NS,
} from '../support/metallb-lab.js';

const poolOf = (cidr: string): string =>
  `address-pools:\n- name: lab\n  protocol: layer2\n  addresses:\n  - ${cidr}\n`;
/** 64 addresses: the 40 Services take .0 to .39. */
const ACCEPTED = poolOf('198.51.100.0/26');
/** 16 addresses: .16 to .39 would be outside every pool. */
const REFUSED = poolOf('198.51.100.0/28');
/** 128 addresses: every held one stays inside. */
const WIDER = poolOf('198.51.100.0/25');
const SERVICES = 40;
const LAST_ACCEPTED = 'metallb-ts-last-accepted';

describe('a refused config across a controller restart', function () {
  this.timeout(120_000);
  let lab: Lab;
  let core: k8s.CoreV1Api;
  let controller: RunningController | undefined;
  let logs: Parameters<Log>[0][] = [];

  afterEach(async () => {
    await controller?.stop();
    controller = undefined;
    await lab.stop();
  });

  async function startController(): Promise<void> {
    logs = [];
    controller = await controllerFor(lab, (entry) => logs.push(entry));
  }

  async function restartController(): Promise<void> {
    await controller?.stop();
    await startController();
  }

  async function setConfig(config: string): Promise<void> {
    await core.replaceNamespacedConfigMap({
      name: 'config',
      namespace: NS,
      body: { metadata: { name: 'config' }, data: { config } },
    });
  }

  async function createService(name: string): Promise<void> {
    await core.createNamespacedService({
      namespace: 'default',
      body: {
        metadata: { name },
        spec: { type: 'LoadBalancer', ports: [{ port: 80, protocol: 'TCP' }] },
      },
    });
  }

  const rejected = (): number => logs.filter((l) => l['event'] === 'configRejected').length;

  async function lastAccepted(): Promise<string | undefined> {
    const found = await core.readNamespacedConfigMap({ name: LAST_ACCEPTED, namespace: NS });
    return found.data?.['config'];
  }

  it('keeps all 40 addresses: the restarted controller refuses the config too', async () => {
    ({ lab, core } = await labWithConfig(ACCEPTED));
    await Promise.all(
      Array.from({ length: SERVICES }, (_, i) =>
        createService(`svc-${String(i).padStart(2, '0')}`),
      ),
    );
    await startController();
    await eventually(async () => {
      expect((await ingressByName(core)).size).to.equal(SERVICES);
    }, 30_000);
    const before = await ingressByName(core);
    await eventually(async () => expect(await lastAccepted()).to.equal(ACCEPTED), 10_000);

    await setConfig(REFUSED);
    await eventually(() => expect(rejected(), 'refused at run time').to.equal(1), 10_000);

    await restartController();
    await eventually(() => expect(rejected(), 'refused at start').to.equal(1), 10_000);
    await controller?.daemon.idle();
    const after = await ingressByName(core);
    const lost = [...before].filter(([name, ip]) => after.get(name) !== ip);
    expect(lost, 'Services that lost or changed their address').to.deep.equal([]);
    expect(await lastAccepted(), 'the last accepted config is still the old one').to.equal(
      ACCEPTED,
    );
    // The last accepted config is in force: a new Service gets the next address of its pool.
    await createService('svc-new');
    await eventually(async () => {
      expect((await ingressByName(core)).get('svc-new')).to.equal('198.51.100.40');
    }, 10_000);
    before.set('svc-new', '198.51.100.40');

    // A config that keeps every held address is taken, and becomes the last accepted one.
    await setConfig(WIDER);
    await eventually(async () => expect(await lastAccepted()).to.equal(WIDER), 10_000);
    await restartController();
    await controller?.daemon.idle();
    await eventually(() => expect(controller?.daemon.ready).to.equal(true), 10_000);
    expect(rejected(), 'nothing refused after the wider config').to.equal(0);
    expect(await ingressByName(core)).to.deep.equal(before);
  });
});
