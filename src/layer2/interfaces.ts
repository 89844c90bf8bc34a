/**
 * The host's network interfaces as the layer 2 announcer needs them, read
 * from sysfs (/sys/class/net). In a network namespace entered with
 * `ip netns exec`, /sys is remounted and shows that namespace's interfaces.
 */
import { lstatSync, readFileSync, readdirSync } from 'node:fs';
import { networkInterfaces, type NetworkInterfaceInfo } from 'node:os';
import { join } from 'node:path';

/** Interface flags from <linux/if.h>, as sysfs prints them in `flags`. */
const IFF_UP = 0x1;
const IFF_BROADCAST = 0x2;
const IFF_LOOPBACK = 0x8;
const IFF_NOARP = 0x80;

/** ARPHRD_ETHER from <linux/if_arp.h>: sysfs `type` of Ethernet (and veth, bridge, bond, VLAN). */
const ARPHRD_ETHER = 1;

export interface NetInterface {
  readonly name: string;
  readonly index: number;
  /** The hardware address: 6 bytes on Ethernet; other lengths (or none) elsewhere. */
  readonly mac: Uint8Array;
  /**
   * Administratively up (IFF_UP), which is what v0.9 checks. Not the link
   * state: an interface whose cable is out still has its responder, so it
   * answers at once when the link returns (see `operstate` and `carrier`).
   */
  readonly up: boolean;
  /** RFC 2863 operational state from sysfs: 'up', 'down', 'lowerlayerdown', 'unknown' ... */
  readonly operstate: string;
  /** Link detected; undefined where the kernel does not say (an interface that is down). */
  readonly carrier: boolean | undefined;
  readonly broadcast: boolean;
  readonly noArp: boolean;
  readonly loopback: boolean;
  /** A member of a bond, bridge or VRF (a `master` link exists): its master answers instead. */
  readonly enslaved: boolean;
  /** ARPHRD_ETHER: frames carry Ethernet headers, which the ARP and NDP codecs write. */
  readonly ethernet: boolean;
  readonly ipv4: readonly string[];
  /** Without zone; link-local ones (fe80::/10) included. */
  readonly ipv6: readonly string[];
}

export interface ListInterfacesOptions {
  /** Where sysfs's class/net is; tests pass a folder of fake files. */
  readonly sysfsNetRoot?: string;
  /** Addresses by interface name, as os.networkInterfaces() returns them. */
  readonly addresses?: NodeJS.Dict<NetworkInterfaceInfo[]>;
}

/** Every interface, ordered by index. Ones that vanish while being read are left out. */
export function listInterfaces(options: ListInterfacesOptions = {}): NetInterface[] {
  const root = options.sysfsNetRoot ?? '/sys/class/net';
  const addresses = options.addresses ?? networkInterfaces();
  const found: NetInterface[] = [];
  for (const name of readdirSync(root)) {
    const iface = readInterface(join(root, name), name, addresses[name] ?? []);
    if (iface !== undefined) found.push(iface);
  }
  return found.sort((a, b) => a.index - b.index);
}

function readInterface(
  dir: string,
  name: string,
  addresses: readonly NetworkInterfaceInfo[],
): NetInterface | undefined {
  // Entries without an ifindex (bonding_masters) are not interfaces; an
  // interface deleted while we read it is simply no longer there.
  const index = readNumber(dir, 'ifindex', 10);
  const flags = readNumber(dir, 'flags', 16);
  const type = readNumber(dir, 'type', 10);
  if (index === undefined || flags === undefined || type === undefined) return undefined;
  const carrier = readNumber(dir, 'carrier', 10);
  return {
    name,
    index,
    mac: parseMac(readText(dir, 'address') ?? ''),
    up: (flags & IFF_UP) !== 0,
    operstate: readText(dir, 'operstate') ?? 'unknown',
    carrier: carrier === undefined ? undefined : carrier === 1,
    broadcast: (flags & IFF_BROADCAST) !== 0,
    noArp: (flags & IFF_NOARP) !== 0,
    loopback: (flags & IFF_LOOPBACK) !== 0,
    enslaved: exists(join(dir, 'master')),
    ethernet: type === ARPHRD_ETHER,
    ipv4: addresses.filter((a) => a.family === 'IPv4').map((a) => a.address),
    ipv6: addresses.filter((a) => a.family === 'IPv6').map((a) => a.address.split('%')[0] ?? ''),
  };
}

/**
 * v0.9's rule for the interfaces it answers on: up, not enslaved to a bond
 * or bridge, not NOARP. We also skip loopback and anything that is not
 * Ethernet, whose frames our codecs cannot write (v0.9 reached the same for
 * loopback by requiring IFF_BROADCAST for ARP, and a link-local IPv6 address
 * for NDP: see answersArp and answersNdp).
 */
export function usableForLayer2(iface: NetInterface): boolean {
  return iface.up && !iface.enslaved && !iface.noArp && !iface.loopback && iface.ethernet;
}

/** v0.9 opens an ARP responder on usable interfaces that can broadcast. */
export function answersArp(iface: NetInterface): boolean {
  return usableForLayer2(iface) && iface.broadcast;
}

/** v0.9 opens an NDP responder on usable interfaces with an IPv6 link-local address. */
export function answersNdp(iface: NetInterface): boolean {
  return usableForLayer2(iface) && iface.ipv6.some(isLinkLocalIpv6);
}

/** fe80::/10 (RFC 4291 section 2.5.6). */
function isLinkLocalIpv6(address: string): boolean {
  const firstGroup = Number.parseInt(address.split(':')[0] ?? '', 16);
  return (firstGroup & 0xffc0) === 0xfe80;
}

/** "aa:bb:cc:dd:ee:ff" -> bytes; an empty or malformed address gives no bytes. */
export function parseMac(text: string): Uint8Array {
  const trimmed = text.trim();
  if (!/^[0-9a-f]{2}(:[0-9a-f]{2})*$/i.test(trimmed)) return new Uint8Array(0);
  return Uint8Array.from(trimmed.split(':'), (byte) => Number.parseInt(byte, 16));
}

function readText(dir: string, file: string): string | undefined {
  try {
    return readFileSync(join(dir, file), 'utf8').trim();
  } catch {
    // Missing, or refused by the kernel (`carrier` of a down interface gives EINVAL).
    return undefined;
  }
}

function readNumber(dir: string, file: string, radix: 10 | 16): number | undefined {
  const text = readText(dir, file);
  if (text === undefined) return undefined;
  const value = Number.parseInt(radix === 16 ? text.replace(/^0x/i, '') : text, radix);
  return Number.isNaN(value) ? undefined : value;
}

function exists(path: string): boolean {
  try {
    lstatSync(path);
    return true;
  } catch {
    return false;
  }
}
