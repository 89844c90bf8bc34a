/**
 * The lab's YAML alias bound held against the decoder kube-apiserver uses:
 * go-yaml v2 from Debian's golang-gopkg-yaml.v2-dev, driven by
 * test/lab/go/yamljudge (test/support/go-yaml-judge.ts). For documents of many shapes (aliases of aliases,
 * plain nodes between them, anchors on lists and maps), the lab refuses
 * with "excessive aliasing" exactly those go-yaml refuses so.
 */
import { expect } from 'chai';
import fc from 'fast-check';
import { parseYamlBody } from '../../src/lab/yaml-body.js';
import { goYamlJudge as judge, goYamlJudgeAvailable } from '../support/go-yaml-judge.js';

const EXCESSIVE = 'document contains excessive aliasing';

/** The lab's verdict on the same document: refused for aliasing, or not. */
function labRefusesAliasing(document: string): boolean {
  try {
    parseYamlBody(Buffer.from(document));
    return false;
  } catch (error) {
    return error instanceof Error && error.message.includes(EXCESSIVE);
  }
}

/**
 * A document of `levels` anchored lists (or maps), each holding `width`
 * aliases of the one before, after `filler` plain scalars and followed by
 * `repeats` more aliases of the last: the share of aliased nodes and the
 * counts go-yaml checks (100 aliased, 1000 decoded) all vary with these.
 */
function shaped(shape: {
  levels: number;
  width: number;
  filler: number;
  repeats: number;
  maps: boolean;
}): string {
  const { levels, width, filler, repeats, maps } = shape;
  const collection = (items: string[]): string =>
    maps ? `{${items.map((item, i) => `k${i}: ${item}`).join(', ')}}` : `[${items.join(', ')}]`;
  const lines = [`filler: [${Array<string>(filler).fill('a').join(', ')}]`];
  lines.push(`l0: &l0 ${collection(Array<string>(width).fill('x'))}`);
  for (let i = 1; i < levels; i++)
    lines.push(`l${i}: &l${i} ${collection(Array<string>(width).fill(`*l${i - 1}`))}`);
  lines.push(
    `again: [${Array<string>(repeats)
      .fill(`*l${levels - 1}`)
      .join(', ')}]`,
  );
  return `${lines.join('\n')}\n`;
}

describe('lab: YAML aliases bounded as go-yaml bounds them', function () {
  this.timeout(180_000);

  before(function () {
    // Reported as skipped where Debian's golang-go or golang-gopkg-yaml.v2-dev is missing.
    if (!goYamlJudgeAvailable()) this.skip();
  });

  it('refuses "excessive aliasing" exactly where go-yaml v2 does, over 400 shapes', async () => {
    const shapes = fc.record({
      levels: fc.integer({ min: 1, max: 7 }),
      width: fc.integer({ min: 1, max: 12 }),
      filler: fc.integer({ min: 0, max: 3000 }),
      repeats: fc.integer({ min: 0, max: 300 }),
      maps: fc.boolean(),
    });
    const documents = fc
      .sample(shapes, { numRuns: 400, seed: 19 })
      // Keep expansions small enough that the lab's own cap on expanded text never speaks first.
      .filter(({ levels, width, repeats }) => width ** levels * (repeats + width) < 200_000)
      .map(shaped);
    const verdicts = await judge(documents);
    expect(verdicts).to.have.length(documents.length);
    let refused = 0;
    documents.forEach((document, i) => {
      const go = verdicts[i];
      expect(go?.ok === true || go?.error === `yaml: ${EXCESSIVE}`, go?.error).to.equal(true);
      const goRefuses = go?.ok === false;
      if (goRefuses) refused++;
      expect(labRefusesAliasing(document), `document ${i}:\n${document.slice(0, 300)}`).to.equal(
        goRefuses,
      );
    });
    // Both answers occur, so the comparison means something.
    expect(refused).to.be.above(20);
    expect(documents.length - refused).to.be.above(20);
  });

  it('agrees where the allowed share falls between 400,000 and 4,000,000 decoded nodes', async () => {
    // About a million nodes, about 84% of them from 1001-node aliases: near the
    // allowance there (99% falling to 10% over the range), on both sides of it.
    const shapes = fc.record({
      levels: fc.constant(1),
      width: fc.constant(1000),
      filler: fc.integer({ min: 120_000, max: 200_000 }),
      repeats: fc.integer({ min: 760, max: 920 }),
      maps: fc.constant(false),
    });
    const documents = fc.sample(shapes, { numRuns: 10, seed: 19 }).map(shaped);
    const verdicts = await judge(documents);
    const goRefuses = verdicts.map((verdict) => !verdict.ok);
    expect(documents.map(labRefusesAliasing)).to.deep.equal(goRefuses);
    expect(goRefuses).to.include(true);
    expect(goRefuses).to.include(false);
  });
});
