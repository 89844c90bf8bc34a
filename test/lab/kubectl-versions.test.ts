/**
 * The machine's kubectl against a lab answering as Kubernetes 1.20 and as
 * the current release: the server version it reports, the API versions it
 * lists, and the EndpointSlice version each accepts (the deprecation guide:
 * discovery.k8s.io/v1 from 1.21, v1beta1 until 1.24). For a 1.20 server the
 * kubectl dispatcher on these machines runs its own 1.32 build (it has none
 * older than 1.27) and warns of the version skew (docs/LAB.md).
 */
import { expect } from 'chai';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Lab } from '../../src/lab/index.js';
import { KUBECTL, kubectlRunner, type KubectlRun } from '../support/kubectl.js';

const sliceAt = (version: string, where: string): string => `apiVersion: discovery.k8s.io/${version}
kind: EndpointSlice
metadata:
  name: web-${version}
  labels: {kubernetes.io/service-name: web}
addressType: IPv4
endpoints:
- addresses: [192.0.2.10]
  conditions: {ready: true}
  ${where}
ports: [{name: http, port: 80, protocol: TCP}]
`;
const BETA = sliceAt('v1beta1', 'topology: {kubernetes.io/hostname: node-a}');
const V1 = sliceAt('v1', 'nodeName: node-a');

describe('lab: kubectl against other Kubernetes releases', function () {
  this.timeout(60_000);
  let lab: Lab;
  let home: string;
  let kubectl: KubectlRun;

  before(function () {
    if (KUBECTL === null) this.skip(); // reported as skipped: kubectl is not on this machine
  });
  afterEach(async () => {
    await lab?.stop();
    if (home !== undefined) rmSync(home, { recursive: true, force: true });
  });

  async function labAt(version: string): Promise<void> {
    lab = await Lab.start({ kubernetesVersion: version });
    // A fresh HOME: kubectl caches discovery per server under ~/.kube/cache.
    home = mkdtempSync(join(tmpdir(), 'metallb-ts-kubectl-'));
    kubectl = kubectlRunner(lab.kubeconfigPath, home, home);
    writeFileSync(join(home, 'beta.yaml'), BETA);
    writeFileSync(join(home, 'v1.yaml'), V1);
  }

  it('1.20: reports v1.20, lists discovery.k8s.io/v1beta1 only, takes a v1beta1 EndpointSlice and refuses a v1 one', async () => {
    await labAt('1.20');
    const version = await kubectl(['version']);
    expect(version.stdout).to.include('Server Version: v1.20.0-lab');

    const apis = (await kubectl(['api-versions'])).stdout.trim().split('\n');
    expect(apis).to.include('discovery.k8s.io/v1beta1');
    expect(apis).not.to.include('discovery.k8s.io/v1');

    const applied = await kubectl(['apply', '-f', 'beta.yaml']);
    expect(applied.stdout, applied.stderr).to.equal(
      'endpointslice.discovery.k8s.io/web-v1beta1 created\n',
    );
    const [header, row] = (await kubectl(['get', 'endpointslices'])).stdout.trimEnd().split('\n');
    expect(header?.split(/\s+/).slice(0, 4)).to.deep.equal([
      'NAME',
      'ADDRESSTYPE',
      'PORTS',
      'ENDPOINTS',
    ]);
    expect(row?.split(/\s+/).slice(0, 4)).to.deep.equal([
      'web-v1beta1',
      'IPv4',
      '80',
      '192.0.2.10',
    ]);

    const refused = await kubectl(['apply', '-f', 'v1.yaml']);
    expect(refused.code).to.not.equal(0);
    expect(refused.stderr).to.include(
      'no matches for kind "EndpointSlice" in version "discovery.k8s.io/v1"',
    );
  });

  it('1.32: takes a v1 EndpointSlice and refuses a v1beta1 one', async () => {
    await labAt('1.32');
    expect((await kubectl(['version'])).stdout).to.include('Server Version: v1.32.0-lab');
    const applied = await kubectl(['apply', '-f', 'v1.yaml']);
    expect(applied.stdout, applied.stderr).to.equal(
      'endpointslice.discovery.k8s.io/web-v1 created\n',
    );
    const refused = await kubectl(['apply', '-f', 'beta.yaml']);
    expect(refused.code).to.not.equal(0);
    expect(refused.stderr).to.include(
      'no matches for kind "EndpointSlice" in version "discovery.k8s.io/v1beta1"',
    );
  });
});
