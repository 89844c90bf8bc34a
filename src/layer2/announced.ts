/**
 * A set of announced addresses that accepts any text form of an address and looks them up by
 * canonical text, as the responder does.
 */
import { canonicalAddress } from './address.js';
import type { AnnouncedAddresses } from './responder.js';

/** Announced IPv4 and IPv6 addresses, stored in canonical text. */
export class AnnouncedSet implements AnnouncedAddresses, Iterable<string> {
  private readonly addresses = new Set<string>();

  /** Throws a RangeError if any of `ips` is not an IP address. */
  constructor(ips: Iterable<string> = []) {
    for (const ip of ips) this.add(ip);
  }

  /** Adds an address; throws a RangeError for text that is not one. Returns this. */
  add(ip: string): this {
    const canonical = canonicalAddress(ip);
    if (canonical === null) throw new RangeError(`${JSON.stringify(ip)} is not an IP address`);
    this.addresses.add(canonical);
    return this;
  }

  /** Removes an address; false when it was not there (or is not an address). */
  delete(ip: string): boolean {
    const canonical = canonicalAddress(ip);
    return canonical !== null && this.addresses.delete(canonical);
  }

  /** True when the address (any text form) is in the set. */
  has(ip: string): boolean {
    if (this.addresses.has(ip)) return true;
    const canonical = canonicalAddress(ip);
    return canonical !== null && this.addresses.has(canonical);
  }

  get size(): number {
    return this.addresses.size;
  }

  /** The addresses in canonical text, in insertion order. */
  [Symbol.iterator](): Iterator<string> {
    return this.addresses[Symbol.iterator]();
  }
}
