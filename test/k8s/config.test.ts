/**
 * reuseConnections: one keep-alive agent per cluster and TLS options,
 * options holding certificates as Buffers told apart by their bytes.
 */
import type { KubeConfig } from '@kubernetes/client-node';
import { expect } from 'chai';
import { reuseConnections } from '../../src/k8s/index.js';

type Options = Record<string, unknown>;

/** A stand-in with client-node's private agent factory: it records what it was asked for. */
function fakeConfig(): { config: KubeConfig; made: Options[] } {
  const made: Options[] = [];
  const fake = {
    createAgent: (_cluster: unknown, options: Options) => {
      made.push(options);
      return { agent: made.length };
    },
  };
  return { config: fake as unknown as KubeConfig, made };
}

type Factory = (cluster: unknown, options: Options) => unknown;
const factoryOf = (config: KubeConfig): Factory =>
  (config as unknown as { createAgent: Factory }).createAgent;

describe('reuseConnections', () => {
  const cluster = { name: 'lab', server: 'https://127.0.0.1:6443' };

  it('makes one keep-alive agent for equal options, even in new Buffers', () => {
    const { config, made } = fakeConfig();
    const create = factoryOf(reuseConnections(config));
    const a = create(cluster, { ca: Buffer.from('CA-1'), cert: Buffer.from('C'), key: 'K' });
    const b = create(cluster, { ca: Buffer.from('CA-1'), cert: Buffer.from('C'), key: 'K' });
    expect(b).to.equal(a);
    expect(made).to.have.length(1);
    expect(made[0]?.['keepAlive']).to.equal(true);
  });

  it('makes another agent when a certificate byte, the cluster or a CA in a list differs', () => {
    const { config, made } = fakeConfig();
    const create = factoryOf(reuseConnections(config));
    create(cluster, { ca: Buffer.from('CA-1') });
    create(cluster, { ca: Buffer.from('CA-2') });
    create({ ...cluster, server: 'https://127.0.0.1:6444' }, { ca: Buffer.from('CA-1') });
    create(cluster, { ca: [Buffer.from('CA-1'), Buffer.from('CA-3')] });
    create(cluster, { ca: [Buffer.from('CA-1'), Buffer.from('CA-4')] });
    // A string and a Buffer of the same text are different options to TLS.
    create(cluster, { ca: 'CA-1' });
    expect(made).to.have.length(6);
  });
});
