import { expect } from 'chai';
import { ReconnectBackoff } from '../../src/bgp/backoff.js';
import { SessionMachine, type SessionAction, type SessionSettings } from '../../src/bgp/fsm.js';
import type { Capability, DecodeResult, Message, OpenMessage } from '../../src/bgp/types.js';
import { parseIP, type IPAddress } from '../../src/ip/index.js';
import { parseConfig } from '../../src/config/index.js';

function ip(text: string): IPAddress {
  const parsed = parseIP(text);
  if (!parsed.ok) throw new Error(parsed.error);
  return parsed.value;
}

const LOCAL = ip('198.51.100.1');
/** 198.51.100.254 as the 32-bit number of a BGP Identifier. */
const PEER_ID = identifier(198, 51, 100, 254);
const LOCAL_ID = identifier(198, 51, 100, 1);

/** a.b.c.d as an unsigned 32-bit number, without JavaScript's signed shifts. */
function identifier(a: number, b: number, c: number, d: number): number {
  return ((a * 256 + b) * 256 + c) * 256 + d;
}

const EBGP: SessionSettings = {
  localAsn: 64512,
  peerAsn: 64513,
  holdTimeSeconds: 90,
  routerId: null,
};

function ok(message: Message): DecodeResult {
  return { ok: true, message };
}

function peerOpen(overrides: Partial<OpenMessage> = {}): OpenMessage {
  const capabilities: Capability[] = [
    { kind: 'multiprotocol', afi: 1, safi: 1 },
    { kind: 'multiprotocol', afi: 2, safi: 1 },
    { kind: 'fourOctetAs', asn: 64513 },
  ];
  return {
    type: 'open',
    version: 4,
    myAs: 64513,
    holdTime: 30,
    bgpId: PEER_ID,
    capabilities,
    ...overrides,
  };
}

function sent(actions: readonly SessionAction[]): Message[] {
  return actions.flatMap((action) => (action.kind === 'send' ? [action.message] : []));
}

function kinds(actions: readonly SessionAction[]): string[] {
  return actions.map((action) =>
    action.kind === 'send' ? `send:${action.message.type}` : action.kind,
  );
}

/** A machine driven to Established at t=0 with the peer's OPEN. */
function established(settings: SessionSettings = EBGP, open = peerOpen()): SessionMachine {
  const machine = new SessionMachine(settings);
  machine.start(0);
  machine.connected(0, LOCAL);
  machine.received(0, ok(open));
  const actions = machine.received(0, ok({ type: 'keepalive' }));
  expect(kinds(actions)).to.deep.equal(['established']);
  return machine;
}

