/** A config slow to parse on purpose, for the tests of parsing off the event loop. */

/**
 * `count` layer 2 pools of one /24 each: 12,000 take a second or more to
 * parse on an idle core (several under load); 16,000 are 1 MiB.
 */
export function manyPools(count: number): string {
  const lines = ['address-pools:'];
  for (let i = 0; i < count; i++)
    lines.push(`- name: p${i}\n  protocol: layer2\n  addresses: [10.${i >> 8}.${i & 255}.0/24]`);
  return `${lines.join('\n')}\n`;
}
