/**
 * A 521-byte "billion laughs" document: nine levels of ten aliases each, which
 * go-yaml refuses as excessive aliasing; expanded it would be 10^9 scalars.
 */
export function aliasBomb(): string {
  let text = 'a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n';
  for (let i = 1; i < 9; i++) {
    text += `a${i}: &a${i} [${Array<string>(10)
      .fill(`*a${i - 1}`)
      .join(', ')}]\n`;
  }
  return text;
}
