/**
 * dialTcp on loopback, with the kernel as the peer that checks RFC 2385
 * signatures: a listening socket keyed with setTcpMd5 drops every SYN that
 * does not carry the right signature for its source address, and a listener
 * without a key drops every SYN that carries one. So a dial that connects
 * proves the key was on the socket before connect(), and one that times out
 * proves a wrong or missing key is not accepted.
 */
import { once } from 'node:events';
import { createServer, type Socket } from 'node:net';
import { expect } from 'chai';
import { dialTcp, type DialError, type DialTcpOptions } from '../../src/native/index.js';
import { until } from '../support/until.js';
import { closedPort, collectText, listenKeyed, openFdCount, type TestServer } from './fixtures.js';

const KEY = 'bgp-secret';
const SERVER_GREETING = 'hello from the listener';
const CLIENT_GREETING = 'hello from the dialler';
/** Long enough for a loopback connect on a busy machine, short enough for a refused SYN. */
const REFUSED_WITHIN_MS = 1_500;
const CONNECT_TIMEOUT_MS = 10_000;

/** Rejection of `promise`, or a failure when it resolves (closing the socket it got). */
async function rejection(promise: Promise<Socket>): Promise<DialError> {
  let socket: Socket | undefined;
  try {
    socket = await promise;
  } catch (error) {
    return error as DialError;
  }
  socket.destroy();
  throw new Error(`connected to ${socket.remoteAddress}:${socket.remotePort}, expected a failure`);
}

/** Both directions carry data: the greeting of each side arrives at the other. */
async function exchange(socket: Socket, server: TestServer): Promise<void> {
  const got = collectText(socket);
  socket.write(CLIENT_GREETING);
  await until(() => got() === SERVER_GREETING, 5_000, 'the listener greeting');
  await until(
    () => server.accepted[0]?.received === CLIENT_GREETING,
    5_000,
    'the dialler greeting at the listener',
  );
}

async function closeSocket(socket: Socket): Promise<void> {
  if (socket.destroyed) return;
  const closed = once(socket, 'close');
  socket.destroy();
  await closed;
}

let ipv6Loopback = false;
before(async function () {
  const probe = createServer();
  probe.on('error', () => undefined);
  probe.listen(0, '::1');
  ipv6Loopback = await Promise.race([
    once(probe, 'listening').then(() => true),
    once(probe, 'error').then(() => false),
  ]);
  probe.close();
});

