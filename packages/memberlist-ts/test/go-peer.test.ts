/**
 * Self-check of the Go memberlist peer harness (test/support/go-peer.ts):
 * two real HashiCorp memberlist nodes on loopback, no code of ours. If
 * these fail, the interop tests built on the harness cannot be trusted.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { expect } from 'chai';
import {
  eventIs,
  freePort,
  goPeerOrSkip,
  startGoPeer,
  type GoPeer,
  type GoPeerOptions,
} from './support/go-peer.js';

const exec = promisify(execFile);

describe('Go memberlist peer (harness self-check)', function () {
  let binary = '';

  before(async function () {
    // A cold build (Go's standard library included) takes under 10 s here.
    this.timeout(120_000);
    binary = await goPeerOrSkip(this);
  });

  async function start(options: Omit<GoPeerOptions, 'port'>): Promise<GoPeer> {
    const peer = startGoPeer(binary, { ...options, port: await freePort() });
    await peer.waitFor(eventIs('ready'), 5_000);
    return peer;
  }

  /** b joins a; resolves once b's join has succeeded. */
  async function pair(secretA?: string, secretB?: string): Promise<[GoPeer, GoPeer]> {
    const a = await start({ name: 'go-a', ...(secretA === undefined ? {} : { secret: secretA }) });
    const b = await start({
      name: 'go-b',
      join: [a.address],
      ...(secretB === undefined ? {} : { secret: secretB }),
    });
    const outcome = await b.waitFor((e) => e.event === 'joined' || e.event === 'join-error', 5_000);
    expect(outcome.event, b.explain('join')).to.equal('joined');
    return [a, b];
  }

  async function expectJoined(a: GoPeer, b: GoPeer): Promise<void> {
    const seenByA = await a.waitFor(eventIs('join', b.name), 5_000);
    expect(seenByA).to.include({ addr: '127.0.0.1', port: b.port });
    const seenByB = await b.waitFor(eventIs('join', a.name), 5_000);
    expect(seenByB).to.include({ addr: '127.0.0.1', port: a.port });
    for (const peer of [a, b]) {
      const members = await peer.members();
      expect(members, `${peer.name}'s members`).to.deep.equal([
        { node: a.name, addr: '127.0.0.1', port: a.port, state: 'alive', incarnation: 1 },
        { node: b.name, addr: '127.0.0.1', port: b.port, state: 'alive', incarnation: 1 },
      ]);
    }
  }

  it('derives the key as MetalLB v0.9 does (secret || sha256(""), 16 bytes)', async function () {
    const key = async (secret: string): Promise<unknown> => {
      const { stdout } = await exec(binary, ['-print-key', '-secret', secret]);
      return (JSON.parse(stdout) as { key: unknown }).key;
    };
    expect(await key('abc')).to.equal('616263e3b0c44298fc1c149afbf4c899');
    expect(await key('abcdefghijklmnopqrstuvwx')).to.equal(
      Buffer.from('abcdefghijklmnop').toString('hex'),
    );
    expect(await key('')).to.equal('');
  });

  it('joins two peers: each reports the other, both dumps show 2 alive', async function () {
    const [a, b] = await pair();
    const joined = await b.waitFor(eventIs('joined'), 0);
    expect(joined.count).to.equal(1);
    await expectJoined(a, b);
  });

  it('reports a SIGKILLed peer as leave (state dead) within 15 s', async function () {
    this.timeout(25_000);
    const [a, b] = await pair();
    await a.waitFor(eventIs('join', b.name), 5_000);
    const killed = Date.now();
    expect(b.kill('SIGKILL')).to.equal(true);
    expect(await b.exited).to.deep.equal({ code: null, signal: 'SIGKILL' });
    const leave = await a.waitFor(eventIs('leave', b.name), 15_000);
    expect(leave.state).to.equal('dead');
    expect(leave.t - killed).to.be.below(15_000);
    const members = await a.members();
    expect(members.find((m) => m.node === b.name)?.state).to.equal('dead');
  });

  it('SIGTERM: the peer leaves, prints left, exits 0; the other sees leave (left) within 2 s', async function () {
    const [a, b] = await pair();
    await a.waitFor(eventIs('join', b.name), 5_000);
    const sent = Date.now();
    b.kill('SIGTERM');
    await b.waitFor(eventIs('left'), 5_000);
    expect(await b.exited).to.deep.equal({ code: 0, signal: null });
    const leave = await a.waitFor(eventIs('leave', b.name), 2_000);
    expect(leave.state).to.equal('left');
    expect(leave.t - sent).to.be.below(2_000);
    const members = await a.members();
    expect(members.find((m) => m.node === b.name)?.state).to.equal('left');
  });

  it('joins with the same secret on both sides', async function () {
    const [a, b] = await pair('abcdefghijklmnopqrstuvwx', 'abcdefghijklmnopqrstuvwx');
    await expectJoined(a, b);
  });

  for (const [what, secretA, secretB] of [
    ['a different secret', 'secret-one', 'secret-two'],
    ['a secret only on the joiner', undefined, 'secret-two'],
    ['a secret only on the joined node', 'secret-one', undefined],
  ] as const) {
    it(`refuses a join with ${what}`, async function () {
      const a = await start({
        name: 'go-a',
        ...(secretA === undefined ? {} : { secret: secretA }),
      });
      const b = await start({
        name: 'go-b',
        join: [a.address],
        ...(secretB === undefined ? {} : { secret: secretB }),
      });
      const failed = await b.waitFor(
        (e) => e.event === 'join-error' || e.event === 'joined',
        12_000,
      );
      expect(failed.event, JSON.stringify(failed)).to.equal('join-error');
      const members = await a.members();
      expect(members.map((m) => m.node)).to.deep.equal([a.name]);
      expect(a.events.some(eventIs('join', b.name))).to.equal(false);
    });
  }
});
