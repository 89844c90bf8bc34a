/**
 * Checks on a RouterSpec that every router kind shares, done before any
 * config is written, so a mistake in a test reads as a clear error instead
 * of a router that silently never establishes. Also the small questions
 * every config writer asks of a spec (which family, which listen address,
 * which port).
 */
import { parseIP } from '../../../src/ip/index.js';
import { freePort } from './process.js';
import type { RouterPeerSpec, RouterSpec } from './types.js';

const MAX_ASN = 0xffffffff;
/** Quoted inside every router's config; FRR takes a single word. */
const PASSWORD_FORMAT = /^[A-Za-z0-9!#$%&()*+,./:;<=>?@^_`{|}~-]{1,80}$/;

/** 4 or 6, for an address or a prefix. */
export function familyOf(addressOrPrefix: string): 4 | 6 {
  return addressOrPrefix.includes(':') ? 6 : 4;
}

export function isLoopback(address: string): boolean {
  const parsed = parseIP(address);
  if (!parsed.ok) return false;
  const { family, value } = parsed.value;
  return family === 4 ? value >> 24n === 127n : value === 1n;
}

/** The families a session carries: both unless the spec narrows it. */
export function familiesOf(peer: RouterPeerSpec): readonly (4 | 6)[] {
  return peer.families ?? [4, 6];
}

/** The listen address of the peer's family: where the router meets that peer. */
export function localAddressFor(spec: RouterSpec, peerAddress: string): string {
  const family = familyOf(peerAddress);
  const local = spec.listenAddresses.find((address) => familyOf(address) === family);
  if (local === undefined) {
    throw new Error(`peer ${peerAddress}: the router has no IPv${family} listen address`);
  }
  return local;
}

/** spec.port, or a free one picked now. */
export async function listenPort(spec: RouterSpec): Promise<number> {
  if (spec.port !== undefined && spec.port !== 0) return spec.port;
  return freePort();
}

function checkAddress(what: string, address: string): void {
  if (!parseIP(address).ok)
    throw new Error(`${what}: not an IP address: ${JSON.stringify(address)}`);
}

/** Throws on anything a router would refuse or misread. */
export function checkSpec(spec: RouterSpec): void {
  const asn = (what: string, value: number): void => {
    if (!Number.isInteger(value) || value < 1 || value > MAX_ASN) {
      throw new Error(`${what}: ASN must be an integer in 1..${MAX_ASN}, not ${value}`);
    }
  };
  asn(`${spec.kind} router`, spec.asn);
  checkAddress('routerId', spec.routerId);
  if (familyOf(spec.routerId) !== 4) throw new Error('routerId must be IPv4');
  for (const address of spec.listenAddresses) checkAddress('listen address', address);
  const passive = spec.passive !== false;
  if (!passive && spec.kind !== 'gobgp') {
    throw new Error(`${spec.kind}: only gobgp can be the active side`);
  }
  if (passive && spec.listenAddresses.length === 0) throw new Error('no listen address');
  if (spec.ecmp === true && spec.netns === undefined) {
    throw new Error('ecmp installs kernel routes: only inside a network namespace (spec.netns)');
  }
  const seen = new Set<string>();
  for (const peer of spec.peers) {
    checkAddress('peer', peer.address);
    if (seen.has(peer.address)) throw new Error(`peer ${peer.address} given twice`);
    seen.add(peer.address);
    asn(`peer ${peer.address}`, peer.asn);
    if (passive) localAddressFor(spec, peer.address);
    if (peer.password !== undefined && !PASSWORD_FORMAT.test(peer.password)) {
      throw new Error(
        `peer ${peer.address}: password must be 1-80 printable characters, no spaces or quotes`,
      );
    }
    const families = familiesOf(peer);
    if (families.length === 0 || families.some((f) => f !== 4 && f !== 6)) {
      throw new Error(`peer ${peer.address}: families must be a non-empty list of 4 and 6`);
    }
    const hold = peer.holdTimeSeconds;
    if (hold !== undefined && (!Number.isInteger(hold) || hold < 3 || hold > 65535)) {
      throw new Error(
        `peer ${peer.address}: hold time must be an integer in 3..65535, not ${hold}`,
      );
    }
  }
}
