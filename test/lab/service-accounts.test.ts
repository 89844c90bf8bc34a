/**
 * Every namespace has a `default` ServiceAccount, made with it, as the
 * ServiceAccount controller does: Pods that name none run as it, and the
 * kubelet mounts its token.
 */
import { expect } from 'chai';
import { Lab } from '../../src/lab/index.js';
import { findResource, type ResourceType } from '../../src/lab/resources.js';

const NAMESPACES = findResource('', 'v1', 'namespaces') as ResourceType;
const ACCOUNTS = findResource('', 'v1', 'serviceaccounts') as ResourceType;
const WRITE = { dryRun: false, strict: false };

describe('lab: the default ServiceAccount of each namespace', () => {
  let lab: Lab | undefined;
  afterEach(async () => {
    await lab?.stop();
    lab = undefined;
  });

  const account = (l: Lab, namespace: string, name: string) =>
    l.registry.get({ type: ACCOUNTS, namespace, name, subresource: '' });

  it('exists in the namespaces a cluster starts with and in each new one, and its token works', async () => {
    lab = await Lab.start();
    for (const namespace of ['default', 'kube-system']) {
      expect(account(lab, namespace, 'default')['metadata']).to.include({
        name: 'default',
        namespace,
      });
    }
    lab.registry.create(
      { type: NAMESPACES, namespace: '', name: '', subresource: '' },
      { metadata: { name: 'demo' } },
      WRITE,
    );
    expect(account(lab, 'demo', 'default')['metadata']).to.include({ name: 'default' });
    expect(lab.tokenForServiceAccount('demo', 'default')).to.match(/^[\w-]+\.[\w-]+\.[\w-]+$/);
    // Only `default` is made: any other name is still a 404, as on a cluster.
    expect(() => account(lab as Lab, 'demo', 'other')).to.throw(/not found/);
  });
});