describe('bgp session state machine', () => {
  it('dials at once, then sends an OPEN with v0.9 capabilities, route refresh and the local address as identifier', () => {
    const machine = new SessionMachine(EBGP);
    expect(kinds(machine.start(0))).to.deep.equal(['connect']);
    expect(machine.state).to.equal('connect');
    const [open] = sent(machine.connected(5, LOCAL));
    expect(open).to.deep.equal({
      type: 'open',
      version: 4,
      myAs: 64512,
      holdTime: 90,
      bgpId: LOCAL_ID,
      capabilities: [
        { kind: 'multiprotocol', afi: 1, safi: 1 },
        { kind: 'multiprotocol', afi: 2, safi: 1 },
        { kind: 'routeRefresh' },
        { kind: 'fourOctetAs', asn: 64512 },
      ],
    });
    expect(machine.state).to.equal('openSent');
  });

  it('writes AS_TRANS in the 2-octet field above 65535 and a configured router ID', () => {
    const machine = new SessionMachine({
      localAsn: 4200000001,
      peerAsn: 64513,
      holdTimeSeconds: 90,
      routerId: ip('192.0.2.7'),
    });
    machine.start(0);
    const [open] = sent(machine.connected(0, LOCAL));
    expect(open).to.include({ myAs: 23456, bgpId: identifier(192, 0, 2, 7) });
    expect(open?.type === 'open' && open.capabilities).to.deep.include({
      kind: 'fourOctetAs',
      asn: 4200000001,
    });
  });

  it('negotiates the smaller hold time and keeps alive at a third of it', () => {
    const machine = new SessionMachine(EBGP);
    machine.start(0);
    machine.connected(0, LOCAL);
    expect(sent(machine.received(10, ok(peerOpen())))).to.deep.equal([{ type: 'keepalive' }]);
    expect(machine.state).to.equal('openConfirm');
    const [up] = machine.received(20, ok({ type: 'keepalive' }));
    expect(up?.kind).to.equal('established');
    if (up?.kind !== 'established') return;
    expect(up.negotiated).to.deep.include({
      holdTimeSeconds: 30,
      keepaliveMs: 10_000,
      fourOctetAs: true,
      routeRefresh: false,
      peerBgpId: PEER_ID,
    });
    expect([...up.negotiated.families].sort()).to.deep.equal([4, 6]);
    // The keepalive timer runs from the OPEN (t=10), the hold timer from the last message (t=20).
    expect(machine.nextDeadline()).to.equal(10_010);
    expect(sent(machine.tick(10_010))).to.deep.equal([{ type: 'keepalive' }]);
    expect(machine.nextDeadline()).to.equal(20_010);
  });

  it('expires the hold timer with NOTIFICATION 4/0, closes and reconnects at once after Established', () => {
    const machine = established();
    machine.received(1000, ok({ type: 'keepalive' }));
    for (let t = 10_000; t < 31_000; t += 10_000) machine.tick(t);
    const actions = machine.tick(31_000);
    expect(kinds(actions)).to.deep.equal(['send:notification', 'close', 'down']);
    expect(sent(actions)[0]).to.deep.include({ code: 4, subcode: 0 });
    const down = actions.find((action) => action.kind === 'down');
    expect(down).to.deep.include({
      wasEstablished: true,
      retryInMs: 0,
      reason: 'hold timer expired',
    });
    expect(kinds(machine.tick(31_000))).to.deep.equal(['connect']);
  });

  it('an UPDATE restarts the hold timer', () => {
    const machine = established();
    const update: Message = { type: 'update', withdrawn: [], attributes: {}, nlri: [] };
    machine.received(29_000, ok(update));
    expect(kinds(machine.tick(30_000))).to.deep.equal(['send:keepalive']);
    expect(machine.state).to.equal('established');
    expect(kinds(machine.tick(59_000))).to.include('down');
  });

  it('with a hold time of 0 on either side sends no keepalives and never expires', () => {
    const machine = established(EBGP, peerOpen({ holdTime: 0 }));
    expect(machine.negotiated?.holdTimeSeconds).to.equal(0);
    expect(machine.negotiated?.keepaliveMs).to.equal(0);
    expect(machine.nextDeadline()).to.equal(undefined);
    expect(machine.tick(10_000_000)).to.deep.equal([]);
  });

  it('backs off 1 s, 2 s, 4 s ... up to two minutes between failed connects (v0.9)', () => {
    const machine = new SessionMachine(EBGP);
    let now = 0;
    machine.start(now);
    const delays: (number | null)[] = [];
    for (let i = 0; i < 10; i += 1) {
      const down = machine.connectFailed(now, 'ECONNREFUSED').find((a) => a.kind === 'down');
      delays.push(down?.kind === 'down' ? down.retryInMs : -1);
      now = machine.nextDeadline() ?? -1;
      expect(kinds(machine.tick(now))).to.deep.equal(['connect']);
    }
    expect(delays).to.deep.equal([
      1000, 2000, 4000, 8000, 16_000, 32_000, 64_000, 120_000, 120_000, 120_000,
    ]);
  });

  it('resets the backoff once Established', () => {
    const backoff = new ReconnectBackoff();
    expect([backoff.next(), backoff.next(), backoff.next()]).to.deep.equal([0, 1000, 2000]);
    backoff.reset();
    expect(backoff.next()).to.equal(0);
  });

  it('gives up a connect that takes longer than the timeout', () => {
    const machine = new SessionMachine({ ...EBGP, connectTimeoutMs: 3000 });
    machine.start(0);
    expect(machine.nextDeadline()).to.equal(3000);
    const actions = machine.tick(3000);
    expect(kinds(actions)).to.deep.equal(['abortConnect', 'down']);
    expect(machine.state).to.equal('idle');
    expect(machine.nextDeadline()).to.equal(4000);
  });

  it('refuses a peer with the wrong AS (2/2), also when the 4-octet capability disagrees', () => {
    for (const open of [
      peerOpen({ myAs: 64999, capabilities: [] }),
      peerOpen({ myAs: 23456, capabilities: [{ kind: 'fourOctetAs', asn: 4200000001 }] }),
    ]) {
      const machine = new SessionMachine(EBGP);
      machine.start(0);
      machine.connected(0, LOCAL);
      const actions = machine.received(0, ok(open));
      expect(sent(actions)[0]).to.deep.include({ type: 'notification', code: 2, subcode: 2 });
      expect(kinds(actions)).to.deep.equal(['send:notification', 'close', 'down']);
    }
  });

  it('accepts a 4-octet peer AS carried in the capability behind AS_TRANS', () => {
    const settings: SessionSettings = { ...EBGP, peerAsn: 4200000001 };
    const open = peerOpen({
      myAs: 23456,
      capabilities: [{ kind: 'fourOctetAs', asn: 4200000001 }],
    });
    const machine = established(settings, open);
    // No multiprotocol capability at all: IPv4 unicast only (RFC 4760 section 1).
    expect([...(machine.negotiated?.families ?? [])]).to.deep.equal([4]);
  });

  it('refuses an internal peer using our own identifier (2/3, RFC 6286)', () => {
    const machine = new SessionMachine({ ...EBGP, peerAsn: 64512 });
    machine.start(0);
    machine.connected(0, LOCAL);
    const actions = machine.received(
      0,
      ok(peerOpen({ myAs: 64512, bgpId: LOCAL_ID, capabilities: [] })),
    );
    expect(sent(actions)[0]).to.deep.include({ code: 2, subcode: 3 });
  });

  it('answers a message the state does not expect with an FSM error (RFC 6608)', () => {
    const machine = new SessionMachine(EBGP);
    machine.start(0);
    machine.connected(0, LOCAL);
    const actions = machine.received(0, ok({ type: 'keepalive' }));
    const [notification] = sent(actions);
    expect(notification).to.deep.include({ code: 5, subcode: 1 });
    expect(notification?.type === 'notification' && [...notification.data]).to.deep.equal([4]);
    const up = established();
    expect(sent(up.received(1, ok(peerOpen())))[0]).to.deep.include({ code: 5, subcode: 3 });
  });

  it('sends the NOTIFICATION a decoding error calls for, and closes', () => {
    const machine = established();
    const actions = machine.received(5, {
      ok: false,
      error: { code: 3, subcode: 1, data: new Uint8Array(0), reason: 'attributes overrun' },
    });
    expect(kinds(actions)).to.deep.equal(['send:notification', 'close', 'down']);
    expect(sent(actions)[0]).to.deep.include({ code: 3, subcode: 1 });
  });

  it('closes on a NOTIFICATION from the peer without answering it', () => {
    const machine = established();
    const actions = machine.received(
      5,
      ok({ type: 'notification', code: 6, subcode: 2, data: new Uint8Array(0) }),
    );
    expect(kinds(actions)).to.deep.equal(['close', 'down']);
    const down = actions[1];
    expect(down?.kind === 'down' && down.reason).to.contain('administrative shutdown');
  });

  it('reports RFC 7606 treat-as-withdraw without resetting', () => {
    const machine = established();
    const error = { code: 3, subcode: 6, data: new Uint8Array(0), reason: 'bad ORIGIN' };
    const actions = machine.received(5, {
      ok: true,
      message: { type: 'update', withdrawn: [], attributes: {}, nlri: [] },
      treatAsWithdraw: error,
    });
    expect(actions).to.deep.equal([{ kind: 'treatAsWithdraw', error }]);
    expect(machine.state).to.equal('established');
  });

  it('answers a route refresh for a family it carries, and ignores other families', () => {
    const machine = established();
    expect(machine.received(5, ok({ type: 'routeRefresh', afi: 2, safi: 1 }))).to.deep.equal([
      { kind: 'refresh', family: 6 },
    ]);
    expect(machine.received(5, ok({ type: 'routeRefresh', afi: 1, safi: 128 }))).to.deep.equal([]);
  });

  it('stops with Cease 6/3 and schedules nothing more', () => {
    const machine = established();
    const actions = machine.stop();
    expect(kinds(actions)).to.deep.equal(['send:notification', 'close', 'down']);
    expect(sent(actions)[0]).to.deep.include({ code: 6, subcode: 3 });
    expect(machine.state).to.equal('stopped');
    expect(machine.nextDeadline()).to.equal(undefined);
    expect(machine.closed(10, 'EOF')).to.deep.equal([]);
  });

  it('over IPv6 takes an IPv4 address of the interface, else the node name, and ignores an IPv6 router-id (v0.9.6 getRouterID)', () => {
    const local = ip('2001:db8:100::1');
    const opened = (settings: SessionSettings, interfaces: IPAddress[][]): Message | undefined => {
      const machine = new SessionMachine(settings);
      machine.start(0);
      return sent(machine.connected(0, local, interfaces))[0];
    };
    const withV4 = [[ip('127.0.0.1')], [ip('192.0.2.10'), local]];
    expect(opened({ ...EBGP, nodeName: 'node-1' }, withV4)).to.include({
      bgpId: identifier(192, 0, 2, 10),
    });
    // crc32("node-1") = 0x13f21c5f, little-endian: 95.28.242.19 (hashRouterId).
    const settings = { ...EBGP, nodeName: 'node-1', routerId: ip('2001:db8::4') };
    expect(opened(settings, [[local]])).to.include({ bgpId: identifier(95, 28, 242, 19) });
  });

  it('does not send an identifier of 0 (a node name whose CRC-32 is 0, or router-id 0.0.0.0): no OPEN, and says why', () => {
    const machine = new SessionMachine(EBGP);
    machine.start(0);
    const actions = machine.connected(0, ip('2001:db8:100::1'), []);
    expect(kinds(actions)).to.deep.equal(['close', 'down']);
    const down = actions[1];
    expect(down?.kind === 'down' && down.reason).to.contain('router-id');
    // A configured `router-id: 0.0.0.0` (accepted by the config, with a warning) alike.
    const configured = new SessionMachine({ ...EBGP, routerId: ip('0.0.0.0') });
    configured.start(0);
    expect(kinds(configured.connected(0, LOCAL))).to.deep.equal(['close', 'down']);
  });

  it("waits for the peer's OPEN until 10 s after the dial began (v0.9.6 connect's one deadline)", () => {
    const machine = new SessionMachine(EBGP);
    machine.start(0);
    machine.connected(4000, LOCAL);
    expect(machine.nextDeadline()).to.equal(10_000);
    expect(machine.tick(9999)).to.deep.equal([]);
    const actions = machine.tick(10_000);
    // v0.9 closed without a word; RFC 4271 section 8.2.2 sends Hold Timer Expired.
    expect(kinds(actions)).to.deep.equal(['send:notification', 'close', 'down']);
    expect(sent(actions)[0]).to.deep.include({ code: 4, subcode: 0 });
    const down = actions[2];
    expect(down?.kind === 'down' && down.reason).to.contain('no OPEN from the peer');
  });

  it("puts a config's hold-time above 65535 s in the OPEN as v0.9.6 sendOpen did (uint16 of the seconds)", () => {
    // The config's Peer carries the cut value (src/config/peers.ts); v0.9.6 messages.go
    // wrote uint16(holdTime.Seconds()), which on amd64 is the seconds modulo 65536, and 0
    // from 2^31 s on. 65537 s would be 1, which peers refuse: metallb-ts proposes 3.
    const offered = (holdTime: string): Message | undefined => {
      const parsed = parseConfig(
        `peers:\n- peer-address: 192.0.2.1\n  peer-asn: 64501\n  my-asn: 64500\n  hold-time: ${holdTime}\n`,
      );
      if (!parsed.ok || parsed.config.peers[0] === undefined) throw new Error('bad fixture');
      const machine = new SessionMachine({
        ...EBGP,
        holdTimeSeconds: parsed.config.peers[0].holdTimeSeconds,
      });
      machine.start(0);
      return sent(machine.connected(0, LOCAL))[0];
    };
    expect(offered('65535s')).to.include({ holdTime: 65535 });
    expect(offered('70000s')).to.include({ holdTime: 4464 });
    expect(offered(`${65536 + 3}s`)).to.include({ holdTime: 3 });
    expect(offered(`${2 ** 31}s`)).to.include({ holdTime: 0 });
    expect(offered('65537s')).to.include({ holdTime: 3 });
    expect(offered('65536s')).to.include({ holdTime: 0 });
  });

  it('an OPEN hold time of 0 runs no hold timer and sends no keepalives (RFC 4271 section 4.2)', () => {
    const machine = new SessionMachine({ ...EBGP, holdTimeSeconds: 0 });
    machine.start(0);
    machine.connected(0, LOCAL);
    machine.received(0, ok(peerOpen()));
    machine.received(0, ok({ type: 'keepalive' }));
    expect(machine.negotiated).to.deep.include({ holdTimeSeconds: 0, keepaliveMs: 0 });
    expect(machine.nextDeadline()).to.equal(undefined);
  });
});
