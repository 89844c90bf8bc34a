import { expect } from 'chai';
import fc from 'fast-check';
import { parseFieldSelector, parseLabelSelector } from '../../src/lab/selectors.js';
import type { FieldMatcher, LabelMatcher } from '../../src/lab/selectors.js';

function labelMatcher(text: string): LabelMatcher {
  const parsed = parseLabelSelector(text);
  if (!parsed.ok) throw new Error(`test setup: ${JSON.stringify(text)}: ${parsed.error}`);
  return parsed.value;
}

function labelError(text: string): string {
  const parsed = parseLabelSelector(text);
  if (parsed.ok) throw new Error(`${JSON.stringify(text)} should be rejected`);
  return parsed.error;
}

function fieldSelector(text: string): { match: FieldMatcher; fields: string[] } {
  const parsed = parseFieldSelector(text);
  if (!parsed.ok) throw new Error(`test setup: ${JSON.stringify(text)}: ${parsed.error}`);
  return parsed.value;
}

function fieldError(text: string): string {
  const parsed = parseFieldSelector(text);
  if (parsed.ok) throw new Error(`${JSON.stringify(text)} should be rejected`);
  return parsed.error;
}

function getter(fields: Record<string, string>): (field: string) => string | undefined {
  return (field) => (Object.hasOwn(fields, field) ? fields[field] : undefined);
}

const PROD = { env: 'prod', tier: 'web' };
const DEV = { env: 'dev' };
const NONE = {};
const NUM = { count: '7', env: 'prod' };
const EMPTY_ENV = { env: '' };

/** [selector, labels, expected match] */
const MATCHES: [string, Record<string, string>, boolean][] = [
  ['', PROD, true],
  ['', NONE, true],
  ['   ', DEV, true],
  ['env=prod', PROD, true],
  ['env=prod', DEV, false],
  ['env=prod', NONE, false],
  ['env==prod', PROD, true],
  ['env == prod', PROD, true],
  ['  env  =  prod  ', PROD, true],
  ['env!=prod', PROD, false],
  ['env!=prod', DEV, true],
  ['env!=prod', NONE, true],
  ['env', PROD, true],
  ['env', NONE, false],
  ['!env', NONE, true],
  ['!env', DEV, false],
  ['! env', NONE, true],
  ['env in (prod,dev)', PROD, true],
  ['env in (prod, dev)', DEV, true],
  ['env in (qa)', PROD, false],
  ['env in (qa)', NONE, false],
  ['env notin (qa)', PROD, true],
  ['env notin (prod)', PROD, false],
  ['env notin (prod)', NONE, true],
  ['env in(prod)', PROD, true],
  ['env=prod,tier=web', PROD, true],
  ['env=prod,tier=db', PROD, false],
  ['env=prod, tier', PROD, true],
  ['env, !tier', DEV, true],
  ['env, !tier', PROD, false],
  ['env=', EMPTY_ENV, true],
  ['env=', NONE, false],
  ['env=,tier', { env: '', tier: 'x' }, true],
  // `()` is the set that holds only the empty string, as apimachinery parses it.
  ['env in ()', EMPTY_ENV, true],
  ['env in ()', PROD, false],
  ['env notin ()', PROD, true],
  ['env in (,prod)', EMPTY_ENV, true],
  ['env in (prod,)', EMPTY_ENV, true],
  ['env in (prod,,dev)', EMPTY_ENV, true],
  ['env in (prod,,dev)', DEV, true],
  // `in` and `notin` are plain words where a key or value is expected.
  ['in=notin', { in: 'notin' }, true],
  ['in in (in)', { in: 'in' }, true],
  ['notin', { notin: 'x' }, true],
  ['example.com/role=edge', { 'example.com/role': 'edge' }, true],
  ['example.com/role=edge', { role: 'edge' }, false],
  ['count>5', NUM, true],
  ['count>7', NUM, false],
  ['count<8', NUM, true],
  ['count<5', NUM, false],
  ['count>5', NONE, false],
  ['env>5', NUM, false],
  ['constructor', NONE, false],
  ['!constructor', NONE, true],
  ['toString!=x', NONE, true],
];

