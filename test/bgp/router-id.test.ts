/**
 * The BGP Identifier as v0.9.6 picks it (internal/bgp/bgp.go New, connect,
 * getRouterID, hashRouterId). Every expectation is read from that code; the
 * node-name identifiers were worked out by hand from CRC-32 (IEEE) written
 * little-endian, and agree with Go's hash/crc32 and encoding/binary.
 */
import { expect } from 'chai';
import { chooseRouterId, nodeNameRouterId } from '../../src/bgp/index.js';
import { formatIP, type IPAddress } from '../../src/ip/index.js';
import { ip } from './helpers.js';

const V6_LOCAL = ip('2001:db8:100::1');
/** Interfaces in index order: lo, then eth0 holding V6_LOCAL, then eth1. */
const INTERFACES = [
  [ip('127.0.0.1'), ip('::1')],
  [ip('192.0.2.10'), ip('192.0.2.11'), V6_LOCAL, ip('fe80::1')],
  [ip('198.51.100.7')],
];

function choose(
  configured: string | null,
  local: IPAddress,
  interfaces: readonly (readonly IPAddress[])[] = INTERFACES,
): string {
  return formatIP(
    chooseRouterId({
      configured: configured === null ? null : ip(configured),
      local,
      interfaces,
      nodeName: 'node-1',
    }),
  );
}

describe('bgp router ID (v0.9.6 getRouterID)', () => {
  it('hashes the node name: crc32.ChecksumIEEE written little-endian (hashRouterId)', () => {
    // crc32("node-1") = 0x13f21c5f: octets 5f 1c f2 13.
    expect(formatIP(nodeNameRouterId('node-1'))).to.equal('95.28.242.19');
    // crc32("kind-worker2") = 0x81c4e680: octets 80 e6 c4 81.
    expect(formatIP(nodeNameRouterId('kind-worker2'))).to.equal('128.230.196.129');
    expect(formatIP(nodeNameRouterId(''))).to.equal('0.0.0.0');
  });

  it('takes a configured IPv4 router-id over everything', () => {
    expect(choose('192.0.2.7', V6_LOCAL)).to.equal('192.0.2.7');
    expect(choose('192.0.2.7', ip('198.51.100.1'))).to.equal('192.0.2.7');
  });

  it('drops an IPv6 router-id (New keeps routerID.To4()), and reads an IPv4-mapped one as IPv4', () => {
    expect(choose('2001:db8::4', ip('198.51.100.1'))).to.equal('198.51.100.1');
    expect(choose('2001:db8::4', V6_LOCAL)).to.equal('192.0.2.10');
    expect(choose('::ffff:192.0.2.9', V6_LOCAL)).to.equal('192.0.2.9');
  });

  it('uses our IPv4 end of the connection', () => {
    expect(choose(null, ip('198.51.100.1'))).to.equal('198.51.100.1');
    expect(choose(null, ip('::ffff:198.51.100.1'))).to.equal('198.51.100.1');
  });

  it('over IPv6: the first IPv4 address of the first interface holding our end', () => {
    expect(choose(null, V6_LOCAL)).to.equal('192.0.2.10');
    const twice = [[ip('203.0.113.1'), V6_LOCAL], ...INTERFACES];
    expect(choose(null, V6_LOCAL, twice)).to.equal('203.0.113.1');
  });

  it('over IPv6 with no IPv4 on that interface, or no interface holding it: the node name', () => {
    const v6Only = [[ip('198.51.100.7')], [V6_LOCAL]];
    // Another interface's IPv4 address is not looked at.
    expect(choose(null, V6_LOCAL, v6Only)).to.equal('95.28.242.19');
    expect(choose(null, ip('2001:db8:ffff::1'))).to.equal('95.28.242.19');
    expect(choose(null, V6_LOCAL, [])).to.equal('95.28.242.19');
  });
});
