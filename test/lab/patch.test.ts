import { expect } from 'chai';
import fc from 'fast-check';
import type { Json, PatchResult } from '../../src/lab/patch.js';
import { applyJsonPatch, applyMergePatch, applyStrategicMergePatch } from '../../src/lab/patch.js';

const RUNS = { seed: 7, numRuns: 300 };

/** The value of a result the test expects to succeed. */
function ok(result: PatchResult): Json {
  if (!result.ok) throw new Error(`expected success, got: ${result.error}`);
  return result.value;
}

/** The error of a result the test expects to fail. */
function failure(result: PatchResult): string {
  if (result.ok) throw new Error(`expected failure, got ${JSON.stringify(result.value)}`);
  return result.error;
}

function smp(target: Json, patch: Json, kind: string): Json {
  return ok(applyStrategicMergePatch(target, patch, kind));
}

function frozenCopy(value: Json): Json {
  return JSON.parse(JSON.stringify(value)) as Json;
}

describe('lab/patch', () => {
  describe('applyMergePatch (RFC 7386)', () => {
    // RFC 7386 appendix A, in order.
    const examples: [Json, Json, Json][] = [
      [{ a: 'b' }, { a: 'c' }, { a: 'c' }],
      [{ a: 'b' }, { b: 'c' }, { a: 'b', b: 'c' }],
      [{ a: 'b' }, { a: null }, {}],
      [{ a: 'b', b: 'c' }, { a: null }, { b: 'c' }],
      [{ a: ['b'] }, { a: 'c' }, { a: 'c' }],
      [{ a: 'c' }, { a: ['b'] }, { a: ['b'] }],
      [{ a: { b: 'c' } }, { a: { b: 'd', c: null } }, { a: { b: 'd' } }],
      [{ a: [{ b: 'c' }] }, { a: [1] }, { a: [1] }],
      [
        ['a', 'b'],
        ['c', 'd'],
        ['c', 'd'],
      ],
      [{ a: 'b' }, ['c'], ['c']],
      [{ a: 'foo' }, null, null],
      [{ a: 'foo' }, 'bar', 'bar'],
      [{ e: null }, { a: 1 }, { e: null, a: 1 }],
      [[1, 2], { a: 'b', c: null }, { a: 'b' }],
      [{}, { a: { bb: { ccc: null } } }, { a: { bb: {} } }],
    ];
    examples.forEach(([target, patch, expected], i) => {
      it(`gives the result of RFC 7386 example ${i + 1}`, () => {
        expect(applyMergePatch(target, patch)).to.deep.equal(expected);
      });
    });

    it('replaces lists of objects instead of merging them', () => {
      const target: Json = { items: [{ name: 'a', x: 1 }] };
      expect(applyMergePatch(target, { items: [{ name: 'b' }] })).to.deep.equal({
        items: [{ name: 'b' }],
      });
    });

    it('does not mutate its inputs, and the result shares nothing with them', () => {
      const target: Json = { a: { b: [1, 2] }, keep: { deep: true } };
      const patch: Json = { a: { c: { d: 1 } }, gone: null };
      const before = [frozenCopy(target), frozenCopy(patch)];
      const result = applyMergePatch(target, patch) as { [k: string]: { [k: string]: Json } };
      expect([target, patch]).to.deep.equal(before);
      expect(result.keep).to.not.equal((target as { keep: Json }).keep);
      (result.a as { [k: string]: Json }).c = 'changed';
      expect(patch).to.deep.equal(before[1]);
    });

    it('stores a "__proto__" member as data', () => {
      const patch = JSON.parse('{"__proto__": {"polluted": true}}') as Json;
      const result = applyMergePatch({}, patch) as object;
      expect(Object.keys(result)).to.deep.equal(['__proto__']);
      expect(Object.getPrototypeOf(result)).to.equal(Object.prototype);
      expect(({} as { polluted?: boolean }).polluted).to.equal(undefined);
    });

    it('property: on flat objects it sets and deletes keys like a simple reference', () => {
      const key = fc.constantFrom('a', 'b', 'c', 'd', 'e');
      const scalar = fc.oneof(fc.integer(), fc.string(), fc.boolean());
      const flat = fc.dictionary(key, scalar);
      const flatPatch = fc.dictionary(key, fc.option(scalar, { nil: null }));
      fc.assert(
        fc.property(flat, flatPatch, (target, patch) => {
          const reference: { [k: string]: Json } = { ...target };
          for (const [k, v] of Object.entries(patch)) {
            if (v === null) delete reference[k];
            else reference[k] = v;
          }
          expect(applyMergePatch(target, patch)).to.deep.equal(reference);
        }),
        RUNS,
      );
    });
  });

  describe('applyJsonPatch (RFC 6902)', () => {
    // RFC 6902 appendix A.
    it('A.1 adds an object member', () => {
      expect(
        ok(applyJsonPatch({ foo: 'bar' }, [{ op: 'add', path: '/baz', value: 'qux' }])),
      ).to.deep.equal({ baz: 'qux', foo: 'bar' });
    });

    it('A.2 adds an array element', () => {
      const doc = { foo: ['bar', 'baz'] };
      expect(ok(applyJsonPatch(doc, [{ op: 'add', path: '/foo/1', value: 'qux' }]))).to.deep.equal({
        foo: ['bar', 'qux', 'baz'],
      });
    });

    it('A.3 removes an object member', () => {
      const doc = { baz: 'qux', foo: 'bar' };
      expect(ok(applyJsonPatch(doc, [{ op: 'remove', path: '/baz' }]))).to.deep.equal({
        foo: 'bar',
      });
    });

    it('A.4 removes an array element', () => {
      const doc = { foo: ['bar', 'qux', 'baz'] };
      expect(ok(applyJsonPatch(doc, [{ op: 'remove', path: '/foo/1' }]))).to.deep.equal({
        foo: ['bar', 'baz'],
      });
    });

    it('A.5 replaces a value', () => {
      const doc = { baz: 'qux', foo: 'bar' };
      expect(
        ok(applyJsonPatch(doc, [{ op: 'replace', path: '/baz', value: 'boo' }])),
      ).to.deep.equal({ baz: 'boo', foo: 'bar' });
    });

    it('A.6 moves a value', () => {
      const doc = { foo: { bar: 'baz', waldo: 'fred' }, qux: { corge: 'grault' } };
      const ops: Json[] = [{ op: 'move', from: '/foo/waldo', path: '/qux/thud' }];
      expect(ok(applyJsonPatch(doc, ops))).to.deep.equal({
        foo: { bar: 'baz' },
        qux: { corge: 'grault', thud: 'fred' },
      });
    });

    it('A.7 moves an array element', () => {
      const doc = { foo: ['all', 'grass', 'cows', 'eat'] };
      const ops: Json[] = [{ op: 'move', from: '/foo/1', path: '/foo/3' }];
      expect(ok(applyJsonPatch(doc, ops))).to.deep.equal({
        foo: ['all', 'cows', 'eat', 'grass'],
      });
    });

    it('A.8 passes a test', () => {
      const doc = { baz: 'qux', foo: ['a', 2, 'c'] };
      const ops: Json[] = [
        { op: 'test', path: '/baz', value: 'qux' },
        { op: 'test', path: '/foo/1', value: 2 },
      ];
      expect(ok(applyJsonPatch(doc, ops))).to.deep.equal(doc);
    });

    it('A.9 fails a test', () => {
      const error = failure(
        applyJsonPatch({ baz: 'qux' }, [{ op: 'test', path: '/baz', value: 'bar' }]),
      );
      expect(error).to.contain('operation 0').and.contain('"/baz"').and.contain('test failed');
    });

    it('A.10 adds a nested member object', () => {
      const ops: Json[] = [{ op: 'add', path: '/child', value: { grandchild: {} } }];
      expect(ok(applyJsonPatch({ foo: 'bar' }, ops))).to.deep.equal({
        foo: 'bar',
        child: { grandchild: {} },
      });
    });

    it('A.11 ignores unrecognized members of an operation', () => {
      const ops: Json[] = [{ op: 'add', path: '/baz', value: 'qux', xyz: 123 }];
      expect(ok(applyJsonPatch({ foo: 'bar' }, ops))).to.deep.equal({ foo: 'bar', baz: 'qux' });
    });

    it('A.12 fails to add to a nonexistent target', () => {
      const error = failure(
        applyJsonPatch({ foo: 'bar' }, [{ op: 'add', path: '/baz/bat', value: 'qux' }]),
      );
      expect(error).to.contain('operation 0').and.contain('/baz/bat');
    });

    it('A.14 unescapes ~01 to ~1, not to /', () => {
      const doc = { '/': 9, '~1': 10 };
      expect(ok(applyJsonPatch(doc, [{ op: 'test', path: '/~01', value: 10 }]))).to.deep.equal(doc);
      expect(ok(applyJsonPatch(doc, [{ op: 'test', path: '/~1', value: 9 }]))).to.deep.equal(doc);
    });

    it('A.15 does not equate a string and a number', () => {
      const doc = { '/': 9, '~1': 10 };
      failure(applyJsonPatch(doc, [{ op: 'test', path: '/~01', value: '10' }]));
    });

    it('A.16 adds an array value', () => {
      const ops: Json[] = [{ op: 'add', path: '/foo/-', value: ['abc', 'def'] }];
      expect(ok(applyJsonPatch({ foo: ['bar'] }, ops))).to.deep.equal({
        foo: ['bar', ['abc', 'def']],
      });
    });

    it('escapes "~" as ~0 and "/" as ~1 in member names', () => {
      const ops: Json[] = [
        { op: 'add', path: '/a~1b', value: 1 },
        { op: 'add', path: '/m~0n', value: 2 },
      ];
      expect(ok(applyJsonPatch({}, ops))).to.deep.equal({ 'a/b': 1, 'm~n': 2 });
      expect(failure(applyJsonPatch({}, [{ op: 'add', path: '/a~2', value: 1 }]))).to.contain(
        '"~" must be followed by 0 or 1',
      );
    });

    it('appends with "-" and allows adding at the index equal to the length', () => {
      const ops: Json[] = [
        { op: 'add', path: '/l/-', value: 3 },
        { op: 'add', path: '/l/3', value: 4 },
      ];
      expect(ok(applyJsonPatch({ l: [1, 2] }, ops))).to.deep.equal({ l: [1, 2, 3, 4] });
    });

    it('rejects array indexes out of bounds, with leading zeros, or not numbers', () => {
      const doc = { l: [1, 2] };
      for (const op of [
        { op: 'add', path: '/l/3', value: 0 },
        { op: 'remove', path: '/l/2', value: 0 },
        { op: 'replace', path: '/l/2', value: 0 },
        { op: 'remove', path: '/l/-', value: 0 },
        { op: 'add', path: '/l/01', value: 0 },
        { op: 'add', path: '/l/x', value: 0 },
        { op: 'test', path: '/l/-1', value: 0 },
      ]) {
        expect(failure(applyJsonPatch(doc, [op]))).to.contain(
          `operation 0 (${op.op} "${op.path}")`,
        );
      }
    });

    it('tests with deep JSON equality (member order does not matter, array order does)', () => {
      const doc = { v: { a: [1, { b: null }], c: 'x' } };
      ok(applyJsonPatch(doc, [{ op: 'test', path: '/v', value: { c: 'x', a: [1, { b: null }] } }]));
      failure(applyJsonPatch(doc, [{ op: 'test', path: '/v/a', value: [{ b: null }, 1] }]));
      failure(applyJsonPatch(doc, [{ op: 'test', path: '/v', value: { a: [1, { b: null }] } }]));
      ok(applyJsonPatch(doc, [{ op: 'test', path: '', value: doc }]));
    });

    it('refuses to move a location into one of its own children', () => {
      const doc = { a: { b: {} } };
      const error = failure(applyJsonPatch(doc, [{ op: 'move', from: '/a', path: '/a/b/c' }]));
      expect(error).to.contain('operation 0 (move "/a/b/c")').and.contain('children');
      expect(ok(applyJsonPatch(doc, [{ op: 'move', from: '/a', path: '/a' }]))).to.deep.equal(doc);
      expect(ok(applyJsonPatch(doc, [{ op: 'move', from: '/a/b', path: '/a' }]))).to.deep.equal({
        a: {},
      });
    });

    it('copies a deep value, so that later changes to the copy do not touch the source', () => {
      const ops: Json[] = [
        { op: 'copy', from: '/a', path: '/b' },
        { op: 'add', path: '/b/x/-', value: 2 },
      ];
      expect(ok(applyJsonPatch({ a: { x: [1] } }, ops))).to.deep.equal({
        a: { x: [1] },
        b: { x: [1, 2] },
      });
    });

    it('replaces or adds at the root with the empty pointer', () => {
      expect(ok(applyJsonPatch({ a: 1 }, [{ op: 'replace', path: '', value: [1] }]))).to.deep.equal(
        [1],
      );
      expect(ok(applyJsonPatch({ a: 1 }, [{ op: 'add', path: '', value: 'x' }]))).to.equal('x');
    });

    it('applies operations in order and on failure leaves the target unchanged', () => {
      const target: Json = { a: 1, list: [1] };
      const before = frozenCopy(target);
      const ops: Json[] = [
        { op: 'replace', path: '/a', value: 2 },
        { op: 'add', path: '/list/-', value: 2 },
        { op: 'remove', path: '/missing' },
        { op: 'add', path: '/never', value: true },
      ];
      const error = failure(applyJsonPatch(target, ops));
      expect(error).to.contain('operation 2').and.contain('"/missing"');
      expect(target).to.deep.equal(before);
      expect(ok(applyJsonPatch(target, ops.slice(0, 2)))).to.deep.equal({ a: 2, list: [1, 2] });
      expect(target).to.deep.equal(before);
    });

    it('rejects malformed patches with a message', () => {
      expect(failure(applyJsonPatch({}, { op: 'add' }))).to.contain('array of operations');
      expect(failure(applyJsonPatch({}, [42]))).to.contain('operation 0');
      expect(failure(applyJsonPatch({}, [{ op: 'add', path: '/a' }]))).to.contain('"value"');
      expect(failure(applyJsonPatch({}, [{ op: 'frob', path: '/a' }]))).to.contain('unknown');
      expect(failure(applyJsonPatch({}, [{ op: 'move', path: '/a' }]))).to.contain('"from"');
      expect(failure(applyJsonPatch({}, [{ op: 'add', path: 'a', value: 1 }]))).to.contain(
        'must start with "/"',
      );
      expect(failure(applyJsonPatch({ a: 1 }, [{ op: 'remove', path: '' }]))).to.contain(
        'operation 0',
      );
    });

    it('property: add then remove of the same new location restores the target', () => {
      const leaf = fc.oneof(fc.integer(), fc.string(), fc.boolean(), fc.constant(null));
      const doc = fc.letrec<{ node: Json }>((tie) => ({
        node: fc.oneof(
          { depthSize: 'small', withCrossShrink: true },
          leaf,
          fc.array(tie('node'), { maxLength: 4 }),
          fc.dictionary(fc.string({ maxLength: 3 }), tie('node'), { maxKeys: 4 }),
        ),
      })).node;
      const escape = (token: string) => token.replace(/~/g, '~0').replace(/\//g, '~1');

      /** Every container in the document, with the pointer tokens that reach it. */
      function containers(value: Json, tokens: string[], out: [string[], Json][]) {
        if (Array.isArray(value)) {
          out.push([tokens, value]);
          value.forEach((item, i) => containers(item, [...tokens, String(i)], out));
        } else if (value !== null && typeof value === 'object') {
          out.push([tokens, value]);
          for (const [k, v] of Object.entries(value)) containers(v, [...tokens, k], out);
        }
        return out;
      }

      fc.assert(
        fc.property(
          fc.dictionary(fc.string({ maxLength: 3 }), doc, { maxKeys: 4 }),
          fc.nat(),
          fc.nat(),
          fc.string({ maxLength: 4 }),
          doc,
          (target, pick, position, newKey, value) => {
            const all = containers(target, [], []);
            const [tokens, container] = all[pick % all.length] as [string[], Json];
            let last: string;
            if (Array.isArray(container)) {
              last = String(position % (container.length + 1));
            } else {
              const taken = Object.keys(container as object);
              last = newKey;
              while (taken.includes(last)) last += '_';
            }
            const path = '/' + [...tokens, last].map(escape).join('/');
            const before = frozenCopy(target);
            const result = ok(
              applyJsonPatch(target, [
                { op: 'add', path, value },
                { op: 'remove', path },
              ]),
            );
            expect(result).to.deep.equal(target);
            expect(target).to.deep.equal(before);
          },
        ),
        RUNS,
      );
    });
  });

  describe('applyStrategicMergePatch', () => {
    it('keeps port 80 and adds port 443 for the second kubectl apply of a Service', () => {
      const live: Json = {
        apiVersion: 'v1',
        kind: 'Service',
        metadata: {
          name: 'web',
          namespace: 'default',
          annotations: { 'kubectl.kubernetes.io/last-applied-configuration': '{"old":true}' },
        },
        spec: {
          type: 'LoadBalancer',
          clusterIP: '10.96.0.10',
          ports: [{ name: 'http', port: 80, protocol: 'TCP', targetPort: 8080 }],
        },
      };
      const before = frozenCopy(live);
      const patch: Json = {
        metadata: {
          annotations: { 'kubectl.kubernetes.io/last-applied-configuration': '{"new":true}' },
        },
        spec: {
          '$setElementOrder/ports': [{ port: 80 }, { port: 443 }],
          ports: [{ name: 'https', port: 443, targetPort: 8443 }],
        },
      };
      expect(smp(live, patch, 'Service')).to.deep.equal({
        apiVersion: 'v1',
        kind: 'Service',
        metadata: {
          name: 'web',
          namespace: 'default',
          annotations: { 'kubectl.kubernetes.io/last-applied-configuration': '{"new":true}' },
        },
        spec: {
          type: 'LoadBalancer',
          clusterIP: '10.96.0.10',
          ports: [
            { name: 'http', port: 80, protocol: 'TCP', targetPort: 8080 },
            { name: 'https', port: 443, targetPort: 8443 },
          ],
        },
      });
      expect(live).to.deep.equal(before);
    });

    describe('maps and lists without a strategy', () => {
      it('merges maps recursively and deletes keys whose patch value is null', () => {
        const target: Json = { metadata: { labels: { a: '1', b: '2' }, annotations: { x: 'y' } } };
        const patch: Json = { metadata: { labels: { a: null, c: '3' }, annotations: null } };
        expect(smp(target, patch, 'ConfigMap')).to.deep.equal({
          metadata: { labels: { b: '2', c: '3' } },
        });
      });

      it('drops nulls inside a map the target did not have', () => {
        expect(smp({}, { data: { a: '1', b: null } }, 'ConfigMap')).to.deep.equal({
          data: { a: '1' },
        });
      });

      const replaced: [string, Json, Json][] = [
        [
          'Pod',
          { spec: { tolerations: [{ key: 'a', operator: 'Exists' }] } },
          { spec: { tolerations: [{ key: 'b', operator: 'Exists' }] } },
        ],
        [
          'Node',
          { spec: { taints: [{ key: 'a', effect: 'NoSchedule' }] } },
          { spec: { taints: [{ key: 'b', effect: 'NoExecute' }] } },
        ],
        [
          'Service',
          { status: { loadBalancer: { ingress: [{ ip: '192.0.2.1' }] } } },
          { status: { loadBalancer: { ingress: [{ ip: '192.0.2.2' }] } } },
        ],
        [
          'Service',
          { spec: { externalIPs: ['192.0.2.1'] } },
          { spec: { externalIPs: ['192.0.2.9'] } },
        ],
        [
          'Endpoints',
          { subsets: [{ addresses: [{ ip: '10.0.0.1' }], ports: [{ port: 80 }] }] },
          { subsets: [{ addresses: [{ ip: '10.0.0.2' }] }] },
        ],
        [
          'EndpointSlice',
          { endpoints: [{ addresses: ['10.0.0.1'] }], ports: [{ port: 80 }] },
          { endpoints: [{ addresses: ['10.0.0.2'] }], ports: [{ port: 81 }] },
        ],
        [
          'Namespace',
          { spec: { finalizers: ['kubernetes'] } },
          { spec: { finalizers: ['other'] } },
        ],
        ['Unknown', { metadata: { finalizers: ['a'] } }, { metadata: { finalizers: ['b'] } }],
      ];
      for (const [kind, target, patch] of replaced) {
        it(`replaces ${JSON.stringify(Object.keys(patch as object))} lists of a ${kind}`, () => {
          expect(smp(target, patch, kind)).to.deep.equal(applyMergePatch(target, patch));
        });
      }
    });

    describe('merge keys', () => {
      /** kind, path of the list (with [] for list items), merge key, two key values. */
      const keyed: [string, string, string, Json, Json][] = [
        ['Service', 'metadata.ownerReferences', 'uid', 'u1', 'u2'],
        ['Pod', 'metadata.ownerReferences', 'uid', 'u1', 'u2'],
        ['Node', 'metadata.ownerReferences', 'uid', 'u1', 'u2'],
        ['ConfigMap', 'metadata.ownerReferences', 'uid', 'u1', 'u2'],
        ['Secret', 'metadata.ownerReferences', 'uid', 'u1', 'u2'],
        ['Namespace', 'metadata.ownerReferences', 'uid', 'u1', 'u2'],
        ['Endpoints', 'metadata.ownerReferences', 'uid', 'u1', 'u2'],
        ['EndpointSlice', 'metadata.ownerReferences', 'uid', 'u1', 'u2'],
        ['Event', 'metadata.ownerReferences', 'uid', 'u1', 'u2'],
        ['Lease', 'metadata.ownerReferences', 'uid', 'u1', 'u2'],
        ['Service', 'spec.ports', 'port', 80, 443],
        ['Service', 'status.conditions', 'type', 'A', 'B'],
        ['Pod', 'spec.containers', 'name', 'app', 'sidecar'],
        ['Pod', 'spec.initContainers', 'name', 'init', 'init2'],
        ['Pod', 'spec.ephemeralContainers', 'name', 'debug', 'debug2'],
        ['Pod', 'spec.containers[].ports', 'containerPort', 80, 443],
        ['Pod', 'spec.containers[].env', 'name', 'A', 'B'],
        ['Pod', 'spec.containers[].volumeMounts', 'mountPath', '/a', '/b'],
        ['Pod', 'spec.containers[].volumeDevices', 'devicePath', '/dev/a', '/dev/b'],
        ['Pod', 'spec.initContainers[].env', 'name', 'A', 'B'],
        ['Pod', 'spec.ephemeralContainers[].volumeMounts', 'mountPath', '/a', '/b'],
        ['Pod', 'spec.volumes', 'name', 'data', 'logs'],
        ['Pod', 'spec.imagePullSecrets', 'name', 's1', 's2'],
        ['Pod', 'spec.hostAliases', 'ip', '10.0.0.1', '10.0.0.2'],
        ['Pod', 'spec.topologySpreadConstraints', 'topologyKey', 'zone', 'host'],
        ['Pod', 'spec.schedulingGates', 'name', 'g1', 'g2'],
        ['Pod', 'spec.resourceClaims', 'name', 'c1', 'c2'],
        ['Pod', 'status.conditions', 'type', 'Ready', 'PodScheduled'],
        ['Pod', 'status.podIPs', 'ip', '10.1.0.1', 'fd00::1'],
        ['Pod', 'status.hostIPs', 'ip', '192.0.2.1', '2001:db8::1'],
        ['Pod', 'status.resourceClaimStatuses', 'name', 'c1', 'c2'],
        ['Node', 'status.conditions', 'type', 'Ready', 'MemoryPressure'],
        ['Node', 'status.addresses', 'type', 'InternalIP', 'Hostname'],
        ['Namespace', 'status.conditions', 'type', 'A', 'B'],
      ];

      /** Wraps `list` at `path`; a [] step goes into a one-item container list named "c". */
      function at(path: string, list: Json[]): Json {
        const [outer, inner] = path.split('[].') as [string, string | undefined];
        const nest = (dotted: string, value: Json): Json =>
          dotted
            .split('.')
            .reverse()
            .reduce<Json>((acc, key) => ({ [key]: acc }), value);
        if (inner === undefined) return nest(outer, list);
        return nest(outer, [{ name: 'c', ...(nest(inner, list) as object) }]);
      }

      for (const [kind, path, key, first, second] of keyed) {
        it(`merges ${kind} ${path} by ${key}`, () => {
          const target = at(path, [
            { [key]: first, keep: 'yes', change: 'old' },
            { [key]: 'other', other: true },
          ]);
          const patch = at(path, [
            { [key]: first, change: 'new' },
            { [key]: second, added: true },
          ]);
          // Patched items come first, in patch order; "other" stays after the item that
          // preceded it in the live list, and new items go before it (see the next tests).
          expect(smp(target, patch, kind)).to.deep.equal(
            at(path, [
              { [key]: first, keep: 'yes', change: 'new' },
              { [key]: second, added: true },
              { [key]: 'other', other: true },
            ]),
          );
        });
      }

      const sets: [string, string][] = [
        ['Pod', 'metadata.finalizers'],
        ['Service', 'metadata.finalizers'],
        ['Namespace', 'metadata.finalizers'],
        ['Lease', 'metadata.finalizers'],
        ['Node', 'spec.podCIDRs'],
      ];
      for (const [kind, path] of sets) {
        it(`merges ${kind} ${path} as a set of primitives`, () => {
          const target = at(path, ['a', 'b']);
          const patch = at(path, ['b', 'c', 'c']);
          const result = smp(target, patch, kind);
          const list = path
            .split('.')
            .reduce<Json>((acc, k) => (acc as { [key: string]: Json })[k] as Json, result);
          expect([...(list as Json[])].sort()).to.deep.equal(['a', 'b', 'c']);
        });
      }

      it('puts an item new to a list before the existing ones, as the API server does', () => {
        // The "kubectl patch" task page: adding patch-demo-ctr-2 lists it first.
        const target: Json = { spec: { containers: [{ name: 'patch-demo-ctr', image: 'nginx' }] } };
        const patch: Json = {
          spec: { containers: [{ name: 'patch-demo-ctr-2', image: 'redis' }] },
        };
        expect(smp(target, patch, 'Pod')).to.deep.equal({
          spec: {
            containers: [
              { name: 'patch-demo-ctr-2', image: 'redis' },
              { name: 'patch-demo-ctr', image: 'nginx' },
            ],
          },
        });
      });

      it('orders merged items by the patch list, keeping server-only items in place', () => {
        const target: Json = { metadata: { finalizers: ['a', 'b', 'c'] } };
        expect(smp(target, { metadata: { finalizers: ['c', 'a'] } }, 'Pod')).to.deep.equal({
          metadata: { finalizers: ['b', 'c', 'a'] },
        });
      });

      it('merges items of a nested list in place and deletes keys set to null', () => {
        const target: Json = {
          spec: {
            containers: [
              {
                name: 'app',
                image: 'a:1',
                env: [
                  { name: 'A', value: '1' },
                  { name: 'B', value: '2' },
                ],
                resources: { limits: { cpu: '1' } },
              },
            ],
          },
        };
        const patch: Json = {
          spec: {
            containers: [{ name: 'app', env: [{ name: 'B', value: '3' }], resources: null }],
          },
        };
        expect(smp(target, patch, 'Pod')).to.deep.equal({
          spec: {
            containers: [
              {
                name: 'app',
                image: 'a:1',
                env: [
                  { name: 'A', value: '1' },
                  { name: 'B', value: '3' },
                ],
              },
            ],
          },
        });
      });

      it('rejects an item of a keyed list that lacks the merge key', () => {
        const target: Json = { spec: { ports: [{ port: 80 }] } };
        expect(
          failure(
            applyStrategicMergePatch(target, { spec: { ports: [{ name: 'x' }] } }, 'Service'),
          ),
        )
          .to.contain('spec.ports')
          .and.contain('"port"');
      });
    });

    describe('directives', () => {
      it('$patch: replace in a map replaces the whole map with the rest of the patch', () => {
        const target: Json = { metadata: { name: 'x' }, data: { a: '1', b: '2' } };
        const patch: Json = { data: { $patch: 'replace', c: '3' } };
        expect(smp(target, patch, 'ConfigMap')).to.deep.equal({
          metadata: { name: 'x' },
          data: { c: '3' },
        });
      });

      it('$patch: replace at the top level replaces the whole object', () => {
        const target: Json = { metadata: { name: 'x' }, data: { a: '1' } };
        expect(smp(target, { $patch: 'replace', data: { b: '2' } }, 'ConfigMap')).to.deep.equal({
          data: { b: '2' },
        });
      });

      it('$patch: replace as a list item replaces the whole merging list', () => {
        const target: Json = {
          spec: {
            containers: [
              { name: 'a', image: 'a' },
              { name: 'b', image: 'b' },
            ],
          },
        };
        const patch: Json = {
          spec: { containers: [{ name: 'c', image: 'c' }, { $patch: 'replace' }] },
        };
        expect(smp(target, patch, 'Pod')).to.deep.equal({
          spec: { containers: [{ name: 'c', image: 'c' }] },
        });
      });

      it('$patch: delete as a list item deletes every item with that merge key', () => {
        const target: Json = {
          spec: {
            ports: [
              { port: 80, name: 'http' },
              { port: 443, name: 'https' },
              { port: 80, name: 'dup' },
            ],
          },
        };
        const patch: Json = { spec: { ports: [{ port: 80, $patch: 'delete' }] } };
        expect(smp(target, patch, 'Service')).to.deep.equal({
          spec: { ports: [{ port: 443, name: 'https' }] },
        });
      });

      it('$patch: delete in a map deletes that map', () => {
        const target: Json = {
          spec: { sessionAffinityConfig: { clientIP: { timeoutSeconds: 5 } }, x: 1 },
        };
        const patch: Json = { spec: { sessionAffinityConfig: { $patch: 'delete' } } };
        expect(smp(target, patch, 'Service')).to.deep.equal({ spec: { x: 1 } });
        expect(smp({}, patch, 'Service')).to.deep.equal({ spec: {} });
      });

      it('$patch: merge is the default and does not show in the result', () => {
        const target: Json = { data: { a: '1' } };
        expect(smp(target, { data: { $patch: 'merge', b: '2' } }, 'ConfigMap')).to.deep.equal({
          data: { a: '1', b: '2' },
        });
      });

      it('rejects an unknown $patch value', () => {
        const result = applyStrategicMergePatch({}, { data: { $patch: 'frob' } }, 'ConfigMap');
        expect(failure(result)).to.contain('data').and.contain('frob');
      });

      it('$setElementOrder sets the order of a list of maps', () => {
        const target: Json = {
          spec: { containers: [{ name: 'a', image: '1' }, { name: 'b' }, { name: 'c' }] },
        };
        const patch: Json = {
          spec: {
            '$setElementOrder/containers': [{ name: 'b' }, { name: 'c' }, { name: 'a' }],
            containers: [{ name: 'a', image: '2' }],
          },
        };
        expect(smp(target, patch, 'Pod')).to.deep.equal({
          spec: { containers: [{ name: 'b' }, { name: 'c' }, { name: 'a', image: '2' }] },
        });
      });

      it('$setElementOrder sets the order of a list of primitives', () => {
        const target: Json = { metadata: { finalizers: ['a', 'b', 'c'] } };
        const patch: Json = { metadata: { '$setElementOrder/finalizers': ['b', 'c', 'a'] } };
        expect(smp(target, patch, 'Service')).to.deep.equal({
          metadata: { finalizers: ['b', 'c', 'a'] },
        });
      });

      it('$setElementOrder interleaves unlisted items as the API server does', () => {
        // 99 and 98 are not listed. The API server does not move them after the listed
        // items: an unlisted item goes before a listed one when both are in the live list
        // and it came first there; a listed item new to the list goes before unlisted ones.
        const target: Json = {
          spec: { ports: [{ port: 1 }, { port: 99 }, { port: 2 }, { port: 98 }] },
        };
        const patch: Json = {
          spec: {
            '$setElementOrder/ports': [{ port: 2 }, { port: 1 }, { port: 3 }],
            ports: [{ port: 3 }],
          },
        };
        expect(smp(target, patch, 'Service')).to.deep.equal({
          spec: { ports: [{ port: 99 }, { port: 2 }, { port: 1 }, { port: 3 }, { port: 98 }] },
        });
      });

      it('$setElementOrder applies to a list that only the patch has', () => {
        const patch: Json = {
          spec: {
            '$setElementOrder/ports': [{ port: 2 }, { port: 1 }],
            ports: [{ port: 2 }, { port: 1 }],
          },
        };
        expect(smp({}, patch, 'Service')).to.deep.equal({
          spec: { ports: [{ port: 2 }, { port: 1 }] },
        });
      });

      it('rejects a patch list that does not follow its $setElementOrder list', () => {
        const patch: Json = {
          spec: { '$setElementOrder/ports': [{ port: 1 }, { port: 2 }], ports: [{ port: 3 }] },
        };
        expect(failure(applyStrategicMergePatch({}, patch, 'Service'))).to.contain('spec.ports');
      });

      it('$retainKeys drops the keys of the target map that it does not list', () => {
        const target: Json = {
          spec: { volumes: [{ name: 'v', hostPath: { path: '/x' }, extra: true }] },
        };
        const patch: Json = {
          spec: { volumes: [{ name: 'v', $retainKeys: ['name', 'emptyDir'], emptyDir: {} }] },
        };
        expect(smp(target, patch, 'Pod')).to.deep.equal({
          spec: { volumes: [{ name: 'v', emptyDir: {} }] },
        });
      });

      it('rejects a patch with a field that its $retainKeys does not list', () => {
        const patch: Json = { data: { $retainKeys: ['a'], b: '1' } };
        expect(failure(applyStrategicMergePatch({ data: {} }, patch, 'ConfigMap'))).to.contain(
          '$retainKeys',
        );
      });

      it('$deleteFromPrimitiveList removes values from a primitive list', () => {
        const target: Json = { metadata: { finalizers: ['a', 'b', 'c', 'b'] } };
        const patch: Json = { metadata: { '$deleteFromPrimitiveList/finalizers': ['b', 'x'] } };
        expect(smp(target, patch, 'Pod')).to.deep.equal({ metadata: { finalizers: ['a', 'c'] } });
      });

      it('$deleteFromPrimitiveList works together with $setElementOrder, as kubectl sends it', () => {
        const target: Json = { metadata: { finalizers: ['a', 'b', 'c'] } };
        const patch: Json = {
          metadata: {
            '$setElementOrder/finalizers': ['c', 'b'],
            '$deleteFromPrimitiveList/finalizers': ['a'],
          },
        };
        expect(smp(target, patch, 'Pod')).to.deep.equal({ metadata: { finalizers: ['c', 'b'] } });
      });

      it('never leaves directive keys in the result, also in values new to the target', () => {
        const patch: Json = {
          metadata: { labels: { $patch: 'replace', a: '1' } },
          spec: {
            '$setElementOrder/ports': [{ port: 1 }],
            ports: [{ port: 1, $retainKeys: ['port'] }],
            selector: { $patch: 'delete' },
            tolerations: [{ key: 'k', $patch: 'merge' }, { $patch: 'replace' }],
          },
        };
        const result = smp({}, patch, 'Service');
        expect(JSON.stringify(result)).to.not.contain('$');
        expect(result).to.deep.equal({
          metadata: { labels: { a: '1' } },
          spec: { ports: [{ port: 1 }], tolerations: [{ key: 'k' }] },
        });
      });

      it('rejects malformed directive keys', () => {
        expect(failure(applyStrategicMergePatch({}, { $setElementOrder: [] }, 'Pod'))).to.contain(
          '$setElementOrder/<field>',
        );
      });
    });

    it('rejects a patch that is not an object, and never throws', () => {
      expect(failure(applyStrategicMergePatch({}, [1], 'Pod'))).to.contain('JSON object');
      expect(failure(applyStrategicMergePatch({}, null, 'Pod'))).to.contain('JSON object');
    });

    it('does not mutate its inputs', () => {
      const target: Json = {
        metadata: { finalizers: ['a'] },
        spec: { containers: [{ name: 'a', env: [{ name: 'X', value: '1' }] }] },
      };
      const patch: Json = {
        metadata: { '$deleteFromPrimitiveList/finalizers': ['a'] },
        spec: {
          '$setElementOrder/containers': [{ name: 'b' }, { name: 'a' }],
          containers: [{ name: 'b' }, { name: 'a', env: [{ name: 'X', value: '2' }] }],
        },
      };
      const before = [frozenCopy(target), frozenCopy(patch)];
      smp(target, patch, 'Pod');
      expect([target, patch]).to.deep.equal(before);
    });

    it('property: for kind Unknown and a patch without directives it equals applyMergePatch', () => {
      // Keys never start with "$", so no key is a directive.
      const key = fc.string({ maxLength: 3 }).filter((k) => !k.startsWith('$'));
      const leaf = fc.oneof(
        fc.integer(),
        fc.string({ maxLength: 3 }),
        fc.boolean(),
        fc.constant(null),
      );
      const value = fc.letrec<{ node: Json }>((tie) => ({
        node: fc.oneof(
          { depthSize: 'small', withCrossShrink: true },
          leaf,
          fc.array(tie('node'), { maxLength: 3 }),
          fc.dictionary(key, tie('node'), { maxKeys: 4 }),
        ),
      })).node;
      const object = fc.dictionary(key, value, { maxKeys: 5 });
      fc.assert(
        fc.property(fc.oneof(object, value), object, (target, patch) => {
          expect(smp(target, patch, 'Unknown')).to.deep.equal(applyMergePatch(target, patch));
        }),
        RUNS,
      );
    });
  });
});
