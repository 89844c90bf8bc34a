/**
 * A Service's addresses (`spec.clusterIP`, `spec.loadBalancerIP`,
 * `status.loadBalancer.ingress[].ip`) as v0.9's controller read them: with
 * Go's net.ParseIP of the Go it was built with (1.13, v0.9.6
 * .circleci/config.yml `cimg/go:1.13`), then as net.IP holds the result.
 *
 * - Go before 1.17 read each IPv4 part with dtoi (src/net/parse.go), so
 *   leading zeros are decimal: `010.0.0.6` is 10.0.0.6, not refused. The
 *   API server reads these fields with the same pre-1.17 rules
 *   (k8s.io/utils/net ParseIPSloppy), so a Service can carry them.
 * - An IPv6 group is read with xtoi, which takes any number of hex digits
 *   while the value fits 16 bits: `2001:db8::00001` is 2001:db8::1.
 * - An IPv4-mapped IPv6 address (`::ffff:10.0.0.6`) is the IPv4 address
 *   itself (unmapIPv4): its To4() is not nil, so v0.9 gives it the IPv4
 *   family and writes it back as `10.0.0.6` (IP.String).
 *
 * Refusing what v0.9 read would make a restarted controller drop an
 * address the Service holds, or leave a requested one unassigned.
 */
import { parseIP, unmapIPv4, type IPAddress, type Parsed } from '../ip/index.js';

/** The address `text` names to v0.9, or why Go's net.ParseIP returned nil. */
export function readServiceAddress(text: string): Parsed<IPAddress> {
  const strict = parseIP(text);
  if (strict.ok) return { ok: true, value: unmapIPv4(strict.value) };
  const trimmed = withoutLeadingZeros(text);
  if (trimmed === text) return strict;
  const lenient = parseIP(trimmed);
  return lenient.ok ? { ok: true, value: unmapIPv4(lenient.value) } : strict;
}

/**
 * The text with the leading zeros of every number dropped (keeping one
 * digit), which changes no value Go's dtoi or xtoi reads: dotted parts are
 * decimal digits, colon groups hex digits.
 */
function withoutLeadingZeros(text: string): string {
  return text.replace(/(^|[.:])0+(?=[0-9a-fA-F])/g, '$1');
}