describe('dialTcp with a TCP MD5 key (RFC 2385), on loopback', function () {
  this.timeout(30_000);
  let server: TestServer | undefined;
  afterEach(async function () {
    await server?.close();
    server = undefined;
  });

  it('connects to a listener with the same key, and data flows both ways', async function () {
    server = await listenKeyed('127.0.0.1', [{ peer: '127.0.0.1', key: KEY }], SERVER_GREETING);
    const socket = await dialTcp({
      host: '127.0.0.1',
      port: server.port,
      md5Key: KEY,
      timeoutMs: CONNECT_TIMEOUT_MS,
    });
    try {
      expect(socket.remoteAddress).to.equal('127.0.0.1');
      expect(socket.remotePort).to.equal(server.port);
      expect(socket.localAddress).to.equal('127.0.0.1');
      await exchange(socket, server);
      // The listener's view of the same connection: its peer is our local end.
      expect(server.accepted).to.have.length(1);
      expect(server.accepted[0]?.remotePort).to.equal(socket.localPort);
    } finally {
      await closeSocket(socket);
    }
  });

  it('does not connect with a wrong key or with none: ETIMEDOUT, and the listener sees nothing', async function () {
    server = await listenKeyed('127.0.0.1', [{ peer: '127.0.0.1', key: KEY }], SERVER_GREETING);
    for (const md5Key of [`${KEY}-wrong`, undefined]) {
      const started = Date.now();
      const options: DialTcpOptions = {
        host: '127.0.0.1',
        port: server.port,
        timeoutMs: REFUSED_WITHIN_MS,
        ...(md5Key === undefined ? {} : { md5Key }),
      };
      const error = await rejection(dialTcp(options));
      const took = Date.now() - started;
      expect(error.code, `${md5Key ?? 'no key'}: ${error.message}`).to.equal('ETIMEDOUT');
      expect(error).to.be.instanceOf(Error);
      expect(error.address).to.equal('127.0.0.1');
      expect(error.port).to.equal(server.port);
      expect(took, 'not before the deadline').to.be.at.least(REFUSED_WITHIN_MS - 50);
    }
    // A SYN retransmitted late would still show up here.
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(server.accepted).to.have.length(0);
  });

  it('signs its SYN: a listener without a key drops it, and takes an unkeyed dial', async function () {
    server = await listenKeyed('127.0.0.1', [], SERVER_GREETING);
    const error = await rejection(
      dialTcp({ host: '127.0.0.1', port: server.port, md5Key: KEY, timeoutMs: REFUSED_WITHIN_MS }),
    );
    expect(error.code).to.equal('ETIMEDOUT');
    expect(server.accepted).to.have.length(0);

    const socket = await dialTcp({
      host: '127.0.0.1',
      port: server.port,
      timeoutMs: CONNECT_TIMEOUT_MS,
    });
    try {
      expect(socket.remotePort).to.equal(server.port);
      await exchange(socket, server);
    } finally {
      await closeSocket(socket);
    }
  });

  it('treats an empty key as no key, as an empty v0.9 password', async function () {
    server = await listenKeyed('127.0.0.1', [], SERVER_GREETING);
    for (const md5Key of ['', new Uint8Array(0)]) {
      const socket = await dialTcp({
        host: '127.0.0.1',
        port: server.port,
        md5Key,
        timeoutMs: CONNECT_TIMEOUT_MS,
      });
      await closeSocket(socket);
    }
    expect(server.accepted).to.have.length(2);
  });

  it('binds the source address: localAddress shows it, and the key for it matches', async function () {
    // The listener has a key for 127.0.0.2 only, so the signed SYN is accepted
    // only if it left from 127.0.0.2, that is if bind() happened before connect().
    server = await listenKeyed('127.0.0.1', [{ peer: '127.0.0.2', key: KEY }], SERVER_GREETING);
    const socket = await dialTcp({
      host: '127.0.0.1',
      port: server.port,
      localAddress: '127.0.0.2',
      md5Key: KEY,
      timeoutMs: CONNECT_TIMEOUT_MS,
    });
    try {
      expect(socket.localAddress).to.equal('127.0.0.2');
      expect(socket.remoteAddress).to.equal('127.0.0.1');
      await exchange(socket, server);
      expect(server.accepted[0]?.remoteAddress).to.equal('127.0.0.2');
    } finally {
      await closeSocket(socket);
    }
    // From 127.0.0.1 the listener has no key for us: not accepted.
    const error = await rejection(
      dialTcp({ host: '127.0.0.1', port: server.port, md5Key: KEY, timeoutMs: REFUSED_WITHIN_MS }),
    );
    expect(error.code).to.equal('ETIMEDOUT');
  });

  it('binds the source address without a key too', async function () {
    server = await listenKeyed('127.0.0.1', [], SERVER_GREETING);
    const socket = await dialTcp({
      host: '127.0.0.1',
      port: server.port,
      localAddress: '127.0.0.3',
      timeoutMs: CONNECT_TIMEOUT_MS,
    });
    try {
      expect(socket.localAddress).to.equal('127.0.0.3');
      await until(() => server?.accepted.length === 1, 5_000, 'the connection');
      expect(server.accepted[0]?.remoteAddress).to.equal('127.0.0.3');
    } finally {
      await closeSocket(socket);
    }
  });

  it('takes a key of exactly 80 bytes, given as bytes', async function () {
    const key = Uint8Array.from({ length: 80 }, (_, i) => (i * 37 + 11) % 256);
    server = await listenKeyed('127.0.0.1', [{ peer: '127.0.0.1', key }], SERVER_GREETING);
    const socket = await dialTcp({
      host: '127.0.0.1',
      port: server.port,
      md5Key: key,
      timeoutMs: CONNECT_TIMEOUT_MS,
    });
    try {
      await exchange(socket, server);
    } finally {
      await closeSocket(socket);
    }
  });

  it('connects over IPv6 loopback with the key', async function () {
    if (!ipv6Loopback) this.skip();
    server = await listenKeyed('::1', [{ peer: '::1', key: KEY }], SERVER_GREETING);
    const socket = await dialTcp({
      host: '::1',
      port: server.port,
      md5Key: KEY,
      timeoutMs: CONNECT_TIMEOUT_MS,
    });
    try {
      expect(socket.remoteAddress).to.equal('::1');
      expect(socket.localAddress).to.equal('::1');
      expect(socket.remoteFamily).to.equal('IPv6');
      await exchange(socket, server);
    } finally {
      await closeSocket(socket);
    }
    const error = await rejection(
      dialTcp({ host: '::1', port: server.port, md5Key: 'wrong', timeoutMs: REFUSED_WITHIN_MS }),
    );
    expect(error.code).to.equal('ETIMEDOUT');
    expect(server.accepted).to.have.length(1);
  });

  it('dials an IPv4-mapped peer from an IPv6 socket, keyed as the IPv4 address', async function () {
    if (!ipv6Loopback) this.skip();
    // An IPv6 listener on ::ffff:127.0.0.1 sees IPv4 peers as mapped
    // addresses (ipv6(7)); the kernel keeps a mapped peer's key as IPv4.
    server = await listenKeyed(
      '::ffff:127.0.0.1',
      [{ peer: '127.0.0.1', key: KEY }],
      SERVER_GREETING,
    );
    const socket = await dialTcp({
      host: '::ffff:127.0.0.1',
      port: server.port,
      localAddress: '::ffff:127.0.0.1',
      md5Key: KEY,
      timeoutMs: CONNECT_TIMEOUT_MS,
    });
    try {
      expect(socket.remoteAddress).to.equal('::ffff:127.0.0.1');
      expect(socket.localAddress).to.equal('::ffff:127.0.0.1');
      await exchange(socket, server);
    } finally {
      await closeSocket(socket);
    }
    const error = await rejection(
      dialTcp({ host: '::ffff:127.0.0.1', port: server.port, timeoutMs: REFUSED_WITHIN_MS }),
    );
    expect(error.code).to.equal('ETIMEDOUT');
  });
});

