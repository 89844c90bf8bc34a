/**
 * What a Service asks of a balancer class (docs/SCALEOUT.md, "A Service of
 * a class"), read from its fields and annotations into plain values or a
 * reason the controller reports as AllocationFailed.
 */
import { MAX_IPS_PER_SERVICE, type BalancerClass } from '../config/index.js';
import { formatIP, ipEquals, type Family, type IPAddress } from '../ip/index.js';
import {
  IP_COUNT_ANNOTATION,
  LOAD_BALANCER_IPS_ANNOTATION,
  readServiceAddress,
  type BalancerFields,
} from '../service/index.js';

/** How many addresses of its class a Service gets, and which it asks for. */
export interface ClassWish {
  /** 1 to 64. */
  readonly count: number;
  /** Addresses asked for, distinct, in the order written; at most `count`. */
  readonly requested: readonly IPAddress[];
  /** Where they were asked for, for messages. */
  readonly requestedBy: string;
}

export type WishResult =
  { readonly ok: true; readonly value: ClassWish } | { readonly ok: false; readonly error: string };

/**
 * The count (annotation, else the class's `ips-per-service`) and the
 * requested addresses (annotation, else `spec.loadBalancerIP` as a list of
 * one), checked against the Service's family.
 */
export function classWish(
  fields: BalancerFields,
  loadBalancerIP: string,
  balancerClass: BalancerClass,
  family: Family,
): WishResult {
  let count = balancerClass.ipsPerService;
  if (fields.ipCount !== null) {
    const text = fields.ipCount.trim();
    const value = /^[0-9]{1,3}$/.test(text) ? Number(text) : NaN;
    if (!(value >= 1 && value <= MAX_IPS_PER_SERVICE)) {
      return {
        ok: false,
        error: `annotation ${IP_COUNT_ANNOTATION}: ${JSON.stringify(fields.ipCount)} is not a whole number from 1 to ${MAX_IPS_PER_SERVICE}`,
      };
    }
    count = value;
  }

  const fromAnnotation = fields.loadBalancerIPs !== null;
  const requestedBy = fromAnnotation
    ? `annotation ${LOAD_BALANCER_IPS_ANNOTATION}`
    : 'spec.loadBalancerIP';
  const texts = fromAnnotation
    ? (fields.loadBalancerIPs ?? '').split(',').map((t) => t.trim())
    : [loadBalancerIP.trim()];
  // An empty annotation or field asks for nothing in particular.
  const written = texts.length === 1 && texts[0] === '' ? [] : texts;
  const requested: IPAddress[] = [];
  for (const text of written) {
    const parsed = readServiceAddress(text);
    if (!parsed.ok) {
      return { ok: false, error: `${requestedBy}: ${JSON.stringify(text)} is not an IP address` };
    }
    if (parsed.value.family !== family) {
      return {
        ok: false,
        error: `${requestedBy}: ${text} is not IPv${family} like the Service's clusterIP`,
      };
    }
    if (requested.some((ip) => ipEquals(ip, parsed.value))) {
      return { ok: false, error: `${requestedBy}: ${formatIP(parsed.value)} is listed twice` };
    }
    requested.push(parsed.value);
  }
  if (requested.length > count) {
    return {
      ok: false,
      error: `${requestedBy} asks for ${requested.length} addresses, more than the ${count} the Service gets (${IP_COUNT_ANNOTATION}, else the class's ips-per-service)`,
    };
  }
  return { ok: true, value: { count, requested, requestedBy } };
}
