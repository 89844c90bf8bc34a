/**
 * Kubernetes label and field selectors, as the `labelSelector` and
 * `fieldSelector` query parameters carry them.
 *
 * The label grammar, its quirks and its error wording follow the
 * apimachinery `labels` package (lexer with `in`/`notin` keywords, `()` as
 * the set holding only the empty string, `gt`/`lt` integer comparisons);
 * field selectors follow the `fields` package (terms split on unescaped
 * commas, the first `!=`, `==` or `=` splits a term, `\` escapes `\`, `,`
 * and `=` in values, no trimming of whitespace).
 */
import { invalidValue } from './field-error.js';

export type Parsed<T> = { ok: true; value: T } | { ok: false; error: string };

/** A compiled selector: true when the labels match. */
export type LabelMatcher = (labels: Readonly<Record<string, string>>) => boolean;

/** A compiled field selector over a getter that returns the field's string value (or undefined). */
export type FieldMatcher = (get: (field: string) => string | undefined) => boolean;

/** Thrown inside the parsers and turned into a `Parsed` failure at their edge. */
class SelectorError extends Error {}

// ---------------------------------------------------------------------------
// Label keys and values (apimachinery util/validation)

const NAME_MAX = 63;
const SUBDOMAIN_MAX = 253;
const NAME_MESSAGE =
  "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character";
const LABEL_VALUE_MESSAGE =
  "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character";
const SUBDOMAIN_MESSAGE =
  "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character";

function isAlphanumeric(code: number): boolean {
  return (
    (code >= 0x30 && code <= 0x39) ||
    (code >= 0x41 && code <= 0x5a) ||
    (code >= 0x61 && code <= 0x7a)
  );
}

function isLowerAlphanumeric(code: number): boolean {
  return (code >= 0x30 && code <= 0x39) || (code >= 0x61 && code <= 0x7a);
}

/** `([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]`, checked without a backtracking regex. */
function isQualifiedNamePart(text: string): boolean {
  if (text.length === 0) return false;
  if (!isAlphanumeric(text.charCodeAt(0)) || !isAlphanumeric(text.charCodeAt(text.length - 1))) {
    return false;
  }
  for (let i = 1; i < text.length - 1; i++) {
    const code = text.charCodeAt(i);
    if (!isAlphanumeric(code) && code !== 0x2d && code !== 0x5f && code !== 0x2e) return false;
  }
  return true;
}

/** `[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*` */
function isSubdomainSyntax(text: string): boolean {
  return text.split('.').every((label) => {
    if (label.length === 0) return false;
    if (!isLowerAlphanumeric(label.charCodeAt(0))) return false;
    if (!isLowerAlphanumeric(label.charCodeAt(label.length - 1))) return false;
    for (let i = 1; i < label.length - 1; i++) {
      const code = label.charCodeAt(i);
      if (!isLowerAlphanumeric(code) && code !== 0x2d) return false;
    }
    return true;
  });
}

/** The problems with a label key (`IsQualifiedName`); empty when it is valid. */
function labelKeyProblems(key: string): string[] {
  const parts = key.split('/');
  const problems: string[] = [];
  let name: string;
  if (parts.length === 1) {
    name = key;
  } else if (parts.length === 2) {
    const prefix = parts[0] ?? '';
    name = parts[1] ?? '';
    if (prefix.length === 0) {
      problems.push('prefix part must be non-empty');
    } else {
      if (prefix.length > SUBDOMAIN_MAX) {
        problems.push(`prefix part must be no more than ${SUBDOMAIN_MAX} characters`);
      }
      if (!isSubdomainSyntax(prefix)) problems.push(`prefix part ${SUBDOMAIN_MESSAGE}`);
    }
  } else {
    return [
      `a qualified name ${NAME_MESSAGE} with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')`,
    ];
  }
  if (name.length === 0) {
    problems.push('name part must be non-empty');
  } else if (name.length > NAME_MAX) {
    problems.push(`name part must be no more than ${NAME_MAX} characters`);
  }
  if (!isQualifiedNamePart(name)) problems.push(`name part ${NAME_MESSAGE}`);
  return problems;
}

/** The problems with a label value (`IsValidLabelValue`); empty when it is valid. */
function labelValueProblems(value: string): string[] {
  const problems: string[] = [];
  if (value.length > NAME_MAX) problems.push(`must be no more than ${NAME_MAX} characters`);
  if (value.length > 0 && !isQualifiedNamePart(value)) problems.push(LABEL_VALUE_MESSAGE);
  return problems;
}

