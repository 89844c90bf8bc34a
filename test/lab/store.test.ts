/**
 * The store hands out its objects without copying them, so they must be
 * immutable: whatever a reader or a watcher does with what it got can
 * neither change the stored object nor what another receiver holds, and an
 * update makes a new revision while the old one stays as it was.
 */
import { expect } from 'chai';
import type { JsonObject } from '../../src/lab/json.js';
import { Registry, type Scope } from '../../src/lab/registry.js';
import { findResource, type ResourceType } from '../../src/lab/resources.js';
import { ServiceAdmission } from '../../src/lab/services.js';
import { Store, type EventType } from '../../src/lab/store.js';

const SERVICES = findResource('', 'v1', 'services') as ResourceType;
const NAMESPACES = findResource('', 'v1', 'namespaces') as ResourceType;
const SERVICE_KEY = '/v1/services';
const WRITE = { dryRun: false, strict: false };

function scope(type: ResourceType, namespace: string, name: string): Scope {
  return { type, namespace, name, subresource: '' };
}

/** A Registry over a fresh Store, with the `default` namespace and Service admission. */
function newRegistry(): Registry {
  const registry = new Registry(new Store(), () => new Date('2024-01-02T03:04:05Z'));
  registry.addAdmission(new ServiceAdmission());
  registry.create(scope(NAMESPACES, '', ''), { metadata: { name: 'default' } }, WRITE);
  return registry;
}

function createService(registry: Registry, name: string): JsonObject {
  return registry.create(
    scope(SERVICES, 'default', ''),
    { metadata: { name, labels: { app: 'web' } }, spec: { ports: [{ port: 80 }] } },
    WRITE,
  );
}

/** Every way a receiver could change an object it got; each must throw. */
function expectUnchangeable(object: JsonObject): void {
  const metadata = object['metadata'] as JsonObject;
  const labels = metadata['labels'] as JsonObject;
  const ports = (object['spec'] as JsonObject)['ports'] as JsonObject[];
  expect(() => {
    object['kind'] = 'Pod';
  }).to.throw(TypeError);
  expect(() => {
    metadata['name'] = 'other';
  }).to.throw(TypeError);
  expect(() => {
    delete labels['app'];
  }).to.throw(TypeError);
  expect(() => {
    ports.push({ port: 81 });
  }).to.throw(TypeError);
  expect(() => {
    (ports[0] as JsonObject)['port'] = 8080;
  }).to.throw(TypeError);
}

function portOf(object: JsonObject): unknown {
  return (((object['spec'] as JsonObject)['ports'] as JsonObject[])[0] as JsonObject)['port'];
}

describe('lab: stored objects are immutable', () => {
  it('an object from get cannot be changed, and the store still holds the original', () => {
    const registry = newRegistry();
    createService(registry, 'web');
    const got = registry.get(scope(SERVICES, 'default', 'web'));
    expectUnchangeable(got);
    const again = registry.get(scope(SERVICES, 'default', 'web'));
    expect(again['kind']).to.equal('Service');
    expect((again['metadata'] as JsonObject)['name']).to.equal('web');
    expect((again['metadata'] as JsonObject)['labels']).to.deep.equal({ app: 'web' });
    expect(portOf(again)).to.equal(80);
  });

  it('items from list cannot be changed', () => {
    const registry = newRegistry();
    createService(registry, 'a');
    createService(registry, 'b');
    const { items } = registry.list(scope(SERVICES, 'default', ''), () => true);
    expect(items.map((item) => (item['metadata'] as JsonObject)['name'])).to.deep.equal(['a', 'b']);
    for (const item of items) expectUnchangeable(item);
  });

  it('the object a create answers with cannot be changed', () => {
    const registry = newRegistry();
    expectUnchangeable(createService(registry, 'web'));
  });

  it('a watcher gets objects it cannot change', () => {
    const registry = newRegistry();
    const received: JsonObject[] = [];
    registry.store.watch(
      SERVICE_KEY,
      { namespace: undefined, match: () => true },
      { kind: 'current-state' },
      { event: (_type, object) => received.push(object), close: () => undefined },
    );
    createService(registry, 'web');
    expect(received).to.have.length(1);
    expectUnchangeable(received[0] as JsonObject);
  });

  it('an update is a new revision; a watcher keeps the old one as it was', () => {
    const registry = newRegistry();
    const events: { type: EventType; object: JsonObject }[] = [];
    registry.store.watch(
      SERVICE_KEY,
      { namespace: 'default', match: () => true },
      { kind: 'current-state' },
      { event: (type, object) => events.push({ type, object }), close: () => undefined },
    );
    const created = createService(registry, 'web');
    const before = registry.get(scope(SERVICES, 'default', 'web'));
    const beforeText = JSON.stringify(before);

    const updated = registry.update(
      scope(SERVICES, 'default', 'web'),
      {
        ...before,
        metadata: { ...(before['metadata'] as JsonObject), labels: { app: 'api' } },
        spec: { ...(before['spec'] as JsonObject), ports: [{ port: 443, protocol: 'TCP' }] },
      },
      WRITE,
    );

    expect(events.map((e) => e.type)).to.deep.equal(['ADDED', 'MODIFIED']);
    const [added, modified] = events.map((e) => e.object) as [JsonObject, JsonObject];
    // What the watcher got first is the old revision, untouched by the update.
    expect(JSON.stringify(added)).to.equal(beforeText);
    expect(JSON.stringify(before)).to.equal(beforeText);
    expect((added['metadata'] as JsonObject)['labels']).to.deep.equal({ app: 'web' });
    expect(portOf(added)).to.equal(80);
    expect(portOf(created)).to.equal(80);
    // The new revision has its own resourceVersion and the new content.
    const oldVersion = (added['metadata'] as JsonObject)['resourceVersion'];
    const newVersion = (modified['metadata'] as JsonObject)['resourceVersion'];
    expect(Number(newVersion)).to.be.greaterThan(Number(oldVersion));
    expect((updated['metadata'] as JsonObject)['resourceVersion']).to.equal(newVersion);
    expect((modified['metadata'] as JsonObject)['labels']).to.deep.equal({ app: 'api' });
    expect(portOf(modified)).to.equal(443);
    // Fields the server keeps across an update came along.
    expect((modified['spec'] as JsonObject)['clusterIP']).to.equal(
      (added['spec'] as JsonObject)['clusterIP'],
    );
    expectUnchangeable(modified);
  });

  it('a status write leaves the revision a reader holds as it was', () => {
    const registry = newRegistry();
    createService(registry, 'web');
    const before = registry.get(scope(SERVICES, 'default', 'web'));
    registry.update(
      { ...scope(SERVICES, 'default', 'web'), subresource: 'status' },
      { status: { loadBalancer: { ingress: [{ ip: '192.0.2.1' }] } } },
      WRITE,
    );
    expect(before['status']).to.deep.equal({ loadBalancer: {} });
    const after = registry.get(scope(SERVICES, 'default', 'web'));
    expect(after['status']).to.deep.equal({ loadBalancer: { ingress: [{ ip: '192.0.2.1' }] } });
    expect(() => {
      ((after['status'] as JsonObject)['loadBalancer'] as JsonObject)['ingress'] = [];
    }).to.throw(TypeError);
  });
});
