/** Go's whitespace (unicode.IsSpace): it trims U+0085 and not U+FEFF, unlike String.prototype.trim. */
const GO_SPACE = /[\t\n\v\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]/;

/**
 * Go's strings.TrimSpace, which v0.9.6 config.go parseCIDR applied to a
 * range's ends. A scan from each end: a regular expression anchored at the
 * end would retry every start in a long run of spaces.
 */
export function goTrimSpace(text: string): string {
  let start = 0;
  let end = text.length;
  while (start < end && GO_SPACE.test(text.charAt(start))) start++;
  while (end > start && GO_SPACE.test(text.charAt(end - 1))) end--;
  return text.slice(start, end);
}
