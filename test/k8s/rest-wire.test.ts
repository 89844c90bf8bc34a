/**
 * Our client asks the API server the same things client-node does: the
 * same method, path, query, content type, credentials and body, recorded
 * by a plain HTTP server on loopback for the calls the daemons make.
 */
import * as k8s from '@kubernetes/client-node';
import { expect } from 'chai';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  ApiClient,
  endpointAuth,
  EventRecorder,
  podIPLister,
  ResilientInformer,
  writeServiceIngress,
  type ConfigMap,
} from '../../src/k8s/index.js';

interface Recorded {
  readonly method: string;
  readonly path: string;
  readonly query: Record<string, string>;
  readonly contentType: string;
  readonly authorization: string;
  readonly body: unknown;
}

const TOKEN = 'wire-test-token';

describe('k8s: our client on the wire, beside client-node', function () {
  this.timeout(20_000);
  let server: Server;
  let url: string;
  let recorded: Recorded[];

  before(async () => {
    server = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        const parsed = new URL(request.url ?? '/', 'http://x');
        const text = Buffer.concat(chunks).toString('utf8');
        recorded.push({
          method: request.method ?? '',
          path: parsed.pathname,
          query: Object.fromEntries(parsed.searchParams),
          contentType: (request.headers['content-type'] ?? '').split(';')[0] ?? '',
          authorization: request.headers.authorization ?? '',
          body: text === '' ? undefined : (JSON.parse(text) as unknown),
        });
        response.writeHead(200, { 'Content-Type': 'application/json' });
        // A list answer fits every call here; a watch just ends.
        response.end(
          parsed.searchParams.get('watch') === 'true'
            ? ''
            : JSON.stringify({ kind: 'List', metadata: { resourceVersion: '7' }, items: [] }),
        );
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(async () => {
    await new Promise((resolve) => server.close(resolve));
  });
  beforeEach(() => {
    recorded = [];
  });

  function theirs(): k8s.KubeConfig {
    const kc = new k8s.KubeConfig();
    kc.loadFromOptions({
      clusters: [{ name: 'c', server: url, skipTLSVerify: true }],
      users: [{ name: 'u', token: TOKEN }],
      contexts: [{ name: 'x', cluster: 'c', user: 'u' }],
      currentContext: 'x',
    });
    return kc;
  }
  const ours = () =>
    new ApiClient(url, endpointAuth({ server: url, token: TOKEN, insecureSkipTlsVerify: false }));

  /** What one call sent, with the parts that differ by design (User-Agent, Accept) left out. */
  async function record(call: () => Promise<unknown>): Promise<Recorded> {
    recorded = [];
    await call();
    expect(recorded).to.have.length(1);
    return recorded[0] as Recorded;
  }

  it('writes a Service status as client-node sends a merge patch of it', async () => {
    const body = {
      metadata: { resourceVersion: '41' },
      status: { loadBalancer: { ingress: [{ ip: '192.0.2.7' }] } },
    };
    const core = theirs().makeApiClient(k8s.CoreV1Api);
    const expected = await record(() =>
      core.patchNamespacedServiceStatus(
        { name: 'web', namespace: 'apps', body },
        k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
      ),
    );
    const api = ours();
    const cached = { metadata: { name: 'web', namespace: 'apps', resourceVersion: '41' } };
    const actual = await record(() =>
      writeServiceIngress(api, 'apps', 'web', ['192.0.2.7'], cached),
    );
    api.close();
    expect(actual).to.deep.equal(expected);
    expect(actual.contentType).to.equal('application/merge-patch+json');
    expect(actual.authorization).to.equal(`Bearer ${TOKEN}`);
  });

  it('creates an Event at the same path, with the same credentials', async () => {
    const core = theirs().makeApiClient(k8s.CoreV1Api);
    const expected = await record(() =>
      core.createNamespacedEvent({ namespace: 'apps', body: { metadata: {}, involvedObject: {} } }),
    );
    const api = ours();
    const actual = await record(() =>
      new EventRecorder(api, 'metallb-controller').record(
        { kind: 'Service', name: 'web', namespace: 'apps' },
        'Normal',
        'IPAllocated',
        'Assigned IP "192.0.2.7"',
      ),
    );
    api.close();
    expect([actual.method, actual.path, actual.contentType, actual.authorization]).to.deep.equal([
      expected.method,
      expected.path,
      expected.contentType,
      expected.authorization,
    ]);
  });

  it('lists pods by label as client-node does', async () => {
    const core = theirs().makeApiClient(k8s.CoreV1Api);
    const expected = await record(() =>
      core.listNamespacedPod({ namespace: 'metallb-system', labelSelector: 'app=metallb' }),
    );
    const api = ours();
    const actual = await record(() => podIPLister(api, 'metallb-system', 'app=metallb')());
    api.close();
    expect(actual).to.deep.equal(expected);
  });

  it('lists and watches with the query client-node ListWatch and Watch send', async () => {
    const path = '/api/v1/namespaces/metallb-system/configmaps';
    const fieldSelector = 'metadata.name=config';
    const core = theirs().makeApiClient(k8s.CoreV1Api);
    const expectedList = await record(() =>
      core.listNamespacedConfigMap({ namespace: 'metallb-system', fieldSelector }),
    );
    recorded = [];
    const watch = new k8s.Watch(theirs());
    const aborted = await watch.watch(
      path,
      { fieldSelector, resourceVersion: '7', allowWatchBookmarks: true, timeoutSeconds: 300 },
      () => undefined,
      () => undefined,
    );
    await new Promise((resolve) => setTimeout(resolve, 200));
    aborted.abort();
    const expectedWatch = recorded[0];

    recorded = [];
    const api = ours();
    const informer = new ResilientInformer<ConfigMap>(
      api,
      { path, fieldSelector },
      { changed: () => undefined, deleted: () => undefined },
    );
    await informer.start();
    await new Promise((resolve) => setTimeout(resolve, 200));
    await informer.stop();
    api.close();
    const [list, firstWatch] = recorded;
    expect(list).to.deep.equal(expectedList);
    expect(firstWatch?.path).to.equal(expectedWatch?.path);
    // Our watch timeout is spread over 5 to 10 minutes, as client-go's is.
    const query = { ...firstWatch?.query };
    const expectedQuery = { ...expectedWatch?.query };
    const timeoutSeconds = query['timeoutSeconds'];
    delete query['timeoutSeconds'];
    delete expectedQuery['timeoutSeconds'];
    expect(query).to.deep.equal(expectedQuery);
    expect(Number(timeoutSeconds)).to.be.within(300, 599);
    expect(firstWatch?.authorization).to.equal(expectedWatch?.authorization);
  });
});
