/**
 * The REST client's answers and failures: a Status becomes an ApiError with
 * its code, reason and message; a body that is not a Status still names the
 * HTTP code; a refused connection is code 0; a watch hands on each line,
 * rejects on a line that is not JSON, and resolves when stopped.
 */
import { expect } from 'chai';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApiClient, ApiError, endpointAuth, statusOf } from '../../src/k8s/index.js';

type Handler = (request: IncomingMessage, response: ServerResponse) => void;

describe('k8s: REST client answers and failures', function () {
  this.timeout(10_000);
  let server: Server;
  let url: string;
  let handler: Handler;
  let api: ApiClient;

  before(async () => {
    server = createServer((request, response) => handler(request, response));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });
  beforeEach(() => {
    api = new ApiClient(url, endpointAuth({ server: url, insecureSkipTlsVerify: false }));
  });
  afterEach(() => api.close());

  const failure = async (call: () => Promise<unknown>): Promise<ApiError> => {
    try {
      await call();
    } catch (error) {
      expect(error).to.be.instanceOf(ApiError);
      return error as ApiError;
    }
    throw new Error('expected the call to fail');
  };

  it('turns a Status answer into an ApiError with its code, reason and message', async () => {
    handler = (_request, response) => {
      response.writeHead(409, { 'Content-Type': 'application/json' });
      response.end(
        JSON.stringify({
          kind: 'Status',
          status: 'Failure',
          reason: 'Conflict',
          code: 409,
          message: 'the object has been modified',
        }),
      );
    };
    const error = await failure(() => api.request('PUT', '/api/v1/namespaces/a/services/b'));
    expect([error.code, error.reason, error.message]).to.deep.equal([
      409,
      'Conflict',
      'the object has been modified',
    ]);
    expect(statusOf(error)).to.equal(409);
  });

  it('names the HTTP code when the error body is not a Status', async () => {
    handler = (_request, response) => {
      response.writeHead(502);
      response.end('<html>bad gateway</html>');
    };
    const error = await failure(() => api.request('GET', '/api/v1/services'));
    expect([error.code, error.reason, error.message]).to.deep.equal([
      502,
      '',
      '<html>bad gateway</html>',
    ]);
  });

  it('reads an empty success as an empty object', async () => {
    handler = (_request, response) => {
      response.writeHead(200);
      response.end();
    };
    expect(await api.request('DELETE', '/api/v1/namespaces/a/events/e')).to.deep.equal({});
  });

  it('reports a refused connection as code 0', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const nowhere = `http://127.0.0.1:${port}`;
    const lost = new ApiClient(
      nowhere,
      endpointAuth({ server: nowhere, insecureSkipTlsVerify: false }),
    );
    const error = await failure(() => lost.request('GET', '/api/v1/services'));
    lost.close();
    expect(error.code).to.equal(0);
  });

  it('hands on each watch line, split anywhere across chunks', async () => {
    handler = (_request, response) => {
      response.writeHead(200, { 'Content-Type': 'application/json' });
      response.write('{"type":"ADDED","object":{"n":1}}\n{"type":"MOD');
      setTimeout(() => response.end('IFIED","object":{"n":"\u00e9"}}\n'), 20);
    };
    const lines: unknown[] = [];
    await api.watch('/api/v1/services', { watch: 'true' }, (line) => lines.push(line), {
      idleMs: 5000,
      signal: new AbortController().signal,
    });
    expect(lines).to.deep.equal([
      { type: 'ADDED', object: { n: 1 } },
      { type: 'MODIFIED', object: { n: '\u00e9' } },
    ]);
  });

  it('rejects a watch whose line is not JSON, and resolves one that is stopped', async () => {
    handler = (_request, response) => {
      response.writeHead(200);
      response.write('{"type":"ADDED"\n');
    };
    let rejected: unknown;
    await api
      .watch('/w', {}, () => undefined, { idleMs: 5000, signal: new AbortController().signal })
      .catch((error: unknown) => (rejected = error));
    expect(rejected).to.be.instanceOf(Error);

    handler = (_request, response) => {
      response.writeHead(200);
      response.write('{"type":"ADDED","object":{}}\n');
    };
    const stop = new AbortController();
    const seen: unknown[] = [];
    const watching = api.watch(
      '/w',
      {},
      (line) => {
        seen.push(line);
        stop.abort();
      },
      { idleMs: 5000, signal: stop.signal },
    );
    await watching; // resolves, does not reject
    expect(seen).to.have.length(1);
  });
});
