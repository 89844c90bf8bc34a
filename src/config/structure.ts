/**
 * Checks the schema (keys, types, required keys) with ajv and turns its
 * findings into errors with key paths and plain words.
 */
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import { classesSchema } from './classes-schema.js';
import { formatPath, type Path, type PathSegment } from './path.js';
import { configSchema, type Schema } from './schema.js';
import type { LineIndex } from './source.js';
import type { ConfigError } from './types.js';

const ajv = new Ajv({ allErrors: true, verbose: true, strict: true });
// Read by source.ts only (the Go integer type of a field); nothing for ajv to check.
ajv.addKeyword({ keyword: 'goType', schemaType: 'string' });
const validateConfig = ajv.compile(configSchema);
const validateClasses = ajv.compile(classesSchema);

export interface StructureIssue {
  readonly path: Path;
  readonly error: ConfigError;
}

/** Every structural problem of a config value; empty when the schema holds. */
export function checkStructure(value: unknown, lines: LineIndex): StructureIssue[] {
  return issuesOf(validateConfig, value, lines);
}

/**
 * Every structural problem of a `balancer-classes` value, with paths
 * relative to the key (`[0, 'addresses']`); empty when the schema holds.
 */
export function checkClassesStructure(value: unknown, lines: LineIndex): StructureIssue[] {
  return issuesOf(validateClasses, value, lines);
}

function issuesOf(validate: ValidateFunction, value: unknown, lines: LineIndex): StructureIssue[] {
  if (validate(value)) return [];
  const errors = validate.errors ?? [];
  // A misspelt required key is one mistake: report the unknown key with its
  // suggestion, not also the missing key it was meant to be.
  const misspelt = new Set<string>();
  for (const error of errors) {
    if (error.keyword !== 'additionalProperties') continue;
    const known = Object.keys((error.parentSchema as Schema | undefined)?.properties ?? {});
    const meant = closest(
      String((error.params as Record<string, unknown>)['additionalProperty']),
      known,
    );
    if (meant !== undefined) misspelt.add(`${error.instancePath}\u0000${meant}`);
  }
  const issues: StructureIssue[] = [];
  const seen = new Set<string>();
  for (const error of errors) {
    if (error.keyword === 'required') {
      const missing = String((error.params as Record<string, unknown>)['missingProperty']);
      if (misspelt.has(`${error.instancePath}\u0000${missing}`)) continue;
    }
    const issue = describe(error, value, lines);
    const key = `${issue.error.path}\u0000${issue.error.message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    issues.push(issue);
  }
  return issues;
}

function describe(error: ErrorObject, root: unknown, lines: LineIndex): StructureIssue {
  const path = pointerToPath(error.instancePath, root);
  const at = (where: Path, message: string): StructureIssue => ({
    path: where,
    error: { path: formatPath(where), line: lines.lineOf(where), message },
  });
  const params = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case 'additionalProperties': {
      const key = String(params['additionalProperty']);
      const known = Object.keys((error.parentSchema as Schema | undefined)?.properties ?? {});
      return at([...path, key], unknownKeyMessage(key, known, path));
    }
    case 'required': {
      const key = String(params['missingProperty']);
      return at([...path, key], `missing required key "${key}"`);
    }
    case 'type':
      return at(
        path,
        `must be ${typeName(String(params['type']))}, not ${describeValue(error.data)}`,
      );
    case 'enum': {
      const allowed = ((error.schema as string[] | undefined) ?? []).join(' or ');
      return at(path, `must be ${allowed}, not ${describeValue(error.data)}`);
    }
    case 'minimum':
    case 'maximum': {
      const schema = error.parentSchema as Schema;
      return at(
        path,
        `${describeValue(error.data)} is out of range: must be between ${schema.minimum} and ${schema.maximum}`,
      );
    }
    case 'minItems':
      return at(path, 'must not be an empty list');
    case 'minLength':
      return at(path, 'must not be empty');
    default:
      return at(path, error.message ?? 'is not valid');
  }
}

/** `/address-pools/0/name` -> ['address-pools', 0, 'name'], reading the value to tell indices from keys. */
function pointerToPath(pointer: string, root: unknown): Path {
  if (pointer === '') return [];
  const path: PathSegment[] = [];
  let here: unknown = root;
  for (const raw of pointer.slice(1).split('/')) {
    const token = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (Array.isArray(here)) {
      const index = Number(token);
      path.push(index);
      here = here[index];
    } else {
      path.push(token);
      here =
        typeof here === 'object' && here !== null
          ? (here as Record<string, unknown>)[token]
          : undefined;
    }
  }
  return path;
}

function unknownKeyMessage(key: string, known: readonly string[], parent: Path): string {
  const where = parent.length === 0 ? ' at the top level' : '';
  const suggestion = closest(key, known);
  const hint =
    suggestion !== undefined
      ? `; did you mean "${suggestion}"?`
      : known.length > 0
        ? ` (allowed here: ${known.join(', ')})`
        : '';
  return `unknown key "${key}"${where}${hint}`;
}

/** The known key within edit distance 2 (or a case-only difference), if one stands out. */
function closest(key: string, known: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of known) {
    // The distance is at least the difference in length: no need to count it past 2.
    if (Math.abs(candidate.length - key.length) > 2) continue;
    const distance =
      candidate.toLowerCase() === key.toLowerCase() ? 0 : editDistance(key, candidate);
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return bestDistance <= 2 ? best : undefined;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = (previous[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1);
      current.push(Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, substitution));
    }
    previous = current;
  }
  return previous[b.length] ?? 0;
}

function typeName(type: string): string {
  switch (type) {
    case 'object':
      return 'a mapping (key: value)';
    case 'array':
      return 'a list';
    case 'integer':
      return 'a whole number';
    case 'boolean':
      return 'true or false';
    default:
      return `a ${type}`;
  }
}

/** How a value reads in a message: `the string "64500"`, `a list`, `1.5`. */
export function describeValue(value: unknown): string {
  if (value === null || value === undefined) return 'empty';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  if (typeof value === 'string') return `the string ${JSON.stringify(value)}`;
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') {
    return String(value);
  }
  return 'a value of another kind';
}
