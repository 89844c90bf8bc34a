/**
 * ConfigKeeper, the `config` ConfigMap as both daemons take it, against the
 * lab with the speaker's ServiceAccount (the manifests' RBAC): warnings
 * logged, counted and recorded as Events once per distinct config; a
 * deleted ConfigMap marked stale and retried as v0.9 does while the config
 * in force stays; and a parse that ends late never replacing a later one.
 */
import * as k8s from '@kubernetes/client-node';
import { expect } from 'chai';
import { parseConfigData, type ConfigResult } from '../../src/config/index.js';
import {
  ConfigKeeper,
  DaemonShell,
  KeyedWorkQueue,
  type ParseConfigData,
} from '../../src/daemon/index.js';
import type { ApiClient, ConfigData } from '../../src/k8s/index.js';
import type { Lab } from '../../src/lab/index.js';
import { k8sClientMetrics, newRegistry } from '../../src/metrics/index.js';
import { eventually } from '../support/eventually.js';
import {
  labWithConfig,
  METALLB_NAMESPACE as NS,
  serviceAccountApi,
  SPEAKER_ACCOUNT,
} from '../support/metallb-lab.js';

const POOL = 'address-pools:\n- name: lab\n  protocol: layer2\n  addresses:\n  - 198.51.100.0/24\n';
const OTHER = 'address-pools:\n- name: other\n  protocol: layer2\n  addresses: [203.0.113.0/24]\n';
/**
 * The swapped range the issue found in a real cluster: v0.9 accepts it and
 * it covers no address; src/config says so in a warning on its line (6).
 */
const SWAPPED = `${POOL}  - 172.21.11.2-172.20.11.254\n`;

type Fields = Record<string, string | number | boolean>;

