/**
 * The layer 2 announcer's shell with its I/O faked: interfaces, packet
 * sockets, IPv6 group joins and the clock come through a Layer2System, so
 * the rescan, the re-attach, the gratuitous rounds and the answers run
 * without root. Sent frames are decoded with the project's codecs and
 * compared with the hand-written frames of fixtures.ts.
 */
import { expect } from 'chai';
import { parseIP, type IPAddress } from '../../src/ip/index.js';
import {
  ArpOperation,
  decodeFrame,
  formatAddressBytes,
  formatMac,
  Layer2Announcer,
  type DecodedFrame,
  type FrameHandlers,
  type FrameSocket,
  type GroupJoins,
  type Layer2System,
  type NetInterface,
  type PacketSocketKind,
} from '../../src/layer2/index.js';
import {
  ARP_REPLY_FRAME,
  ARP_REQUEST_FRAME,
  GRATUITOUS_ARP_FRAMES,
  NA_REPLY_FRAME,
  NS_FRAME,
  OUR_MAC,
  UNSOLICITED_NA_FRAME,
  VIP4,
  VIP6,
} from './fixtures.js';

/** The solicited-node group of VIP6 (RFC 4291 2.7.1: ff02::1:ff + its last 24 bits) and its MAC. */
const VIP6_GROUP = 'ff02::1:ff00:5';
const VIP6_GROUP_MAC = '33:33:ff:00:00:05';

/**
 * v0.9.6's rounds after a take-over at the ticker's start (internal/layer2/announcer.go
 * spamLoop): at once, then at every 1.1 s tick up to 5 s later.
 */
const ROUND_TIMES = [0, 1100, 2200, 3300, 4400];

const RESCAN_MS = 10_000;

function eth0(index = 2): NetInterface {
  return {
    name: 'eth0',
    index,
    mac: OUR_MAC,
    up: true,
    operstate: 'up',
    carrier: true,
    broadcast: true,
    noArp: false,
    loopback: false,
    enslaved: false,
    ethernet: true,
    ipv4: ['192.0.2.1'],
    ipv6: ['fe80::1'],
  };
}

class FakeSocket implements FrameSocket {
  /** Frames sent, with the fake clock's time. */
  readonly sent: { at: number; frame: Uint8Array }[] = [];
  readonly memberships = new Set<string>();
  closed = false;
  constructor(
    readonly iface: NetInterface,
    readonly kind: PacketSocketKind,
    private readonly handlers: FrameHandlers,
    private readonly system: FakeSystem,
  ) {}
  send(frame: Uint8Array): void {
    if (this.closed) throw new Error('send on a closed socket');
    this.sent.push({ at: this.system.now(), frame });
  }
  addMembership(mac: Uint8Array): void {
    this.memberships.add(formatMac(mac));
  }
  dropMembership(mac: Uint8Array): void {
    this.memberships.delete(formatMac(mac));
  }
  close(): void {
    this.closed = true;
  }
  /** A frame arriving on the interface. */
  receive(frame: Uint8Array): void {
    this.handlers.frame(frame);
  }
}

class FakeGroups implements GroupJoins {
  readonly joined = new Set<string>();
  closed = false;
  join(group: Uint8Array): void {
    this.joined.add(formatAddressBytes(group));
  }
  leave(group: Uint8Array): void {
    this.joined.delete(formatAddressBytes(group));
  }
  close(): void {
    this.closed = true;
  }
}

interface Timer {
  due: number;
  readonly work: () => void;
  readonly repeatMs: number | null;
  cancelled: boolean;
}

class FakeSystem implements Layer2System {
  interfaces: NetInterface[] = [eth0()];
  readonly sockets: FakeSocket[] = [];
  readonly groups: FakeGroups[] = [];
  private clock = 0;
  private readonly timers: Timer[] = [];

  listInterfaces(): NetInterface[] {
    return this.interfaces;
  }
  openSocket(iface: NetInterface, kind: PacketSocketKind, handlers: FrameHandlers): FakeSocket {
    const socket = new FakeSocket(iface, kind, handlers, this);
    this.sockets.push(socket);
    return socket;
  }
  openGroups(): FakeGroups {
    const groups = new FakeGroups();
    this.groups.push(groups);
    return groups;
  }
  now(): number {
    return this.clock;
  }
  after(ms: number, work: () => void): () => void {
    return this.add(ms, work, null);
  }
  every(ms: number, work: () => void): () => void {
    return this.add(ms, work, ms);
  }

