/**
 * One Service converged by metallb-ts beside the model of v0.9.6's
 * convergeBalancer (v09-converge-model.ts), over addresses spelled every
 * way Go 1.13 read them (test/service/go-readings.ts): IPv4-mapped IPv6,
 * leading zeros, upper case, uncompressed IPv6, and texts that are no
 * address. The controller (convergeService, then the status it writes) and
 * `plan` must end where v0.9 ends. The one deliberate difference: where
 * `spec.loadBalancerIP` names the held address in another spelling, v0.9
 * gave it up and took it back with an IPAllocated Event on every sync;
 * metallb-ts keeps it (same address, same status, no Event).
 */
import { expect } from 'chai';
import fc from 'fast-check';
import { Allocator } from '../../src/allocator/index.js';
import {
  convergeService,
  ingressWritten,
  planServices,
  restoreHeld,
  type Convergence,
} from '../../src/controller/index.js';
import { serviceRequest, type ServiceRequest } from '../../src/service/index.js';
import { GO_READINGS } from '../service/go-readings.js';
import { CONFIG, MODEL_POOLS } from './pools.js';
import { ModelController, modelConverge, type ModelService } from './v09-converge-model.js';

const TEXTS = [...GO_READINGS.keys()];
const CLUSTER_IPS = [
  '10.96.0.1',
  '::ffff:10.96.0.1',
  '010.096.000.001',
  'fd00::1',
  'FD00:0:0::1',
  'None',
  '',
];

const modelService: fc.Arbitrary<ModelService> = fc.record({
  type: fc.constantFrom('LoadBalancer', 'LoadBalancer', 'LoadBalancer', 'ClusterIP'),
  clusterIP: fc.constantFrom(...CLUSTER_IPS),
  loadBalancerIP: fc.oneof(fc.constant(''), fc.constantFrom(...TEXTS)),
  pool: fc.constantFrom('', '', 'default', 'reserved', 'v6', 'missing'),
  ingress: fc.oneof(
    { weight: 1, arbitrary: fc.constant([]) },
    { weight: 4, arbitrary: fc.tuple(fc.constantFrom(...TEXTS)) },
    { weight: 1, arbitrary: fc.array(fc.constantFrom(...TEXTS), { minLength: 2, maxLength: 2 }) },
  ),
});

function request(svc: ModelService): ServiceRequest {
  const annotations: Record<string, string> =
    svc.pool === '' ? {} : { 'metallb.universe.tf/address-pool': svc.pool };
  return serviceRequest({
    metadata: { namespace: 'ns', name: 'web', annotations },
    spec: {
      type: svc.type,
      clusterIP: svc.clusterIP,
      loadBalancerIP: svc.loadBalancerIP,
      ports: [{ protocol: 'TCP', port: 80 }],
    },
    status: { loadBalancer: { ingress: svc.ingress.map((ip) => ({ ip })) } },
  });
}

function fresh(): Allocator {
  const allocator = new Allocator();
  allocator.setPools(CONFIG);
  return allocator;
}

/** What the daemon records for a v0.9 Service's outcome (controller/daemon.ts reportSingle). */
function eventsOf(result: Convergence): string[] {
  if (result.kind === 'failed') return ['AllocationFailed'];
  return result.kind === 'assigned' && result.allocated ? ['IPAllocated'] : [];
}

describe('controller: v0.9 spellings of an address, against a model of convergeBalancer', () => {
  it('ends with the status v0.9 ends with, and its Events but for the kept spelling', () => {
    fc.assert(
      fc.property(modelService, (svc) => {
        const v09 = modelConverge(MODEL_POOLS, svc);
        const result = convergeService(fresh(), request(svc), { synced: true });
        const status = ingressWritten({ rules: 'v0.9', result }, svc.ingress) ?? svc.ingress;
        expect(status, 'status').to.deep.equal(v09.status);
        const expectedEvents = v09.reassignedSameAddress ? [] : v09.events;
        expect(eventsOf(result), 'events').to.deep.equal(expectedEvents);
      }),
      { numRuns: 3000 },
    );
  });

  it('ends where v0.9 ends over Services converged one after another, contesting addresses', () => {
    fc.assert(
      fc.property(fc.array(modelService, { minLength: 2, maxLength: 4 }), (services) => {
        const v09 = new ModelController(MODEL_POOLS);
        const allocator = fresh();
        services.forEach((svc, i) => {
          const key = `s${i}`;
          const expected = v09.converge(key, svc);
          const one = { ...request(svc), key: `ns/${key}` };
          const result = convergeService(allocator, one, { synced: true });
          const status = ingressWritten({ rules: 'v0.9', result }, svc.ingress) ?? svc.ingress;
          expect(status, key).to.deep.equal(expected.status);
        });
      }),
      { numRuns: 2000 },
    );
  });

  it('plans what v0.9 ends with', () => {
    fc.assert(
      fc.property(modelService, (svc) => {
        const plan = planServices(CONFIG, [request(svc)]);
        if (svc.type !== 'LoadBalancer') {
          expect(plan.services).to.deep.equal([]);
          return;
        }
        const v09 = modelConverge(MODEL_POOLS, svc);
        expect(plan.services[0]?.ips).to.deep.equal(v09.status);
      }),
      { numRuns: 3000 },
    );
  });

  it('the model finds the documented v0.9 answers (a check of the checker)', () => {
    const lb = { type: 'LoadBalancer', clusterIP: '10.96.0.1', pool: '' };
    // Another spelling of the held address: given up, taken back, an Event.
    expect(
      modelConverge(MODEL_POOLS, {
        ...lb,
        loadBalancerIP: '::ffff:192.0.2.5',
        ingress: ['192.0.2.5'],
      }),
    ).to.deep.equal({
      status: ['192.0.2.5'],
      events: ['IPAllocated'],
      reassignedSameAddress: true,
    });
    // A held IPv4-mapped address is kept, and written back dotted.
    expect(
      modelConverge(MODEL_POOLS, { ...lb, loadBalancerIP: '', ingress: ['::ffff:192.0.2.5'] }),
    ).to.deep.equal({ status: ['192.0.2.5'], events: [], reassignedSameAddress: false });
    // A clusterIP that is no address: the status is cleared.
    expect(
      modelConverge(MODEL_POOLS, {
        ...lb,
        clusterIP: 'None',
        loadBalancerIP: '',
        ingress: ['192.0.2.5'],
      }),
    ).to.deep.equal({ status: [], events: [], reassignedSameAddress: false });
  });
});

