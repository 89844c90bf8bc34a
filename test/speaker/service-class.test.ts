import { expect } from 'chai';
import { serviceClass } from '../../src/speaker/index.js';

describe("a Service's balancer class", () => {
  it('reads spec.loadBalancerClass with our prefix, or the annotation', () => {
    expect(serviceClass('metallb-ts.io/edge', undefined)).to.deep.equal({
      kind: 'ours',
      name: 'edge',
    });
    expect(serviceClass(undefined, { 'metallb-ts.io/balancer-class': 'edge' })).to.deep.equal({
      kind: 'ours',
      name: 'edge',
    });
    expect(
      serviceClass('metallb-ts.io/edge', { 'metallb-ts.io/balancer-class': 'edge' }),
    ).to.deep.equal({ kind: 'ours', name: 'edge' });
  });

  it('another prefix is another implementation; two names conflict; nothing is v0.9', () => {
    expect(serviceClass('example.com/lb', undefined)).to.deep.equal({
      kind: 'foreign',
      loadBalancerClass: 'example.com/lb',
    });
    expect(serviceClass('metallb-ts.io/a', { 'metallb-ts.io/balancer-class': 'b' }).kind).to.equal(
      'conflict',
    );
    expect(serviceClass(undefined, {})).to.deep.equal({ kind: 'none' });
    expect(serviceClass('', { other: 'x' })).to.deep.equal({ kind: 'none' });
  });
});
