/**
 * The native packet sockets against real peers we did not write: iputils
 * arping and ndisc6 in namespace A talk to a PacketSocket in namespace B
 * (test/layer2/packet-socket-child.ts). Frames are checked byte by byte at
 * offsets taken from the RFCs, and replies are built by hand here, so no
 * codec of ours is involved on either side.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { existsSync } from 'node:fs';
import { ADDON_PATH, nativeAddon } from '../../src/native/index.js';
import { PacketSocket } from '../../src/layer2/packet-socket.js';
import type { ChildCommand, ChildLine } from './packet-socket-child.js';
import {
  createVethPair,
  destroyVethPair,
  hasTool,
  ipv6Bytes,
  macBytes,
  netnsUnavailable,
  run,
  type VethPair,
} from '../support/netns-mini.js';

const CHILD = fileURLToPath(new URL('./packet-socket-child.js', import.meta.url));

// Ethernet II header (IEEE 802.3 clause 3.2.6 as used by RFC 894 / RFC 2464).
const ETH_DST = 0;
const ETH_SRC = 6;
const ETH_TYPE = 12;
const ETH_HEADER = 14;
const ETHERTYPE_ARP = 0x0806;
const ETHERTYPE_IPV6 = 0x86dd;

// ARP on Ethernet for IPv4, RFC 826 "Packet format", after the Ethernet header.
const ARP_HTYPE = ETH_HEADER + 0;
const ARP_PTYPE = ETH_HEADER + 2;
const ARP_HLEN = ETH_HEADER + 4;
const ARP_PLEN = ETH_HEADER + 5;
const ARP_OPER = ETH_HEADER + 6;
const ARP_SHA = ETH_HEADER + 8;
const ARP_SPA = ETH_HEADER + 14;
const ARP_THA = ETH_HEADER + 18;
const ARP_TPA = ETH_HEADER + 24;
const ARP_LENGTH = 28;
const ARP_REQUEST = 1;
const ARP_REPLY = 2;

// IPv6 header, RFC 8200 section 3.
const IP6_PAYLOAD_LENGTH = ETH_HEADER + 4;
const IP6_NEXT_HEADER = ETH_HEADER + 6;
const IP6_HOP_LIMIT = ETH_HEADER + 7;
const IP6_SRC = ETH_HEADER + 8;
const IP6_DST = ETH_HEADER + 24;
const IP6_HEADER = 40;
const NEXT_HEADER_ICMPV6 = 58;

// ICMPv6 (RFC 4443 section 2.1) carrying NS / NA (RFC 4861 sections 4.3, 4.4).
const ICMP6 = ETH_HEADER + IP6_HEADER;
const ICMP6_TYPE = ICMP6 + 0;
const ICMP6_CHECKSUM = ICMP6 + 2;
const NA_FLAGS = ICMP6 + 4;
const ND_TARGET = ICMP6 + 8;
const ND_OPTIONS = ICMP6 + 24;
const TYPE_NEIGHBOR_SOLICITATION = 135;
const TYPE_NEIGHBOR_ADVERTISEMENT = 136;
const OPTION_TARGET_LINK_LAYER_ADDRESS = 2;
const NA_SOLICITED = 0x40;
const NA_OVERRIDE = 0x20;

function ipv4Bytes(text: string): Buffer {
  return Buffer.from(text.split('.').map(Number));
}

/** An ARP reply "target is at `mac`" to the asker, per RFC 826. */
function arpReply(options: { mac: Buffer; ip: Buffer; askerMac: Buffer; askerIp: Buffer }): Buffer {
  const frame = Buffer.alloc(ETH_HEADER + ARP_LENGTH);
  options.askerMac.copy(frame, ETH_DST);
  options.mac.copy(frame, ETH_SRC);
  frame.writeUInt16BE(ETHERTYPE_ARP, ETH_TYPE);
  frame.writeUInt16BE(1, ARP_HTYPE); // Ethernet
  frame.writeUInt16BE(0x0800, ARP_PTYPE); // IPv4
  frame.writeUInt8(6, ARP_HLEN);
  frame.writeUInt8(4, ARP_PLEN);
  frame.writeUInt16BE(ARP_REPLY, ARP_OPER);
  options.mac.copy(frame, ARP_SHA);
  options.ip.copy(frame, ARP_SPA);
  options.askerMac.copy(frame, ARP_THA);
  options.askerIp.copy(frame, ARP_TPA);
  return frame;
}

