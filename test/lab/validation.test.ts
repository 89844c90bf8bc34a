/**
 * The lab refuses what kube-apiserver refuses, over HTTP as a raw client
 * meets it: names by each kind's rule, path names that are no safe
 * segment, malformed escapes, bodies over 3 MiB, YAML that aliases or
 * nests past the decoder's bounds, and fault counts past their limit.
 */
import { expect } from 'chai';
import fc from 'fast-check';
import { Lab } from '../../src/lab/index.js';
import { fetchLab, type LabRequest } from '../support/lab-http.js';

interface Status {
  kind: string;
  code: number;
  reason: string;
  message: string;
  details?: {
    name?: string;
    kind?: string;
    causes?: { reason: string; field: string; message: string }[];
  };
  metadata?: { name?: string };
}

const CONFIGMAPS = '/api/v1/namespaces/default/configmaps';
const LIMIT = 3 * 1024 * 1024;
const SPEC = { ports: [{ port: 80 }] };
/** `count` nested levels of the laughs: each level a list of `width` aliases of the one below. */
function aliasBomb(levels: number, width: number, scalar = 'lol'): string {
  const lines = [`l0: &l0 [${Array<string>(width).fill(JSON.stringify(scalar)).join(',')}]`];
  for (let i = 1; i < levels; i++)
    lines.push(
      `l${i}: &l${i} [${Array<string>(width)
        .fill(`*l${i - 1}`)
        .join(',')}]`,
    );
  return `metadata: {name: bomb}\ndata:\n${lines.map((line) => `  ${line}`).join('\n')}\n`;
}

/** A ConfigMap whose `data.deep` holds arrays nested so that the whole body nests `levels` deep. */
function deepJson(levels: number): string {
  const inner = levels - 2; // the body object and data
  return `{"metadata":{"name":"deep${levels}"},"data":{"deep":${'['.repeat(inner)}${']'.repeat(inner)}}}`;
}

