/**
 * The words of the Events on a Service of a balancer class, in the style
 * of v0.9's (`Assigned IP "X"`).
 */

/** `Assigned IPs "203.0.113.16", "203.0.113.17" from class "edge"`. */
export function allocatedMessage(ips: readonly string[], className: string): string {
  const listed = ips.map((ip) => `"${ip}"`).join(', ');
  return `Assigned ${ips.length === 1 ? 'IP' : 'IPs'} ${listed} from class "${className}"`;
}
