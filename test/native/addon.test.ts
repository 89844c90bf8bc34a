/**
 * The addon's loader and its TCP MD5 function at the edge of JavaScript:
 * loading errors, argument checks, and setTcpMd5 on a loopback listener
 * (the kernel drops SYNs that lack the signature it expects).
 */
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { connect } from 'node:net';
import { expect } from 'chai';
import { ADDON_PATH, loadAddon, setTcpMd5 } from '../../src/native/index.js';
import { listenKeyed } from './fixtures.js';

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
