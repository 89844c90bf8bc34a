import { expect } from 'chai';
import { createSocket } from 'node:dgram';
import { connect } from 'node:net';
import {
  encryptPacket,
  formatAddr,
  Keyring,
  Memberlist,
  NodeState,
  v09SecretKey,
  type MemberlistOptions,
} from '../src/index.js';
import { until } from './support/until.js';

const KEY = v09SecretKey('abcdefghijklmnopqrstuvwx');
const OTHER_KEY = v09SecretKey('another secret');

describe('memberlist on real sockets (in one process)', function () {
  this.timeout(20_000);
  const members: Memberlist[] = [];
  const logs: string[] = [];

  async function member(
    options: Partial<MemberlistOptions> & { name: string },
  ): Promise<Memberlist> {
    const m = await Memberlist.create({
      bindAddr: '127.0.0.1',
      bindPort: 0,
      log: (level, message, fields) => logs.push(`${level} ${message} ${JSON.stringify(fields)}`),
      ...options,
    });
    members.push(m);
    return m;
  }

  afterEach(async () => {
    await Promise.all(members.splice(0).map((m) => m.shutdown()));
    logs.length = 0;
  });

  for (const host of ['127.0.0.1', '::1']) {
    it(`joins over ${host}, UDP and TCP on one port, and sees a graceful leave at once`, async function () {
      let a: Memberlist;
      try {
        a = await member({ name: 'a', bindAddr: host });
      } catch (error) {
        // A machine without IPv6 on loopback cannot run the IPv6 case; say so instead of failing.
        if ((error as NodeJS.ErrnoException).code === 'EADDRNOTAVAIL') this.skip();
        throw error;
      }
      const b = await member({ name: 'b', bindAddr: host });
      expect(formatAddr(a.bound.addr)).to.equal(host);
      const result = await b.join([a.bound]);
      expect(result).to.deep.equal({ joined: 1, errors: [] });
      await until(
        () => a.liveMembers().length === 2 && b.liveMembers().length === 2,
        5_000,
        'both to see two',
      );
      const left: string[] = [];
      a.on('leave', (m) => left.push(`${m.name}:${m.state}`));
      const started = Date.now();
      await b.leave(1_000);
      await until(() => left.length > 0, 2_000, 'a to see b leave');
      expect(left).to.deep.equal(['b:3']);
      expect(Date.now() - started, 'seen within the leave itself').to.be.below(1_500);
      expect(a.members().find((m) => m.name === 'b')?.state).to.equal(NodeState.left);
    });
  }

  it('counts and drops datagrams it cannot read: garbage, a foreign key, plaintext while keyed', async () => {
    const a = await member({ name: 'a', keyring: KEY ? new Keyring([KEY]) : null });
    const socket = createSocket('udp4');
    const send = (bytes: Uint8Array): Promise<void> =>
      new Promise((resolve) => socket.send(bytes, a.bound.port, '127.0.0.1', () => resolve()));
    try {
      // A plaintext ack (valid memberlist, but a key is set here).
      await send(
        Uint8Array.of(
          0x02,
          0x82,
          0xa7,
          ...Buffer.from('Payload'),
          0xc0,
          0xa5,
          ...Buffer.from('SeqNo'),
          1,
        ),
      );
      if (!OTHER_KEY) throw new Error('test setup: no key');
      await send(encryptPacket(OTHER_KEY, Uint8Array.of(0x02, 0x80)));
      await send(Uint8Array.of(1, 2, 3));
      await until(() => a.dropped.plaintext + a.dropped.decrypt >= 3, 2_000, 'three drops');
      expect(a.dropped.plaintext).to.equal(1);
      expect(a.dropped.decrypt).to.equal(2);
    } finally {
      socket.close();
    }
    expect(a.liveMembers().map((m) => m.name)).to.deep.equal(['a']);
  });

  it('counts malformed datagrams without a key, and keeps working', async () => {
    const a = await member({ name: 'a' });
    const b = await member({ name: 'b' });
    const socket = createSocket('udp4');
    try {
      for (const bytes of [
        Uint8Array.of(0x07, 0x05, 0x00),
        Uint8Array.of(0x0c, 1, 2, 3, 4, 0),
        Uint8Array.of(0xff),
      ]) {
        await new Promise<void>((resolve) =>
          socket.send(bytes, a.bound.port, '127.0.0.1', () => resolve()),
        );
      }
      await until(() => a.dropped.malformed + a.dropped.crc >= 3, 2_000, 'three drops');
      expect(a.dropped.crc).to.equal(1);
      expect(a.dropped.malformed).to.equal(2);
    } finally {
      socket.close();
    }
    expect((await b.join([a.bound])).joined).to.equal(1);
  });

  it('refuses a plaintext stream while keyed, and a join with another key, saying why', async () => {
    const a = await member({ name: 'a', keyring: KEY ? new Keyring([KEY]) : null });
    const plain = await member({ name: 'plain' });
    const other = await member({
      name: 'other',
      keyring: OTHER_KEY ? new Keyring([OTHER_KEY]) : null,
    });
    const fromPlain = await plain.join([a.bound]);
    expect(fromPlain.joined).to.equal(0);
    const fromOther = await other.join([a.bound]);
    expect(fromOther.joined).to.equal(0);
    await until(() => a.dropped.stream >= 2, 2_000, 'two refused streams');
    expect(
      logs.some((l) => l.includes('refused a stream') && l.includes('not encrypted')),
    ).to.equal(true);
    expect(logs.some((l) => l.includes('refused a stream') && l.includes('no key opens'))).to.equal(
      true,
    );
    expect(a.liveMembers().map((m) => m.name)).to.deep.equal(['a']);
  });

  it('closes a stream that never completes a message after the TCP timeout, and one that sends garbage at once', async () => {
    const a = await member({ name: 'a', timings: { tcpTimeout: 300 } });
    const slow = connect({ host: '127.0.0.1', port: a.bound.port });
    slow.write(Uint8Array.of(0x06)); // a push/pull that never finishes
    const garbage = connect({ host: '127.0.0.1', port: a.bound.port });
    garbage.write(Uint8Array.of(0x04, 0xff, 0xff));
    const closed = (s: ReturnType<typeof connect>): Promise<void> =>
      new Promise((resolve) => {
        s.on('error', () => undefined);
        s.once('close', () => resolve());
      });
    await Promise.all([closed(slow), closed(garbage)]);
    expect(a.dropped.stream).to.equal(2);
  });
});
