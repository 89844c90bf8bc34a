/**
 * The lab answering as a given Kubernetes release: what /version, discovery
 * and the OpenAPI stub list, what is a 404, and one stored EndpointSlice
 * served in the shape of each version asked for. Expected sets are written
 * here from the deprecation guide
 * (https://kubernetes.io/docs/reference/using-api/deprecation-guide/), not
 * read from the lab's tables.
 */
import { expect } from 'chai';
import type { ApiClient } from '../../src/k8s/index.js';
import { statusOf } from '../../src/k8s/index.js';
import { Lab, parseKubernetesVersion } from '../../src/lab/index.js';
import { labApi } from '../support/lab-api.js';

interface GroupList {
  groups: { name: string; versions: { groupVersion: string }[] }[];
}
interface Group {
  versions: { version: string }[];
  preferredVersion: { version: string };
}
type Endpoint = Record<string, unknown>;
interface Slice {
  apiVersion: string;
  metadata: { name: string; resourceVersion: string };
  endpoints: Endpoint[];
}

async function statusOfGet(api: ApiClient, path: string): Promise<number> {
  try {
    await api.request('GET', path);
    return 200;
  } catch (error) {
    return statusOf(error);
  }
}

describe('lab: Kubernetes versions', function () {
  this.timeout(30_000);

  describe('parseKubernetesVersion', () => {
    it('reads 1.MINOR, with or without v and a patch number', () => {
      expect(parseKubernetesVersion('1.20')).to.deep.equal({ major: 1, minor: 20 });
      expect(parseKubernetesVersion('v1.24.17')).to.deep.equal({ major: 1, minor: 24 });
      expect(parseKubernetesVersion('1.19')).to.deep.equal({ major: 1, minor: 19 });
      expect(parseKubernetesVersion('1.32')).to.deep.equal({ major: 1, minor: 32 });
    });

    it('refuses what is not a version, and releases outside 1.19..1.32, saying the range', () => {
      for (const text of ['1.18', '1.33', '1.9']) {
        expect(() => parseKubernetesVersion(text)).to.throw(/outside.*1\.19 to 1\.32/);
      }
      for (const text of ['', '2.0', '1', 'one.twenty', '1.20-beta']) {
        expect(() => parseKubernetesVersion(text)).to.throw(/not of the form 1\.MINOR/);
      }
    });

    it('is what Lab.start checks', async () => {
      let message = '';
      await Lab.start({ kubernetesVersion: '1.16' }).catch((error: unknown) => {
        message = String(error);
      });
      expect(message).to.match(/outside the range the lab speaks/);
    });
  });

  for (const minor of [19, 20, 21, 24, 25, 32]) {
    describe(`at 1.${minor}`, () => {
      let lab: Lab;
      let api: ApiClient;
      before(async () => {
        lab = await Lab.start({ kubernetesVersion: `1.${minor}` });
        api = labApi(lab);
      });
      after(async () => {
        await lab.stop();
      });

      const discoveryVersions = [
        ...(minor >= 21 ? ['v1'] : []),
        ...(minor <= 24 ? ['v1beta1'] : []),
      ];

      it('reports the release in /version', async () => {
        const version = await api.request<Record<string, string>>('GET', '/version');
        expect([version['major'], version['minor'], version['gitVersion']]).to.deep.equal([
          '1',
          String(minor),
          `v1.${minor}.0-lab`,
        ]);
      });

      it('lists the group/versions the release serves, and no others', async () => {
        const list = await api.request<GroupList>('GET', '/apis');
        const served = list.groups.flatMap((g) => g.versions.map((v) => v.groupVersion));
        expect(served).to.include.members([
          'apps/v1',
          'coordination.k8s.io/v1',
          'events.k8s.io/v1',
          'rbac.authorization.k8s.io/v1',
        ]);
        const slices = served.filter((gv) => gv.startsWith('discovery.k8s.io/'));
        expect(slices).to.deep.equal(discoveryVersions.map((v) => `discovery.k8s.io/${v}`));

        const group = await api.request<Group>('GET', '/apis/discovery.k8s.io');
        expect(group.versions.map((v) => v.version)).to.deep.equal(discoveryVersions);
        expect(group.preferredVersion.version).to.equal(discoveryVersions[0]);

        const openapi = await api.request<{ paths: Record<string, unknown> }>('GET', '/openapi/v3');
        expect(
          Object.keys(openapi.paths).filter((p) => p.startsWith('apis/discovery.k8s.io/')),
        ).to.deep.equal(discoveryVersions.map((v) => `apis/discovery.k8s.io/${v}`));
      });

      it('answers 404 for a version it does not serve, at every path', async () => {
        for (const version of ['v1', 'v1beta1']) {
          const expected = discoveryVersions.includes(version) ? 200 : 404;
          const base = `/apis/discovery.k8s.io/${version}`;
          expect(await statusOfGet(api, base), base).to.equal(expected);
          expect(await statusOfGet(api, `${base}/endpointslices`)).to.equal(expected);
          expect(
            await statusOfGet(api, `${base}/namespaces/default/endpointslices/absent`),
          ).to.equal(404);
          expect(await statusOfGet(api, `/openapi/v3/apis/discovery.k8s.io/${version}`)).to.equal(
            expected,
          );
        }
        expect(await statusOfGet(api, '/apis/events.k8s.io/v1/events')).to.equal(200);
      });
    });
  }

  describe('one EndpointSlice, two shapes', () => {
    let lab: Lab;
    afterEach(async () => {
      await lab.stop();
    });

    const path = (version: string, name = '') =>
      `/apis/discovery.k8s.io/${version}/namespaces/default/endpointslices${name === '' ? '' : `/${name}`}`;

    it('at 1.21: written as v1, read as v1beta1 with the node and zone in topology; written back as v1beta1, read as v1', async () => {
      lab = await Lab.start({ kubernetesVersion: '1.21' });
      const api = labApi(lab);
      await api.request('POST', path('v1'), {
        body: {
          metadata: { name: 'web-1' },
          addressType: 'IPv4',
          endpoints: [
            {
              addresses: ['192.0.2.1'],
              conditions: { ready: true },
              nodeName: 'node-a',
              zone: 'zone-1',
            },
          ],
        },
      });
      const beta = await api.request<Slice>('GET', path('v1beta1', 'web-1'));
      expect(beta.apiVersion).to.equal('discovery.k8s.io/v1beta1');
      expect(beta.endpoints).to.deep.equal([
        {
          addresses: ['192.0.2.1'],
          conditions: { ready: true },
          topology: { 'kubernetes.io/hostname': 'node-a', 'topology.kubernetes.io/zone': 'zone-1' },
          // v1beta1 has nodeName from 1.21.
          nodeName: 'node-a',
        },
      ]);

      await api.request('PATCH', path('v1beta1', 'web-1'), {
        contentType: 'application/merge-patch+json',
        body: {
          endpoints: [
            {
              addresses: ['192.0.2.1'],
              conditions: { ready: false },
              topology: { 'kubernetes.io/hostname': 'node-b', rack: 'r7' },
            },
          ],
        },
      });
      const v1 = await api.request<Slice>('GET', path('v1', 'web-1'));
      expect(v1.apiVersion).to.equal('discovery.k8s.io/v1');
      expect(v1.endpoints).to.deep.equal([
        {
          addresses: ['192.0.2.1'],
          conditions: { ready: false },
          nodeName: 'node-b',
          deprecatedTopology: { rack: 'r7' },
        },
      ]);
      const list = await api.request<{ items: Slice[] }>('GET', path('v1beta1'));
      expect(list.items.map((s) => [s.apiVersion, s.metadata.name])).to.deep.equal([
        ['discovery.k8s.io/v1beta1', 'web-1'],
      ]);
    });

    it('at 1.24: a watch at v1beta1 sends the v1beta1 shape', async () => {
      lab = await Lab.start({ kubernetesVersion: '1.24' });
      const api = labApi(lab);
      await api.request('POST', path('v1'), {
        body: {
          metadata: { name: 'web-1' },
          addressType: 'IPv4',
          endpoints: [{ addresses: ['192.0.2.1'], nodeName: 'node-a' }],
        },
      });
      const lines: { type: string; object: Slice }[] = [];
      const stop = new AbortController();
      await api
        .watch(
          path('v1beta1'),
          { watch: 'true', resourceVersion: '0' },
          (line) => {
            lines.push(line as { type: string; object: Slice });
            stop.abort();
          },
          { idleMs: 5_000, signal: stop.signal },
        )
        .catch(() => undefined);
      expect(lines.map((l) => [l.type, l.object.apiVersion])).to.deep.equal([
        ['ADDED', 'discovery.k8s.io/v1beta1'],
      ]);
      expect(lines[0]?.object.endpoints[0]?.['topology']).to.deep.equal({
        'kubernetes.io/hostname': 'node-a',
      });
    });

    it("at 1.20: the lab's endpointslice controller's slices are served as v1beta1, the node in topology", async () => {
      lab = await Lab.start({ kubernetesVersion: '1.20' });
      const api = labApi(lab);
      await api.request('POST', '/api/v1/namespaces/default/services', {
        body: {
          metadata: { name: 'web' },
          spec: { selector: { app: 'web' }, ports: [{ port: 80, protocol: 'TCP' }] },
        },
      });
      await api.request('POST', '/api/v1/namespaces/default/pods', {
        body: {
          metadata: { name: 'web-a', labels: { app: 'web' } },
          spec: { nodeName: 'node-a', containers: [{ name: 'web', image: 'web' }] },
        },
      });
      await api.request('PATCH', '/api/v1/namespaces/default/pods/web-a/status', {
        contentType: 'application/merge-patch+json',
        body: {
          status: {
            phase: 'Running',
            podIP: '10.0.0.1',
            conditions: [{ type: 'Ready', status: 'True' }],
          },
        },
      });
      const list = await api.request<{ apiVersion: string; items: Slice[] }>(
        'GET',
        path('v1beta1'),
      );
      expect(list.apiVersion).to.equal('discovery.k8s.io/v1beta1');
      const endpoint = list.items[0]?.endpoints[0];
      expect(endpoint?.['topology']).to.deep.equal({ 'kubernetes.io/hostname': 'node-a' });
      // serving and terminating came with a feature gate on by default from 1.22.
      expect(endpoint?.['conditions']).to.deep.equal({ ready: true });
      expect(endpoint, 'no nodeName field in 1.20 (alpha, off by default)').not.to.have.property(
        'nodeName',
      );
      expect(await statusOfGet(api, path('v1'))).to.equal(404);
    });
  });
});
