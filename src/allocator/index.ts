/**
 * IP allocation with MetalLB v0.9's rules (pure: no Kubernetes, no I/O).
 */
export { Allocator } from './allocator.js';
export { sharingProblem } from './sharing.js';
export { serviceOfKey, slotKey } from './slots.js';
export type { Claim, Orphan, PoolStats, Port, Result } from './types.js';
