import { expect } from 'chai';
import { backendKey, claimOf, keyParts, serviceKey } from '../../src/service/index.js';

describe('service: what a Service brings', () => {
  it('keys Services by namespace/name, default namespace when missing', () => {
    expect(serviceKey({ metadata: { namespace: 'shop', name: 'web' } })).to.equal('shop/web');
    expect(serviceKey({ metadata: { name: 'web' } })).to.equal('default/web');
  });

  it('splits a key back into namespace and name', () => {
    expect(keyParts('shop/web')).to.deep.equal({ namespace: 'shop', name: 'web' });
    expect(keyParts(serviceKey({ metadata: { name: 'web' } }))).to.deep.equal({
      namespace: 'default',
      name: 'web',
    });
  });

  it('uses the sorted selector as backend key only for externalTrafficPolicy Local', () => {
    const selector = { tier: 'front', app: 'web' };
    expect(backendKey({ spec: { externalTrafficPolicy: 'Local', selector } })).to.equal(
      'app=web,tier=front',
    );
    expect(backendKey({ spec: { externalTrafficPolicy: 'Cluster', selector } })).to.equal('');
    expect(backendKey({ spec: { selector } })).to.equal('');
  });

  it('takes ports with TCP as the default protocol, and the sharing annotation', () => {
    const claim = claimOf({
      metadata: { annotations: { 'metallb.universe.tf/allow-shared-ip': 'dns' } },
      spec: { ports: [{ port: 53, protocol: 'UDP' }, { port: 53 }] },
    });
    expect(claim).to.deep.equal({
      ports: [
        { protocol: 'UDP', port: 53 },
        { protocol: 'TCP', port: 53 },
      ],
      sharingKey: 'dns',
      backendKey: '',
    });
  });
});