describe('controller: IPv4-mapped, leading-zero and upper-case addresses (v0.9.6 controller/service.go)', () => {
  const converge = (svc: Partial<ModelService>): Convergence =>
    convergeService(
      fresh(),
      request({
        type: 'LoadBalancer',
        clusterIP: '10.96.0.1',
        loadBalancerIP: '',
        pool: '',
        ingress: [],
        ...svc,
      }),
      { synced: true },
    );

  it('keeps a held ::ffff:192.0.2.5 as 192.0.2.5 and writes it back dotted (IP.String)', () => {
    const result = converge({ ingress: ['::ffff:192.0.2.5'] });
    expect(result).to.include({ kind: 'assigned', allocated: false, dropped: null });
    expect(ingressWritten({ rules: 'v0.9', result }, ['::ffff:192.0.2.5'])).to.deep.equal([
      '192.0.2.5',
    ]);
  });

  it('assigns loadBalancerIP ::ffff:192.0.2.5 to an IPv4 Service, and refuses it to an IPv6 one (To4)', () => {
    expect(
      ingressWritten(
        { rules: 'v0.9', result: converge({ loadBalancerIP: '::ffff:192.0.2.5' }) },
        [],
      ),
    ).to.deep.equal(['192.0.2.5']);
    const v6 = converge({ clusterIP: 'fd00::1', loadBalancerIP: '::ffff:192.0.2.5' });
    expect(v6.kind).to.equal('failed');
  });

  it('takes the family of a clusterIP ::ffff:10.96.0.1 as IPv4', () => {
    const result = converge({ clusterIP: '::ffff:10.96.0.1' });
    expect(ingressWritten({ rules: 'v0.9', result }, [])).to.deep.equal(['192.0.2.0']);
  });

  it('reads leading zeros as decimal (Go 1.13 dtoi) in loadBalancerIP, ingress and clusterIP', () => {
    expect(
      ingressWritten(
        { rules: 'v0.9', result: converge({ loadBalancerIP: '192.000.002.005' }) },
        [],
      ),
    ).to.deep.equal(['192.0.2.5']);
    const held = converge({ clusterIP: '010.096.000.001', ingress: ['0192.0.2.5'] });
    expect(held).to.include({ kind: 'assigned', allocated: false, dropped: null });
    expect(ingressWritten({ rules: 'v0.9', result: held }, ['0192.0.2.5'])).to.deep.equal([
      '192.0.2.5',
    ]);
  });

  it('keeps the held address that loadBalancerIP spells otherwise, where v0.9 re-assigned it', () => {
    for (const [spelled, held, clusterIP] of [
      ['2001:DB8::1', '2001:db8::1', 'fd00::1'],
      ['2001:db8:0:0:0:0:0:1', '2001:db8::1', 'fd00::1'],
      ['::ffff:192.0.2.5', '192.0.2.5', '10.96.0.1'],
      ['192.000.002.005', '192.0.2.5', '10.96.0.1'],
    ] as const) {
      const result = converge({ clusterIP, loadBalancerIP: spelled, ingress: [held] });
      expect(result, spelled).to.include({ kind: 'assigned', allocated: false, dropped: null });
      expect(ingressWritten({ rules: 'v0.9', result }, [held])).to.deep.equal([held]);
    }
  });

  it('keeps it through the restore pass of a restart, which v0.9 left unassigned until synced', () => {
    const allocator = fresh();
    const web = request({
      type: 'LoadBalancer',
      clusterIP: '10.96.0.1',
      loadBalancerIP: '::ffff:192.0.2.0',
      pool: '',
      ingress: ['192.0.2.0'],
    });
    const outcome = restoreHeld(allocator, [web], []).get('ns/web');
    expect(outcome?.rules === 'v0.9' && outcome.result).to.include({
      kind: 'assigned',
      dropped: null,
    });
    // A newcomer converged after the pass cannot take it.
    const other = request({
      type: 'LoadBalancer',
      clusterIP: '10.96.0.1',
      loadBalancerIP: '',
      pool: '',
      ingress: [],
    });
    const result = convergeService(allocator, { ...other, key: 'ns/new' }, { synced: true });
    expect(ingressWritten({ rules: 'v0.9', result }, [])).to.deep.equal(['192.0.2.1']);
  });

  it('clears the status of a LoadBalancer whose clusterIP is no address (clearServiceState)', () => {
    const result = converge({ clusterIP: 'None', ingress: ['192.0.2.5'] });
    expect(result).to.deep.equal({ kind: 'no-cluster-ip' });
    expect(ingressWritten({ rules: 'v0.9', result }, ['192.0.2.5'])).to.deep.equal([]);
    expect(ingressWritten({ rules: 'v0.9', result }, [])).to.equal(null);
  });
});
