/**
 * v0.9's controller rules for one Service (docs/COMPAT.md section 2), and the
 * restart plan built from them.
 */
import { expect } from 'chai';
import { Allocator } from '../../src/allocator/index.js';
import { convergeService, planServices } from '../../src/controller/index.js';
import {
  serviceRequest,
  type ServiceObject,
  type ServiceRequest,
} from '../../src/service/index.js';
import { formatIP } from '../../src/ip/index.js';
import { CONFIG } from './pools.js';

function service(
  name: string,
  extra: {
    ip?: string;
    type?: string;
    clusterIP?: string;
    loadBalancerIP?: string;
    pool?: string;
    share?: string;
    ports?: number[];
    local?: Record<string, string>;
  } = {},
): ServiceRequest {
  const annotations: Record<string, string> = {};
  if (extra.pool !== undefined) annotations['metallb.universe.tf/address-pool'] = extra.pool;
  if (extra.share !== undefined) annotations['metallb.universe.tf/allow-shared-ip'] = extra.share;
  const object: ServiceObject = {
    metadata: { namespace: 'ns', name, annotations },
    spec: {
      type: extra.type ?? 'LoadBalancer',
      clusterIP: extra.clusterIP ?? '10.96.0.1',
      loadBalancerIP: extra.loadBalancerIP,
      externalTrafficPolicy: extra.local === undefined ? 'Cluster' : 'Local',
      selector: extra.local,
      ports: (extra.ports ?? [80]).map((port) => ({ port, protocol: 'TCP' })),
    },
    status: { loadBalancer: { ingress: extra.ip === undefined ? [] : [{ ip: extra.ip }] } },
  };
  return serviceRequest(object);
}

function fresh(): Allocator {
  const allocator = new Allocator();
  allocator.setPools(CONFIG);
  return allocator;
}

function ipOf(result: ReturnType<typeof convergeService>): string | null {
  return result.kind === 'assigned' ? formatIP(result.ip) : null;
}

