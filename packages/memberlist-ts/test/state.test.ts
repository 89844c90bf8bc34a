import { expect } from 'chai';
import { LAN_TIMINGS, type Timings } from '../src/options.js';
import { MessageType, NodeState } from '../src/types.js';
import { SimNetwork } from './sim.js';

/** Starts `names` in one simulated network, all joined to the first. */
function cluster(names: readonly string[], seed = 7, timings: Timings = LAN_TIMINGS): SimNetwork {
  const sim = new SimNetwork(seed);
  for (const name of names) sim.add(name, timings).start();
  const [first, ...rest] = names;
  for (const name of rest) {
    const joined = sim.join(name, first ?? '');
    if (!joined.ok) throw new Error(`test setup: join failed: ${joined.error}`);
  }
  return sim;
}

/** The sorted names of the members `observer` counts as live. */
function liveNames(sim: SimNetwork, observer: string): string[] {
  return sim
    .get(observer)
    .liveMembers()
    .map((m) => m.name)
    .sort();
}

function stateOf(sim: SimNetwork, observer: string, node: string): NodeState | undefined {
  return sim.get(observer).member(node)?.state;
}

describe('memberlist state (SWIM with Lifeguard, simulated network)', () => {
  it('a join by push/pull spreads every member to every other through gossip', () => {
    const sim = cluster(['a', 'b', 'c', 'd']);
    // d joined a only; b learns of d through gossip alone.
    const at = sim.runUntilTrue(
      () => ['a', 'b', 'c', 'd'].every((o) => sim.get(o).liveMembers().length === 4),
      5_000,
    );
    expect(at, 'everyone sees four live members within 5 s').to.not.equal(undefined);
    const joins = sim.events
      .filter((e) => e.observer === 'b' && e.kind === 'join')
      .map((e) => e.member.name);
    expect(joins.sort()).to.deep.equal(['a', 'b', 'c', 'd']);
  });

  it('a killed member is suspected, then declared dead after the suspicion timeout, not before', () => {
    const sim = cluster(['a', 'b', 'c']);
    sim.run(3_000);
    sim.kill('c');
    const killedAt = sim.now;
    const suspectedAt = sim.runUntilTrue(
      () => stateOf(sim, 'a', 'c') === NodeState.suspect,
      10_000,
    );
    expect(suspectedAt, 'a suspects c').to.not.equal(undefined);
    // Suspected only after a full probe: the direct timeout and the indirect round.
    expect((suspectedAt ?? 0) - killedAt).to.be.at.least(LAN_TIMINGS.probeInterval);
    const deadAt = sim.runUntilTrue(() => stateOf(sim, 'a', 'c') === NodeState.dead, 20_000);
    expect(deadAt, 'a declares c dead').to.not.equal(undefined);
    // Three members: no confirmations expected, so the minimum applies: 4 x 1 x 1 s.
    expect((deadAt ?? 0) - (suspectedAt ?? 0)).to.be.within(3_990, 4_100);
    const b = sim.runUntilTrue(() => stateOf(sim, 'b', 'c') === NodeState.dead, 2_000);
    expect(b, 'b agrees').to.not.equal(undefined);
    const leave = sim.events.find((e) => e.observer === 'a' && e.kind === 'leave');
    expect(leave?.member.name).to.equal('c');
    expect(liveNames(sim, 'a')).to.deep.equal(['a', 'b']);
  });

  it('an indirect probe through another member saves a member whose direct link is cut', () => {
    // Without the TCP fallback, only the relay can save b.
    const sim = cluster(['a', 'b', 'c'], 7, { ...LAN_TIMINGS, disableTcpPings: true });
    sim.run(2_000);
    sim.cutBothWays('a', 'b');
    sim.run(30_000);
    expect(stateOf(sim, 'a', 'b')).to.equal(NodeState.alive);
    expect(stateOf(sim, 'b', 'a')).to.equal(NodeState.alive);
    const indirect = sim.delivered.filter((d) =>
      d.messages.some((m) => m.type === MessageType.indirectPing),
    );
    expect(indirect.length, 'indirect pings were used').to.be.greaterThan(0);
    expect(
      indirect.every((d) => d.to === 'c'),
      'only c could relay',
    ).to.equal(true);
  });

  it('the TCP fallback ping saves a member whose UDP is cut both ways in a pair', () => {
    const sim = cluster(['a', 'b']);
    sim.run(2_000);
    sim.cutBothWays('a', 'b');
    sim.run(20_000);
    expect(stateOf(sim, 'a', 'b')).to.equal(NodeState.alive);
    const noFallback = cluster(['a', 'b'], 7, { ...LAN_TIMINGS, disableTcpPings: true });
    noFallback.run(2_000);
    noFallback.cutBothWays('a', 'b');
    noFallback.run(20_000);
    expect(stateOf(noFallback, 'a', 'b'), 'and without it, b is declared dead').to.equal(
      NodeState.dead,
    );
  });

  it('a suspected member refutes with a higher incarnation and stays alive', () => {
    const sim = cluster(['a', 'b', 'c']);
    sim.run(2_000);
    const before = sim.get('c').member('c')?.incarnation ?? 0;
    // b accuses c, as a lost ack would make it.
    sim
      .get('b')
      .handlePacket(
        { type: MessageType.suspect, incarnation: before, node: 'c', from: 'b' },
        { addr: Uint8Array.of(127, 0, 0, 1), port: 1 },
      );
    expect(stateOf(sim, 'b', 'c')).to.equal(NodeState.suspect);
    const refuted = sim.runUntilTrue(() => stateOf(sim, 'b', 'c') === NodeState.alive, 3_000);
    expect(refuted, 'b hears the refutation before the suspicion expires').to.not.equal(undefined);
    expect(sim.get('b').member('c')?.incarnation).to.equal(before + 1);
    expect(sim.get('c').health, "being accused lowers c's own health").to.equal(1);
    sim.run(10_000);
    expect(stateOf(sim, 'a', 'c')).to.equal(NodeState.alive);
  });

  it('a graceful leave is seen as "left" by the others within a second', () => {
    const sim = cluster(['a', 'b', 'c']);
    sim.run(2_000);
    let done = false;
    sim.get('c').leave(() => {
      done = true;
    });
    const leftAt = sim.runUntilTrue(
      () => stateOf(sim, 'a', 'c') === NodeState.left && stateOf(sim, 'b', 'c') === NodeState.left,
      1_000,
    );
    expect(leftAt, 'both see c leave within 1 s').to.not.equal(undefined);
    sim.runUntilTrue(() => done, 5_000);
    expect(done, 'leave completes once the news was retransmitted').to.equal(true);
    expect(liveNames(sim, 'a')).to.deep.equal(['a', 'b']);
  });

  it('a graceful leave reaches the one live member beside two recently dead ones, whatever the seed', () => {
    // After c and d die, b's gossip candidates are a (alive) and c and d
    // (dead, but inside the gossip-to-the-dead window): three members for
    // three gossip slots. News of the leave is sent its retransmit limit
    // (4 here) and then b stops, so a must be among them: nobody else alive
    // would relay it, and a would find b only by probing, seconds later.
    const misses: number[] = [];
    for (let seed = 1; seed <= 400; seed++) {
      const sim = cluster(['a', 'b', 'c', 'd'], seed);
      sim.run(3_000);
      sim.kill('c');
      sim.kill('d');
      const gone = sim.runUntilTrue(
        () =>
          ['a', 'b'].every((o) => ['c', 'd'].every((x) => stateOf(sim, o, x) === NodeState.dead)),
        60_000,
      );
      expect(gone, `seed ${seed}: a and b see c and d dead`).to.not.equal(undefined);
      let done = false;
      const start = sim.now;
      sim.get('b').leave(() => {
        done = true;
      });
      // The shell stops once the news went out, or after 1 s (v0.9).
      sim.runUntilTrue(() => done, 1_000);
      sim.kill('b');
      const left = sim.runUntilTrue(
        () => stateOf(sim, 'a', 'b') === NodeState.left,
        Math.max(1, 1_000 - (sim.now - start)),
      );
      if (left === undefined) misses.push(seed);
    }
    expect(misses, 'seeds whose leave a never heard of').to.deep.equal([]);
  });

  it('dead members are forgotten once the gossip-to-the-dead window has passed', () => {
    const sim = cluster(['a', 'b', 'c']);
    sim.run(2_000);
    sim.kill('c');
    sim.runUntilTrue(() => stateOf(sim, 'a', 'c') === NodeState.dead, 20_000);
    sim.run(LAN_TIMINGS.gossipToTheDeadTime - 1_000);
    expect(stateOf(sim, 'a', 'c'), 'still remembered inside the window').to.equal(NodeState.dead);
    sim.run(5_000);
    expect(stateOf(sim, 'a', 'c'), 'reaped after it').to.equal(undefined);
  });

  it('refuses a push/pull whose protocol versions cannot work with ours', () => {
    const sim = new SimNetwork(3);
    sim.add('a').start();
    sim.add('old', LAN_TIMINGS, [1, 1, 1, 0, 0, 0]).start();
    sim.add('new', LAN_TIMINGS, [3, 5, 3, 0, 0, 0]).start();
    // a speaks [1,5] at 2; old speaks only 1; together the range is [1,1] and a's 2 is outside.
    const result = sim.join('old', 'a');
    expect(result.ok).to.equal(false);
    expect(sim.get('a').member('old')).to.equal(undefined);
    // a (current 2) and new (min 3) cannot agree either.
    expect(sim.join('new', 'a').ok).to.equal(false);
  });

  it('ignores an alive message with impossible versions, or a known name at another address', () => {
    const sim = cluster(['a', 'b']);
    sim.run(1_000);
    const a = sim.get('a');
    const from = { addr: Uint8Array.of(127, 0, 0, 1), port: 1 };
    const base = {
      type: MessageType.alive,
      meta: null,
      port: 9,
      addr: Uint8Array.of(192, 0, 2, 9),
    } as const;
    a.handlePacket({ ...base, incarnation: 1, node: 'x', vsn: [0, 5, 2, 0, 0, 0] }, from);
    expect(a.member('x')).to.equal(undefined);
    a.handlePacket({ ...base, incarnation: 50, node: 'b', vsn: [1, 5, 2, 0, 0, 0] }, from);
    expect(a.member('b')?.port, 'b keeps its address').to.not.equal(9);
    expect(a.member('b')?.incarnation).to.not.equal(50);
  });

  it('a member that left may come back at a new address', () => {
    const sim = cluster(['a', 'b']);
    sim.run(1_000);
    const a = sim.get('a');
    const from = { addr: Uint8Array.of(127, 0, 0, 1), port: 1 };
    const b = a.member('b');
    a.handlePacket(
      { type: MessageType.dead, incarnation: b?.incarnation ?? 0, node: 'b', from: 'b' },
      from,
    );
    expect(a.member('b')?.state).to.equal(NodeState.left);
    a.handlePacket(
      {
        type: MessageType.alive,
        incarnation: 1,
        node: 'b',
        addr: Uint8Array.of(192, 0, 2, 7),
        port: 7946,
        meta: null,
        vsn: [1, 5, 2, 0, 0, 0],
      },
      from,
    );
    expect(a.member('b')?.state).to.equal(NodeState.alive);
    expect(a.member('b')?.port).to.equal(7946);
  });

  it('gossips with a CRC only toward members that advertise protocol 5', () => {
    const sim = new SimNetwork(5);
    sim.add('a').start();
    sim.add('v4', LAN_TIMINGS, [1, 4, 2, 0, 0, 0]).start();
    sim.add('v5').start();
    sim.join('v4', 'a');
    sim.join('v5', 'a');
    sim.run(3_000);
    const gossipTo = (to: string): boolean[] =>
      sim.delivered
        .filter(
          (d) =>
            d.from === 'a' &&
            d.to === to &&
            d.messages.every(
              (m) =>
                m.type === MessageType.alive ||
                m.type === MessageType.suspect ||
                m.type === MessageType.dead,
            ),
        )
        .map((d) => d.crc);
    expect(gossipTo('v5')).to.include(true);
    expect(gossipTo('v4')).to.not.include(true);
  });

  it('member lists of a larger cluster agree after churn (6 members, one killed, one leaving)', () => {
    const names = ['n0', 'n1', 'n2', 'n3', 'n4', 'n5'];
    const sim = cluster(names, 11);
    sim.run(5_000);
    sim.kill('n5');
    sim.get('n4').leave(() => undefined);
    sim.run(40_000);
    for (const observer of ['n0', 'n1', 'n2', 'n3']) {
      expect(liveNames(sim, observer), observer).to.deep.equal(['n0', 'n1', 'n2', 'n3']);
    }
  });
});