/** `strconv.ParseInt(text, 10, 64)`, or undefined when Go would fail. */
function parseInt64(text: string): bigint | undefined {
  if (!/^[+-]?[0-9]+$/.test(text)) return undefined;
  const value = BigInt(text);
  if (value < -(2n ** 63n) || value > 2n ** 63n - 1n) return undefined;
  return value;
}

// ---------------------------------------------------------------------------
// Label selector lexer

type TokenKind =
  'end' | 'identifier' | 'in' | 'notin' | '(' | ')' | ',' | '!' | '=' | '==' | '!=' | '>' | '<';

interface Token {
  kind: TokenKind;
  text: string;
}

const SPECIAL_SYMBOLS = new Set(['=', '!', '(', ')', ',', '>', '<']);
const WHITESPACE = new Set([' ', '\t', '\r', '\n']);

function isSeparator(ch: string): boolean {
  return SPECIAL_SYMBOLS.has(ch) || WHITESPACE.has(ch);
}

function lex(text: string): Token[] {
  const tokens: Token[] = [];
  let pos = 0;
  for (;;) {
    while (pos < text.length && WHITESPACE.has(text.charAt(pos))) pos++;
    if (pos >= text.length) {
      tokens.push({ kind: 'end', text: '' });
      return tokens;
    }
    const ch = text.charAt(pos);
    if (SPECIAL_SYMBOLS.has(ch)) {
      // The longest symbol wins; the only two-character ones are `==` and `!=`.
      const pair = text.slice(pos, pos + 2);
      if (pair === '==' || pair === '!=') {
        tokens.push({ kind: pair, text: pair });
        pos += 2;
      } else {
        tokens.push({ kind: ch as TokenKind, text: ch });
        pos += 1;
      }
      continue;
    }
    const start = pos;
    while (pos < text.length && !isSeparator(text.charAt(pos))) pos++;
    const word = text.slice(start, pos);
    const kind: TokenKind = word === 'in' || word === 'notin' ? word : 'identifier';
    tokens.push({ kind, text: word });
  }
}

// ---------------------------------------------------------------------------
// Label selector parser

type Operator = 'in' | 'notin' | '=' | '==' | '!=' | 'gt' | 'lt' | 'exists' | '!';

interface Requirement {
  key: string;
  operator: Operator;
  /** Sorted and without duplicates, as Go's `sets.String.List()`. */
  values: string[];
}

const BINARY_OPERATORS = 'in, notin, =, ==, !=, gt, lt';

class LabelParser {
  private position = 0;

  constructor(private readonly tokens: Token[]) {}

  /** The next token; `in` and `notin` read as identifiers (Go's `Values` context). */
  private peek(): Token {
    return valueToken(this.tokens[this.position]);
  }

  private next(): Token {
    const token = this.peek();
    if (this.position < this.tokens.length - 1) this.position++;
    return token;
  }

  /** The next token with `in` and `notin` as keywords (Go's `KeyAndOperator` context). */
  private nextOperator(): Token {
    const token = this.tokens[this.position] ?? END;
    if (this.position < this.tokens.length - 1) this.position++;
    return token;
  }

  parse(): Requirement[] {
    const requirements: Requirement[] = [];
    for (;;) {
      const token = this.peek();
      if (token.kind === 'end') return requirements;
      if (token.kind !== 'identifier' && token.kind !== '!') {
        throw new SelectorError(
          `found '${token.text}', expected: !, identifier, or 'end of string'`,
        );
      }
      try {
        requirements.push(this.parseRequirement());
      } catch (err) {
        if (err instanceof SelectorError) {
          throw new SelectorError(`unable to parse requirement: ${err.message}`);
        }
        throw err;
      }
      const after = this.next();
      if (after.kind === 'end') return requirements;
      if (after.kind !== ',') {
        throw new SelectorError(`found '${after.text}', expected: ',' or 'end of string'`);
      }
      const following = this.peek();
      if (following.kind !== 'identifier' && following.kind !== '!') {
        throw new SelectorError(`found '${following.text}', expected: identifier after ','`);
      }
    }
  }

