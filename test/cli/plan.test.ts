/**
 * `metallb-ts plan`: a dry run over kubectl's Service list.
 */
import { expect } from 'chai';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { planReport } from '../../src/cli/plan.js';
import { planServices } from '../../src/controller/index.js';
import { configWithClasses, service } from '../controller/classes.js';
import { runCli } from '../support/cli.js';
import type { PlanJson } from './examples.js';
import { FIXTURES } from '../support/paths.js';

const NEW_USER = join(FIXTURES, 'plan', 'new-user-services.yaml');

describe('cli: plan inputs', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'metallb-ts-plan-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));
  const write = (name: string, content: string): string => {
    const file = join(dir, name);
    writeFileSync(file, content);
    return file;
  };
  const config = (): string =>
    write(
      'config.yaml',
      'address-pools:\n- {name: a, protocol: layer2, addresses: [192.0.2.0/30]}\n',
    );
  const svc = (name: string, ip?: string): object => ({
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name, namespace: 'ns' },
    spec: { type: 'LoadBalancer', clusterIP: '10.96.0.1', ports: [{ port: 80, protocol: 'TCP' }] },
    status: { loadBalancer: ip === undefined ? {} : { ingress: [{ ip }] } },
  });

  it('reads kubectl -o json (a List)', async () => {
    const services = write(
      'svc.json',
      JSON.stringify({ apiVersion: 'v1', kind: 'List', items: [svc('x'), svc('y', '192.0.2.0')] }),
    );
    const ran = await runCli(['plan', '--json', '--config', config(), '--services', services]);
    expect(ran.code).to.equal(0);
    const plan = JSON.parse(ran.stdout) as PlanJson;
    expect(plan.services.map((s) => [s.service, s.ip])).to.deep.equal([
      ['ns/x', '192.0.2.1'],
      ['ns/y', '192.0.2.0'],
    ]);
  });

  it('reads YAML documents of Service manifests', async () => {
    const services = write(
      'svc.yaml',
      `${JSON.stringify(svc('x'))}\n---\n${JSON.stringify(svc('y'))}\n`,
    );
    const ran = await runCli(['plan', '--config', config(), '--services', services]);
    expect(ran.code).to.equal(0);
    expect(ran.stdout).to.include('ns/y: 192.0.2.1 from pool a, new');
  });

  it('warns when the controller, running or starting, would refuse the config', async () => {
    const services = write(
      'orphan.json',
      JSON.stringify({ kind: 'List', items: [svc('x', '198.51.100.9')] }),
    );
    const ran = await runCli(['plan', '--config', config(), '--services', services]);
    expect(ran.stdout).to.include('ns/x: 192.0.2.0 from pool a, CHANGED from 198.51.100.9');
    expect(ran.stdout).to.match(
      /warning: the controller refuses this config, running or starting, .*ns\/x 198\.51\.100\.9/,
    );
  });

  it('stops on an invalid config with its errors, exit 1', async () => {
    const bad = write(
      'bad.yaml',
      'address-pools:\n- {name: a, protocol: layer3, addresses: [192.0.2.0/30]}\n',
    );
    const ran = await runCli(['plan', '--config', bad, '--services', NEW_USER]);
    expect(ran.code).to.equal(1);
    expect(ran.stdout).to.include('address-pools[0].protocol (line 2)');
  });

  it('says so when the Services file holds no Service or is not YAML', async () => {
    const none = await runCli([
      'plan',
      '--config',
      config(),
      '--services',
      write('none.yaml', 'kind: ConfigMap\n'),
    ]);
    expect(none.code).to.equal(1);
    expect(none.stdout).to.include('no Service in the input');
    const broken = await runCli([
      'plan',
      '--config',
      config(),
      '--services',
      write('broken.yaml', 'items: [a, b\n'),
    ]);
    expect(broken.code).to.equal(1);
    expect(broken.stdout.trimEnd().split('\n')).to.have.length(1);
  });

  it('exits 2 for usage errors and unreadable files', async () => {
    expect((await runCli(['plan', '--config', config()])).code).to.equal(2);
    expect((await runCli(['plan', '--config', '-', '--services', '-'])).code).to.equal(2);
    expect(
      (await runCli(['plan', '--config', join(dir, 'missing'), '--services', NEW_USER])).code,
    ).to.equal(2);
    expect((await runCli(['plan', '--help'])).code).to.equal(0);
  });
});

