/**
 * A Service of a balancer class holds several addresses (docs/SCALEOUT.md).
 * The allocator keys each one apart: slot 0 under the Service's own key
 * `namespace/name` (so a v0.9 Service is simply a Service with one slot),
 * slot k >= 1 under `namespace/name#k`. A Kubernetes name never contains
 * `#`, so no Service key can collide with a slot key.
 */

const SLOT_SEPARATOR = '#';

/** The allocator key of one address slot of a Service. */
export function slotKey(service: string, slot: number): string {
  return slot === 0 ? service : `${service}${SLOT_SEPARATOR}${slot}`;
}

/** The Service (`namespace/name`) an allocator key belongs to. */
export function serviceOfKey(key: string): string {
  const at = key.indexOf(SLOT_SEPARATOR);
  return at === -1 ? key : key.slice(0, at);
}

/** True for the key of a slot k >= 1. */
export function isExtraSlotKey(key: string): boolean {
  return key.includes(SLOT_SEPARATOR);
}