  private parseRequirement(): Requirement {
    let token = this.next();
    let negated = false;
    if (token.kind === '!') {
      negated = true;
      token = this.next();
    }
    if (token.kind !== 'identifier') {
      throw new SelectorError(`found '${token.text}', expected: identifier`);
    }
    const key = token.text;
    const keyProblems = labelKeyProblems(key);
    if (keyProblems.length > 0) {
      // The real parser validates the key with a nil field path, printed as "<nil>".
      throw new SelectorError(invalidValue('<nil>', key, keyProblems.join('; ')));
    }
    if (negated) return { key, operator: '!', values: [] };
    const lookahead = this.peek();
    if (lookahead.kind === 'end' || lookahead.kind === ',') {
      return { key, operator: 'exists', values: [] };
    }
    const operator = this.parseOperator();
    const values =
      operator === 'in' || operator === 'notin' ? this.parseValueSet() : this.parseExactValue();
    return newRequirement(key, operator, values);
  }

  private parseOperator(): Operator {
    const token = this.nextOperator();
    switch (token.kind) {
      case 'in':
      case 'notin':
      case '=':
      case '==':
      case '!=':
        return token.kind;
      case '>':
        return 'gt';
      case '<':
        return 'lt';
      default:
        throw new SelectorError(`found '${token.text}', expected: ${BINARY_OPERATORS}`);
    }
  }

  /** `( values )`; `()` is the set holding the empty string, as in apimachinery. */
  private parseValueSet(): Set<string> {
    const open = this.next();
    if (open.kind !== '(') throw new SelectorError(`found '${open.text}' expected: '('`);
    const first = this.peek();
    if (first.kind === ')') {
      this.next();
      return new Set(['']);
    }
    if (first.kind !== 'identifier' && first.kind !== ',') {
      throw new SelectorError(`found '${first.text}', expected: ',', ')' or identifier`);
    }
    const values = this.parseIdentifierList();
    const close = this.next();
    if (close.kind !== ')') throw new SelectorError(`found '${close.text}', expected: ')'`);
    return values;
  }

  /** A list of comma-separated, possibly empty, identifiers; stops before the `)`. */
  private parseIdentifierList(): Set<string> {
    const values = new Set<string>();
    for (;;) {
      const token = this.next();
      if (token.kind === 'identifier') {
        values.add(token.text);
        const lookahead = this.peek();
        if (lookahead.kind === ')') return values;
        if (lookahead.kind !== ',') {
          throw new SelectorError(`found '${lookahead.text}', expected: ',' or ')'`);
        }
      } else if (token.kind === ',') {
        if (values.size === 0) values.add(''); // "(,"
        const lookahead = this.peek();
        if (lookahead.kind === ')') {
          values.add(''); // ",)"
          return values;
        }
        if (lookahead.kind === ',') {
          this.next();
          values.add(''); // ",,"
        }
      } else {
        throw new SelectorError(`found '${token.text}', expected: ',', or identifier`);
      }
    }
  }

  /** The single value after `=`, `==`, `!=`, `>` or `<`; nothing at all means the empty string. */
  private parseExactValue(): Set<string> {
    const lookahead = this.peek();
    if (lookahead.kind === 'end' || lookahead.kind === ',') return new Set(['']);
    const token = this.next();
    if (token.kind !== 'identifier') {
      throw new SelectorError(`found '${token.text}', expected: identifier`);
    }
    return new Set([token.text]);
  }
}

const END: Token = { kind: 'end', text: '' };

function valueToken(token: Token | undefined): Token {
  if (token === undefined) return END;
  if (token.kind === 'in' || token.kind === 'notin')
    return { kind: 'identifier', text: token.text };
  return token;
}

/** Go's `NewRequirement` checks for what the parser produced (the key is already checked). */
function newRequirement(key: string, operator: Operator, valueSet: Set<string>): Requirement {
  const values = [...valueSet].sort();
  const problems: string[] = [];
  if (operator === 'gt' || operator === 'lt') {
    values.forEach((value, i) => {
      if (parseInt64(value) === undefined) {
        problems.push(
          invalidValue(
            `values[${i}]`,
            value,
            "for 'Gt', 'Lt' operators, the value must be an integer",
          ),
        );
      }
    });
  }
  values.forEach((value, i) => {
    const valueProblems = labelValueProblems(value);
    if (valueProblems.length > 0) {
      problems.push(invalidValue(`values[${i}][${key}]`, value, valueProblems.join('; ')));
    }
  });
  if (problems.length === 1) throw new SelectorError(problems[0]);
  if (problems.length > 1) throw new SelectorError(`[${problems.join(', ')}]`);
  return { key, operator, values };
}

