/**
 * parseConfigData on a v0.9 `config` text: with no classes key, or another
 * key, it reads exactly as parseConfig; with a good class beside it the v0.9
 * part is unchanged, and with a bad one the config key's own errors come
 * first, byte for byte. Run on every config of the corpus and of the
 * samples (classes.test.ts) and on v0.9.6's example configs (test/upstream/).
 */
import { expect } from 'chai';
import { parseConfig, parseConfigData, type ConfigError } from '../../src/config/index.js';

/** Errors as key path and line only (the messages are checked elsewhere). */
export const where = (errors: readonly ConfigError[]) =>
  errors.map(({ path, line }) => ({ path, line }));

/** A class no fixture's pool overlaps or is named after (2001:db8:c1a5::/64 is in none). */
const GOOD_CLASS =
  '- name: scaleout-test\n  addresses: [2001:db8:c1a5::/120]\n  ips-per-service: 3\n';
/** A class with two errors of its own, whatever the config key holds. */
const BAD_CLASS = '- name: Not_A_Label\n  addresses: [2001:db8:c1a5::/120]\n  colour: red\n';

export function expectDataKeyReadsAsConfig(text: string): void {
  const alone = parseConfig(text);
  // The same result as parseConfig when there is no classes key, or another key.
  expect(parseConfigData({ config: text })).to.deep.equal(alone);
  expect(parseConfigData({ config: text, 'other-key': 'x: [' })).to.deep.equal(alone);

  const withGood = parseConfigData({ config: text, 'balancer-classes': GOOD_CLASS });
  const withBad = parseConfigData({ config: text, 'balancer-classes': BAD_CLASS });
  if (alone.ok) {
    if (!withGood.ok) expect.fail(JSON.stringify(withGood.errors));
    const { balancerClasses, ...v09 } = withGood.config;
    expect({ ...v09, balancerClasses: [] }).to.deep.equal(alone.config);
    expect(balancerClasses.map((c) => c.name)).to.deep.equal(['scaleout-test']);
    expect(withBad.ok).to.equal(false);
    if (!withBad.ok) {
      expect(withBad.errors.every((e) => e.path.startsWith('balancer-classes['))).to.equal(true);
    }
    return;
  }
  // The config key's errors come first, byte for byte, then the classes' own.
  expect(withGood).to.deep.equal(alone);
  if (withBad.ok) expect.fail('expected errors');
  expect(JSON.stringify(withBad.errors.slice(0, alone.errors.length))).to.equal(
    JSON.stringify(alone.errors),
  );
  expect(where(withBad.errors.slice(alone.errors.length))).to.deep.equal([
    { path: 'balancer-classes[0].colour', line: 3 },
  ]);
}
