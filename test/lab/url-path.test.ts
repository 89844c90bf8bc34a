/** The request target split as Go's net/http and the apiserver's RequestInfo see it. */
import { expect } from 'chai';
import { splitRequestTarget } from '../../src/lab/url-path.js';

describe('lab: request targets', () => {
  it('decodes the path once and never resolves . or ..', () => {
    expect(
      splitRequestTarget('/api/v1/namespaces/default/configmaps/%2e%2e')?.segments,
    ).to.deep.equal(['api', 'v1', 'namespaces', 'default', 'configmaps', '..']);
    expect(splitRequestTarget('/a/./b/../c')?.segments).to.deep.equal(['a', '.', 'b', '..', 'c']);
  });

  it('splits on an encoded slash, reads escapes as UTF-8 and keeps the query apart', () => {
    const target = splitRequestTarget('/a%2Fb/caf%C3%A9//x?labelSelector=app%3Dweb&watch=1');
    expect(target?.segments).to.deep.equal(['a', 'b', 'café', 'x']);
    expect(target?.query.get('labelSelector')).to.equal('app=web');
    expect(target?.query.get('watch')).to.equal('1');
  });

  it('refuses a malformed escape in the path, not in the query', () => {
    for (const raw of ['/%zz', '/a%', '/a%4', '/%%41'])
      expect(splitRequestTarget(raw)).to.equal(undefined);
    expect(splitRequestTarget('/a?b=%zz')?.segments).to.deep.equal(['a']);
  });
});