describe('controller/converge: v0.9 rules for one Service', () => {
  it('keeps the address a Service holds', () => {
    const result = convergeService(fresh(), service('a', { ip: '192.0.2.5' }), { synced: true });
    expect(result).to.include({
      kind: 'assigned',
      allocated: false,
      pool: 'default',
      dropped: null,
    });
    expect(ipOf(result)).to.equal('192.0.2.5');
  });

  it('allocates nothing new before the first full list, but restores', () => {
    const allocator = fresh();
    expect(convergeService(allocator, service('new'), { synced: false })).to.deep.equal({
      kind: 'waiting',
      dropped: null,
    });
    expect(
      ipOf(convergeService(allocator, service('old', { ip: '192.0.2.0' }), { synced: false })),
    ).to.equal('192.0.2.0');
  });

  it('prefers spec.loadBalancerIP, then the pool annotation, then auto-assign pools', () => {
    const allocator = fresh();
    expect(
      ipOf(
        convergeService(allocator, service('ip', { loadBalancerIP: '198.51.100.2' }), {
          synced: true,
        }),
      ),
    ).to.equal('198.51.100.2');
    expect(
      ipOf(convergeService(allocator, service('pool', { pool: 'reserved' }), { synced: true })),
    ).to.equal('198.51.100.0');
    expect(ipOf(convergeService(allocator, service('any'), { synced: true }))).to.equal(
      '192.0.2.0',
    );
  });

  it('re-allocates when spec.loadBalancerIP changes', () => {
    const result = convergeService(
      fresh(),
      service('a', { ip: '192.0.2.5', loadBalancerIP: '192.0.2.6' }),
      { synced: true },
    );
    expect(ipOf(result)).to.equal('192.0.2.6');
    expect(result.kind === 'assigned' && result.dropped).to.include(
      'spec.loadBalancerIP asks for 192.0.2.6',
    );
  });

  it('keeps an address written differently from spec.loadBalancerIP', () => {
    const result = convergeService(
      fresh(),
      service('a', { clusterIP: 'fd00::1', ip: '2001:db8::1', loadBalancerIP: '2001:DB8:0::1' }),
      { synced: true },
    );
    expect(result).to.include({ kind: 'assigned', allocated: false, dropped: null });
  });

  it('re-allocates when the pool annotation names another pool', () => {
    const result = convergeService(fresh(), service('a', { ip: '192.0.2.5', pool: 'reserved' }), {
      synced: true,
    });
    expect(ipOf(result)).to.equal('198.51.100.0');
  });

  it('clears an address the config no longer allows and allocates again', () => {
    const result = convergeService(fresh(), service('a', { ip: '203.0.113.9' }), { synced: true });
    expect(ipOf(result)).to.equal('192.0.2.0');
    expect(result.kind === 'assigned' && result.dropped).to.include('not in any address pool');
  });

  it('clears an ingress of the wrong family, or more than one ingress', () => {
    const wrongFamily = convergeService(
      fresh(),
      service('a', { clusterIP: 'fd00::1', ip: '192.0.2.5' }),
      { synced: true },
    );
    expect(ipOf(wrongFamily)).to.equal('2001:db8::');
    const allocator = fresh();
    const two = serviceRequest({
      metadata: { namespace: 'ns', name: 'two' },
      spec: { type: 'LoadBalancer', clusterIP: '10.96.0.1', ports: [{ port: 80 }] },
      status: { loadBalancer: { ingress: [{ ip: '192.0.2.5' }, { ip: '192.0.2.6' }] } },
    });
    expect(ipOf(convergeService(allocator, two, { synced: true }))).to.equal('192.0.2.0');
  });

  it('releases the address of a Service that is no longer a LoadBalancer', () => {
    const allocator = fresh();
    convergeService(allocator, service('a', { ip: '192.0.2.0' }), { synced: true });
    expect(
      convergeService(allocator, service('a', { type: 'ClusterIP', ip: '192.0.2.0' }), {
        synced: true,
      }),
    ).to.deep.equal({ kind: 'not-load-balancer' });
    expect(ipOf(convergeService(allocator, service('b'), { synced: true }))).to.equal('192.0.2.0');
  });

  it('leaves a Service without a valid clusterIP without an address', () => {
    expect(
      convergeService(fresh(), service('a', { clusterIP: 'None' }), { synced: true }),
    ).to.deep.equal({ kind: 'no-cluster-ip' });
  });

  it('refuses a spec.loadBalancerIP of the other family, naming both', () => {
    const result = convergeService(fresh(), service('a', { loadBalancerIP: '2001:db8::1' }), {
      synced: true,
    });
    expect(result.kind).to.equal('failed');
    expect(result.kind === 'failed' && result.error).to.include('is not IPv4');
  });

  it('shares by annotation, and Local Services only with the same selector', () => {
    const allocator = fresh();
    const web = convergeService(
      allocator,
      service('web', { share: 'k', ports: [80], local: { app: 'x', tier: 'a' } }),
      { synced: true },
    );
    const same = convergeService(
      allocator,
      service('web2', { share: 'k', ports: [443], local: { tier: 'a', app: 'x' } }),
      { synced: true },
    );
    const other = convergeService(
      allocator,
      service('api', { share: 'k', ports: [8443], local: { app: 'y' } }),
      { synced: true },
    );
    expect([ipOf(web), ipOf(same), ipOf(other)]).to.deep.equal([
      '192.0.2.0',
      '192.0.2.0',
      '192.0.2.1',
    ]);
  });
});

describe('controller/plan: a restart over a list of Services', () => {
  it('restores every held address before allocating, so file order never moves one', () => {
    const plan = planServices(CONFIG, [service('new-first'), service('old', { ip: '192.0.2.0' })]);
    expect(plan.services.map((s) => [s.service, s.ip, s.changed])).to.deep.equal([
      ['ns/new-first', '192.0.2.1', true],
      ['ns/old', '192.0.2.0', false],
    ]);
  });

  it('gives the first in file order a contested address', () => {
    const plan = planServices(CONFIG, [
      service('a', { ip: '192.0.2.3' }),
      service('b', { ip: '192.0.2.3' }),
    ]);
    expect(plan.services.map((s) => [s.ip, s.changed])).to.deep.equal([
      ['192.0.2.3', false],
      ['192.0.2.0', true],
    ]);
    expect(plan.services[1]?.dropped).to.include('in use by ns/a');
  });

  it('counts other Services and reports addresses the config orphans', () => {
    const plan = planServices(CONFIG, [
      service('a', { ip: '203.0.113.9' }),
      service('c', { type: 'ClusterIP' }),
    ]);
    expect(plan.skipped).to.equal(1);
    expect(plan.orphaned).to.deep.equal([{ service: 'ns/a', ip: '203.0.113.9' }]);
    expect(plan.services[0]).to.include({
      ip: '192.0.2.0',
      changed: true,
      previousIp: '203.0.113.9',
    });
  });
});