/** [selector, fragment of the error] */
const ERRORS: [string, string][] = [
  [',', "found ',', expected: !, identifier, or 'end of string'"],
  ['a,', "found '', expected: identifier after ','"],
  ['a,,b', "found ',', expected: identifier after ','"],
  ['a b', "unable to parse requirement: found 'b', expected: in, notin, =, ==, !=, gt, lt"],
  ['a=b c', "found 'c', expected: ',' or 'end of string'"],
  ['!a=b', "found '=', expected: ',' or 'end of string'"],
  ['=b', "found '=', expected: !, identifier, or 'end of string'"],
  ['!', "unable to parse requirement: found '', expected: identifier"],
  ['!!a', "unable to parse requirement: found '!', expected: identifier"],
  ['a in', "unable to parse requirement: found '' expected: '('"],
  ['a in b', "unable to parse requirement: found 'b' expected: '('"],
  ['a in (b', "unable to parse requirement: found '', expected: ',' or ')'"],
  ['a in (b c)', "unable to parse requirement: found 'c', expected: ',' or ')'"],
  ['a in (=)', "unable to parse requirement: found '=', expected: ',', ')' or identifier"],
  ['a in (b,=)', "unable to parse requirement: found '=', expected: ',', or identifier"],
  ['a notin', "unable to parse requirement: found '' expected: '('"],
  ['a=(b)', "unable to parse requirement: found '(', expected: identifier"],
  ['a=b=c', "found '=', expected: ',' or 'end of string'"],
  ['a (b)', "unable to parse requirement: found '(', expected: in, notin, =, ==, !=, gt, lt"],
  ['a exists', "unable to parse requirement: found 'exists', expected: in, notin"],
  ['-a=b', 'unable to parse requirement: <nil>: Invalid value: "-a": name part must consist'],
  ['a/b/c', 'a qualified name must consist of'],
  ['/a', 'prefix part must be non-empty'],
  ['a/', 'name part must be non-empty'],
  ['Example.com/a', 'prefix part a lowercase RFC 1123 subdomain'],
  [`${'k'.repeat(64)}=v`, 'name part must be no more than 63 characters'],
  ['a=-b', 'unable to parse requirement: values[0][a]: Invalid value: "-b": a valid label'],
  ['a=b_', 'values[0][a]: Invalid value: "b_"'],
  [`a=${'v'.repeat(64)}`, 'must be no more than 63 characters'],
  ['a in (x, -y)', 'values[0][a]: Invalid value: "-y"'], // values are sorted first
  ['a in (x, y_)', 'values[1][a]: Invalid value: "y_"'],
  ['a in (b,,)', "unable to parse requirement: found ')', expected: ',', or identifier"],
  ['a in (,,)', "found ')', expected: ',', or identifier"],
  [
    'a>b',
    "values[0]: Invalid value: \"b\": for 'Gt', 'Lt' operators, the value must be an integer",
  ],
  ['a>', "for 'Gt', 'Lt' operators, the value must be an integer"],
  ['a>-1', 'values[0][a]: Invalid value: "-1": a valid label'],
  [
    'a>b_',
    '[values[0]: Invalid value: "b_": for \'Gt\', \'Lt\' operators, the value must be an integer, values[0][a]: Invalid value: "b_": a valid label',
  ],
  ['a<99999999999999999999', 'the value must be an integer'],
  ['a=é', 'values[0][a]: Invalid value: "é"'],
];

