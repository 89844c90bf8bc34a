/**
 * `metallb-ts lab` (the README's run command): the API, the config, the
 * controller and the sample Services with their addresses.
 */
import * as k8s from '@kubernetes/client-node';
import { expect } from 'chai';
import { createHash } from 'node:crypto';
import { processIO, type CliIO } from '../../src/cli/index.js';
import { startLab, type RunningLab } from '../../src/cli/lab.js';

/** The node v0.9 elects: every lab node has a ready backend, so the smallest sha256("node#svc"). */
function announcer(service: string): string {
  const nodes = ['lab-node-1', 'lab-node-2', 'lab-node-3'];
  const hash = (node: string) => createHash('sha256').update(`${node}#${service}`).digest('hex');
  return nodes.sort((a, b) => (hash(a) < hash(b) ? -1 : 1))[0] ?? '';
}

describe('cli: metallb-ts lab (the demo)', function () {
  this.timeout(30_000);
  let running: RunningLab | undefined;
  let output = '';
  const io: CliIO = { ...processIO(), stdout: (t) => (output += t), stderr: (t) => (output += t) };

  afterEach(async () => {
    await running?.stop();
    running = undefined;
    output = '';
  });

  it('prints the sample Services with addresses from the demo pool, and kubectl-visible state', async () => {
    const started = await startLab([], io);
    expect(started.code).to.equal(0);
    running = started.running;
    // Each row names the speaker that announces it (dry run: no packets).
    const row = (service: string, rest: string) =>
      new RegExp(`^default/${service}\\s+${rest}\\s+${announcer(`default/${service}`)}$`, 'm');
    expect(output).to.match(row('web', '192\\.0\\.2\\.0\\s+80/TCP'));
    // The two DNS Services share one address by their sharing key.
    expect(output).to.match(row('dns-tcp', '192\\.0\\.2\\.1\\s+53/TCP'));
    expect(output).to.match(row('dns-udp', '192\\.0\\.2\\.1\\s+53/UDP'));

    const kc = new k8s.KubeConfig();
    kc.loadFromFile(running?.lab.kubeconfigPath ?? '');
    const core = kc.makeApiClient(k8s.CoreV1Api);
    const web = await core.readNamespacedService({ name: 'web', namespace: 'default' });
    expect(web.status?.loadBalancer?.ingress?.[0]?.ip).to.equal('192.0.2.0');
  });

  it('starts the API alone with --api-only', async () => {
    const started = await startLab(['--api-only'], io);
    running = started.running;
    expect(running?.controller).to.equal(undefined);
    expect(output).to.not.include('EXTERNAL-IP');
  });

  for (const minor of [19, 24]) {
    it(`answers as the release --kubernetes-version names, and the demo runs there (1.${minor})`, async () => {
      const started = await startLab(['--kubernetes-version', `1.${minor}`], io);
      expect(started.code, output).to.equal(0);
      running = started.running;
      expect(running?.lab.kubernetesVersion).to.deep.equal({ major: 1, minor });
      // The controller assigned, and the speakers, listing what the release serves, announce.
      expect(output).to.match(
        new RegExp(
          `^default/web\\s+192\\.0\\.2\\.0\\s+80/TCP\\s+${announcer('default/web')}$`,
          'm',
        ),
      );
    });
  }

  it('refuses a --kubernetes-version outside 1.19..1.32 with the range, exit code 2', async () => {
    const started = await startLab(['--api-only', '--kubernetes-version', '1.18'], io);
    expect(started.code).to.equal(2);
    expect(started.running).to.equal(undefined);
    expect(output).to.include('outside the range the lab speaks: 1.19 to 1.32');
  });
});
