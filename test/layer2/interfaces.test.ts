/**
 * listInterfaces() over a fake /sys/class/net in a temporary folder, and
 * v0.9's choice of interfaces (announcer.go's updateInterfaces) on it.
 */
import { mkdtempSync, mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import type { NetworkInterfaceInfo } from 'node:os';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import {
  answersArp,
  answersNdp,
  listInterfaces,
  parseMac,
  usableForLayer2,
  type NetInterface,
} from '../../src/layer2/interfaces.js';

/** One interface folder as the kernel writes it: each file's text ends with a newline. */
interface FakeInterface {
  ifindex: string;
  flags: string;
  type: string;
  address?: string;
  operstate?: string;
  /** Omitted: reading it fails, as `carrier` does on an interface that is down. */
  carrier?: string;
  master?: string;
}

function fakeSysfs(interfaces: Record<string, FakeInterface>): string {
  const root = mkdtempSync(join(tmpdir(), 'metallb-sysfs-'));
  // A file that is not an interface lives here too when the bonding module is loaded.
  writeFileSync(join(root, 'bonding_masters'), 'bond0\n');
  for (const [name, { master, ...files }] of Object.entries(interfaces)) {
    const dir = join(root, name);
    mkdirSync(dir);
    for (const [file, text] of Object.entries(files)) writeFileSync(join(dir, file), `${text}\n`);
    if (master !== undefined) symlinkSync(join('..', master), join(dir, 'master'));
  }
  return root;
}

function address(family: 'IPv4' | 'IPv6', text: string): NetworkInterfaceInfo {
  const common = { address: text, mac: '00:00:00:00:00:00', internal: false, cidr: null };
  return family === 'IPv4'
    ? { ...common, family, netmask: '255.255.255.0' }
    : { ...common, family, netmask: 'ffff:ffff:ffff:ffff::', scopeid: 0 };
}

describe('listInterfaces (fake sysfs)', function () {
  let root = '';
  let byName: Map<string, NetInterface>;

  before(function () {
    root = fakeSysfs({
      // IFF_UP|IFF_BROADCAST|IFF_MULTICAST = 0x1003; ARPHRD_ETHER = 1.
      eth0: {
        ifindex: '2',
        flags: '0x1003',
        type: '1',
        address: '52:54:00:ab:cd:ef',
        operstate: 'up',
        carrier: '1',
      },
      // IFF_UP|IFF_LOOPBACK|IFF_RUNNING = 0x49; ARPHRD_LOOPBACK = 772.
      lo: {
        ifindex: '1',
        flags: '0x49',
        type: '772',
        address: '00:00:00:00:00:00',
        operstate: 'unknown',
        carrier: '1',
      },
      // A bond member: up, Ethernet, but answering is its master's job.
      eth1: {
        ifindex: '3',
        flags: '0x1803',
        type: '1',
        address: '52:54:00:00:00:01',
        operstate: 'up',
        carrier: '1',
        master: 'bond0',
      },
      bond0: {
        ifindex: '4',
        flags: '0x1403',
        type: '1',
        address: '52:54:00:00:00:01',
        operstate: 'up',
        carrier: '1',
      },
      // Administratively down: no carrier file to read.
      eth2: {
        ifindex: '5',
        flags: '0x1002',
        type: '1',
        address: '52:54:00:00:00:02',
        operstate: 'down',
      },
      // NOARP (0x80) on an Ethernet interface.
      eth3: {
        ifindex: '6',
        flags: '0x1083',
        type: '1',
        address: '52:54:00:00:00:03',
        operstate: 'up',
        carrier: '1',
      },
      // A WireGuard-like tunnel: IFF_UP|IFF_POINTOPOINT|IFF_NOARP, ARPHRD_NONE, no address.
      wg0: { ifindex: '7', flags: '0x91', type: '65534', address: '', operstate: 'unknown' },
      // Up but the cable is out: still usable, as in v0.9 (IFF_UP only).
      eth4: {
        ifindex: '8',
        flags: '0x1003',
        type: '1',
        address: '52:54:00:00:00:04',
        operstate: 'down',
        carrier: '0',
      },
      // IPoIB: broadcast-capable but not Ethernet (ARPHRD_INFINIBAND = 32).
      ib0: { ifindex: '9', flags: '0x1003', type: '32', operstate: 'up', carrier: '1' },
    });
    const list = listInterfaces({
      sysfsNetRoot: root,
      addresses: {
        eth0: [
          address('IPv4', '192.0.2.10'),
          address('IPv6', '2001:db8::10'),
          address('IPv6', 'fe80::5054:ff:feab:cdef%eth0'),
        ],
        eth4: [address('IPv6', '2001:db8::4')],
        lo: [address('IPv4', '127.0.0.1'), address('IPv6', '::1')],
      },
    });
    expect(list.map((iface) => iface.index)).to.deep.equal([1, 2, 3, 4, 5, 6, 7, 8, 9]);
    byName = new Map(list.map((iface) => [iface.name, iface]));
  });

  after(function () {
    if (root !== '') rmSync(root, { recursive: true, force: true });
  });

  function get(name: string): NetInterface {
    const iface = byName.get(name);
    if (iface === undefined) throw new Error(`${name} not listed`);
    return iface;
  }

  it('reads an Ethernet interface completely', function () {
    expect(get('eth0')).to.deep.equal({
      name: 'eth0',
      index: 2,
      mac: Uint8Array.from([0x52, 0x54, 0x00, 0xab, 0xcd, 0xef]),
      up: true,
      operstate: 'up',
      carrier: true,
      broadcast: true,
      noArp: false,
      loopback: false,
      enslaved: false,
      ethernet: true,
      ipv4: ['192.0.2.10'],
      ipv6: ['2001:db8::10', 'fe80::5054:ff:feab:cdef'],
    });
  });

  it('reads the flags, the master link, the type and an unreadable carrier', function () {
    expect(get('lo')).to.include({ loopback: true, ethernet: false, broadcast: false, up: true });
    expect(get('eth1')).to.include({ enslaved: true, up: true });
    expect(get('bond0')).to.include({ enslaved: false });
    expect(get('eth2')).to.include({ up: false, operstate: 'down', carrier: undefined });
    expect(get('eth3')).to.include({ noArp: true, up: true });
    expect(get('wg0')).to.include({ noArp: true, ethernet: false, broadcast: false });
    expect(get('wg0').mac).to.have.length(0);
    expect(get('eth4')).to.include({ up: true, carrier: false, operstate: 'down' });
  });

  it("keeps v0.9's rule: up, not enslaved, not NOARP; and only Ethernet, not loopback", function () {
    const usable = [...byName.values()].filter(usableForLayer2).map((iface) => iface.name);
    expect(usable).to.deep.equal(['eth0', 'bond0', 'eth4']);
  });

  it('answers ARP where it can broadcast, NDP where there is a link-local IPv6 address', function () {
    const names = (pick: (iface: NetInterface) => boolean): string[] =>
      [...byName.values()].filter(pick).map((iface) => iface.name);
    expect(names(answersArp)).to.deep.equal(['eth0', 'bond0', 'eth4']);
    // eth4 has only a global address; lo's ::1 is not link-local.
    expect(names(answersNdp)).to.deep.equal(['eth0']);
  });

  it('parses MAC addresses, and gives no bytes for anything else', function () {
    expect(parseMac('02:AB:cd:00:01:ff\n')).to.deep.equal(
      Uint8Array.from([0x02, 0xab, 0xcd, 0x00, 0x01, 0xff]),
    );
    expect(parseMac('')).to.have.length(0);
    expect(parseMac('02:ab:cd:0:01:ff')).to.have.length(0);
    expect(parseMac('zz:zz')).to.have.length(0);
  });
});

describe('listInterfaces (this machine)', function () {
  it('lists the loopback interface as loopback, never usable', function () {
    const lo = listInterfaces().find((iface) => iface.name === 'lo');
    if (lo === undefined) this.skip();
    expect(lo).to.include({ loopback: true, ethernet: false, index: 1 });
    expect(usableForLayer2(lo)).to.equal(false);
  });
});
