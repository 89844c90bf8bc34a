/**
 * The smallest topology: two namespaces joined by one veth pair, for the
 * packet socket and TCP tests. A (192.0.2.1, 2001:db8::1) and B (192.0.2.2,
 * 2001:db8::2) unless told other IPv4 addresses; documentation ranges only.
 * Built from the same namespace functions as the LAN (namespaces.ts), with a
 * unique prefix per pair; removed by destroyVethPair(), on failure while
 * building, and at process exit.
 */
import { mustRun } from './command.js';
import {
  createNamespace,
  ipIn,
  linkOf,
  NO_DAD,
  ownNamespaces,
  uniquePrefix,
  type OwnedNamespaces,
} from './namespaces.js';

export interface Side {
  readonly ns: string;
  readonly iface: string;
  readonly ipv4: string;
  readonly ipv6: string;
  /** Lower case, as `ip -j link` prints it. */
  readonly mac: string;
  readonly ifindex: number;
}

export interface VethPair {
  readonly prefix: string;
  readonly a: Side;
  readonly b: Side;
}

export interface VethPairOptions {
  /** The IPv4 addresses of A and B, in one /24 of the documentation ranges; 192.0.2.1 and .2 by default. */
  readonly ipv4?: readonly [string, string];
}

/** The pairs not yet destroyed, by prefix. */
const owned = new Map<string, OwnedNamespaces>();

/** Creates the namespaces and the veth pair, addressed and up, with DAD off. */
export async function createVethPair(options: VethPairOptions = {}): Promise<VethPair> {
  const prefix = uniquePrefix();
  const names = { a: `${prefix}-a`, b: `${prefix}-b` };
  const [ipv4a, ipv4b] = options.ipv4 ?? ['192.0.2.1', '192.0.2.2'];
  const planned: VethPair = {
    prefix,
    a: { ns: names.a, iface: names.a, ipv4: ipv4a, ipv6: '2001:db8::1', mac: '', ifindex: 0 },
    b: { ns: names.b, iface: names.b, ipv4: ipv4b, ipv6: '2001:db8::2', mac: '', ifindex: 0 },
  };
  owned.set(prefix, ownNamespaces([names.a, names.b]));
  try {
    for (const side of [planned.a, planned.b]) await createNamespace(side.ns, NO_DAD);
    const [a, b] = [planned.a, planned.b];
    const peer = ['peer', 'name', b.iface, 'netns', b.ns];
    await mustRun(['ip', 'link', 'add', a.iface, 'netns', a.ns, 'type', 'veth', ...peer]);
    const sides: Side[] = [];
    for (const side of [a, b]) {
      await ipIn(side.ns, 'addr', 'add', `${side.ipv4}/24`, 'dev', side.iface);
      await ipIn(side.ns, '-6', 'addr', 'add', `${side.ipv6}/64`, 'dev', side.iface, 'nodad');
      await ipIn(side.ns, 'link', 'set', side.iface, 'up');
      sides.push({ ...side, ...(await linkOf(side.ns, side.iface)) });
    }
    const [withA, withB] = sides as [Side, Side];
    return { prefix, a: withA, b: withB };
  } catch (error) {
    await destroyVethPair(planned);
    throw error;
  }
}

/** Deletes both namespaces (and with them the veth pair); tolerates half-made ones. */
export async function destroyVethPair(pair: VethPair): Promise<void> {
  const namespaces = owned.get(pair.prefix) ?? ownNamespaces([pair.a.ns, pair.b.ns]);
  owned.delete(pair.prefix);
  await namespaces.remove();
}
