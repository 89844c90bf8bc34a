import { expect } from 'chai';
import { nodeSelectorsMatch, selectorMatches, type NodeSelector } from '../../src/config/index.js';
import { labelKeyProblem, labelValueProblem } from '../../src/config/labels.js';

const labels = (entries: Record<string, string>): Map<string, string> =>
  new Map(Object.entries(entries));

describe('config/labels: Kubernetes label selectors', () => {
  it('accepts valid label keys', () => {
    for (const key of [
      'rack',
      'kubernetes.io/hostname',
      'a',
      'A_b.c-d',
      'x.example.com/zone-1',
      'a'.repeat(63),
    ]) {
      expect(labelKeyProblem(key), key).to.equal(null);
    }
  });

  it('rejects invalid label keys', () => {
    for (const key of [
      '',
      '/rack',
      'Example.com/rack',
      'a/b/c',
      '-rack',
      'rack-',
      'a'.repeat(64),
      'bad key',
      'x/',
    ]) {
      expect(labelKeyProblem(key), key).to.be.a('string');
    }
  });

  it('accepts empty and valid values, rejects the rest', () => {
    for (const value of ['', 'amd64', 'prod-01', '1', 'a.b_c'])
      expect(labelValueProblem(value), value).to.equal(null);
    for (const value of ['-a', 'a b', 'a/b', 'a'.repeat(64)])
      expect(labelValueProblem(value), value).to.be.a('string');
  });

  const selector: NodeSelector = {
    matchLabels: { 'kubernetes.io/hostname': 'prod-01' },
    matchExpressions: [{ key: 'arch', operator: 'In', values: ['amd64', 'arm'] }],
  };

  it('needs every label and every expression of one selector', () => {
    expect(
      selectorMatches(selector, labels({ 'kubernetes.io/hostname': 'prod-01', arch: 'arm' })),
    ).to.equal(true);
    expect(
      selectorMatches(selector, labels({ 'kubernetes.io/hostname': 'prod-01', arch: 'x86' })),
    ).to.equal(false);
    expect(selectorMatches(selector, labels({ arch: 'arm' }))).to.equal(false);
  });

  it('has the Kubernetes meaning of the four operators', () => {
    const one = (
      operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist',
      values: string[],
    ): NodeSelector => ({
      matchLabels: {},
      matchExpressions: [{ key: 'zone', operator, values }],
    });
    const a = labels({ zone: 'a' });
    const none = labels({});
    expect(selectorMatches(one('In', ['a', 'b']), a)).to.equal(true);
    expect(selectorMatches(one('In', ['b']), a)).to.equal(false);
    expect(selectorMatches(one('In', ['a']), none)).to.equal(false);
    expect(selectorMatches(one('NotIn', ['a']), a)).to.equal(false);
    expect(selectorMatches(one('NotIn', ['b']), a)).to.equal(true);
    expect(selectorMatches(one('NotIn', ['a']), none), 'NotIn holds without the label').to.equal(
      true,
    );
    expect(selectorMatches(one('Exists', []), a)).to.equal(true);
    expect(selectorMatches(one('Exists', []), none)).to.equal(false);
    expect(selectorMatches(one('DoesNotExist', []), a)).to.equal(false);
    expect(selectorMatches(one('DoesNotExist', []), none)).to.equal(true);
  });

  it('selects every node with no selectors or an empty one, and any-of with several', () => {
    const node = labels({ rack: 'r2' });
    expect(nodeSelectorsMatch([], node)).to.equal(true);
    expect(nodeSelectorsMatch([{ matchLabels: {}, matchExpressions: [] }], node)).to.equal(true);
    const r1: NodeSelector = { matchLabels: { rack: 'r1' }, matchExpressions: [] };
    const r2: NodeSelector = { matchLabels: { rack: 'r2' }, matchExpressions: [] };
    expect(nodeSelectorsMatch([r1], node)).to.equal(false);
    expect(nodeSelectorsMatch([r1, r2], node)).to.equal(true);
  });
});
