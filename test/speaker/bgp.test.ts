import { expect } from 'chai';
import type { AdjRibOutRoute } from '../../src/bgp/index.js';
import { parseConfig, type Config, type Peer } from '../../src/config/index.js';
import { formatCidr, parseIP } from '../../src/ip/index.js';
import { bgpMetrics, newRegistry } from '../../src/metrics/index.js';
import {
  announcementFor,
  BgpAnnouncer,
  type Announcement,
  type PeerSession,
  type PeerSessionEvents,
} from '../../src/speaker/index.js';

function config(text: string): Config {
  const parsed = parseConfig(text);
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
  return parsed.config;
}

/** An address of BASE as the speaker hands it over: parsed, with the pool that contains it. */
function at(text: string): Announcement {
  const parsed = parseIP(text);
  const announcement = parsed.ok ? announcementFor(config(BASE), parsed.value) : undefined;
  if (announcement === undefined) throw new Error(`${text} is no address of a pool of BASE`);
  return announcement;
}

const BASE = `
peers:
- peer-address: 198.51.100.254
  peer-asn: 64512
  my-asn: 64512
- peer-address: 198.51.100.253
  peer-port: 1179
  peer-asn: 64513
  my-asn: 64512
  node-selectors:
  - match-labels:
      rack: a
bgp-communities:
  bar: 64512:1
address-pools:
- name: single
  protocol: bgp
  addresses: [203.0.113.0/26]
- name: rolled-up
  protocol: bgp
  addresses: [203.0.113.64/26, 2001:db8:203::/120]
  bgp-advertisements:
  - aggregation-length: 26
    aggregation-length-v6: 120
    localpref: 100
    communities: [bar, 65535:65281]
  - aggregation-length: 32
    aggregation-length-v6: 128
- name: v6-not-opted-in
  protocol: bgp
  addresses: [2001:db8:204::/120]
- name: l2
  protocol: layer2
  addresses: [192.0.2.0/24]
`;

class FakeSession implements PeerSession {
  routes: ReadonlyMap<string, AdjRibOutRoute> = new Map();
  closedWith: number | null = null;
  constructor(
    readonly peer: Peer,
    readonly events: PeerSessionEvents,
  ) {}
  setRoutes(routes: ReadonlyMap<string, AdjRibOutRoute>): void {
    this.routes = routes;
  }
  close(subcode: number): Promise<void> {
    this.closedWith = subcode;
    return Promise.resolve();
  }
  /** The routes as `prefix localpref communities` lines, sorted. */
  lines(): string[] {
    return [...this.routes.values()]
      .map((r) => `${formatCidr(r.prefix)} ${r.localPref} ${r.communities.join(',')}`.trim())
      .sort();
  }
}

function harness() {
  const sessions: FakeSession[] = [];
  const deferred: (() => void)[] = [];
  const logs: Record<string, unknown>[] = [];
  const registry = newRegistry();
  const announcer = new BgpAnnouncer({
    log: (fields) => logs.push(fields),
    metrics: bgpMetrics(registry),
    openSession: (peer, events) => {
      const session = new FakeSession(peer, events);
      sessions.push(session);
      return session;
    },
    defer: (work) => deferred.push(work),
  });
  const flush = (): void => {
    for (const work of deferred.splice(0)) work();
  };
  const open = (): FakeSession[] => sessions.filter((s) => s.closedWith === null);
  const metric = async (name: string): Promise<string[]> =>
    (await registry.metrics())
      .split('\n')
      .filter((line) => line.startsWith(`${name}{`))
      .sort();
  return { announcer, sessions, open, flush, logs, metric };
}

