/**
 * Object names as kube-apiserver checks them. Each kind names its rule in
 * its validation (kubernetes pkg/apis/<group>/validation): most kinds take a
 * DNS-1123 subdomain, a Namespace a DNS-1123 label, a Service a DNS-1035
 * label, the RBAC kinds only a safe path segment; core/v1 Events are checked
 * by no name rule at all (legacyValidateEvent), only by the storage key's
 * path-segment rule. https://kubernetes.io/docs/concepts/overview/working-with-objects/names/
 *
 * The messages are the apimachinery ones (pkg/util/validation/validation.go,
 * pkg/api/validation/path/name.go), since clients and users read them.
 */
import { invalidBody } from './field-error.js';
import type { ResourceType } from './resources.js';
import { badRequest, type ApiError, type FieldCause } from './status.js';

type NameRule = 'dns1123-subdomain' | 'dns1123-label' | 'dns1035-label' | 'path-segment' | 'none';

const SUBDOMAIN_MAX = 253;
const LABEL_MAX = 63;

const LABEL_FORMAT = '[a-z0-9]([-a-z0-9]*[a-z0-9])?';
const SUBDOMAIN_FORMAT = `${LABEL_FORMAT}(\\.${LABEL_FORMAT})*`;
const DNS1035_FORMAT = '[a-z]([-a-z0-9]*[a-z0-9])?';

const LABEL = new RegExp(`^${LABEL_FORMAT}$`);
const SUBDOMAIN = new RegExp(`^${SUBDOMAIN_FORMAT}$`);
const DNS1035 = new RegExp(`^${DNS1035_FORMAT}$`);

/** apimachinery's wording of a failed pattern: the rule, examples, then the regex. */
function patternMessage(rule: string, format: string, examples: string[]): string {
  const shown = examples.map((example, i) => `${i > 0 ? ' or ' : ''}'${example}', `).join('');
  return `${rule} (e.g. ${shown}regex used for validation is '${format}')`;
}

const SUBDOMAIN_MESSAGE = patternMessage(
  "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character",
  SUBDOMAIN_FORMAT,
  ['example.com'],
);
const LABEL_MESSAGE = patternMessage(
  "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character",
  LABEL_FORMAT,
  ['my-name', '123-abc'],
);
const DNS1035_MESSAGE = patternMessage(
  "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character",
  DNS1035_FORMAT,
  ['my-name', 'abc-123'],
);

const tooLong = (max: number): string => `must be no more than ${max} characters`;

/** The rule each served kind's validation applies to metadata.name. */
function ruleOf(type: ResourceType): NameRule {
  if (type.group === 'rbac.authorization.k8s.io') return 'path-segment';
  if (type.group === '') {
    if (type.kind === 'Namespace') return 'dns1123-label';
    if (type.kind === 'Service') return 'dns1035-label';
    if (type.kind === 'Event') return 'none';
  }
  return 'dns1123-subdomain';
}

/**
 * A generateName is checked as a name whose last character is not the end:
 * apimachinery's maskTrailingDash puts an 'a' in place of the last two
 * characters when the prefix ends in '-' (reproduced as it is, since it
 * decides which prefixes pass).
 */
function maskTrailingDash(prefix: string): string {
  return prefix.length > 1 && prefix.endsWith('-') ? `${prefix.slice(0, -2)}a` : prefix;
}

function patternProblems(value: string, max: number, pattern: RegExp, message: string): string[] {
  const problems: string[] = [];
  if (value.length > max) problems.push(tooLong(max));
  if (!pattern.test(value)) problems.push(message);
  return problems;
}

/** IsValidPathSegmentName: what may stand as one segment of a REST path. */
export function pathSegmentProblems(name: string): string[] {
  const problems: string[] = [];
  if (name === '.' || name === '..') problems.push(`may not be '${name}'`);
  for (const illegal of ['/', '%']) {
    if (name.includes(illegal)) problems.push(`may not contain '${illegal}'`);
  }
  return problems;
}

/** Why `name` (or, with `prefix`, a generateName) is not a valid name for the kind; [] when it is. */
export function nameProblems(type: ResourceType, name: string, prefix: boolean): string[] {
  const rule = ruleOf(type);
  const value = prefix && rule !== 'path-segment' ? maskTrailingDash(name) : name;
  switch (rule) {
    case 'dns1123-subdomain':
      return patternProblems(value, SUBDOMAIN_MAX, SUBDOMAIN, SUBDOMAIN_MESSAGE);
    case 'dns1123-label':
      return patternProblems(value, LABEL_MAX, LABEL, LABEL_MESSAGE);
    case 'dns1035-label':
      return patternProblems(value, LABEL_MAX, DNS1035, DNS1035_MESSAGE);
    case 'path-segment':
      // The RBAC validation checks a prefix with the same rule as a name.
      return pathSegmentProblems(value);
    case 'none':
      return [];
  }
}

/** A namespace in metadata is checked as a Namespace's own name (ValidateObjectMeta). */
export function namespaceProblems(namespace: string): string[] {
  return patternProblems(namespace, LABEL_MAX, LABEL, LABEL_MESSAGE);
}

/** The prefix a generated name keeps: names.SimpleNameGenerator cuts it to 63 - 5 characters. */
const GENERATED_PREFIX_MAX = 58;

export function generatedName(prefix: string, suffix: string): string {
  return `${prefix.slice(0, GENERATED_PREFIX_MAX)}${suffix}`;
}

/**
 * ValidateObjectMeta's name checks on a create, after the name was
 * generated: generateName as a prefix, then the name (or that one of the
 * two is required), then a namespaced kind's namespace.
 */
export function metadataCauses(
  type: ResourceType,
  metadata: { name: string; generateName: string; namespace: string },
): FieldCause[] {
  const causes: FieldCause[] = [];
  const { name, generateName, namespace } = metadata;
  if (generateName !== '') {
    for (const problem of nameProblems(type, generateName, true))
      causes.push({ field: 'metadata.generateName', message: invalidBody(generateName, problem) });
  }
  if (name === '') {
    causes.push({
      field: 'metadata.name',
      message: 'Required value: name or generateName is required',
    });
  } else {
    for (const problem of nameProblems(type, name, false))
      causes.push({ field: 'metadata.name', message: invalidBody(name, problem) });
  }
  if (type.namespaced) {
    for (const problem of namespaceProblems(namespace))
      causes.push({ field: 'metadata.namespace', message: invalidBody(namespace, problem) });
  }
  return causes;
}

/**
 * The storage key takes only a safe path segment (NamespaceKeyFunc and
 * NoNamespaceKeyFunc in k8s.io/apiserver pkg/registry/generic/registry/
 * store.go): any verb on such a name in the URL, and a create of a kind
 * with no name rule, is a 400 BadRequest.
 */
export function nameParameterInvalid(name: string): ApiError | undefined {
  const problems = pathSegmentProblems(name);
  if (problems.length === 0) return undefined;
  return badRequest(`Name parameter invalid: ${JSON.stringify(name)}: ${problems.join(';')}`);
}
