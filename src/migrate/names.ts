/**
 * Kubernetes object names for things v0.9 named freely (pool names) or not
 * at all (peers). A name must be a DNS-1123 subdomain: at most 253
 * characters of lower-case letters, digits, '-' and '.', starting and
 * ending with a letter or digit.
 */

const MAX_NAME = 253;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/;

export function isObjectName(name: string): boolean {
  return name.length <= MAX_NAME && DNS_SUBDOMAIN.test(name);
}

/**
 * The closest valid name: lower case, every run of other characters one
 * '-', no '-' or '.' at either end; `fallback` when nothing is left.
 */
export function objectName(text: string, fallback: string): string {
  const cleaned = text
    .toLowerCase()
    .replace(/[^a-z0-9.-]+/g, '-')
    .replace(/^[-.]+|[-.]+$/g, '')
    .slice(0, MAX_NAME - 8) // room for a "-N" suffix
    .replace(/[-.]+$/, '');
  return cleaned === '' ? fallback : cleaned;
}

/**
 * One valid name per wanted name, unique among them. Names that are valid
 * already are kept first (so a Service annotation naming a pool still finds
 * it); the others are cleaned and, on a clash, suffixed `-2`, `-3`, ...
 */
export function assignNames(wanted: readonly string[], fallback: string): string[] {
  const taken = new Set<string>();
  const names: (string | null)[] = wanted.map((name) => {
    if (!isObjectName(name) || taken.has(name)) return null;
    taken.add(name);
    return name;
  });
  return names.map((name, i) => {
    if (name !== null) return name;
    const base = objectName(wanted[i] ?? '', fallback);
    let candidate = base;
    for (let n = 2; taken.has(candidate); n++) candidate = `${base}-${n}`;
    taken.add(candidate);
    return candidate;
  });
}