/** The Internet checksum of RFC 1071 over the IPv6 pseudo-header (RFC 4443 section 2.3, RFC 8200 section 8.1) and the message. */
function icmpv6Checksum(source: Buffer, destination: Buffer, message: Buffer): number {
  const pseudo = Buffer.alloc(40);
  source.copy(pseudo, 0);
  destination.copy(pseudo, 16);
  pseudo.writeUInt32BE(message.length, 32);
  pseudo.writeUInt8(NEXT_HEADER_ICMPV6, 39);
  const all = Buffer.concat([pseudo, message, Buffer.alloc(message.length % 2)]);
  let sum = 0;
  for (let i = 0; i < all.length; i += 2) sum += all.readUInt16BE(i);
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return ~sum & 0xffff;
}

/** A solicited NA "target is at `mac`", sent from the target address itself. */
function neighborAdvertisement(options: {
  mac: Buffer;
  target: Buffer;
  askerMac: Buffer;
  askerIp: Buffer;
}): Buffer {
  const icmpLength = 24 + 8; // RFC 4861 section 4.4, plus one 8-byte link-layer option
  const frame = Buffer.alloc(ETH_HEADER + IP6_HEADER + icmpLength);
  options.askerMac.copy(frame, ETH_DST);
  options.mac.copy(frame, ETH_SRC);
  frame.writeUInt16BE(ETHERTYPE_IPV6, ETH_TYPE);
  frame.writeUInt32BE(0x60000000, ETH_HEADER); // version 6, no class, no flow label
  frame.writeUInt16BE(icmpLength, IP6_PAYLOAD_LENGTH);
  frame.writeUInt8(NEXT_HEADER_ICMPV6, IP6_NEXT_HEADER);
  frame.writeUInt8(255, IP6_HOP_LIMIT); // RFC 4861 section 7.1.2: receivers drop anything else
  options.target.copy(frame, IP6_SRC);
  options.askerIp.copy(frame, IP6_DST);
  frame.writeUInt8(TYPE_NEIGHBOR_ADVERTISEMENT, ICMP6_TYPE);
  frame.writeUInt8(NA_SOLICITED | NA_OVERRIDE, NA_FLAGS);
  options.target.copy(frame, ND_TARGET);
  frame.writeUInt8(OPTION_TARGET_LINK_LAYER_ADDRESS, ND_OPTIONS);
  frame.writeUInt8(1, ND_OPTIONS + 1); // length in units of 8 bytes
  options.mac.copy(frame, ND_OPTIONS + 2);
  const checksum = icmpv6Checksum(options.target, options.askerIp, frame.subarray(ICMP6));
  frame.writeUInt16BE(checksum, ICMP6_CHECKSUM);
  return frame;
}

/** The child of packet-socket-child.ts in a namespace, with what it printed. */
class SocketChild {
  readonly lines: ChildLine[] = [];
  readonly exited: Promise<number | null>;
  #wake: (() => void) | undefined;

  constructor(readonly process: ChildProcessWithoutNullStreams) {
    this.exited = once(process, 'exit').then(([code]) => code as number | null);
    createInterface({ input: process.stdout }).on('line', (text) => {
      this.lines.push(JSON.parse(text) as ChildLine);
      this.#wake?.();
    });
    process.stderr.on('data', (chunk: Buffer) => console.error(`      child: ${chunk.toString()}`));
  }

  static start(ns: string, iface: string, ...extra: string[]): SocketChild {
    return new SocketChild(spawn('ip', ['netns', 'exec', ns, 'node', CHILD, iface, ...extra]));
  }