describe('speaker BGP announcer', () => {
  it('peers only with the peers whose node-selectors match this node, re-evaluated when the labels change', () => {
    const { announcer, open, sessions } = harness();
    announcer.setConfig(config(BASE));
    expect(open().map((s) => s.peer.port)).to.deep.equal([179]);
    announcer.setNodeLabels({ rack: 'a' });
    expect(open().map((s) => s.peer.port)).to.deep.equal([179, 1179]);
    announcer.setNodeLabels({ rack: 'b' });
    expect(open().map((s) => s.peer.port)).to.deep.equal([179]);
    // Peer De-configured (RFC 4486 subcode 3).
    expect(sessions[1]?.closedWith).to.equal(3);
  });

  it('keeps a session whose only change is node-selectors that still select this node (a written difference: v0.9 re-opened it)', () => {
    // v0.9.6 speaker/bgp_controller.go SetConfig compares the whole peer config, selectors
    // included, and replaces the session; the selectors only decide which nodes peer.
    const { announcer, sessions, open } = harness();
    announcer.setNodeLabels({ rack: 'a', row: '1' });
    announcer.setConfig(config(BASE));
    expect(open().map((s) => s.peer.port)).to.deep.equal([179, 1179]);
    announcer.setConfig(config(BASE.replace('      rack: a\n', '      rack: a\n      row: "1"\n')));
    expect(open().map((s) => s.peer.port)).to.deep.equal([179, 1179]);
    expect(sessions).to.have.length(2);
    expect(sessions.every((s) => s.closedWith === null)).to.equal(true);
  });

  it('re-opens a session whose settings changed, with Cease "other configuration change"', () => {
    const { announcer, sessions, open } = harness();
    announcer.setConfig(config(BASE));
    announcer.setConfig(
      config(BASE.replace('  my-asn: 64512\n- peer', '  my-asn: 64512\n  hold-time: 9s\n- peer')),
    );
    expect(sessions[0]?.closedWith).to.equal(6);
    expect(open().map((s) => s.peer.holdTimeSeconds)).to.deep.equal([9]);
  });

  it('gives every session the routes of the announced IPs, rolled up per advertisement', () => {
    const { announcer, open, flush } = harness();
    announcer.setNodeLabels({ rack: 'a' });
    announcer.setConfig(config(BASE));
    announcer.announce(at('203.0.113.5'));
    announcer.announce(at('203.0.113.70'));
    announcer.announce(at('203.0.113.71'));
    announcer.announce(at('2001:db8:203::10'));
    flush();
    // The rolled-up advertisement's communities: bar (64512:1) and 65535:65281, as A<<16 | B.
    const rolled = `100 ${64512 * 65536 + 1},${65535 * 65536 + 65281}`;
    const expected = [
      '203.0.113.5/32 0',
      `203.0.113.64/26 ${rolled}`,
      '203.0.113.70/32 0',
      '203.0.113.71/32 0',
      `2001:db8:203::/120 ${rolled}`,
      '2001:db8:203::10/128 0',
    ].sort();
    for (const session of open()) expect(session.lines()).to.deep.equal(expected);

    announcer.withdraw(at('203.0.113.70'));
    announcer.withdraw(at('203.0.113.71'));
    flush();
    expect(open()[0]?.lines()).to.deep.equal(
      ['203.0.113.5/32 0', `2001:db8:203::/120 ${rolled}`, '2001:db8:203::10/128 0'].sort(),
    );
  });

  it('does not advertise IPv6 addresses of a pool that did not opt in, and says so once', () => {
    const { announcer, open, flush, logs } = harness();
    announcer.setConfig(config(BASE));
    announcer.announce(at('2001:db8:204::1'));
    flush();
    announcer.announce(at('203.0.113.1'));
    flush();
    expect(open()[0]?.lines()).to.deep.equal(['203.0.113.1/32 0']);
    expect(logs.filter((l) => l['event'] === 'notAdvertised')).to.have.length(1);
  });

  it('batches announcements into one route computation', () => {
    const { announcer, open, flush } = harness();
    announcer.setConfig(config(BASE));
    let pushes = 0;
    const session = open()[0];
    if (session === undefined) throw new Error('no session');
    const original = session.setRoutes.bind(session);
    session.setRoutes = (routes) => {
      pushes += 1;
      original(routes);
    };
    flush();
    pushes = 0;
    for (let i = 0; i < 50; i += 1) announcer.announce(at(`203.0.113.${i}`));
    flush();
    expect(pushes).to.equal(1);
    expect(session.routes.size).to.equal(50);
  });

  it('keeps v0.9 metrics per peer (ip:port) and forgets a removed peer', async () => {
    const { announcer, sessions, metric } = harness();
    announcer.setNodeLabels({ rack: 'a' });
    announcer.setConfig(config(BASE));
    sessions[0]?.events.up();
    sessions[0]?.events.updatesSent(3);
    sessions[0]?.events.prefixes(120, 0);
    expect(await metric('metallb_bgp_session_up')).to.deep.equal([
      'metallb_bgp_session_up{peer="198.51.100.253:1179"} 0',
      'metallb_bgp_session_up{peer="198.51.100.254:179"} 1',
    ]);
    expect(await metric('metallb_bgp_updates_total')).to.deep.equal([
      'metallb_bgp_updates_total{peer="198.51.100.254:179"} 3',
    ]);
    expect(await metric('metallb_bgp_announced_prefixes_total')).to.deep.equal([
      'metallb_bgp_announced_prefixes_total{peer="198.51.100.254:179"} 120',
    ]);
    announcer.setNodeLabels({});
    expect(await metric('metallb_bgp_session_up')).to.deep.equal([
      'metallb_bgp_session_up{peer="198.51.100.254:179"} 1',
    ]);
    // Events from a closed session change nothing.
    sessions[1]?.events.up();
    expect(await metric('metallb_bgp_session_up')).to.have.length(1);
  });

  it('opens one session per config entry: a repeated peer is dialled twice (v0.9.6 bgp_controller.go SetConfig)', async () => {
    const { announcer, open, sessions, metric } = harness();
    // Built by hand: the config parser may refuse the repeat; the speaker must not depend on it.
    const base = config(BASE);
    const [peer, ...others] = base.peers;
    if (peer === undefined) throw new Error('BASE has no peer');
    const repeated = { ...base, peers: [peer, { ...peer }, ...others] };
    announcer.setConfig(repeated);
    expect(open().map((s) => s.peer.port)).to.deep.equal([179, 179]);
    expect(announcer.sessionLabels()).to.deep.equal(['198.51.100.254:179', '198.51.100.254:179']);
    // The same config again keeps both sessions (each entry matched to one).
    announcer.setConfig({ ...repeated, peers: [...repeated.peers] });
    expect(sessions).to.have.length(2);
    // session_up is 1 while either is up.
    sessions[1]?.events.up();
    sessions[0]?.events.down('hold timer expired', true, 1000);
    expect(await metric('metallb_bgp_session_up')).to.deep.equal([
      'metallb_bgp_session_up{peer="198.51.100.254:179"} 1',
    ]);
    // One entry gone: one session closes as de-configured, the other stays with its metrics.
    announcer.setConfig(config(BASE));
    expect(sessions.map((s) => s.closedWith)).to.deep.equal([null, 3]);
    expect(await metric('metallb_bgp_session_up')).to.deep.equal([
      'metallb_bgp_session_up{peer="198.51.100.254:179"} 0',
    ]);
    // The closed session's events no longer count.
    sessions[1]?.events.up();
    expect(await metric('metallb_bgp_session_up')).to.deep.equal([
      'metallb_bgp_session_up{peer="198.51.100.254:179"} 0',
    ]);
  });

  it('pending_prefixes_total is the count the session was given, announced_prefixes_total what it sent (v0.9.6 stats.go)', async () => {
    const { announcer, sessions, metric } = harness();
    announcer.setConfig(config(BASE));
    const events = sessions[0]?.events;
    events?.updatesSent(2);
    // Down: nothing announced, 5 to advertise.
    events?.prefixes(0, 5);
    expect(await metric('metallb_bgp_pending_prefixes_total')).to.deep.equal([
      'metallb_bgp_pending_prefixes_total{peer="198.51.100.254:179"} 5',
    ]);
    expect(await metric('metallb_bgp_announced_prefixes_total')).to.deep.equal([
      'metallb_bgp_announced_prefixes_total{peer="198.51.100.254:179"} 0',
    ]);
    // A removed peer loses every metric, its UPDATE counter too (stats.DeleteSession).
    announcer.setConfig(config(BASE.replace('198.51.100.254', '198.51.100.252')));
    for (const name of ['metallb_bgp_updates_total', 'metallb_bgp_pending_prefixes_total']) {
      expect(await metric(name)).to.deep.equal([]);
    }
  });

  it('closes every session with Cease "administrative shutdown" and then ignores changes', async () => {
    const { announcer, sessions, flush } = harness();
    announcer.setConfig(config(BASE));
    await announcer.close();
    expect(sessions.map((s) => s.closedWith)).to.deep.equal([2]);
    announcer.announce(at('203.0.113.1'));
    announcer.setConfig(config(BASE));
    flush();
    expect(sessions).to.have.length(1);
  });
});