  /** Moves the clock to `to`, running every timer due on the way at its own time. */
  advanceTo(to: number): void {
    for (;;) {
      const next = this.timers
        .filter((t) => !t.cancelled && t.due <= to)
        .sort((a, b) => a.due - b.due)[0];
      if (next === undefined) break;
      this.clock = next.due;
      if (next.repeatMs === null) next.cancelled = true;
      else next.due += next.repeatMs;
      next.work();
    }
    this.clock = to;
  }

  /** The open socket of a kind (the newest, after a re-attach). */
  socket(kind: PacketSocketKind): FakeSocket {
    const open = this.sockets.filter((s) => s.kind === kind && !s.closed);
    const socket = open[open.length - 1];
    if (socket === undefined || open.length !== 1)
      throw new Error(`expected one open ${kind} socket`);
    return socket;
  }

  private add(ms: number, work: () => void, repeatMs: number | null): () => void {
    const timer: Timer = { due: this.clock + ms, work, repeatMs, cancelled: false };
    this.timers.push(timer);
    return () => {
      timer.cancelled = true;
    };
  }
}

function counter() {
  const byIp = new Map<string, number>();
  return { byIp, inc: ({ ip }: { ip: string }) => byIp.set(ip, (byIp.get(ip) ?? 0) + 1) };
}

async function started(system: FakeSystem) {
  const metrics = {
    requestsReceived: counter(),
    responsesSent: counter(),
    gratuitousSent: counter(),
  };
  const announcer = await Layer2Announcer.start({
    log: () => undefined,
    metrics,
    rescanIntervalMs: RESCAN_MS,
    system,
  });
  return { announcer, metrics };
}

function address(text: string): { address: IPAddress } {
  const parsed = parseIP(text);
  if (!parsed.ok) throw new Error(parsed.error);
  return { address: parsed.value };
}

function decoded(frame: Uint8Array): DecodedFrame {
  const result = decodeFrame(frame);
  if (!result.ok) throw new Error(`our own frame does not decode: ${result.reason}`);
  return result.value;
}

/** What a gratuitous frame announces, read back with the codecs: `kind operation address mac`. */
function announced(frame: Uint8Array): string {
  const d = decoded(frame);
  if (d.kind === 'arp') {
    const op = d.arp.operation === ArpOperation.Request ? 'request' : 'reply';
    return `arp ${op} ${formatAddressBytes(d.arp.senderProtocolAddress)} ${formatMac(d.arp.senderHardwareAddress)} to ${formatMac(d.ethernet.destination)}`;
  }
  const message = d.ndp;
  if (message.kind !== 'neighbor-advertisement') return `ndp ${message.kind}`;
  const flags = `${message.solicited ? 'S' : '-'}${message.override ? 'O' : '-'}`;
  const lladdr = message.options.map((o) => `${o.direction} ${formatMac(o.address)}`).join(',');
  return `na ${flags} ${formatAddressBytes(message.targetAddress)} ${lladdr} to ${formatAddressBytes(d.ipv6.destination)}`;
}

const GRATUITOUS_ARP = [
  `arp request ${VIP4} 02:00:00:00:00:01 to ff:ff:ff:ff:ff:ff`,
  `arp reply ${VIP4} 02:00:00:00:00:01 to ff:ff:ff:ff:ff:ff`,
];
const UNSOLICITED_NA = `na -O ${VIP6} target 02:00:00:00:00:01 to ff02::1`;