describe('cli: plan, Services of a balancer class', () => {
  // The new config shrinks class edge from 203.0.113.16/29 to 203.0.113.16/30.
  const config = configWithClasses(
    `address-pools:
- {name: default, protocol: layer2, addresses: [192.0.2.0/30]}
- {name: edge, protocol: layer2, addresses: [203.0.113.16/30]}
`,
    { edge: 3 },
  );
  const EDGE = 'metallb-ts.io/edge';
  const services = [
    service('web', { lbClass: EDGE, ingress: ['203.0.113.16', '203.0.113.22', '203.0.113.17'] }),
    service('api', { lbClass: EDGE, ipCount: '1', ingress: ['203.0.113.19', '203.0.113.23'] }),
    service('gone', {
      classAnnotation: 'edge',
      ipCount: '2',
      ingress: ['203.0.113.20', '203.0.113.21'],
    }),
    service('plain', { ingress: ['192.0.2.1'] }),
    service('theirs', { lbClass: 'example.com/lb', ingress: ['192.0.2.0'] }),
  ];

  it('shows each address kept, moved or lost, and what is left alone', () => {
    // Restore keeps .16 .17 (web) and .19 (api); web's slot 1 then takes the
    // lowest free address, .18; nothing is left for gone.
    expect(planReport(planServices(config, services)).trimEnd().split('\n')).to.deep.equal([
      'ns/web: class edge: 203.0.113.16 kept, 203.0.113.22 MOVED to 203.0.113.18, 203.0.113.17 kept (203.0.113.22 is no longer allowed: 203.0.113.22 is not in any address pool)',
      'ns/api: class edge: 203.0.113.19 kept, 203.0.113.23 LOST',
      'ns/gone: class edge: no address (loses 203.0.113.20, 203.0.113.21): no available IPv4 address in pool "edge"',
      'ns/plain: 192.0.2.1 from pool default, unchanged',
      '4 LoadBalancer Services: 1 unchanged, 0 new, 2 changed, 1 without an address; 1 other Services left alone',
      'warning: the controller refuses this config, running or starting, because it leaves assigned addresses outside every pool (ns/web 203.0.113.22, ns/api 203.0.113.23, ns/gone 203.0.113.20, ns/gone 203.0.113.21); it keeps the config it last accepted (ConfigMap metallb-ts-last-accepted), or without one allocates nothing, until the ConfigMap is fixed; metallb-ts speakers refuse it too and keep announcing those addresses (one that starts with no accepted config to read takes it, as v0.9 speakers do); only a restarted v0.9 controller would apply it, moving those Services as shown, and a restarted v0.9 speaker would stop announcing them',
    ]);
  });

  it('gives the addresses one by one in the plan', () => {
    const web = planServices(config, services).services[0];
    expect(web).to.deep.include({
      service: 'ns/web',
      balancerClass: 'edge',
      ip: '203.0.113.16',
      pool: 'edge',
      changed: true,
      error: null,
      ips: ['203.0.113.16', '203.0.113.18', '203.0.113.17'],
      previousIps: ['203.0.113.16', '203.0.113.22', '203.0.113.17'],
    });
    expect(web?.addresses).to.deep.equal([
      { change: 'kept', previousIp: '203.0.113.16', ip: '203.0.113.16' },
      { change: 'moved', previousIp: '203.0.113.22', ip: '203.0.113.18' },
      { change: 'kept', previousIp: '203.0.113.17', ip: '203.0.113.17' },
    ]);
  });

  it('says when a Service gets fewer addresses than it asks for, and new ones', () => {
    const plan = planServices(config, [
      service('a', { lbClass: EDGE }),
      service('b', { lbClass: EDGE }),
    ]);
    expect(planReport(plan).trimEnd().split('\n')).to.deep.equal([
      'ns/a: class edge: 203.0.113.16 new, 203.0.113.17 new, 203.0.113.18 new',
      'ns/b: class edge: 203.0.113.19 new (it has 1 of the 3 addresses it asks for: no available IPv4 address in pool "edge")',
      '2 LoadBalancer Services: 0 unchanged, 2 new, 0 changed, 0 without an address, 1 with fewer than they ask for; 0 other Services left alone',
    ]);
  });
});