describe('lab: what kube-apiserver refuses', function () {
  this.timeout(60_000);
  let lab: Lab;

  before(async () => {
    lab = await Lab.start();
  });
  after(async () => {
    await lab.stop();
  });

  async function send(
    path: string,
    options: LabRequest = {},
  ): Promise<{ code: number; status: Status }> {
    const response = await fetchLab(lab, path, options);
    const text = await response.text();
    return { code: response.status, status: JSON.parse(text) as Status };
  }

  const create = (collection: string, name: string, extra: object = {}) =>
    send(collection, { method: 'POST', body: { metadata: { name }, ...extra } });

  describe('names, by the rule of each kind', () => {
    const SUBDOMAIN = 'a lowercase RFC 1123 subdomain must consist of lower case alphanumeric';
    const LABEL = 'a lowercase RFC 1123 label must consist of lower case alphanumeric';
    const DNS1035 = 'a DNS-1035 label must consist of lower case alphanumeric characters';
    const refusals: [string, string, string, string, object?][] = [
      ['ConfigMap', CONFIGMAPS, '../../etc/passwd', SUBDOMAIN],
      ['ConfigMap', CONFIGMAPS, '..', SUBDOMAIN],
      ['ConfigMap', CONFIGMAPS, 'a/b', SUBDOMAIN],
      ['ConfigMap', CONFIGMAPS, 'Web', SUBDOMAIN],
      ['ConfigMap', CONFIGMAPS, 'x'.repeat(254), 'must be no more than 253 characters'],
      ['Secret', '/api/v1/namespaces/default/secrets', 'web_tls', SUBDOMAIN],
      ['Pod', '/api/v1/namespaces/default/pods', '-web', SUBDOMAIN],
      ['Node', '/api/v1/nodes', 'node.', SUBDOMAIN],
      ['Lease', '/apis/coordination.k8s.io/v1/namespaces/default/leases', 'A', SUBDOMAIN],
      ['Namespace', '/api/v1/namespaces', 'team.a', LABEL],
      ['Namespace', '/api/v1/namespaces', 'x'.repeat(64), 'must be no more than 63 characters'],
      ['Service', '/api/v1/namespaces/default/services', '1web', DNS1035, { spec: SPEC }],
      ['Service', '/api/v1/namespaces/default/services', 'web.a', DNS1035, { spec: SPEC }],
      [
        'Role',
        '/apis/rbac.authorization.k8s.io/v1/namespaces/default/roles',
        '..',
        "may not be '..'",
      ],
      [
        'ClusterRole',
        '/apis/rbac.authorization.k8s.io/v1/clusterroles',
        'a%b',
        "may not contain '%'",
      ],
      [
        'ClusterRole',
        '/apis/rbac.authorization.k8s.io/v1/clusterroles',
        'a/b',
        "may not contain '/'",
      ],
    ];
    for (const [kind, collection, name, rule, extra] of refusals) {
      it(`refuses ${kind} ${JSON.stringify(name.length > 20 ? `${name.slice(0, 8)}...` : name)}: 422 with the field cause`, async () => {
        const { code, status } = await create(collection, name, extra);
        expect(code).to.equal(422);
        expect(status.reason).to.equal('Invalid');
        expect(status.message).to.contain(
          `"${name}" is invalid: metadata.name: Invalid value: "${name}": `,
        );
        expect(status.message).to.contain(rule);
        const causes = status.details?.causes ?? [];
        expect(causes).to.have.length(1);
        expect(causes[0]).to.include({ reason: 'FieldValueInvalid', field: 'metadata.name' });
        expect(causes[0]?.message).to.equal(
          `Invalid value: "${name}": ${causes[0]?.message.split(': ').slice(2).join(': ')}`,
        );
        expect(causes[0]?.message).to.contain(rule);
      });
    }

    it('names the group in the kind of an RBAC refusal, as kubectl prints it', async () => {
      const { status } = await create('/apis/rbac.authorization.k8s.io/v1/clusterroles', '.');
      expect(status.message).to.equal(
        `ClusterRole.rbac.authorization.k8s.io "." is invalid: metadata.name: Invalid value: ".": may not be '.'`,
      );
    });

    const accepted: [string, string, object?][] = [
      [CONFIGMAPS, 'web.config-1'],
      [CONFIGMAPS, 'x'.repeat(253)],
      ['/api/v1/namespaces/default/services', 'web-1', { spec: SPEC }],
      ['/api/v1/namespaces', 'x'.repeat(63)],
      [
        '/apis/discovery.k8s.io/v1/namespaces/default/endpointslices',
        'web.abc',
        { addressType: 'IPv4', endpoints: [] },
      ],
      // v0.9's own RBAC names carry colons; RBAC allows any safe path segment.
      ['/apis/rbac.authorization.k8s.io/v1/clusterroles', 'metallb-system:controller'],
      ['/apis/rbac.authorization.k8s.io/v1/namespaces/default/roles', 'Config_Watcher'],
      // core/v1 Events have no name rule of their own (legacyValidateEvent).
      [
        '/api/v1/namespaces/default/events',
        'Web.17a_B',
        { involvedObject: { namespace: 'default' } },
      ],
    ];
    for (const [collection, name, extra] of accepted) {
      it(`accepts ${collection.split('/').at(-1) ?? ''} ${JSON.stringify(name.length > 20 ? `${name.slice(0, 8)}...` : name)}`, async () => {
        const { code, status } = await create(collection, name, extra);
        expect(code, status.message).to.equal(201);
        expect(status.metadata?.name).to.equal(name);
      });
    }

    it("refuses a core/v1 Event whose name is no path segment with the storage key's 400", async () => {
      const { code, status } = await create('/api/v1/namespaces/default/events', '..', {
        involvedObject: { namespace: 'default' },
      });
      expect(code).to.equal(400);
      expect(status.message).to.equal(`Name parameter invalid: "..": may not be '..'`);
    });

    it('checks generateName as a prefix, and cuts a long one to 58 characters', async () => {
      const bad = await send(CONFIGMAPS, {
        method: 'POST',
        body: { metadata: { generateName: 'Cfg-' } },
      });
      expect(bad.code).to.equal(422);
      expect(bad.status.details?.causes?.map((c) => c.field)).to.deep.equal([
        'metadata.generateName',
        'metadata.name',
      ]);
      expect(bad.status.message).to.match(
        /is invalid: \[metadata\.generateName: Invalid value: "Cfg-": .*, metadata\.name: Invalid value: "Cfg-[a-z0-9]{5}": /,
      );
      const long = await send(CONFIGMAPS, {
        method: 'POST',
        body: { metadata: { generateName: `${'g'.repeat(70)}-` } },
      });
      expect(long.code).to.equal(201);
      expect(long.status.metadata?.name).to.match(new RegExp(`^${'g'.repeat(58)}[a-z0-9]{5}$`));
    });

    it('refuses a namespace in the path that no Namespace could be named', async () => {
      const { code, status } = await create('/api/v1/namespaces/Team/configmaps', 'web');
      expect(code).to.equal(422);
      expect(status.details?.causes?.map((c) => c.field)).to.deep.equal(['metadata.namespace']);
    });
  });

  describe('paths', () => {
    for (const path of [
      `${CONFIGMAPS}/%2e%2e`,
      `${CONFIGMAPS}/%2E%2E`,
      `${CONFIGMAPS}/..`,
      `${CONFIGMAPS}/%2e`,
      '/api/v1/namespaces/%2e%2e',
    ]) {
      it(`answers ${path} with 400 Name parameter invalid, never another path`, async () => {
        for (const method of ['GET', 'DELETE']) {
          const { code, status } = await send(path, { method });
          expect(code, `${method} ${path}`).to.equal(400);
          expect(status.reason).to.equal('BadRequest');
          expect(status.message).to.match(/^Name parameter invalid: "\.\.?": may not be '\.\.?'$/);
        }
        expect((await send('/api/v1/namespaces/default')).code, 'default still there').to.equal(
          200,
        );
      });
    }

    it('refuses a name with % in the path, and splits an encoded / as Go decodes it', async () => {
      const percent = await send(`${CONFIGMAPS}/a%25b`);
      expect(percent.code).to.equal(400);
      expect(percent.status.message).to.equal(`Name parameter invalid: "a%b": may not contain '%'`);
      // configmaps/a/b: a subresource "b" that ConfigMaps do not have.
      expect((await send(`${CONFIGMAPS}/a%2Fb`)).code).to.equal(404);
    });

    it('decodes escapes in a valid name', async () => {
      expect((await create(CONFIGMAPS, 'escaped-name')).code).to.equal(201);
      const { code, status } = await send(`${CONFIGMAPS}/escaped%2Dn%61me`);
      expect(code).to.equal(200);
      expect(status.metadata?.name).to.equal('escaped-name');
    });

    for (const path of [
      `${CONFIGMAPS}/%zz`,
      `${CONFIGMAPS}/web%`,
      `${CONFIGMAPS}/%4`,
      '/%g0/api',
    ]) {
      it(`answers the malformed escape in ${path} with Go's plain 400, before authentication`, async () => {
        for (const token of [undefined, 'not-the-token']) {
          const response = await fetchLab(lab, path, token === undefined ? {} : { token });
          expect(response.status).to.equal(400);
          expect(await response.text()).to.equal('400 Bad Request');
        }
      });
    }
  });

  describe('bodies', () => {
    /** A ConfigMap padded with trailing spaces (which JSON allows) to exactly `size` bytes. */
    function padded(name: string, size: number): string {
      const text = JSON.stringify({ metadata: { name }, data: { a: 'x' } });
      return text + ' '.repeat(size - text.length);
    }

    it('reads a body of exactly 3 MiB, and refuses one byte more with 413 RequestEntityTooLarge', async () => {
      const fits = await send(CONFIGMAPS, { method: 'POST', rawBody: padded('fits', LIMIT) });
      expect(fits.code).to.equal(201);
      const over = await send(CONFIGMAPS, { method: 'POST', rawBody: padded('over', LIMIT + 1) });
      expect(over.code).to.equal(413);
      expect(over.status).to.deep.include({
        kind: 'Status',
        reason: 'RequestEntityTooLarge',
        message: `Request entity too large: limit is ${LIMIT}`,
      });
      expect((await send(`${CONFIGMAPS}/over`)).code).to.equal(404);
    });

    it('refuses an oversized body on every verb that reads one, YAML and fault commands too', async () => {
      const big = Buffer.alloc(LIMIT + 100, ' ');
      const cases: [string, LabRequest][] = [
        [`${CONFIGMAPS}/fits`, { method: 'PUT', rawBody: big }],
        [
          `${CONFIGMAPS}/fits`,
          { method: 'PATCH', rawBody: big, contentType: 'application/merge-patch+json' },
        ],
        [
          `${CONFIGMAPS}/fits`,
          { method: 'PATCH', rawBody: big, contentType: 'application/apply-patch+yaml' },
        ],
        [CONFIGMAPS, { method: 'POST', rawBody: big, contentType: 'application/yaml' }],
        ['/lab/faults', { method: 'POST', rawBody: big }],
      ];
      for (const [path, options] of cases) {
        const { code, status } = await send(path, options);
        expect(code, `${options.method ?? ''} ${path}`).to.equal(413);
        expect(status.reason).to.equal('RequestEntityTooLarge');
      }
    });

    it('refuses the billion laughs at once, on create and on server-side apply', async () => {
      const bomb = aliasBomb(9, 9);
      expect(bomb.length).to.be.below(600);
      for (const [path, method, contentType] of [
        [CONFIGMAPS, 'POST', 'application/yaml'],
        [`${CONFIGMAPS}/bomb`, 'PATCH', 'application/apply-patch+yaml'],
      ] as const) {
        const started = Date.now();
        const { code, status } = await send(path, { method, rawBody: bomb, contentType });
        expect(Date.now() - started, 'answered within a second').to.be.below(1000);
        expect(code).to.equal(400);
        expect(status.message).to.contain('yaml: document contains excessive aliasing');
      }
      expect((await send(`${CONFIGMAPS}/bomb`)).code).to.equal(404);
    });

    it('expands the aliases of an ordinary document, as go-yaml does', async () => {
      const yaml =
        'metadata: {name: aliased, labels: &labels {app: web}}\ndata: {three: &n "3"}\nbinaryData: {}\nimmutable: false\n';
      expect(
        (await send(CONFIGMAPS, { method: 'POST', rawBody: yaml, contentType: 'application/yaml' }))
          .code,
      ).to.equal(201);
      const small = aliasBomb(3, 9);
      const { code } = await send(CONFIGMAPS, {
        method: 'POST',
        rawBody: small,
        contentType: 'application/yaml',
      });
      expect(code, "ten times nine laughs stay under go-yaml's thresholds").to.equal(201);
      const stored = await fetchLab(lab, `${CONFIGMAPS}/bomb`);
      const body = (await stored.json()) as { data: { l2: string[][][] } };
      expect(body.data.l2.flat(2)).to.have.length(729);
    });

    it('refuses an anchor that contains itself, and an unknown anchor', async () => {
      for (const [yaml, reason] of [
        ['metadata: {name: loop}\ndata: &a {self: *a}\n', "anchor 'a' value contains itself"],
        ['metadata: {name: unknown}\ndata: {a: *nowhere}\n', 'nowhere'],
      ]) {
        const { code, status } = await send(CONFIGMAPS, {
          method: 'POST',
          rawBody: yaml,
          contentType: 'application/yaml',
        });
        expect(code).to.equal(400);
        expect(status.message).to.contain(reason);
      }
    });

    it('refuses aliases that repeat a long scalar past 3 MiB of text', async () => {
      const yaml = `metadata: {name: long}\ndata:\n  a: &a "${'x'.repeat(1 << 20)}"\n  b: [${Array<string>(4).fill('*a').join(',')}]\n`;
      const { code, status } = await send(CONFIGMAPS, {
        method: 'POST',
        rawBody: yaml,
        contentType: 'application/yaml',
      });
      expect(code).to.equal(400);
      expect(status.message).to.contain(`past ${LIMIT} bytes of text`);
    });

    it('serves 1000 levels of nesting, and refuses 1001 in JSON and in YAML', async () => {
      expect((await send(CONFIGMAPS, { method: 'POST', rawBody: deepJson(1000) })).code).to.equal(
        201,
      );
      const back = await send(`${CONFIGMAPS}/deep1000`);
      expect(back.code).to.equal(200);
      const cases: [string, string][] = [
        [deepJson(1001), 'application/json'],
        [deepJson(1001), 'application/yaml'],
        [
          `metadata: {name: b}\ndata:\n${Array.from({ length: 1000 }, (_, i) => `${' '.repeat(i + 2)}k:`).join('\n')} 1\n`,
          'application/yaml',
        ],
        ['['.repeat(500_000) + ']'.repeat(500_000), 'application/json'],
        ['['.repeat(500_000) + ']'.repeat(500_000), 'application/yaml'],
      ];
      for (const [rawBody, contentType] of cases) {
        const started = Date.now();
        const { code } = await send(CONFIGMAPS, { method: 'POST', rawBody, contentType });
        expect(code, `${contentType} ${rawBody.length} bytes`).to.equal(400);
        expect(Date.now() - started).to.be.below(2000);
      }
    });

    it('answers any alias bomb, nesting or long line within bounded time, never with a 500 (fuzz)', async () => {
      let run = 0;
      const shapes = fc.oneof(
        fc
          .record({
            levels: fc.integer({ min: 1, max: 12 }),
            width: fc.integer({ min: 1, max: 16 }),
            scalar: fc.string({ maxLength: 2000 }),
          })
          .map(({ levels, width, scalar }) => aliasBomb(levels, width, scalar)),
        fc
          .integer({ min: 1, max: 3000 })
          .map(
            (levels) =>
              `metadata: {name: n}\ndata: {a: ${'['.repeat(levels)}${']'.repeat(levels)}}\n`,
          ),
        fc
          .integer({ min: 1, max: 3_000_000 })
          .map((length) => `metadata: {name: n}\ndata: {a: ${'x'.repeat(length)}}\n`),
      );
      await fc.assert(
        fc.asyncProperty(shapes, async (yaml) => {
          const name = `fuzz${run++}`;
          const body = yaml.replace(/name: (bomb|n)\b/, `name: ${name}`);
          const started = Date.now();
          const { code, status } = await send(CONFIGMAPS, {
            method: 'POST',
            rawBody: body,
            contentType: 'application/yaml',
          });
          expect(Date.now() - started, 'answered within 3 s').to.be.below(3000);
          expect([201, 400, 413], status.message).to.include(code);
          if (code === 201) {
            const stored = await fetchLab(lab, `${CONFIGMAPS}/${name}`);
            expect((await stored.text()).length).to.be.below(4 * LIMIT);
          }
        }),
        { numRuns: 40, seed: 19 },
      );
    });
  });

  describe('fault commands', () => {
    it('refuses a failure count over 10000 with a 400 naming the limit', async () => {
      for (const count of [10_001, 1e308, -1, 1.5]) {
        const { code, status } = await send('/lab/faults', {
          method: 'POST',
          body: { action: 'fail', count },
        });
        expect(code).to.equal(400);
        expect(status.message).to.equal('"count" must be a whole number from 0 to 10000');
      }
      expect(
        (await send('/lab/faults', { method: 'POST', body: { action: 'fail', count: 10_000 } }))
          .code,
      ).to.equal(200);
      expect((await send('/api/v1/namespaces')).code).to.equal(500);
      // The fault endpoint itself never fails: it is how a test clears them.
      expect(
        (await send('/lab/faults', { method: 'POST', body: { action: 'clear' } })).code,
      ).to.equal(200);
      expect((await send('/api/v1/namespaces')).code).to.equal(200);
    });

    it('refuses the same count in process', () => {
      expect(() => lab.inject({ action: 'fail', count: 10_001, code: 500 })).to.throw(
        RangeError,
        '10000',
      );
    });
  });
});