  /** The first line from `from` on that satisfies `predicate`. */
  async waitFor<T extends ChildLine>(
    predicate: (line: ChildLine) => line is T,
    timeoutMs: number,
    from = 0,
  ): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.lines.slice(from).find(predicate);
      if (found !== undefined) return found;
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out; child printed ${JSON.stringify(this.lines)}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.#wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
  }

  /**
   * The first frame of `kind` from line `from` on that satisfies `predicate`.
   * The child prints frames in the order its socket read them, so frames
   * read before this one are in `lines` once it returns.
   */
  async waitForFrame(
    kind: 'arp' | 'ndp',
    predicate: (frame: Buffer) => boolean,
    from: number,
    timeoutMs = 3_000,
  ): Promise<Buffer> {
    const line = await this.waitFor(
      (line): line is { frame: string; kind: 'arp' | 'ndp' } =>
        'frame' in line && line.kind === kind && predicate(Buffer.from(line.frame, 'hex')),
      timeoutMs,
      from,
    );
    return Buffer.from(line.frame, 'hex');
  }

  frames(kind: 'arp' | 'ndp', from = 0): Buffer[] {
    return this.lines
      .slice(from)
      .filter((line): line is { frame: string; kind: 'arp' | 'ndp' } => 'frame' in line)
      .filter((line) => line.kind === kind)
      .map((line) => Buffer.from(line.frame, 'hex'));
  }

  /** Sends a command and waits for its `done`; throws with the child's message on `failed`. */
  async command(command: ChildCommand): Promise<void> {
    const from = this.lines.length;
    this.process.stdin.write(`${JSON.stringify(command)}\n`);
    const answer = await this.waitFor(
      (
        line,
      ): line is Extract<ChildLine, { done: string }> | Extract<ChildLine, { failed: string }> =>
        ('done' in line && line.done === command.op) ||
        ('failed' in line && line.failed === command.op),
      5_000,
      from,
    );
    if ('failed' in answer) throw new Error(`child failed ${command.op}: ${answer.message}`);
  }

  kill(): void {
    if (this.process.exitCode === null && this.process.signalCode === null) {
      this.process.kill('SIGKILL');
    }
  }
}

const isReady = (line: ChildLine): line is Extract<ChildLine, { ready: true }> => 'ready' in line;

async function exitsWithin(child: SocketChild, ms: number): Promise<number | null | 'running'> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'running'>((resolve) => {
    timer = setTimeout(() => resolve('running'), ms);
  });
  const outcome = await Promise.race([child.exited, timeout]);
  clearTimeout(timer);
  return outcome;
}

