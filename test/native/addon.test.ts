/**
 * The addon's loader and its TCP functions at the edge of JavaScript:
 * loading errors, argument checks, and setTcpMd5 on a loopback listener
 * (the kernel drops SYNs that lack the signature it expects).
 */
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { connect } from 'node:net';
import { expect } from 'chai';
import { ADDON_PATH, loadAddon, nativeAddon, setTcpMd5 } from '../../src/native/index.js';
import { closedPort, listenKeyed, openFdCount } from './fixtures.js';

/** The `code` of an error the addon called back with. */
function codeOf(error: Error | null): unknown {
  return error === null ? undefined : Reflect.get(error, 'code');
}

describe('native addon loading and argument checks', function () {
  it('says how to build the addon when it is missing', function () {
    expect(() => loadAddon('/nonexistent/metallb_native.node')).to.throw(
      'the native addon is not built (/nonexistent/metallb_native.node is missing): run npm ci',
    );
  });

  it('is built where the loader looks for it (npm ci builds it)', function () {
    expect(existsSync(ADDON_PATH), ADDON_PATH).to.equal(true);
    expect(ADDON_PATH).to.match(/\/build\/Release\/metallb_native\.node$/);
    expect(ADDON_PATH).not.to.match(/\/dist\//);
  });

  it('refuses a TCP MD5 key longer than 80 bytes and a descriptor that is not a socket', function () {
    expect(() => setTcpMd5(0, '192.0.2.1', 'k'.repeat(81))).to.throw(RangeError, /80 bytes/);
    expect(() => setTcpMd5(0x7ffffff0, '192.0.2.1', 'secret')).to.throw(/EBADF|Bad file/);
  });

  it('TcpDial refuses bad arguments and unusable addresses at once, opening nothing', async function () {
    const { TcpDial } = nativeAddon();
    const port = await closedPort('127.0.0.1');
    const noop = (): void => undefined;
    const before = openFdCount();
    expect(() => new TcpDial('localhost', port, null, null, noop)).to.throw(TypeError, /host/);
    expect(() => new TcpDial('127.0.0.1', 0, null, null, noop)).to.throw(RangeError, /port/);
    expect(() => new TcpDial('127.0.0.1', 1.5, null, null, noop)).to.throw(RangeError, /port/);
    expect(() => new TcpDial('127.0.0.1', port, '::1', null, noop)).to.throw(
      TypeError,
      /localAddress/,
    );
    expect(() => new TcpDial('127.0.0.1', port, null, new Uint8Array(81), noop)).to.throw(
      RangeError,
      /80 bytes/,
    );
    // bind() fails before any packet: 192.0.2.1 (RFC 5737) is on no interface here.
    expect(() => new TcpDial('127.0.0.1', port, '192.0.2.1', null, noop))
      .to.throw(/bind/)
      .with.property('code', 'EADDRNOTAVAIL');
    expect(openFdCount()).to.equal(before);
  });

  it('TcpDial calls back exactly once, and cancel() after that does nothing', async function () {
    const { TcpDial } = nativeAddon();
    const port = await closedPort('127.0.0.1');
    const calls: [unknown, number][] = [];
    let resolveDone: () => void = () => undefined;
    const done = new Promise<void>((resolve) => (resolveDone = resolve));
    const dial = new TcpDial('127.0.0.1', port, null, null, (error, fd) => {
      calls.push([codeOf(error), fd]);
      resolveDone();
    });
    await done;
    dial.cancel();
    dial.cancel();
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(calls).to.deep.equal([['ECONNREFUSED', -1]]);
  });

  it('TcpDial cancel() calls back with ABORT_ERR once, synchronously', async function () {
    const { TcpDial } = nativeAddon();
    // The listener wants a key we do not sign with: the dial stays pending.
    const server = await listenKeyed('127.0.0.1', [{ peer: '127.0.0.1', key: 'secret' }], '');
    try {
      const before = openFdCount();
      const calls: unknown[] = [];
      const dial = new TcpDial('127.0.0.1', server.port, null, null, (error) => {
        calls.push(codeOf(error));
      });
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect(calls, 'pending').to.deep.equal([]);
      expect(openFdCount()).to.equal(before + 1);
      dial.cancel();
      expect(calls).to.deep.equal(['ABORT_ERR']);
      expect(openFdCount()).to.equal(before);
      dial.cancel();
      expect(calls).to.have.length(1);
    } finally {
      await server.close();
    }
  });
});

/** Whether a plain (unsigned) TCP connection to the port is accepted within `ms`. */
async function plainConnectWorks(port: number, ms: number): Promise<boolean> {
  const socket = connect({ host: '127.0.0.1', port });
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      once(socket, 'connect').then(() => true),
      new Promise<boolean>((resolve) => {
        timer = setTimeout(() => resolve(false), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
    socket.destroy();
  }
}

describe('setTcpMd5 (RFC 2385) on loopback', function () {
  it('makes a listener ignore unsigned SYNs from that peer, and removing the key undoes it', async function () {
    const server = await listenKeyed('127.0.0.1', [], '');
    try {
      expect(await plainConnectWorks(server.port, 1_000), 'before the key').to.equal(true);
      const fd = server.fd;
      setTcpMd5(fd, '127.0.0.1', 'secret');
      // The kernel drops a SYN without the signature the listener expects.
      expect(await plainConnectWorks(server.port, 1_000), 'with the key').to.equal(false);
      setTcpMd5(fd, '127.0.0.1', '');
      expect(await plainConnectWorks(server.port, 1_000), 'after removal').to.equal(true);
    } finally {
      await server.close();
    }
  });
});
