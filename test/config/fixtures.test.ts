/**
 * The fixture corpus: each test/fixtures/configs/NAME.yaml with the outcome
 * written by hand in NAME.expect.json (the JSON view for a valid config,
 * every error's path and line for an invalid one; for a valid one that v0.9
 * read though it is probably not meant, each warning's path and line).
 */
import { expect } from 'chai';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { configView, parseConfig, type ConfigView } from '../../src/config/index.js';
import { FIXTURES } from '../support/paths.js';

type Expectation =
  | { valid: true; config: ConfigView; warnings?: { path: string; line: number | null }[] }
  | {
      valid: false;
      errors: { path: string; line: number | null }[];
      messageIncludes?: string[];
    };

const folder = join(FIXTURES, 'configs');
const names = readdirSync(folder)
  .filter((file) => file.endsWith('.yaml'))
  .map((file) => file.slice(0, -'.yaml'.length))
  .sort();

const byPathAndLine = (
  a: { path: string; line: number | null },
  b: { path: string; line: number | null },
): number => a.path.localeCompare(b.path) || (a.line ?? 0) - (b.line ?? 0);

describe('config: fixture corpus', () => {
  it('has at least 40 fixtures, valid and invalid', () => {
    expect(names.length).to.be.at.least(40);
    expect(names.filter((n) => n.startsWith('valid-')).length).to.be.at.least(10);
    expect(names.filter((n) => n.startsWith('invalid-')).length).to.be.at.least(20);
  });

  for (const name of names) {
    it(name, () => {
      const text = readFileSync(join(folder, `${name}.yaml`), 'utf8');
      const expected = JSON.parse(
        readFileSync(join(folder, `${name}.expect.json`), 'utf8'),
      ) as Expectation;
      const result = parseConfig(text);
      if (expected.valid) {
        if (!result.ok)
          expect.fail(`expected valid, got errors: ${JSON.stringify(result.errors, null, 2)}`);
        expect(configView(result.config)).to.deep.equal(expected.config);
        if (expected.warnings !== undefined) {
          const warnings = result.warnings.map(({ path, line }) => ({ path, line }));
          expect(
            warnings.sort(byPathAndLine),
            JSON.stringify(result.warnings, null, 2),
          ).to.deep.equal([...expected.warnings].sort(byPathAndLine));
        }
        return;
      }
      if (result.ok)
        expect.fail(
          `expected errors, got a valid config: ${JSON.stringify(configView(result.config))}`,
        );
      const actual = result.errors.map(({ path, line }) => ({ path, line })).sort(byPathAndLine);
      expect(actual, JSON.stringify(result.errors, null, 2)).to.deep.equal(
        [...expected.errors].sort(byPathAndLine),
      );
      const messages = result.errors.map((e) => e.message.toLowerCase()).join('\n');
      for (const word of expected.messageIncludes ?? []) expect(messages).to.include(word);
      for (const error of result.errors) {
        expect(error.message, 'a message is one line').not.to.include('\n');
        expect(error.message.length, 'a message says something').to.be.greaterThan(10);
      }
    });
  }
});