describe('PacketSocket in network namespaces (arping, ndisc6)', function () {
  this.timeout(30_000);
  let pair: VethPair | undefined;
  let child: SocketChild | undefined;

  function setup(): { pair: VethPair; child: SocketChild } {
    if (pair === undefined || child === undefined) throw new Error('setup failed');
    return { pair, child };
  }

  async function skipWithout(ctx: Mocha.Context, tool: string, debianPackage: string) {
    if (!(await hasTool(tool))) {
      console.log(`      skipped: needs ${tool} (Debian package ${debianPackage})`);
      ctx.skip();
    }
  }

  before(async function () {
    const reason = await netnsUnavailable();
    if (reason !== undefined) {
      console.log(`      packet socket tests skipped: ${reason}`);
      this.skip();
    }
    // Built by npm ci: a missing addon is a failure, not a reason to skip.
    expect(existsSync(ADDON_PATH), `${ADDON_PATH} (run npm ci)`).to.equal(true);
    pair = await createVethPair();
    child = SocketChild.start(pair.b.ns, pair.b.iface);
    const ready = await child.waitFor(isReady, 10_000);
    // The child found its interface with listInterfaces(), inside B's /sys.
    expect(ready).to.include({ index: pair.b.ifindex, mac: macBytes(pair.b.mac).toString('hex') });
  });

  after(async function () {
    child?.kill();
    if (pair !== undefined) await destroyVethPair(pair);
  });

  it('delivers the ARP request of arping for an address nobody has', async function () {
    await skipWithout(this, 'arping', 'iputils-arping');
    const { pair, child } = setup();
    const from = child.lines.length;
    const result = await run('ip', [
      ...['netns', 'exec', pair.a.ns],
      ...['arping', '-c', '1', '-w', '1', '-I', pair.a.iface, '192.0.2.99'],
    ]);
    expect(result.stdout, 'arping got no reply: nobody has the address').to.match(/Received 0/);
    const asksFor99 = (frame: Buffer): boolean =>
      frame.subarray(ARP_TPA, ARP_TPA + 4).equals(ipv4Bytes('192.0.2.99'));
    const request = await child.waitForFrame('arp', asksFor99, from);
    expect(child.frames('arp', from).filter(asksFor99), 'requests seen in B').to.have.length(1);
    expect(request.readUInt16BE(ETH_TYPE)).to.equal(ETHERTYPE_ARP);
    expect(request.subarray(ETH_DST, ETH_DST + 6).toString('hex')).to.equal('ffffffffffff');
    expect(request.subarray(ETH_SRC, ETH_SRC + 6)).to.deep.equal(macBytes(pair.a.mac));
    expect(request.readUInt16BE(ARP_HTYPE)).to.equal(1);
    expect(request.readUInt16BE(ARP_PTYPE)).to.equal(0x0800);
    expect(request.readUInt16BE(ARP_OPER)).to.equal(ARP_REQUEST);
    expect(request.subarray(ARP_SHA, ARP_SHA + 6)).to.deep.equal(macBytes(pair.a.mac));
    expect(request.subarray(ARP_SPA, ARP_SPA + 4)).to.deep.equal(ipv4Bytes(pair.a.ipv4));
  });

  it('sends a hand-built ARP reply that arping accepts', async function () {
    await skipWithout(this, 'arping', 'iputils-arping');
    const { pair, child } = setup();
    const target = '192.0.2.98';
    const from = child.lines.length;
    const arping = run('ip', [
      ...['netns', 'exec', pair.a.ns],
      ...['arping', '-c', '1', '-w', '3', '-I', pair.a.iface, target],
    ]);
    await child.waitForFrame(
      'arp',
      (frame) => frame.subarray(ARP_TPA, ARP_TPA + 4).equals(ipv4Bytes(target)),
      from,
    );
    const reply = arpReply({
      mac: macBytes(pair.b.mac),
      ip: ipv4Bytes(target),
      askerMac: macBytes(pair.a.mac),
      askerIp: ipv4Bytes(pair.a.ipv4),
    });
    await child.command({ op: 'send', kind: 'arp', hex: reply.toString('hex') });
    const result = await arping;
    expect(result.code, result.stdout + result.stderr).to.equal(0);
    expect(result.stdout).to.include(`reply from ${target} [${pair.b.mac.toUpperCase()}]`);
  });

  it("does not deliver the frames B's own kernel sends", async function () {
    const { pair, child } = setup();
    await run('ip', ['-n', pair.b.ns, 'neigh', 'flush', 'dev', pair.b.iface]);
    const from = child.lines.length;
    // B resolves A: B's kernel sends an ARP request, A's kernel answers.
    const ping = await run('ip', [
      ...['netns', 'exec', pair.b.ns],
      ...['ping', '-c', '1', '-W', '1', pair.a.ipv4],
    ]);
    expect(ping.stdout, 'the ping went through').to.match(/1 received/);
    const fromA = macBytes(pair.a.mac);
    await child.waitForFrame(
      'arp',
      (frame) => frame.subarray(ARP_SHA, ARP_SHA + 6).equals(fromA),
      from,
    );
    const senders = child
      .frames('arp', from)
      .map((frame) => frame.subarray(ARP_SHA, ARP_SHA + 6).toString('hex'));
    expect(senders, "A's reply is read").to.include(macBytes(pair.a.mac).toString('hex'));
    expect(senders, "B's own request is not").not.to.include(macBytes(pair.b.mac).toString('hex'));
  });

  it('delivers the Neighbor Solicitation of ndisc6', async function () {
    await skipWithout(this, 'ndisc6', 'ndisc6');
    const { pair, child } = setup();
    const from = child.lines.length;
    await run('ip', [
      ...['netns', 'exec', pair.a.ns],
      ...['ndisc6', '-1', '-r', '1', '-w', '500', '2001:db8::99', pair.a.iface],
    ]);
    const target = ipv6Bytes('2001:db8::99');
    const asksFor99 = (frame: Buffer): boolean =>
      frame.subarray(ND_TARGET, ND_TARGET + 16).equals(target);
    const ns = await child.waitForFrame('ndp', asksFor99, from);
    expect(child.frames('ndp', from).filter(asksFor99), 'solicitations in B').to.have.length(1);
    expect(ns.readUInt16BE(ETH_TYPE)).to.equal(ETHERTYPE_IPV6);
    expect(ns.readUInt8(IP6_NEXT_HEADER)).to.equal(NEXT_HEADER_ICMPV6);
    expect(ns.readUInt8(IP6_HOP_LIMIT)).to.equal(255);
    expect(ns.readUInt8(ICMP6_TYPE)).to.equal(TYPE_NEIGHBOR_SOLICITATION);
    // Sent to the solicited-node group ff02::1:ff00:99 (RFC 4291 section 2.7.1) and its MAC (RFC 2464 section 7).
    expect(ns.subarray(IP6_DST, IP6_DST + 16)).to.deep.equal(ipv6Bytes('ff02::1:ff00:99'));
    expect(ns.subarray(ETH_DST, ETH_DST + 6).toString('hex')).to.equal('3333ff000099');
    expect(ns.subarray(ETH_SRC, ETH_SRC + 6)).to.deep.equal(macBytes(pair.a.mac));
  });

  it('sends a hand-built Neighbor Advertisement that ndisc6 accepts', async function () {
    await skipWithout(this, 'ndisc6', 'ndisc6');
    const { pair, child } = setup();
    const target = ipv6Bytes('2001:db8::98');
    const from = child.lines.length;
    const ndisc6 = run('ip', [
      ...['netns', 'exec', pair.a.ns],
      ...['ndisc6', '-1', '-r', '1', '-w', '3000', '2001:db8::98', pair.a.iface],
    ]);
    const ns = await child.waitForFrame(
      'ndp',
      (frame) => frame.subarray(ND_TARGET, ND_TARGET + 16).equals(target),
      from,
    );
    const na = neighborAdvertisement({
      mac: macBytes(pair.b.mac),
      target,
      askerMac: ns.subarray(ETH_SRC, ETH_SRC + 6),
      askerIp: ns.subarray(IP6_SRC, IP6_SRC + 16),
    });
    await child.command({ op: 'send', kind: 'ndp', hex: na.toString('hex') });
    const result = await ndisc6;
    expect(result.code, result.stdout + result.stderr).to.equal(0);
    expect(result.stdout).to.match(
      new RegExp(`Target link-layer address: ${pair.b.mac.toUpperCase()}`),
    );
  });

  it('keeps ordinary IPv6 traffic off the ndp socket (kernel filter)', async function () {
    await skipWithout(this, 'ndisc6', 'ndisc6');
    const { pair, child } = setup();
    const from = child.lines.length;
    const ping = await run('ip', [
      ...['netns', 'exec', pair.a.ns],
      ...['ping', '-6', '-c', '3', '-i', '0.2', '-W', '1', pair.b.ipv6],
    ]);
    expect(ping.stdout, 'the pings themselves went through').to.match(/3 received/);
    // A solicitation sent after the pings: once it is read, so is anything
    // the socket let through before it.
    await run('ip', [
      ...['netns', 'exec', pair.a.ns],
      ...['ndisc6', '-1', '-r', '1', '-w', '100', '2001:db8::95', pair.a.iface],
    ]);
    const marker = ipv6Bytes('2001:db8::95');
    await child.waitForFrame(
      'ndp',
      (frame) => frame.subarray(ND_TARGET, ND_TARGET + 16).equals(marker),
      from,
    );
    // Neighbor Solicitations may come along (A resolving B): only those may be read.
    const types = child.frames('ndp', from).map((frame) => frame.readUInt8(ICMP6_TYPE));
    expect(types.filter((type) => type !== TYPE_NEIGHBOR_SOLICITATION)).to.deep.equal([]);
  });

  it('adds and drops a multicast MAC membership (ip maddr)', async function () {
    const { pair, child } = setup();
    const maddr = async (): Promise<string> =>
      (await run('ip', ['-n', pair.b.ns, 'maddr', 'show', 'dev', pair.b.iface])).stdout;
    const mac = '33:33:ff:00:00:97';
    expect(await maddr()).not.to.include(mac);
    await child.command({ op: 'addMembership', hex: '3333ff000097' });
    expect(await maddr()).to.include(mac);
    await child.command({ op: 'dropMembership', hex: '3333ff000097' });
    expect(await maddr()).not.to.include(mac);
  });

  it('joins and leaves an IPv6 group at the IP level (ip -6 maddr)', async function () {
    const { pair, child } = setup();
    const maddr = async (): Promise<string> =>
      (await run('ip', ['-n', pair.b.ns, '-6', 'maddr', 'show', 'dev', pair.b.iface])).stdout;
    const group = 'ff02::1:ff00:97';
    const hex = ipv6Bytes(group).toString('hex');
    expect(await maddr()).not.to.include(group);
    await child.command({ op: 'join', hex });
    expect(await maddr()).to.include(group);
    // Counted: a second join needs a second leave before the kernel leaves.
    await child.command({ op: 'join', hex });
    await child.command({ op: 'leave', hex });
    expect(await maddr()).to.include(group);
    await child.command({ op: 'leave', hex });
    expect(await maddr()).not.to.include(group);
  });

  it('close() releases the event loop: the child exits by itself', async function () {
    const { pair, child } = setup();
    await child.command({ op: 'addMembership', hex: '3333ff000096' });
    await child.command({ op: 'join', hex: ipv6Bytes('ff02::1:ff00:96').toString('hex') });
    await child.command({ op: 'close' });
    expect(await exitsWithin(child, 5_000)).to.equal(0);
    // Memberships go with the sockets.
    const maddr = await run('ip', ['-n', pair.b.ns, 'maddr', 'show', 'dev', pair.b.iface]);
    expect(maddr.stdout).not.to.include('33:33:ff:00:00:96');
    expect(maddr.stdout).not.to.include('ff02::1:ff00:96');
  });

  it('unref() lets the process exit with the sockets open', async function () {
    const { pair } = setup();
    const unrefed = SocketChild.start(pair.b.ns, pair.b.iface, '--unref');
    try {
      await unrefed.waitFor(isReady, 10_000);
      expect(await exitsWithin(unrefed, 5_000)).to.equal(0);
    } finally {
      unrefed.kill();
    }
  });

  it('names the interface and the errno when the interface does not exist', function () {
    expect(() => PacketSocket.open({ name: 'gone0', index: 0x7ffffff0 }, 'arp'))
      .to.throw(/open on arp socket of gone0: bind: No such device/)
      .with.property('code', 'ENODEV');
  });
});

describe('native packet socket argument checks', function () {
  it('refuses a kind other than arp or ndp before opening anything', function () {
    const addon = nativeAddon();
    const noop = (): void => undefined;
    const construct = (): unknown => new addon.PacketSocket(1, 'ip' as 'arp', noop, noop);
    expect(construct).to.throw(TypeError, /kind must be 'arp' or 'ndp'/);
  });
});
