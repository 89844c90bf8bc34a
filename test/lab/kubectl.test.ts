/**
 * The real kubectl (1.32, on the machine image) against the lab: the
 * commands an operator types, asserting on what kubectl prints.
 */
import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Lab } from '../../src/lab/index.js';
import { KUBECTL, kubectlRunner, type KubectlResult } from '../support/kubectl.js';
import { until } from '../support/until.js';

const SERVICE = `apiVersion: v1
kind: Service
metadata:
  name: web
  labels: {app: web}
spec:
  type: LoadBalancer
  selector: {app: web}
  ports:
  - name: http
    port: 80
    targetPort: 8080
`;

describe('lab: with the real kubectl', function () {
  this.timeout(60_000);
  let lab: Lab;
  let home: string;

  before(function () {
    if (KUBECTL === null) this.skip(); // reported as skipped: kubectl is not on this machine
  });
  beforeEach(async () => {
    lab = await Lab.start();
    // A fresh HOME: kubectl caches discovery per server under ~/.kube/cache.
    home = mkdtempSync(join(tmpdir(), 'metallb-ts-kubectl-'));
  });
  afterEach(async () => {
    await lab.stop();
    rmSync(home, { recursive: true, force: true });
  });

  /** Runs kubectl without blocking: the lab answers from this same process. */
  function run(args: string[], input?: string): Promise<KubectlResult> {
    return kubectlRunner(lab.kubeconfigPath, home)(args, input);
  }
  async function kubectl(args: string[], input?: string): Promise<string> {
    const ran = await run(args, input);
    if (ran.code !== 0) throw new Error(`kubectl ${args.join(' ')} failed: ${ran.stderr}`);
    return ran.stdout;
  }
  async function kubectlFails(args: string[], input?: string): Promise<string> {
    const ran = await run(args, input);
    expect(ran.code, ran.stdout).to.not.equal(0);
    return ran.stderr;
  }

  it('create, apply twice (a change), get -o json, get svc, patch status, delete', async () => {
    const file = join(home, 'svc.yaml');
    writeFileSync(file, SERVICE);
    expect(await kubectl(['apply', '-f', file])).to.equal('service/web created\n');
    expect(await kubectl(['apply', '-f', file])).to.equal('service/web unchanged\n');
    writeFileSync(file, `${SERVICE}  - name: https\n    port: 443\n    targetPort: 8443\n`);
    expect(await kubectl(['apply', '-f', file])).to.equal('service/web configured\n');

    const service = JSON.parse(await kubectl(['get', 'svc', 'web', '-o', 'json'])) as {
      spec: {
        ports: {
          name: string;
          port: number;
          protocol: string;
          targetPort: number;
          nodePort: number;
        }[];
        clusterIP: string;
      };
    };
    // The strategic merge patch kept port 80 whole and added 443 after it.
    expect(service.spec.ports.map((p) => [p.name, p.port, p.protocol, p.targetPort])).to.deep.equal(
      [
        ['http', 80, 'TCP', 8080],
        ['https', 443, 'TCP', 8443],
      ],
    );

    const [header, row] = (await kubectl(['get', 'svc'])).trimEnd().split('\n');
    expect(header?.split(/\s+/)).to.deep.equal([
      'NAME',
      'TYPE',
      'CLUSTER-IP',
      'EXTERNAL-IP',
      'PORT(S)',
      'AGE',
    ]);
    const cells = row?.split(/\s+/) ?? [];
    expect(cells.slice(0, 4)).to.deep.equal([
      'web',
      'LoadBalancer',
      service.spec.clusterIP,
      '<pending>',
    ]);
    const [http, https] = service.spec.ports;
    expect(cells[4]).to.equal(`80:${http?.nodePort}/TCP,443:${https?.nodePort}/TCP`);

    const status = '{"status":{"loadBalancer":{"ingress":[{"ip":"192.0.2.10"}]}}}';
    expect(
      await kubectl(['patch', 'svc', 'web', '--subresource=status', '--type=merge', '-p', status]),
    ).to.equal('service/web patched\n');
    expect(
      await kubectl(['get', 'svc', 'web', '-o', 'jsonpath={.status.loadBalancer.ingress[0].ip}']),
    ).to.equal('192.0.2.10');
    expect((await kubectl(['get', 'svc', 'web'])).split('\n')[1]?.split(/\s+/)[3]).to.equal(
      '192.0.2.10',
    );

    // describe reads the Service's EndpointSlices too (and dereferences their port names).
    const described = await kubectl(['describe', 'svc', 'web']);
    expect(described).to.match(/^Name:\s+web$/m);
    expect(described).to.match(/^LoadBalancer Ingress:\s+192\.0\.2\.10/m);

    expect(await kubectl(['delete', 'svc', 'web'])).to.equal('service "web" deleted\n');
    expect(await kubectlFails(['get', 'svc', 'web'])).to.include(
      'Error from server (NotFound): services "web" not found',
    );
  });

  it('kubectl create (generator commands, protobuf bodies), get -A, and strict validation', async () => {
    expect(await kubectl(['create', 'namespace', 'metallb-system'])).to.equal(
      'namespace/metallb-system created\n',
    );
    const config = [
      'create',
      'configmap',
      'config',
      '-n',
      'metallb-system',
      '--from-literal=config=address-pools: []',
    ];
    expect(await kubectl(config)).to.equal('configmap/config created\n');
    const secret = [
      'create',
      'secret',
      'generic',
      'memberlist',
      '-n',
      'metallb-system',
      '--from-literal=secretkey=s3cret',
    ];
    expect(await kubectl(secret)).to.equal('secret/memberlist created\n');
    expect(
      await kubectl([
        'get',
        'configmap',
        'config',
        '-n',
        'metallb-system',
        '-o',
        'jsonpath={.data.config}',
      ]),
    ).to.equal('address-pools: []');
    const key = await kubectl([
      'get',
      'secret',
      'memberlist',
      '-n',
      'metallb-system',
      '-o',
      'jsonpath={.data.secretkey}',
    ]);
    expect(Buffer.from(key, 'base64').toString()).to.equal('s3cret');
    expect(await kubectl(['get', 'cm', '-A'])).to.match(
      /^NAMESPACE\s+NAME\s+DATA\s+AGE\nmetallb-system\s+config\s+1\s+\d+s\n$/,
    );

    const typo = join(home, 'typo.yaml');
    writeFileSync(typo, SERVICE.replace('  ports:', '  prots:'));
    expect(await kubectlFails(['apply', '-f', typo])).to.include('unknown field "spec.prots"');
  });

  it('kubectl create service loadbalancer|clusterip|nodeport (protobuf bodies) makes the Services kubectl meant', async () => {
    interface CreatedService {
      metadata: { labels: Record<string, string> };
      spec: {
        type: string;
        selector: Record<string, string>;
        clusterIP: string;
        ports: {
          name: string;
          protocol: string;
          port: number;
          targetPort: number;
          nodePort?: number;
        }[];
      };
    }
    async function created(args: string[]): Promise<CreatedService> {
      const name = args[1] ?? '';
      expect(await kubectl(['create', 'service', ...args])).to.equal(`service/${name} created\n`);
      return JSON.parse(await kubectl(['get', 'svc', name, '-o', 'json'])) as CreatedService;
    }
    /** name, protocol, port, targetPort of each port; kubectl names a port `PORT-TARGET`. */
    const portsOf = (service: CreatedService): (string | number)[][] =>
      service.spec.ports.map((p) => [p.name, p.protocol, p.port, p.targetPort]);

    const web = await created(['loadbalancer', 'web', '--tcp=80:8080', '--tcp=443:8443']);
    expect(web.spec.type).to.equal('LoadBalancer');
    expect(web.spec.selector).to.deep.equal({ app: 'web' });
    expect(web.metadata.labels).to.deep.equal({ app: 'web' });
    expect(portsOf(web)).to.deep.equal([
      ['80-8080', 'TCP', 80, 8080],
      ['443-8443', 'TCP', 443, 8443],
    ]);
    expect(web.spec.ports.every((p) => typeof p.nodePort === 'number')).to.equal(true);

    const api = await created(['clusterip', 'api', '--tcp=5678:8080', '--tcp=9090']);
    expect(api.spec.type).to.equal('ClusterIP');
    expect(api.spec.selector).to.deep.equal({ app: 'api' });
    expect(portsOf(api)).to.deep.equal([
      ['5678-8080', 'TCP', 5678, 8080],
      ['9090', 'TCP', 9090, 9090],
    ]);
    expect(api.spec.ports.map((p) => p.nodePort)).to.deep.equal([undefined, undefined]);

    const np = await created(['nodeport', 'np', '--tcp=80:8080', '--tcp=443:8443']);
    expect(np.spec.type).to.equal('NodePort');
    expect(portsOf(np)).to.deep.equal([
      ['80-8080', 'TCP', 80, 8080],
      ['443-8443', 'TCP', 443, 8443],
    ]);
    const fixed = await created(['nodeport', 'fixed', '--tcp=8080', '--node-port=30080']);
    expect(fixed.spec.ports.map((p) => p.nodePort)).to.deep.equal([30080]);

    const headless = await created(['clusterip', 'headless', '--clusterip=None']);
    expect(headless.spec.clusterIP).to.equal('None');

    const [header, ...rows] = (await kubectl(['get', 'svc'])).trimEnd().split('\n');
    expect(header?.split(/\s+/)[1]).to.equal('TYPE');
    const types = new Map(rows.map((row) => row.split(/\s+/)).map((c) => [c[0], c[1]]));
    expect(Object.fromEntries(types)).to.deep.equal({
      api: 'ClusterIP',
      fixed: 'NodePort',
      headless: 'ClusterIP',
      np: 'NodePort',
      web: 'LoadBalancer',
    });
  });

  it('kubectl create serviceaccount (a protobuf body)', async () => {
    expect(await kubectl(['create', 'serviceaccount', 'speaker'])).to.equal(
      'serviceaccount/speaker created\n',
    );
    expect(await kubectl(['get', 'sa', 'speaker', '-o', 'jsonpath={.metadata.name}'])).to.equal(
      'speaker',
    );
  });

  it('kubectl create deployment (a protobuf body the lab does not read) is refused with the way that works', async () => {
    const refused = await kubectlFails(['create', 'deployment', 'web', '--image=nginx']);
    expect(refused).to.include('cannot decode protobuf body of kind "Deployment"');
    expect(refused).to.include('--dry-run=client -o yaml | kubectl apply -f -');
    const manifest = await kubectl([
      'create',
      'deployment',
      'web',
      '--image=nginx',
      '--dry-run=client',
      '-o',
      'yaml',
    ]);
    expect(await kubectl(['apply', '-f', '-'], manifest)).to.equal('deployment.apps/web created\n');
  });

  it('get events shows what was recorded, with the usual columns', async () => {
    await kubectl(['create', '-f', '-'], SERVICE);
    const event = {
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { name: 'web.1', namespace: 'default' },
      involvedObject: { kind: 'Service', name: 'web', namespace: 'default', apiVersion: 'v1' },
      reason: 'IPAllocated',
      message: 'Assigned IP "192.0.2.10"',
      type: 'Normal',
      source: { component: 'metallb-controller' },
      firstTimestamp: new Date().toISOString(),
      lastTimestamp: new Date().toISOString(),
      count: 1,
    };
    await kubectl(['create', '-f', '-'], JSON.stringify(event));
    const [header, row] = (await kubectl(['get', 'events'])).trimEnd().split('\n');
    expect(header?.split(/\s{2,}/)).to.deep.equal([
      'LAST SEEN',
      'TYPE',
      'REASON',
      'OBJECT',
      'MESSAGE',
    ]);
    expect(row).to.match(
      /^\d+s\s+Normal\s+IPAllocated\s+service\/web\s+Assigned IP "192\.0\.2\.10"$/,
    );
  });

  it('replace with a stale resourceVersion is a conflict', async () => {
    await kubectl(['create', '-f', '-'], SERVICE);
    const stale = await kubectl(['get', 'svc', 'web', '-o', 'json']);
    await kubectl(['label', 'svc', 'web', 'tier=front']);
    expect(await kubectlFails(['replace', '-f', '-'], stale)).to.include(
      'the object has been modified',
    );
  });

  it('refuses names, path names and bodies with the messages a cluster prints', async () => {
    expect(await kubectlFails(['create', 'configmap', 'Web', '--from-literal=a=1'])).to.include(
      'ConfigMap "Web" is invalid: metadata.name: Invalid value: "Web": a lowercase RFC 1123 subdomain must consist of',
    );
    expect(
      await kubectlFails(['apply', '-f', '-'], SERVICE.replace('name: web\n', 'name: 1web\n')),
    ).to.include(
      'The Service "1web" is invalid: metadata.name: Invalid value: "1web": a DNS-1035 label must consist of',
    );
    expect(
      await kubectlFails(['get', '--raw', '/api/v1/namespaces/default/configmaps/%2e%2e']),
    ).to.include(`Error from server (BadRequest): Name parameter invalid: "..": may not be '..'`);
    const big = join(home, 'big.txt');
    writeFileSync(big, 'x'.repeat(3 * 1024 * 1024));
    expect(await kubectlFails(['create', 'configmap', 'big', `--from-file=a=${big}`])).to.include(
      'Request entity too large: limit is 3145728',
    );
  });

  it('get -w prints the object, then its change', async () => {
    await kubectl(['create', '-f', '-'], SERVICE);
    const watcher = spawn(
      KUBECTL ?? 'kubectl',
      ['--kubeconfig', lab.kubeconfigPath, 'get', 'svc', 'web', '-w', '--request-timeout=20s'],
      {
        env: { ...process.env, HOME: home, KUBECONFIG: '' },
      },
    );
    let output = '';
    watcher.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const lines = (): string[] =>
      output
        .trimEnd()
        .split('\n')
        .filter((l) => l !== '');
    try {
      await until(() => lines().length >= 2, 15_000); // header and the object
      await kubectl([
        'patch',
        'svc',
        'web',
        '--subresource=status',
        '--type=merge',
        '-p',
        '{"status":{"loadBalancer":{"ingress":[{"ip":"192.0.2.20"}]}}}',
      ]);
      await until(() => lines().length >= 3, 15_000);
      expect(lines()[1]).to.include('<pending>');
      expect(lines()[2]).to.include('192.0.2.20');
    } finally {
      watcher.kill('SIGTERM');
    }
  });
});