function matchesRequirement(
  requirement: Requirement,
  labels: Readonly<Record<string, string>>,
): boolean {
  const present = Object.hasOwn(labels, requirement.key);
  const value = present ? labels[requirement.key] : undefined;
  switch (requirement.operator) {
    case 'in':
    case '=':
    case '==':
      return value !== undefined && requirement.values.includes(value);
    case 'notin':
    case '!=':
      return value === undefined || !requirement.values.includes(value);
    case 'exists':
      return present;
    case '!':
      return !present;
    case 'gt':
    case 'lt': {
      if (value === undefined || requirement.values.length !== 1) return false;
      const actual = parseInt64(value);
      const bound = parseInt64(requirement.values[0] ?? '');
      if (actual === undefined || bound === undefined) return false;
      return requirement.operator === 'gt' ? actual > bound : actual < bound;
    }
  }
}

/** Parses the labelSelector syntax: `a=b`, `a==b`, `a!=b`, `a in (x, y)`, `a notin (x)`, `a` (exists), `!a` (does not exist), `a>1`, `a<1`, comma-separated (AND); empty string matches everything. */
export function parseLabelSelector(text: string): Parsed<LabelMatcher> {
  let requirements: Requirement[];
  try {
    requirements = new LabelParser(lex(text)).parse();
  } catch (err) {
    if (err instanceof SelectorError) return { ok: false, error: err.message };
    throw err;
  }
  const matcher: LabelMatcher = (labels) =>
    requirements.every((requirement) => matchesRequirement(requirement, labels));
  return { ok: true, value: matcher };
}

// ---------------------------------------------------------------------------
// Field selectors (apimachinery fields package)

interface FieldTerm {
  field: string;
  negated: boolean;
  value: string;
}

/** Splits on commas that a backslash does not escape; escapes stay in the terms. */
function splitFieldTerms(text: string): string[] {
  if (text.length === 0) return [];
  const terms: string[] = [];
  let start = 0;
  let escaped = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text.charAt(i);
    if (escaped) {
      escaped = false;
    } else if (ch === '\\') {
      escaped = true;
    } else if (ch === ',') {
      terms.push(text.slice(start, i));
      start = i + 1;
    }
  }
  terms.push(text.slice(start));
  return terms;
}

const FIELD_OPERATORS = ['!=', '==', '='] as const;

/** The first operator splits the term: no escaping exists on the left-hand side. */
function splitFieldTerm(term: string): { field: string; operator: string; rest: string } | null {
  for (let i = 0; i < term.length; i++) {
    for (const operator of FIELD_OPERATORS) {
      if (term.startsWith(operator, i)) {
        return { field: term.slice(0, i), operator, rest: term.slice(i + operator.length) };
      }
    }
  }
  return null;
}

function unescapeFieldValue(text: string): string {
  let out = '';
  let escaped = false;
  for (const ch of text) {
    if (escaped) {
      if (ch !== '\\' && ch !== ',' && ch !== '=') {
        throw new SelectorError(`invalid field selector: invalid escape sequence: \\${ch}`);
      }
      out += ch;
      escaped = false;
    } else if (ch === '\\') {
      escaped = true;
    } else if (ch === ',' || ch === '=') {
      throw new SelectorError(`invalid field selector: unescaped character in value: ${ch}`);
    } else {
      out += ch;
    }
  }
  if (escaped) throw new SelectorError('invalid field selector: invalid escape sequence: \\');
  return out;
}

/** Parses the fieldSelector syntax: `f=v`, `f==v`, `f!=v`, comma-separated (AND); `\` escapes `\`, `,` and `=` in values as the Kubernetes fields package does. Empty matches everything. Returns also the list of field names used (each once), so the server can reject unsupported fields. */
export function parseFieldSelector(
  text: string,
): Parsed<{ match: FieldMatcher; fields: string[] }> {
  const terms: FieldTerm[] = [];
  try {
    for (const part of splitFieldTerms(text)) {
      if (part === '') continue;
      const split = splitFieldTerm(part);
      if (split === null) {
        throw new SelectorError(`invalid selector: '${text}'; can't understand '${part}'`);
      }
      terms.push({
        field: split.field,
        negated: split.operator === '!=',
        value: unescapeFieldValue(split.rest),
      });
    }
  } catch (err) {
    if (err instanceof SelectorError) return { ok: false, error: err.message };
    throw err;
  }
  const fields = [...new Set(terms.map((term) => term.field))];
  // An absent field reads as the empty string, as `fields.Set.Get` does.
  const match: FieldMatcher = (get) =>
    terms.every((term) => {
      const equal = (get(term.field) ?? '') === term.value;
      return term.negated ? !equal : equal;
    });
  return { ok: true, value: { match, fields } };
}