describe('dialTcp failures', function () {
  this.timeout(30_000);

  it('rejects ECONNREFUSED for a closed port without a key, shaped as Node shapes it', async function () {
    const port = await closedPort('127.0.0.1');
    const error = await rejection(
      dialTcp({ host: '127.0.0.1', port, timeoutMs: CONNECT_TIMEOUT_MS }),
    );
    expect(error.code, error.message).to.equal('ECONNREFUSED');
    expect(error.syscall).to.equal('connect');
    expect(error.address).to.equal('127.0.0.1');
    expect(error.port).to.equal(port);
    expect(error.message).to.equal(`connect ECONNREFUSED 127.0.0.1:${port}`);
  });

  it('times out instead on a closed port with a key: Linux sends no unsigned RST to a signed SYN', async function () {
    // net/ipv4/tcp_ipv4.c, tcp_v4_send_reset: a reset to a segment that
    // carries an MD5 option is only sent when a listener on that port has a
    // key to sign it with (RFC 2385 section 2.0: every segment is signed).
    const port = await closedPort('127.0.0.1');
    const error = await rejection(
      dialTcp({ host: '127.0.0.1', port, md5Key: KEY, timeoutMs: REFUSED_WITHIN_MS }),
    );
    expect(error.code, error.message).to.equal('ETIMEDOUT');
    expect(error.syscall).to.equal('connect');
    expect(error.message).to.equal(
      `connect ETIMEDOUT 127.0.0.1:${port} (not connected within ${REFUSED_WITHIN_MS} ms)`,
    );
  });

  it('rejects EADDRNOTAVAIL for a source address this host does not have, sending nothing', async function () {
    const port = await closedPort('127.0.0.1');
    // 192.0.2.1 (RFC 5737) is on no interface here, so bind() fails before any packet.
    for (const md5Key of [KEY, undefined]) {
      const error = await rejection(
        dialTcp({
          host: '127.0.0.1',
          port,
          localAddress: '192.0.2.1',
          timeoutMs: CONNECT_TIMEOUT_MS,
          ...(md5Key === undefined ? {} : { md5Key }),
        }),
      );
      const path = md5Key === undefined ? 'net.connect' : 'addon';
      expect(error.code, `${path}: ${error.message}`).to.equal('EADDRNOTAVAIL');
      expect(error.syscall, path).to.equal('bind');
      expect(error.address, path).to.equal('192.0.2.1');
    }
  });

  it('refuses bad options before opening anything', async function () {
    const base = { host: '127.0.0.1', port: 179, timeoutMs: 1_000 };
    const cases: [DialTcpOptions, ErrorConstructor | RangeErrorConstructor, RegExp][] = [
      [{ ...base, md5Key: 'k'.repeat(81) }, RangeError, /at most 80 bytes, not 81/],
      [{ ...base, md5Key: new Uint8Array(81) }, RangeError, /at most 80 bytes/],
      // 27 euro signs are 81 bytes of UTF-8: bytes count, not characters.
      [{ ...base, md5Key: '\u20ac'.repeat(27) }, RangeError, /not 81/],
      [{ ...base, host: 'localhost' }, TypeError, /IPv4 or IPv6 address/],
      [{ ...base, host: 'fe80::1%lo' }, TypeError, /without a zone/],
      [{ ...base, localAddress: '::1' }, TypeError, /not an IPv4 address/],
      [{ ...base, port: 0 }, RangeError, /port/],
      [{ ...base, port: 65536 }, RangeError, /port/],
      [{ ...base, timeoutMs: 0 }, RangeError, /timeoutMs/],
      [{ ...base, timeoutMs: Number.NaN }, RangeError, /timeoutMs/],
    ];
    const before = openFdCount();
    for (const [options, type, message] of cases) {
      const error = await rejection(dialTcp(options));
      expect(error, JSON.stringify(options)).to.be.instanceOf(type);
      expect(error.message).to.match(message);
    }
    expect(openFdCount()).to.equal(before);
  });

  it('rejects ABORT_ERR when the signal aborts, closing the socket it opened', async function () {
    const server = await listenKeyed('127.0.0.1', [{ peer: '127.0.0.1', key: KEY }], '');
    try {
      const before = openFdCount();
      const controller = new AbortController();
      // The wrong key keeps the connect pending until the abort.
      const dial = dialTcp({
        host: '127.0.0.1',
        port: server.port,
        md5Key: 'wrong',
        timeoutMs: CONNECT_TIMEOUT_MS,
        signal: controller.signal,
      });
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(openFdCount(), 'the pending dial holds one socket').to.equal(before + 1);
      const reason = new Error('session stopped');
      controller.abort(reason);
      const error = await rejection(dial);
      expect(error.code).to.equal('ABORT_ERR');
      expect(error.name).to.equal('AbortError');
      expect(error.cause).to.equal(reason);
      expect(openFdCount(), 'after the abort').to.equal(before);

      // Already aborted: nothing is opened at all.
      const aborted = rejection(
        dialTcp({
          host: '127.0.0.1',
          port: server.port,
          md5Key: KEY,
          timeoutMs: CONNECT_TIMEOUT_MS,
          signal: AbortSignal.abort(reason),
        }),
      );
      expect(openFdCount()).to.equal(before);
      expect((await aborted).code).to.equal('ABORT_ERR');
      expect(server.accepted).to.have.length(0);
    } finally {
      await server.close();
    }
  });

  it('leaks no descriptor on any path of the keyed dial', async function () {
    const server = await listenKeyed('127.0.0.1', [{ peer: '127.0.0.1', key: KEY }], '');
    const refusedPort = await closedPort('127.0.0.1');
    try {
      const before = openFdCount();
      const base = { host: '127.0.0.1', md5Key: KEY, timeoutMs: 500 };
      const failures = await Promise.all([
        rejection(dialTcp({ ...base, port: refusedPort })),
        rejection(dialTcp({ ...base, port: server.port, md5Key: 'wrong' })),
        rejection(dialTcp({ ...base, port: server.port, localAddress: '192.0.2.1' })),
      ]);
      // The refused path of the addon (SO_ERROR) is tested in addon.test.ts.
      expect(failures.map((error) => error.code)).to.deep.equal([
        'ETIMEDOUT',
        'ETIMEDOUT',
        'EADDRNOTAVAIL',
      ]);
      expect(openFdCount(), 'after the failures').to.equal(before);

      const socket = await dialTcp({ ...base, port: server.port, timeoutMs: CONNECT_TIMEOUT_MS });
      expect(openFdCount(), 'the adopted socket').to.be.at.least(before + 1);
      await closeSocket(socket);
      await until(() => openFdCount() === before, 5_000, 'the adopted descriptor to close');
    } finally {
      await server.close();
    }
  });
});
