/**
 * Command-line flags read as Go's `flag` package reads them (src/flag/flag.go,
 * FlagSet.Parse and parseOne), which v0.9's controller and speaker use
 * (controller/main.go, speaker/main.go): `-port 80`, `-port=80`, `--port=80`
 * and `--port 80` alike; a bool flag is `-x` or `-x=false`, never `-x false`;
 * parsing stops at the first argument that is not a flag, or after `--`,
 * and what follows is left over (v0.9 ignores it); an int is read by
 * strconv.ParseInt with base 0 (`0x50`, `0o120`, `0b1010000`, `0120`,
 * `8_0`). Pure: the caller says what to do with the result.
 */

export type GoFlagSpec =
  | { readonly type: 'string'; readonly default?: string }
  | { readonly type: 'bool' }
  | { readonly type: 'int'; readonly default: number };

export type GoFlagSpecs = Readonly<Record<string, GoFlagSpec>>;

/** A flag's value: a bool is false unless given; a string without a default is undefined unless given. */
type ValueOf<S extends GoFlagSpec> = S extends { readonly type: 'bool' }
  ? boolean
  : S extends { readonly type: 'int' }
    ? number
    : S extends { readonly default: string }
      ? string
      : string | undefined;

export type GoFlagValues<O extends GoFlagSpecs> = { -readonly [K in keyof O]: ValueOf<O[K]> };

export type GoFlagsResult<O extends GoFlagSpecs> =
  | {
      readonly kind: 'parsed';
      readonly values: GoFlagValues<O>;
      /** The arguments after the first one that is not a flag (or after `--`). */
      readonly rest: readonly string[];
    }
  /** `-h`, `-help` (or their `--` forms) where no flag of that name is defined. */
  | { readonly kind: 'help' }
  /** Worded as Go's flag package words it. */
  | { readonly kind: 'error'; readonly message: string };

/** strconv.ParseBool's words. */
const TRUE = new Set(['1', 't', 'T', 'TRUE', 'true', 'True']);
const FALSE = new Set(['0', 'f', 'F', 'FALSE', 'false', 'False']);

/** Parses `args` against `specs` as Go's FlagSet.Parse with ContinueOnError does. */
export function parseGoFlags<const O extends GoFlagSpecs>(
  args: readonly string[],
  specs: O,
): GoFlagsResult<O> {
  const values: Record<string, string | number | boolean | undefined> = {};
  for (const [name, spec] of Object.entries(specs))
    values[name] = spec.type === 'bool' ? false : spec.default;
  let i = 0;
  while (i < args.length) {
    const arg = args[i] ?? '';
    if (arg.length < 2 || !arg.startsWith('-')) break;
    const minuses = arg[1] === '-' ? 2 : 1;
    if (arg === '--') {
      i++;
      break;
    }
    let name = arg.slice(minuses);
    if (name === '' || name.startsWith('-') || name.startsWith('='))
      return { kind: 'error', message: `bad flag syntax: ${arg}` };
    i++;
    // An `=` after the first character of the name separates the value.
    const equals = name.indexOf('=', 1);
    let value: string | undefined;
    if (equals >= 0) {
      value = name.slice(equals + 1);
      name = name.slice(0, equals);
    }
    const spec = Object.hasOwn(specs, name) ? specs[name] : undefined;
    if (spec === undefined) {
      if (name === 'help' || name === 'h') return { kind: 'help' };
      return { kind: 'error', message: `flag provided but not defined: -${name}` };
    }
    if (spec.type === 'bool') {
      if (value === undefined) values[name] = true;
      else if (TRUE.has(value)) values[name] = true;
      else if (FALSE.has(value)) values[name] = false;
      else
        return {
          kind: 'error',
          message: `invalid boolean value ${goQuote(value)} for -${name}: parse error`,
        };
      continue;
    }
    // Any other flag takes the next argument as its value, whatever it looks like.
    if (value === undefined && i < args.length) value = args[i++];
    if (value === undefined) return { kind: 'error', message: `flag needs an argument: -${name}` };
    if (spec.type === 'string') {
      values[name] = value;
      continue;
    }
    const number = parseGoInt(value);
    if (typeof number === 'string')
      return {
        kind: 'error',
        message: `invalid value ${goQuote(value)} for flag -${name}: ${number}`,
      };
    values[name] = number;
  }
  return { kind: 'parsed', values: values as GoFlagValues<O>, rest: args.slice(i) };
}

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

/**
 * strconv.ParseInt(text, 0, 64): an optional sign, then a base prefix
 * (`0x`, `0o`, `0b`, or a lone leading `0` for octal) or decimal, with `_`
 * allowed between digits as in Go literals. A number, or the flag
 * package's word for the failure ("parse error", "value out of range").
 */
export function parseGoInt(text: string): number | 'parse error' | 'value out of range' {
  let digits = text;
  let negative = false;
  if (digits.startsWith('+') || digits.startsWith('-')) {
    negative = digits.startsWith('-');
    digits = digits.slice(1);
  }
  if (digits === '') return 'parse error';
  let base = 10;
  const prefix = digits.slice(0, 2).toLowerCase();
  if (digits.length >= 3 && (prefix === '0x' || prefix === '0o' || prefix === '0b')) {
    base = prefix === '0x' ? 16 : prefix === '0o' ? 8 : 2;
    digits = digits.slice(2);
  } else if (digits.startsWith('0')) {
    base = 8;
    digits = digits.slice(1);
  }
  let value = 0n;
  for (const char of digits) {
    if (char === '_') continue;
    const digit = Number.parseInt(char, 36);
    if (Number.isNaN(digit) || digit >= base) return 'parse error';
    value = value * BigInt(base) + BigInt(digit);
  }
  if (digits.includes('_') && !underscoresOk(text)) return 'parse error';
  const signed = negative ? -value : value;
  if (signed < INT64_MIN || signed > INT64_MAX) return 'value out of range';
  return Number(signed);
}

/** strconv's underscoreOK: each `_` between digits (a base prefix counts as one), none at the end. */
function underscoresOk(text: string): boolean {
  let rest = text.startsWith('+') || text.startsWith('-') ? text.slice(1) : text;
  let saw: 'start' | 'digit' | 'underscore' | 'other' = 'start';
  const prefix = rest.slice(0, 2).toLowerCase();
  const hex = prefix === '0x';
  if (rest.length >= 2 && (hex || prefix === '0o' || prefix === '0b')) {
    rest = rest.slice(2);
    saw = 'digit';
  }
  for (const char of rest) {
    if (/[0-9]/.test(char) || (hex && /[a-f]/i.test(char))) saw = 'digit';
    else if (char === '_') {
      if (saw !== 'digit') return false;
      saw = 'underscore';
    } else {
      if (saw === 'underscore') return false;
      saw = 'other';
    }
  }
  return saw !== 'underscore';
}

/** Go's %q for the texts a flag error shows (JSON's quoting agrees for printable text). */
function goQuote(text: string): string {
  return JSON.stringify(text);
}
