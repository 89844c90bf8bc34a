/**
 * What v0.9's controller made of a Service's address text, worked out by
 * hand from the Go it was built with (1.13: v0.9.6 .circleci/config.yml),
 * not from metallb-ts's output:
 *
 * - net.ParseIP (src/net/ip.go) dispatches on the first `.` or `:`.
 *   parseIPv4 reads each part with dtoi (src/net/parse.go), which takes
 *   leading zeros as decimal digits; the check that refuses them came with
 *   Go 1.17. parseIPv6 reads each group with xtoi, which takes any number
 *   of hex digits while the value stays below 0xFFFFFF, then refuses one
 *   above 0xFFFF. A zone (`%eth0`), a prefix or a space is no address.
 * - IP.To4() is not nil for an IPv4 address and for ::ffff:0:0/96, the
 *   IPv4-mapped block: v0.9 gives both the IPv4 family (controller/service.go
 *   `clusterIP.To4() == nil`, allocateIP's family check).
 * - IP.String() prints those dotted, anything else RFC 5952 style (lower
 *   case, the first longest run of two or more zero groups as `::`): the
 *   text convergeBalancer compares `spec.loadBalancerIP` with and writes to
 *   the status.
 */

/** v0.9's reading of one text: null where net.ParseIP returned nil. */
export interface GoReading {
  /** `ip.To4() == nil`. */
  readonly ipv6: boolean;
  /** `ip.String()`. */
  readonly text: string;
}

const v4 = (text: string): GoReading => ({ ipv6: false, text });
const v6 = (text: string): GoReading => ({ ipv6: true, text });

/** Every text the tests use, and what Go 1.13 read in it. */
export const GO_READINGS: ReadonlyMap<string, GoReading | null> = new Map([
  // The documentation address 192.0.2.5, spelled as Go reads it.
  ['192.0.2.5', v4('192.0.2.5')],
  ['::ffff:192.0.2.5', v4('192.0.2.5')],
  ['::FFFF:192.0.2.5', v4('192.0.2.5')],
  ['0:0:0:0:0:ffff:192.0.2.5', v4('192.0.2.5')],
  ['::ffff:c000:205', v4('192.0.2.5')],
  ['::ffff:c000:0205', v4('192.0.2.5')],
  ['192.000.002.005', v4('192.0.2.5')],
  ['0192.0.2.5', v4('192.0.2.5')],
  ['::ffff:0192.0.2.05', v4('192.0.2.5')],
  // Others of the tests' pools, and one in none.
  ['192.0.2.6', v4('192.0.2.6')],
  ['::ffff:192.0.2.6', v4('192.0.2.6')],
  ['198.51.100.1', v4('198.51.100.1')],
  ['198.051.100.001', v4('198.51.100.1')],
  ['203.0.113.9', v4('203.0.113.9')],
  // Cluster IPs.
  ['10.96.0.1', v4('10.96.0.1')],
  ['::ffff:10.96.0.1', v4('10.96.0.1')],
  ['010.096.000.001', v4('10.96.0.1')],
  ['fd00::1', v6('fd00::1')],
  ['FD00:0:0::1', v6('fd00::1')],
  // 2001:db8::1 spelled as Go reads it.
  ['2001:db8::1', v6('2001:db8::1')],
  ['2001:DB8::1', v6('2001:db8::1')],
  ['2001:db8:0:0:0:0:0:1', v6('2001:db8::1')],
  ['2001:0db8:0000::0001', v6('2001:db8::1')],
  ['2001:db8::00001', v6('2001:db8::1')],
  ['2001:db8::2', v6('2001:db8::2')],
  // IPv4-compatible (::/96, not ::ffff:0:0/96): To4() is nil, so IPv6.
  ['::192.0.2.5', v6('::c000:205')],
  // No address to Go.
  ['', null],
  ['None', null],
  ['banana', null],
  ['192.0.2.256', null],
  ['192.0.2', null],
  ['192.0.2.5.', null],
  [' 192.0.2.5', null],
  ['192.0.2.5/32', null],
  ['fe80::1%eth0', null],
  ['2001:db8::10000', null],
  ['::ffff:192.0.2.0256', null],
  ['1:2:3:4:5:6:7:8:9', null],
  ['1::2::3', null],
]);

/** The reading of a text listed above; a text not listed is a mistake in the test. */
export function goReading(text: string): GoReading | null {
  const reading = GO_READINGS.get(text);
  if (reading === undefined)
    throw new Error(`no Go reading written down for ${JSON.stringify(text)}`);
  return reading;
}
