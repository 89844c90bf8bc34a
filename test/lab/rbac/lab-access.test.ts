/**
 * The lab as a client meets it: ServiceAccount tokens from the TokenRequest
 * API and from `Lab.tokenForServiceAccount`, 401 for what is not a token of
 * this lab, RBAC from the stored objects with kube-apiserver's 403 Status
 * bodies, and the discovery a new cluster allows every authenticated user.
 */
import { expect } from 'chai';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Lab } from '../../../src/lab/index.js';
import { KUBECTL, kubectlRunner } from '../../support/kubectl.js';
import { fetchLab } from '../../support/lab-http.js';

const NS = 'metallb-system';

describe('lab RBAC: tokens and answers', function () {
  this.timeout(20_000);
  let lab: Lab;
  let clock = new Date('2026-01-01T00:00:00Z');

  async function admin(method: string, path: string, body?: unknown): Promise<Response> {
    return fetchLab(lab, path, { method, ...(body === undefined ? {} : { body }) });
  }

  async function tokenRequest(name: string, spec: object = {}): Promise<Response> {
    return admin('POST', `/api/v1/namespaces/${NS}/serviceaccounts/${name}/token`, {
      apiVersion: 'authentication.k8s.io/v1',
      kind: 'TokenRequest',
      spec,
    });
  }

  beforeEach(async () => {
    clock = new Date('2026-01-01T00:00:00Z');
    lab = await Lab.start({ now: () => clock });
    await admin('POST', '/api/v1/namespaces', { metadata: { name: NS } });
    await admin('POST', `/api/v1/namespaces/${NS}/serviceaccounts`, {
      metadata: { name: 'controller' },
    });
  });
  afterEach(() => lab.stop());

  it('answers a TokenRequest with a token and its expiry, and the token authenticates as the ServiceAccount', async () => {
    const response = await tokenRequest('controller');
    expect(response.status).to.equal(201);
    const answer = (await response.json()) as {
      kind: string;
      apiVersion: string;
      metadata: { name: string; namespace: string };
      spec: { expirationSeconds: number; audiences: string[] };
      status: { token: string; expirationTimestamp: string };
    };
    expect(answer.kind).to.equal('TokenRequest');
    expect(answer.apiVersion).to.equal('authentication.k8s.io/v1');
    expect(answer.metadata).to.deep.include({ name: 'controller', namespace: NS });
    expect(answer.spec.expirationSeconds).to.equal(3600);
    expect(answer.status.expirationTimestamp).to.equal('2026-01-01T01:00:00Z');
    const token = answer.status.token;
    const denied = await fetchLab(lab, '/api/v1/namespaces/default/services', { token });
    expect(denied.status).to.equal(403);
    expect(await denied.json()).to.deep.equal({
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message:
        'services is forbidden: User "system:serviceaccount:metallb-system:controller" cannot list resource "services" in API group "" in the namespace "default"',
      reason: 'Forbidden',
      details: { kind: 'services' },
      code: 403,
    });
  });

  it('refuses a TokenRequest for no ServiceAccount (404) or for less than ten minutes (422)', async () => {
    expect((await tokenRequest('nobody')).status).to.equal(404);
    const short = await tokenRequest('controller', { expirationSeconds: 60 });
    expect(short.status).to.equal(422);
    expect(((await short.json()) as { message: string }).message).to.include(
      'may not specify a duration less than 10 minutes',
    );
    expect(() => lab.tokenForServiceAccount(NS, 'nobody')).to.throw(
      'serviceaccounts "nobody" not found',
    );
  });

  it('gives every authenticated user discovery and /version, as the bootstrap roles do', async () => {
    const token = lab.tokenForServiceAccount(NS, 'controller');
    for (const path of [
      '/version',
      '/api',
      '/api/v1',
      '/apis',
      '/apis/discovery.k8s.io/v1',
      '/openapi/v3',
    ])
      expect((await fetchLab(lab, path, { token })).status, path).to.equal(200);
    const faults = await fetchLab(lab, '/lab/faults', {
      token,
      method: 'POST',
      body: { action: 'clear' },
    });
    expect(faults.status).to.equal(403);
    expect(((await faults.json()) as { message: string }).message).to.equal(
      'forbidden: User "system:serviceaccount:metallb-system:controller" cannot post path "/lab/faults"',
    );
    const clusterScope = await fetchLab(
      lab,
      '/apis/discovery.k8s.io/v1/endpointslices?watch=true',
      {
        token,
      },
    );
    expect(await clusterScope.json()).to.deep.include({
      message:
        'endpointslices.discovery.k8s.io is forbidden: User "system:serviceaccount:metallb-system:controller" cannot watch resource "endpointslices" in API group "discovery.k8s.io" at the cluster scope',
      details: { group: 'discovery.k8s.io', kind: 'endpointslices' },
    });
  });

  it('authorizes by the stored roles and bindings from the next request on', async () => {
    const token = lab.tokenForServiceAccount(NS, 'controller');
    const patchStatus = () =>
      fetchLab(lab, '/api/v1/namespaces/default/services/web/status', {
        token,
        method: 'PATCH',
        contentType: 'application/merge-patch+json',
        body: { status: { loadBalancer: { ingress: [{ ip: '192.0.2.1' }] } } },
      });
    await admin('POST', '/api/v1/namespaces/default/services', {
      metadata: { name: 'web' },
      spec: { type: 'LoadBalancer', ports: [{ port: 80 }] },
    });
    const before = await patchStatus();
    expect(before.status).to.equal(403);
    expect(await before.json()).to.deep.include({
      message:
        'services "web" is forbidden: User "system:serviceaccount:metallb-system:controller" cannot patch resource "services/status" in API group "" in the namespace "default"',
      details: { name: 'web', kind: 'services' },
    });
    await admin('POST', '/apis/rbac.authorization.k8s.io/v1/clusterroles', {
      metadata: { name: 'status-writer' },
      rules: [{ apiGroups: [''], resources: ['services/status'], verbs: ['patch'] }],
    });
    await admin('POST', '/apis/rbac.authorization.k8s.io/v1/namespaces/default/rolebindings', {
      metadata: { name: 'status-writer' },
      roleRef: {
        apiGroup: 'rbac.authorization.k8s.io',
        kind: 'ClusterRole',
        name: 'status-writer',
      },
      subjects: [{ kind: 'ServiceAccount', name: 'controller', namespace: NS }],
    });
    expect((await patchStatus()).status).to.equal(200);
    await admin('DELETE', '/apis/rbac.authorization.k8s.io/v1/clusterroles/status-writer');
    const dangling = await patchStatus();
    expect(((await dangling.json()) as { message: string }).message).to.match(
      /in the namespace "default": RBAC: clusterrole.rbac.authorization.k8s.io "status-writer" not found$/,
    );
  });

  it('answers 401 to a token it did not issue, a changed one, an expired one, and one whose ServiceAccount was deleted', async () => {
    const unauthorized = async (token: string) => {
      const response = await fetchLab(lab, '/version', { token });
      return response.status === 401;
    };
    const token = lab.tokenForServiceAccount(NS, 'controller');
    expect(await unauthorized(token)).to.equal(false);
    expect(await unauthorized('not-a-token')).to.equal(true);
    const [header, payload, signature] = token.split('.');
    const claims = JSON.parse(Buffer.from(payload ?? '', 'base64url').toString()) as {
      sub: string;
    };
    const forged = Buffer.from(JSON.stringify({ ...claims, sub: 'system:admin' })).toString(
      'base64url',
    );
    expect(await unauthorized(`${header}.${forged}.${signature}`)).to.equal(true);

    const shortLived = (
      (await (await tokenRequest('controller', { expirationSeconds: 600 })).json()) as {
        status: { token: string };
      }
    ).status.token;
    expect(await unauthorized(shortLived)).to.equal(false);
    clock = new Date(clock.getTime() + 601_000);
    expect(await unauthorized(shortLived)).to.equal(true);
    expect(await unauthorized(token), 'the year-long token still works').to.equal(false);

    await admin('DELETE', `/api/v1/namespaces/${NS}/serviceaccounts/controller`);
    expect(await unauthorized(token)).to.equal(true);
    await admin('POST', `/api/v1/namespaces/${NS}/serviceaccounts`, {
      metadata: { name: 'controller' },
    });
    expect(await unauthorized(token), 'a new account of the same name is another account').to.equal(
      true,
    );
    expect(await unauthorized(lab.tokenForServiceAccount(NS, 'controller'))).to.equal(false);
  });

  it("is what kubectl shows: create token works, and with a ServiceAccount's kubeconfig a refusal reads as a cluster's", async function () {
    if (KUBECTL === null) this.skip(); // reported as skipped: kubectl is not on this machine
    const home = mkdtempSync(join(tmpdir(), 'metallb-ts-rbac-'));
    try {
      // The administrator asks for a token as kubectl does it (a protobuf TokenRequest).
      const admin = kubectlRunner(lab.kubeconfigPath, home);
      const created = await admin(['create', 'token', 'controller', '-n', NS, '--duration=20m']);
      expect(created.code, created.stderr).to.equal(0);
      const viaToken = await admin(['--token', created.stdout.trim(), 'get', 'cm', '-n', NS]);
      expect(viaToken.stderr).to.include(
        'User "system:serviceaccount:metallb-system:controller" cannot list resource "configmaps"',
      );
      const kubectl = kubectlRunner(lab.writeServiceAccountKubeconfig(NS, 'controller'), home);
      const list = await kubectl(['get', 'services', '-A']);
      expect(list.code).to.equal(1);
      expect(list.stderr.trim()).to.equal(
        'Error from server (Forbidden): services is forbidden: User "system:serviceaccount:metallb-system:controller" cannot list resource "services" in API group "" at the cluster scope',
      );
      const one = await kubectl(['get', 'service', 'web', '-n', 'default']);
      expect(one.stderr.trim()).to.equal(
        'Error from server (Forbidden): services "web" is forbidden: User "system:serviceaccount:metallb-system:controller" cannot get resource "services" in API group "" in the namespace "default"',
      );
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
  });
});