describe('ConfigKeeper, against the lab', function () {
  this.timeout(60_000);
  let lab: Lab;
  let core: k8s.CoreV1Api;
  let api: ApiClient;
  const stops: (() => Promise<void>)[] = [];

  beforeEach(async () => {
    ({ lab, core } = await labWithConfig(POOL));
    api = serviceAccountApi(lab, SPEAKER_ACCOUNT);
  });
  afterEach(async () => {
    for (const stop of stops.splice(0).reverse()) await stop();
    api.close();
    await lab.stop();
  });

  /** A keeper worked by a queue of one, as the speaker's; `parse` by default the worker thread's. */
  async function startKeeper(parse?: ParseConfigData, take: () => undefined = () => undefined) {
    const logs: Fields[] = [];
    const registry = newRegistry();
    const metrics = k8sClientMetrics(registry);
    const shell = new DaemonShell({
      api,
      log: (fields) => logs.push(fields),
      component: 'metallb-speaker',
    });
    const queue: KeyedWorkQueue = new KeyedWorkQueue({
      work: async () => void (await keeper.sync()),
      concurrency: 1,
    });
    const keeper: ConfigKeeper = new ConfigKeeper(shell, {
      namespace: NS,
      configName: 'config',
      metrics,
      withoutConfig: 'nothing is announced',
      changed: () => queue.add('config'),
      take,
      ...(parse === undefined ? {} : { parse }),
    });
    stops.push(() => {
      queue.stop();
      return keeper.stop();
    });
    await keeper.start();
    const metric = async (name: string): Promise<number | undefined> =>
      (await registry.getSingleMetric(name)?.get())?.values[0]?.value;
    return { keeper, logs, metric, queue };
  }

  const setConfig = (text: string) =>
    core.patchNamespacedConfigMap(
      { name: 'config', namespace: NS, body: { data: { config: text } } },
      k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
    );

  const warningEvents = async () =>
    (await core.listNamespacedEvent({ namespace: NS })).items.filter(
      (e) => e.reason === 'ConfigWarning' && e.involvedObject.kind === 'ConfigMap',
    );

  it('logs each warning of a config it takes, counts them, and records one Event per distinct config', async () => {
    const { keeper, logs, metric } = await startKeeper();
    await eventually(() => expect(keeper.config).to.not.equal(null));
    expect(await metric('metallb_ts_config_warnings')).to.equal(0);

    // The warning as src/config words it, which the keeper passes on as it is.
    const parsed = parseConfigData({ config: SWAPPED });
    const [warning] = parsed.ok ? parsed.warnings : [];
    expect(warning?.path).to.equal('address-pools[0].addresses[1]');
    expect(warning?.line).to.equal(6);
    await setConfig(SWAPPED);
    await eventually(async () => expect(await metric('metallb_ts_config_warnings')).to.equal(1));
    expect(logs.filter((l) => l['event'] === 'configWarning')).to.deep.equal([
      {
        op: 'setConfig',
        event: 'configWarning',
        source: 'config',
        path: warning?.path,
        line: 6,
        msg: warning?.message,
      },
    ]);
    await eventually(async () =>
      expect((await warningEvents()).map((e) => [e.type, e.message, e.count])).to.deep.equal([
        ['Warning', `${warning?.path} (line 6): ${warning?.message}`, 1],
      ]),
    );
    expect((await warningEvents())[0]?.source?.component).to.equal('metallb-speaker');

    // The same data read again (a change of a label only): no second Event.
    await core.patchNamespacedConfigMap(
      { name: 'config', namespace: NS, body: { metadata: { labels: { touched: 'yes' } } } },
      k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
    );
    await eventually(() =>
      expect(logs.filter((l) => l['event'] === 'configLoaded')).to.have.length(3),
    );
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect((await warningEvents()).map((e) => e.count)).to.deep.equal([1]);

    // A config without warnings: the gauge says so.
    await setConfig(POOL);
    await eventually(async () => expect(await metric('metallb_ts_config_warnings')).to.equal(0));
  });

  it('marks a deleted ConfigMap stale and retries it, as v0.9, keeping the config in force until it is back', async () => {
    const { keeper, logs, metric } = await startKeeper();
    await eventually(() => expect(keeper.config).to.not.equal(null));
    const inForce = keeper.config;
    expect(await metric('metallb_k8s_client_config_stale_bool')).to.equal(0);

    await core.deleteNamespacedConfigMap({ name: 'config', namespace: NS });
    await eventually(async () =>
      expect(await metric('metallb_k8s_client_config_stale_bool')).to.equal(1),
    );
    // v0.9.6 internal/k8s/k8s.go: SetConfig(nil) is an error, so the key is retried with backoff.
    await eventually(async () =>
      expect(await metric('metallb_k8s_client_update_errors_total')).to.be.at.least(3),
    );
    const deleted = logs.filter((l) => l['event'] === 'configDeleted');
    expect(deleted[0]?.['error']).to.equal('no MetalLB configuration in cluster');
    expect(deleted.map((l) => l['retryInMs']).slice(0, 3)).to.deep.equal([100, 200, 400]);
    expect(keeper.config).to.deep.equal(inForce);

    await core.createNamespacedConfigMap({
      namespace: NS,
      body: { metadata: { name: 'config' }, data: { config: POOL } },
    });
    await eventually(async () =>
      expect(await metric('metallb_k8s_client_config_stale_bool')).to.equal(0),
    );
    const errors = await metric('metallb_k8s_client_update_errors_total');
    await new Promise((resolve) => setTimeout(resolve, 1000));
    expect(await metric('metallb_k8s_client_update_errors_total'), 'no retry after').to.equal(
      errors,
    );
  });

  it('waits without marking anything stale when there has never been a ConfigMap, as v0.9', async () => {
    await core.deleteNamespacedConfigMap({ name: 'config', namespace: NS });
    const { keeper, logs, metric } = await startKeeper();
    await eventually(() => expect(logs.map((l) => l['event'])).to.include('noConfig'));
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(keeper.config).to.equal(null);
    expect(await metric('metallb_k8s_client_config_stale_bool')).to.equal(0);
    expect(await metric('metallb_k8s_client_update_errors_total')).to.equal(0);
  });

  it('never lets a parse that ends late replace a later config taken', async () => {
    const answers: { data: ConfigData; answer: (result: ConfigResult) => void }[] = [];
    const { keeper, queue } = await startKeeper(
      (data) => new Promise((answer) => answers.push({ data, answer })),
    );
    queue.stop(); // only the offers below
    const older = keeper.offer({ config: POOL }, 'older');
    const newer = keeper.offer({ config: OTHER }, 'newer');
    await eventually(() => expect(answers.length).to.be.at.least(2));
    const [first, second] = answers.slice(-2);
    second?.answer(parseConfigData(second.data));
    expect(await newer).to.equal(true);
    first?.answer(parseConfigData(first.data));
    expect(await older).to.equal(false);
    expect(keeper.acceptedData).to.deep.equal({ config: OTHER });
  });

  it('drops a parse that ends after the keeper stopped, without running the check', async () => {
    const answers: ((result: ConfigResult) => void)[] = [];
    let checked = 0;
    const { keeper, queue } = await startKeeper(
      () => new Promise((answer) => answers.push(answer)),
      () => void checked++,
    );
    queue.stop();
    const offered = keeper.offer({ config: OTHER }, 'late');
    await eventually(() => expect(answers.length).to.be.at.least(1));
    await keeper.stop();
    for (const answer of answers) answer(parseConfigData({ config: OTHER }));
    expect(await offered).to.equal(false);
    expect(checked).to.equal(0);
  });
});
