/**
 * A Service's addresses (`spec.clusterIP`, `spec.loadBalancerIP`,
 * `status.loadBalancer.ingress[].ip`) as v0.9's controller and speaker read
 * them: Go 1.13's net.ParseIP (src/ip/go.ts says what that reads
 * differently: leading zeros as decimal, long IPv6 groups, IPv4-mapped as
 * IPv4). Refusing what v0.9 read would make a restarted controller drop an
 * address the Service holds, or leave a requested one unassigned.
 */
import { readGoIP, type IPAddress, type Parsed } from '../ip/index.js';

/** The address `text` names to v0.9, or why Go's net.ParseIP returned nil. */
export function readServiceAddress(text: string): Parsed<IPAddress> {
  const read = readGoIP(text);
  return read.ok ? { ok: true, value: read.value.value } : read;
}
