/**
 * The informer on our own client, against the lab: list then watch, resume
 * after closed watches without repeating what did not change, relist after
 * 410 Gone reporting the deletions the watch missed, back off through 500s
 * and an outage.
 */
import { expect } from 'chai';
import {
  ResilientInformer,
  type ApiClient,
  type ConfigMap,
  type InformerHandlers,
} from '../../src/k8s/index.js';
import { Lab } from '../../src/lab/index.js';
import { findResource } from '../../src/lab/resources.js';
import { labApi } from '../support/lab-api.js';
import { until } from '../support/until.js';

const PATH = '/api/v1/namespaces/default/configmaps';

interface Seen {
  changed: string[];
  deleted: string[];
  failures: number[];
  synced: number;
}

function recorder(): { seen: Seen; handlers: InformerHandlers<ConfigMap> } {
  const seen: Seen = { changed: [], deleted: [], failures: [], synced: 0 };
  const label = (c: ConfigMap) => `${c.metadata?.name ?? ''}=${c.data?.['v'] ?? ''}`;
  return {
    seen,
    handlers: {
      changed: (c) => seen.changed.push(label(c)),
      deleted: (c) => seen.deleted.push(c.metadata?.name ?? ''),
      synced: () => seen.synced++,
      failed: (_error, retryInMs) => seen.failures.push(retryInMs),
    },
  };
}

describe('k8s: informer on our client', function () {
  this.timeout(30_000);
  let lab: Lab;
  let api: ApiClient;
  const informers: ResilientInformer<ConfigMap>[] = [];

  const put = (name: string, v: string) =>
    api.request('POST', PATH, { body: { metadata: { name }, data: { v } } });
  const set = (name: string, v: string) =>
    api.request('PATCH', `${PATH}/${name}`, {
      body: { data: { v } },
      contentType: 'application/merge-patch+json',
    });
  const remove = (name: string) => api.request('DELETE', `${PATH}/${name}`);

  function informer(handlers: InformerHandlers<ConfigMap>, fieldSelector?: string) {
    const made = new ResilientInformer<ConfigMap>(
      api,
      { path: PATH, ...(fieldSelector === undefined ? {} : { fieldSelector }) },
      handlers,
      { backoff: { initialMs: 20, maxMs: 200 } },
    );
    informers.push(made);
    return made;
  }

  beforeEach(async () => {
    lab = await Lab.start();
    api = labApi(lab);
  });
  afterEach(async () => {
    await Promise.all(informers.splice(0).map((i) => i.stop()));
    api.close();
    await lab.stop();
  });

  it('lists, then reports adds, changes and deletions from the watch', async () => {
    await put('a', '1');
    const { seen, handlers } = recorder();
    const watched = informer(handlers);
    await watched.start();
    expect(seen.synced).to.equal(1);
    expect(seen.changed).to.deep.equal(['a=1']);
    await put('b', '1');
    await set('a', '2');
    await remove('b');
    await until(() => seen.deleted.length === 1, 10_000, 'seen.deleted.length === 1');
    expect(seen.changed).to.deep.equal(['a=1', 'b=1', 'a=2']);
    expect(seen.deleted).to.deep.equal(['b']);
    expect(watched.list().map((c) => c.data?.['v'])).to.deep.equal(['2']);
    expect(watched.get('a', 'default')?.data?.['v']).to.equal('2');
  });

  it('honours a field selector', async () => {
    await put('a', '1');
    await put('b', '1');
    const { seen, handlers } = recorder();
    await informer(handlers, 'metadata.name=b').start();
    await set('a', '2');
    await set('b', '2');
    await until(() => seen.changed.length === 2, 10_000, 'seen.changed.length === 2');
    expect(seen.changed).to.deep.equal(['b=1', 'b=2']);
  });

  it('resumes a closed watch from where it was: nothing missed, nothing repeated', async () => {
    await put('a', '1');
    const { seen, handlers } = recorder();
    await informer(handlers).start();
    for (let i = 2; i <= 4; i++) {
      lab.inject({ action: 'close-watches' });
      await set('a', String(i));
    }
    await until(() => seen.changed.includes('a=4'), 10_000, 'seen.changed.includes("a=4")');
    expect(seen.changed).to.deep.equal(['a=1', 'a=2', 'a=3', 'a=4']);
    expect(seen.failures).to.deep.equal([]);
  });

  it('lists again after 410 Gone and reports what the gap hid, and only that', async () => {
    await put('keep', '1');
    await put('gone', '1');
    await put('edit', '1');
    const { seen, handlers } = recorder();
    await informer(handlers).start();
    // While the server is down, 'gone' is deleted and the history that would tell is expired.
    const down = lab.outage(300);
    await new Promise((resolve) => setTimeout(resolve, 20));
    const type = findResource('', 'v1', 'configmaps');
    if (type === undefined) throw new Error('test setup: no configmaps in the lab');
    lab.registry.delete(
      { type, namespace: 'default', name: 'gone', subresource: '' },
      { dryRun: false },
    );
    lab.inject({ action: 'expire-history' });
    await down;
    await until(() => seen.deleted.length === 1, 10_000, 'seen.deleted.length === 1');
    await set('edit', '2');
    await until(() => seen.changed.includes('edit=2'), 10_000, 'seen.changed.includes("edit=2")');
    expect(seen.deleted).to.deep.equal(['gone']);
    // 'keep' and 'edit' were reported once each by the first list and not again by the relist.
    expect(seen.changed.sort()).to.deep.equal(['edit=1', 'edit=2', 'gone=1', 'keep=1']);
  });

  it('backs off through failed lists and an outage, then catches up', async () => {
    await put('a', '1');
    lab.inject({ action: 'fail', count: 3, code: 500 });
    const { seen, handlers } = recorder();
    await informer(handlers).start();
    await until(() => seen.synced === 1, 10_000, 'seen.synced === 1');
    expect(seen.failures).to.deep.equal([20, 40, 80]);
    await lab.outage(300);
    await set('a', '2');
    await until(() => seen.changed.includes('a=2'), 10_000, 'seen.changed.includes("a=2")');
    expect(seen.failures.length).to.be.greaterThan(3);
    expect(seen.changed).to.deep.equal(['a=1', 'a=2']);
  });
});
