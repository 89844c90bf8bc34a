/**
 * Watch streams from outside, fuzzed: an informer fed arbitrary JSON lines
 * and mangled events (fixed seed) never stops, hands its handlers only
 * objects with a name, counts every line it skips, and goes on to take the
 * next good event.
 */
import { expect } from 'chai';
import fc from 'fast-check';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApiClient, endpointAuth, ResilientInformer, type ConfigMap } from '../../src/k8s/index.js';
import { until } from '../support/until.js';

const SENTINEL = { type: 'ADDED', object: { metadata: { name: 'zz-end', resourceVersion: '99' } } };

/** A watch event, whole or with a part replaced by something of the wrong kind. */
const eventLike = fc.record(
  {
    type: fc.oneof(
      fc.constantFrom('ADDED', 'MODIFIED', 'DELETED', 'BOOKMARK'),
      fc.string(),
      fc.jsonValue(),
    ),
    object: fc.oneof(
      fc.record(
        {
          metadata: fc.oneof(
            fc.record(
              {
                name: fc.oneof(fc.stringMatching(/^[a-z][a-z0-9-]{0,8}$/), fc.jsonValue()),
                namespace: fc.oneof(fc.constant('default'), fc.jsonValue()),
                resourceVersion: fc.oneof(fc.nat().map(String), fc.jsonValue()),
              },
              { requiredKeys: [] },
            ),
            fc.jsonValue(),
          ),
          data: fc.dictionary(fc.string(), fc.string()),
        },
        { requiredKeys: [] },
      ),
      fc.jsonValue(),
    ),
  },
  { requiredKeys: [] },
);
const line = fc.oneof(eventLike, fc.jsonValue());

describe('k8s: informer fed fuzzed watch streams', function () {
  this.timeout(120_000);
  let server: Server;
  let url: string;
  let lines: unknown[] = [];

  before(async () => {
    server = createServer((request, response) => {
      response.writeHead(200, { 'Content-Type': 'application/json' });
      if (!(request.url ?? '').includes('watch=true')) {
        response.end(JSON.stringify({ metadata: { resourceVersion: '1' }, items: [] }));
        return;
      }
      // Each watch gets the run's lines, then the sentinel, then stays open until stopped.
      response.write([...lines, SENTINEL].map((l) => `${JSON.stringify(l)}\n`).join(''));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  it('survives 200 streams of arbitrary lines and takes the good event after them', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(line, { maxLength: 30 }), async (generated) => {
        // What JSON cannot carry (undefined, -0) is left out as the server would send it.
        // An ERROR event ends the watch by design (tested elsewhere): none here.
        lines = generated
          .map((l) => JSON.parse(JSON.stringify(l ?? null)) as unknown)
          .map((l) => ((l as { type?: unknown } | null)?.type === 'ERROR' ? null : l));
        const api = new ApiClient(url, endpointAuth({ server: url, insecureSkipTlsVerify: false }));
        const handed: ConfigMap[] = [];
        const failures: unknown[] = [];
        const informer = new ResilientInformer<ConfigMap>(
          api,
          { path: '/api/v1/namespaces/default/configmaps' },
          {
            changed: (c) => handed.push(c),
            deleted: (c) => handed.push(c),
            failed: (error) => failures.push(error),
          },
          { backoff: { initialMs: 5, maxMs: 20 } },
        );
        try {
          await informer.start();
          await until(
            () => handed.some((c) => c.metadata?.name === 'zz-end'),
            5_000,
            'the sentinel event after the fuzzed lines',
            5,
          );
        } finally {
          await informer.stop();
          server.closeAllConnections();
          api.close();
        }
        expect(failures).to.deep.equal([]);
        for (const object of handed) {
          expect(object.metadata?.name).to.be.a('string').and.not.equal('');
        }
        // The rules, restated: an object event needs an object with a non-empty string name (and
        // string namespace and resourceVersion when present); a bookmark needs an object.
        const isObject = (v: unknown): v is Record<string, unknown> =>
          typeof v === 'object' && v !== null && !Array.isArray(v);
        const optionalString = (v: unknown) => v === undefined || typeof v === 'string';
        let usable = 0;
        let bookmarks = 0;
        for (const l of lines) {
          if (!isObject(l) || !isObject(l['object'])) continue;
          const metadata = l['object']['metadata'];
          if (l['type'] === 'BOOKMARK') bookmarks++;
          else if (
            ['ADDED', 'MODIFIED', 'DELETED'].includes(l['type'] as string) &&
            isObject(metadata) &&
            typeof metadata['name'] === 'string' &&
            metadata['name'] !== '' &&
            optionalString(metadata['namespace']) &&
            optionalString(metadata['resourceVersion'])
          )
            usable++;
        }
        expect(handed.length - 1, 'objects handed on before the sentinel').to.equal(usable);
        expect(informer.malformed, 'lines skipped').to.equal(lines.length - usable - bookmarks);
      }),
      { seed: 20261122, numRuns: 200 },
    );
  });
});