describe('Layer2Announcer (fake sockets and clock)', () => {
  it('opens an ARP and an NDP socket on a usable interface, and joins nothing before an address', async () => {
    const system = new FakeSystem();
    system.interfaces = [eth0(), { ...eth0(3), name: 'lo', loopback: true }];
    const { announcer } = await started(system);
    expect(announcer.interfaces()).to.deep.equal([{ name: 'eth0', arp: true, ndp: true }]);
    expect(system.socket('ndp').memberships.size).to.equal(0);
    announcer.close();
    expect(system.sockets.every((s) => s.closed)).to.equal(true);
  });

  it('announces IPv4 and IPv6 at once, then on the schedule, with the frames v0.9 sent', async () => {
    const system = new FakeSystem();
    const { announcer, metrics } = await started(system);
    announcer.announce(address(VIP4));
    announcer.announce(address(VIP6));
    const arp = system.socket('arp');
    const ndp = system.socket('ndp');
    expect(arp.sent.map((s) => announced(s.frame))).to.deep.equal(GRATUITOUS_ARP);
    expect(ndp.sent.map((s) => announced(s.frame))).to.deep.equal([UNSOLICITED_NA]);
    // Byte for byte, the frames written by hand from the RFC layouts.
    expect(arp.sent.map((s) => [...s.frame])).to.deep.equal(
      GRATUITOUS_ARP_FRAMES.map((f) => [...f]),
    );
    expect([...(ndp.sent[0]?.frame ?? [])]).to.deep.equal([...UNSOLICITED_NA_FRAME]);

    system.advanceTo(20_000);
    expect(arp.sent.map((s) => s.at)).to.deep.equal(ROUND_TIMES.flatMap((t) => [t, t]));
    expect(new Set(arp.sent.map((s) => announced(s.frame)))).to.deep.equal(new Set(GRATUITOUS_ARP));
    expect(ndp.sent.map((s) => s.at)).to.deep.equal(ROUND_TIMES);
    expect(new Set(ndp.sent.map((s) => announced(s.frame)))).to.deep.equal(
      new Set([UNSOLICITED_NA]),
    );
    // One count per packet (v0.9.6's metallb_layer2_gratuitous_sent, internal/layer2/arp.go
    // and ndp.go Gratuitous): the ARP request and the reply, the one advertisement.
    expect(metrics.gratuitousSent.byIp).to.deep.equal(
      new Map([
        [VIP4, 2 * ROUND_TIMES.length],
        [VIP6, ROUND_TIMES.length],
      ]),
    );
  });

  it('joins the solicited-node group of an IPv6 address, by MAC and at the IP level, and leaves it on withdraw', async () => {
    const system = new FakeSystem();
    const { announcer } = await started(system);
    announcer.announce(address(VIP6));
    announcer.announce(address(VIP4));
    expect([...system.socket('ndp').memberships]).to.deep.equal([VIP6_GROUP_MAC]);
    expect([...(system.groups[0]?.joined ?? [])]).to.deep.equal([VIP6_GROUP]);
    announcer.withdraw(address(VIP6));
    expect(system.socket('ndp').memberships.size).to.equal(0);
    expect(system.groups[0]?.joined.size).to.equal(0);
  });

  it('answers ARP requests and Neighbor Solicitations for its addresses only, and counts them', async () => {
    const system = new FakeSystem();
    const { announcer, metrics } = await started(system);
    const arp = system.socket('arp');
    const ndp = system.socket('ndp');
    arp.receive(ARP_REQUEST_FRAME);
    ndp.receive(NS_FRAME);
    expect(arp.sent).to.have.length(0);
    expect(ndp.sent).to.have.length(0);
    expect(announcer.ignored.get('not-announced')).to.equal(2);

    announcer.announce(address(VIP4));
    announcer.announce(address(VIP6));
    const before = { arp: arp.sent.length, ndp: ndp.sent.length };
    arp.receive(ARP_REQUEST_FRAME);
    ndp.receive(NS_FRAME);
    const arpReplies = arp.sent.slice(before.arp).map((s) => s.frame);
    const ndpReplies = ndp.sent.slice(before.ndp).map((s) => s.frame);
    expect(arpReplies.map((f) => [...f])).to.deep.equal([[...ARP_REPLY_FRAME]]);
    expect(ndpReplies.map((f) => [...f])).to.deep.equal([[...NA_REPLY_FRAME]]);
    const reply = decoded(arpReplies[0] ?? new Uint8Array());
    expect(reply.kind === 'arp' && reply.arp.operation).to.equal(ArpOperation.Reply);
    expect(metrics.requestsReceived.byIp).to.deep.equal(
      new Map([
        [VIP4, 1],
        [VIP6, 1],
      ]),
    );
    expect(metrics.responsesSent.byIp).to.deep.equal(metrics.requestsReceived.byIp);
  });

  it('a withdrawn address gets no more rounds and no more answers', async () => {
    const system = new FakeSystem();
    const { announcer } = await started(system);
    announcer.announce(address(VIP4));
    system.advanceTo(1100);
    const arp = system.socket('arp');
    expect(arp.sent).to.have.length(4);
    announcer.withdraw(address(VIP4));
    system.advanceTo(20_000);
    arp.receive(ARP_REQUEST_FRAME);
    expect(arp.sent).to.have.length(4);
  });

  it('an interface that goes away is let go at the next rescan; when it comes back, its new sockets announce what is owned at once', async () => {
    const system = new FakeSystem();
    const { announcer } = await started(system);
    announcer.announce(address(VIP4));
    announcer.announce(address(VIP6));
    system.advanceTo(20_000);
    const [oldArp, oldNdp] = [system.socket('arp'), system.socket('ndp')];

    system.interfaces = [];
    system.advanceTo(RESCAN_MS * 3);
    expect(oldArp.closed && oldNdp.closed && system.groups[0]?.closed).to.equal(true);
    expect(announcer.interfaces()).to.deep.equal([]);

    // Back under the same name with a new index, as a re-created device is.
    system.interfaces = [eth0(7)];
    system.advanceTo(RESCAN_MS * 4);
    const arp = system.socket('arp');
    const ndp = system.socket('ndp');
    expect(arp).to.not.equal(oldArp);
    expect(arp.iface.index).to.equal(7);
    expect(arp.sent.map((s) => `${s.at} ${announced(s.frame)}`)).to.deep.equal(
      GRATUITOUS_ARP.map((line) => `${RESCAN_MS * 4} ${line}`),
    );
    expect(ndp.sent.map((s) => `${s.at} ${announced(s.frame)}`)).to.deep.equal([
      `${RESCAN_MS * 4} ${UNSOLICITED_NA}`,
    ]);
    expect([...ndp.memberships]).to.deep.equal([VIP6_GROUP_MAC]);
    expect([...(system.groups[1]?.joined ?? [])]).to.deep.equal([VIP6_GROUP]);
    // And it answers there.
    arp.receive(ARP_REQUEST_FRAME);
    expect([...(arp.sent[arp.sent.length - 1]?.frame ?? [])]).to.deep.equal([...ARP_REPLY_FRAME]);
  });

  it('an address announced again during its burst lengthens it (v0.9.6 SetBalancer always calls doSpam)', async () => {
    const system = new FakeSystem();
    const { announcer } = await started(system);
    announcer.announce(address(VIP6));
    system.advanceTo(2000);
    announcer.announce(address(VIP6));
    system.advanceTo(20_000);
    // Stop time 7000 after the second request: the ticks at 5500 and 6600 send too.
    expect(system.socket('ndp').sent.map((s) => s.at)).to.deep.equal([...ROUND_TIMES, 5500, 6600]);
  });

  it('a resync after the burst sends a new burst at once; a resync of an address not owned sends nothing', async () => {
    const system = new FakeSystem();
    const { announcer, metrics } = await started(system);
    announcer.announce(address(VIP4));
    system.advanceTo(8000);
    announcer.resync(address(VIP4));
    announcer.resync(address(VIP6));
    system.advanceTo(30_000);
    const times = system.socket('arp').sent.map((s) => s.at);
    // 8000 at once, then the ticks 8800 ... 12 100 (<= 13 000).
    const second = [8000, 8800, 9900, 11_000, 12_100];
    expect(times).to.deep.equal([...ROUND_TIMES, ...second].flatMap((t) => [t, t]));
    expect(system.socket('ndp').sent).to.have.length(0);
    expect(metrics.gratuitousSent.byIp).to.deep.equal(
      new Map([[VIP4, 2 * (ROUND_TIMES.length + second.length)]]),
    );
  });

  it('counts an ARP frame once written, an advertisement even when its write failed (v0.9.6)', async () => {
    const system = new FakeSystem();
    const { announcer, metrics } = await started(system);
    for (const socket of [system.socket('arp'), system.socket('ndp')])
      socket.send = () => {
        throw new Error('ENOBUFS');
      };
    announcer.announce(address(VIP4));
    announcer.announce(address(VIP6));
    // The ARP request failed, so the reply was not tried (arp.go Gratuitous returns first).
    expect(metrics.gratuitousSent.byIp).to.deep.equal(new Map([[VIP6, 1]]));
  });

  it('an interface whose write fails does not stop the round on the others (a written difference: v0.9.6 returned at the first error)', async () => {
    const system = new FakeSystem();
    system.interfaces = [eth0(2), { ...eth0(3), name: 'eth1' }];
    const { announcer, metrics } = await started(system);
    const failing = system.sockets.find((s) => s.kind === 'arp' && s.iface.name === 'eth0');
    const healthy = system.sockets.find((s) => s.kind === 'arp' && s.iface.name === 'eth1');
    if (failing === undefined || healthy === undefined) throw new Error('no ARP sockets');
    failing.send = () => {
      throw new Error('ENOBUFS');
    };
    announcer.announce(address(VIP4));
    expect(healthy.sent.map((s) => announced(s.frame))).to.deep.equal(GRATUITOUS_ARP);
    expect(metrics.gratuitousSent.byIp).to.deep.equal(new Map([[VIP4, GRATUITOUS_ARP.length]]));
  });
});
