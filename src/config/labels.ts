/**
 * Kubernetes label selectors as v0.9 built them for `node-selectors`
 * (metav1.LabelSelectorAsSelector): the syntax rules for keys and values,
 * the four set-based operators, and matching.
 */
import type { NodeSelector, SelectorOperator, SelectorRequirement } from './types.js';

export const SELECTOR_OPERATORS: readonly SelectorOperator[] = [
  'In',
  'NotIn',
  'Exists',
  'DoesNotExist',
];

/** A label name or value part: alphanumerics with `-`, `_`, `.` inside. */
const NAME = /^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;
/** A DNS-1123 subdomain, the optional prefix of a label key. */
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** Why a label key is invalid, or null when it is valid. */
export function labelKeyProblem(key: string): string | null {
  const slash = key.indexOf('/');
  const name = slash === -1 ? key : key.slice(slash + 1);
  if (slash !== -1) {
    const prefix = key.slice(0, slash);
    if (prefix === '') return `label key ${JSON.stringify(key)} has an empty prefix before "/"`;
    if (prefix.length > 253 || !DNS_SUBDOMAIN.test(prefix)) {
      return `label key prefix ${JSON.stringify(prefix)} must be a lower-case DNS subdomain of at most 253 characters`;
    }
  }
  if (name === '' || name.length > 63 || !NAME.test(name)) {
    return `label key ${JSON.stringify(key)} is not valid: the name must be 1 to 63 characters, letters, digits, "-", "_" or ".", starting and ending with a letter or digit`;
  }
  return null;
}

/** Why a label value is invalid, or null when it is valid (empty is valid). */
export function labelValueProblem(value: string): string | null {
  if (value === '') return null;
  if (value.length > 63 || !NAME.test(value)) {
    return `label value ${JSON.stringify(value)} is not valid: at most 63 characters, letters, digits, "-", "_" or ".", starting and ending with a letter or digit`;
  }
  return null;
}

export function isSelectorOperator(text: string): text is SelectorOperator {
  return (SELECTOR_OPERATORS as readonly string[]).includes(text);
}

function requirementMatches(
  req: SelectorRequirement,
  labels: ReadonlyMap<string, string>,
): boolean {
  const value = labels.get(req.key);
  switch (req.operator) {
    case 'In':
      return value !== undefined && req.values.includes(value);
    case 'NotIn':
      // Kubernetes: a node without the label satisfies NotIn.
      return value === undefined || !req.values.includes(value);
    case 'Exists':
      return value !== undefined;
    case 'DoesNotExist':
      return value === undefined;
  }
}

/** One selector: every label and every expression must hold; an empty selector matches all. */
export function selectorMatches(
  selector: NodeSelector,
  labels: ReadonlyMap<string, string>,
): boolean {
  for (const [key, value] of Object.entries(selector.matchLabels)) {
    if (labels.get(key) !== value) return false;
  }
  return selector.matchExpressions.every((req) => requirementMatches(req, labels));
}

/** A peer's selectors: a node qualifies when ANY matches; no selectors means every node. */
export function nodeSelectorsMatch(
  selectors: readonly NodeSelector[],
  labels: ReadonlyMap<string, string>,
): boolean {
  return selectors.length === 0 || selectors.some((selector) => selectorMatches(selector, labels));
}
