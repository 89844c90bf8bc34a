/**
 * v0.9's rules for two Services on one address (allocator sharingOK):
 * both carry the same non-empty sharing key and the same backend key.
 * Ports are checked by the caller, one by one.
 */
import type { Claim, Port } from './types.js';

export const portKey = (port: Port): string => `${port.protocol}/${port.port}`;

/** Why a claim cannot join an address held under `existing` keys, or null when it can. */
export function sharingProblem(
  existing: { readonly sharingKey: string; readonly backendKey: string },
  claim: Claim,
): string | null {
  if (existing.sharingKey === '') return 'the Service holding it does not allow sharing';
  if (claim.sharingKey === '') {
    return 'this Service does not allow sharing (annotation metallb.universe.tf/allow-shared-ip)';
  }
  if (existing.sharingKey !== claim.sharingKey) {
    return `sharing key ${JSON.stringify(claim.sharingKey)} does not match ${JSON.stringify(existing.sharingKey)}`;
  }
  if (existing.backendKey !== claim.backendKey) {
    return 'the Services select different backends (externalTrafficPolicy: Local needs identical selectors)';
  }
  return null;
}