describe('lab/selectors', () => {
  describe('parseLabelSelector', () => {
    for (const [selector, labels, expected] of MATCHES) {
      it(`${JSON.stringify(selector)} ${expected ? 'matches' : 'does not match'} ${JSON.stringify(labels)}`, () => {
        expect(labelMatcher(selector)(labels)).to.equal(expected);
      });
    }

    for (const [selector, fragment] of ERRORS) {
      it(`rejects ${JSON.stringify(selector.length > 40 ? `${selector.slice(0, 40)}…` : selector)}`, () => {
        expect(labelError(selector)).to.contain(fragment);
      });
    }

    it('wraps requirement errors the way the API server words them', () => {
      expect(labelError('a in (b')).to.equal(
        "unable to parse requirement: found '', expected: ',' or ')'",
      );
      expect(labelError('a,')).to.equal("found '', expected: identifier after ','");
    });

    it('accepts a 63-character name with a DNS-subdomain prefix', () => {
      const key = `x.example.io/${'k'.repeat(63)}`;
      expect(labelMatcher(key)({ [key]: '' })).to.equal(true);
    });

    it('does not take inherited properties for labels', () => {
      const labels = Object.create({ env: 'prod' }) as Record<string, string>;
      expect(labelMatcher('env')(labels)).to.equal(false);
      expect(labelMatcher('env!=prod')(labels)).to.equal(true);
    });

    it('compares gt / lt as 64-bit integers and ignores labels that are not integers', () => {
      expect(labelMatcher('n>9007199254740992')({ n: '9007199254740993' })).to.equal(true);
      expect(labelMatcher('n<1')({ n: '-5' })).to.equal(true);
      expect(labelMatcher('n<1')({ n: 'x' })).to.equal(false);
      expect(labelMatcher('n>1')({ n: '99999999999999999999' })).to.equal(false);
    });

    describe('agrees with a direct evaluation (property)', () => {
      const KEYS = ['app', 'tier', 'example.com/zone', 'in'];
      const VALUES = ['', 'a', 'b', 'web', '10', '3'];
      type Req =
        | { op: '=' | '==' | '!='; key: string; value: string }
        | { op: 'in' | 'notin'; key: string; values: string[] }
        | { op: 'exists' | '!'; key: string }
        | { op: '>' | '<'; key: string; value: number };

      const labelsArb = fc.dictionary(fc.constantFrom(...KEYS), fc.constantFrom(...VALUES), {
        maxKeys: KEYS.length,
      });
      const space = fc.constantFrom('', ' ', '  ', '\t');
      const reqArb: fc.Arbitrary<Req> = fc.oneof(
        fc.record({
          op: fc.constantFrom('=' as const, '==' as const, '!=' as const),
          key: fc.constantFrom(...KEYS),
          value: fc.constantFrom(...VALUES),
        }),
        fc.record({
          op: fc.constantFrom('in' as const, 'notin' as const),
          key: fc.constantFrom(...KEYS),
          // `(x,,)` and `(,,)` are errors in apimachinery: the empty value only comes alone, as `()`.
          values: fc.oneof(
            fc.constant<string[]>(['']),
            fc.array(fc.constantFrom(...VALUES.filter((v) => v !== '')), {
              minLength: 1,
              maxLength: 3,
            }),
          ),
        }),
        fc.record({
          op: fc.constantFrom('exists' as const, '!' as const),
          key: fc.constantFrom(...KEYS),
        }),
        fc.record({
          op: fc.constantFrom('>' as const, '<' as const),
          key: fc.constantFrom(...KEYS),
          value: fc.integer({ min: 0, max: 20 }),
        }),
      );

      function render(req: Req, pad: string): string {
        switch (req.op) {
          case '=':
          case '==':
          case '!=':
            return `${req.key}${pad}${req.op}${pad}${req.value}`;
          case 'in':
          case 'notin':
            return `${req.key} ${req.op}${pad}(${req.values.join(`${pad},${pad}`)})`;
          case 'exists':
            return req.key;
          case '!':
            return `!${pad}${req.key}`;
          case '>':
          case '<':
            return `${req.key}${pad}${req.op}${pad}${req.value}`;
        }
      }

      function evaluate(req: Req, labels: Record<string, string>): boolean {
        const has = Object.hasOwn(labels, req.key);
        const value = labels[req.key];
        switch (req.op) {
          case '=':
          case '==':
            return has && value === req.value;
          case '!=':
            return !has || value !== req.value;
          case 'in':
            return has && req.values.includes(value ?? '');
          case 'notin':
            return !has || !req.values.includes(value ?? '');
          case 'exists':
            return has;
          case '!':
            return !has;
          case '>':
          case '<': {
            if (!has || value === undefined || !/^[0-9]+$/.test(value)) return false;
            const n = Number(value);
            return req.op === '>' ? n > req.value : n < req.value;
          }
        }
      }

      it('for random label maps and selectors built from their keys and values', () => {
        fc.assert(
          fc.property(
            labelsArb,
            fc.array(fc.tuple(reqArb, space), { maxLength: 4 }),
            space,
            (labels, reqs, outer) => {
              const text =
                outer +
                reqs.map(([req, pad]) => render(req, pad)).join(`${outer},${outer}`) +
                outer;
              const expected = reqs.every(([req]) => evaluate(req, labels));
              expect(labelMatcher(text)(labels), text).to.equal(expected);
            },
          ),
          { numRuns: 2000, seed: 20240501 },
        );
      });

      it('never throws on arbitrary text', () => {
        fc.assert(
          fc.property(fc.string({ maxLength: 40 }), (text) => {
            const parsed = parseLabelSelector(text);
            if (parsed.ok) expect(parsed.value({ a: 'b' })).to.be.a('boolean');
            else expect(parsed.error).to.be.a('string').and.not.equal('');
          }),
          { numRuns: 2000, seed: 7 },
        );
      });
    });
  });

  describe('parseFieldSelector', () => {
    const pod = getter({ 'metadata.name': 'web-1', 'spec.nodeName': 'node-a', 'status.phase': '' });

    it('matches everything when empty', () => {
      const { match, fields } = fieldSelector('');
      expect(match(pod)).to.equal(true);
      expect(match(() => undefined)).to.equal(true);
      expect(fields).to.deep.equal([]);
    });

    it('skips empty terms', () => {
      const { match, fields } = fieldSelector(',metadata.name=web-1,');
      expect(match(pod)).to.equal(true);
      expect(fields).to.deep.equal(['metadata.name']);
    });

    const TABLE: [string, boolean][] = [
      ['metadata.name=web-1', true],
      ['metadata.name==web-1', true],
      ['metadata.name!=web-1', false],
      ['metadata.name=web-2', false],
      ['metadata.name!=web-2', true],
      ['metadata.name=web-1,spec.nodeName=node-a', true],
      ['metadata.name=web-1,spec.nodeName!=node-a', false],
      ['status.phase=', true],
      ['spec.missing=', true],
      ['spec.missing!=', false],
      ['spec.missing=x', false],
      ['spec.missing!=x', true],
      // No trimming: the space belongs to the value.
      ['metadata.name= web-1', false],
    ];
    for (const [selector, expected] of TABLE) {
      it(`${JSON.stringify(selector)} ${expected ? 'matches' : 'does not match'}`, () => {
        expect(fieldSelector(selector).match(pod)).to.equal(expected);
      });
    }

    it('lists each field once, in order of appearance', () => {
      expect(fieldSelector('b=1,a=2,b!=3').fields).to.deep.equal(['b', 'a']);
      expect(fieldSelector(' a =x').fields).to.deep.equal([' a ']);
    });

    it('unescapes \\\\, \\, and \\= in values', () => {
      const value = 'a,b=c\\d';
      const { match } = fieldSelector('metadata.name=a\\,b\\=c\\\\d');
      expect(match(getter({ 'metadata.name': value }))).to.equal(true);
      expect(match(getter({ 'metadata.name': 'a' }))).to.equal(false);
      expect(fieldSelector('x=a\\,,y=b').match(getter({ x: 'a,', y: 'b' }))).to.equal(true);
    });

    it('splits a term at its first operator', () => {
      const { match, fields } = fieldSelector('a!=b==c'.replace('==c', '\\=\\=c'));
      expect(fields).to.deep.equal(['a']);
      expect(match(getter({ a: 'b' }))).to.equal(true);
      expect(match(getter({ a: 'b==c' }))).to.equal(false);
    });

    const FIELD_ERRORS: [string, string][] = [
      ['metadata.name', "invalid selector: 'metadata.name'; can't understand 'metadata.name'"],
      ['a=1,b', "invalid selector: 'a=1,b'; can't understand 'b'"],
      ['a=b=c', 'invalid field selector: unescaped character in value: ='],
      ['a==b=c', 'invalid field selector: unescaped character in value: ='],
      ['a=b\\', 'invalid field selector: invalid escape sequence: \\'],
      ['a=b\\!', 'invalid field selector: invalid escape sequence: \\!'],
      ['a=\\x', 'invalid field selector: invalid escape sequence: \\x'],
    ];
    for (const [selector, message] of FIELD_ERRORS) {
      it(`rejects ${JSON.stringify(selector)}`, () => {
        expect(fieldError(selector)).to.equal(message);
      });
    }

    it('round-trips escaped values (property)', () => {
      const escape = (value: string): string => value.replace(/[\\,=]/g, (ch) => `\\${ch}`);
      fc.assert(
        fc.property(
          fc.array(fc.tuple(fc.constantFrom('f1', 'f2', 'f.3'), fc.string({ maxLength: 8 })), {
            maxLength: 4,
          }),
          fc.dictionary(fc.constantFrom('f1', 'f2', 'f.3'), fc.string({ maxLength: 8 })),
          (terms, object) => {
            const text = terms.map(([field, value]) => `${field}=${escape(value)}`).join(',');
            const { match } = fieldSelector(text);
            const get = getter(object);
            const expected = terms.every(([field, value]) => (get(field) ?? '') === value);
            expect(match(get)).to.equal(expected);
            // The object built from the terms holds the last value given for each field.
            const built = Object.fromEntries(terms);
            expect(match(getter(built))).to.equal(
              terms.every(([field, value]) => built[field] === value),
            );
          },
        ),
        { numRuns: 1000, seed: 11 },
      );
    });
  });
});
