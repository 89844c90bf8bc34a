/**
 * BgpSession (the I/O shell) against a small BGP peer in this test, over
 * loopback TCP: what v0.9.6 did on the wire, where the state machine's
 * tests cannot see it.
 *
 * - IPv4 routes go in the UPDATE's own fields to a peer whose OPEN has no
 *   multiprotocol capability (RFC 4760 section 8), and not to one that
 *   offered only IPv6 unicast: a deliberate difference from v0.9.6, which
 *   sent them to every peer (messages.go sendUpdate), see session.ts flush.
 * - The prefix counts: announced is what this connection sent, desired what
 *   the session was given (v0.9.6 stats.go pending_prefixes_total).
 * - Over IPv6 (::1) without router-id, the identifier is an IPv4 address of
 *   the interface holding our end: 127.0.0.1 on lo (v0.9.6 getRouterID).
 * - A peer that never sends its OPEN: NOTIFICATION Hold Timer Expired once
 *   the dial's deadline passes (v0.9.6 connect: one deadline).
 */
import { expect } from 'chai';
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import {
  BgpSession,
  MessageReader,
  decodeMessage,
  encodeMessage,
  mergeRoutes,
  type AdjRibOutRoute,
  type Capability,
  type Message,
  type SessionSettings,
} from '../../src/bgp/index.js';
import { formatCidr } from '../../src/ip/index.js';
import { until } from '../support/until.js';
import { AS4, cidr, ip } from './helpers.js';

const SETTINGS: SessionSettings = {
  localAsn: 64512,
  peerAsn: 64513,
  holdTimeSeconds: 90,
  routerId: null,
  nodeName: 'node-1',
  connectTimeoutMs: 400,
  backoff: { initialMs: 50, maxMs: 200 },
};

function route(prefix: string): AdjRibOutRoute {
  return { prefix: cidr(prefix), localPref: 0, communities: [] };
}

/** A peer that answers OPEN with `capabilities` (or never, when null) and records what it gets. */
class TestPeer {
  readonly received: Message[] = [];
  private server: Server | undefined;
  private readonly sockets: Socket[] = [];

  constructor(private readonly capabilities: readonly Capability[] | null) {}

  async listen(host: string): Promise<number> {
    const server = createServer((socket) => this.serve(socket));
    this.server = server;
    await new Promise<void>((resolve) => server.listen(0, host, resolve));
    return (server.address() as AddressInfo).port;
  }

  private serve(socket: Socket): void {
    this.sockets.push(socket);
    const reader = new MessageReader();
    socket.on('error', () => undefined);
    socket.on('data', (chunk: Buffer) => {
      reader.push(chunk);
      for (let next = reader.next(); next?.kind === 'message'; next = reader.next()) {
        const result = decodeMessage(next.bytes, AS4);
        if (!result.ok) continue;
        this.received.push(result.message);
        if (result.message.type === 'open' && this.capabilities !== null) {
          const open: Message = {
            type: 'open',
            version: 4,
            myAs: 64513,
            holdTime: 90,
            bgpId: 0xc0000201,
            capabilities: this.capabilities,
          };
          socket.write(encodeMessage(open, AS4));
          socket.write(encodeMessage({ type: 'keepalive' }, AS4));
        }
      }
    });
  }

  of<T extends Message['type']>(type: T): Extract<Message, { type: T }>[] {
    return this.received.filter((m): m is Extract<Message, { type: T }> => m.type === type);
  }

  close(): void {
    for (const socket of this.sockets) socket.destroy();
    this.server?.close();
  }
}

const running: { session: BgpSession; peer: TestPeer }[] = [];

async function connect(
  host: string,
  capabilities: readonly Capability[] | null,
): Promise<{ session: BgpSession; peer: TestPeer; counts: [number, number][]; downs: string[] }> {
  const peer = new TestPeer(capabilities);
  const port = await peer.listen(host);
  const counts: [number, number][] = [];
  const downs: string[] = [];
  const session = new BgpSession({
    peerAddress: ip(host),
    port,
    password: null,
    settings: SETTINGS,
    events: {
      up: () => undefined,
      down: (reason) => downs.push(reason),
      updatesSent: () => undefined,
      prefixes: (announced, desired) => counts.push([announced, desired]),
      malformedUpdate: () => undefined,
    },
  });
  running.push({ session, peer });
  return { session, peer, counts, downs };
}

describe('bgp session on the wire (a test peer on loopback)', function () {
  this.timeout(10_000);

  afterEach(async () => {
    for (const { session, peer } of running.splice(0)) {
      await session.close();
      peer.close();
    }
  });

  it('sends IPv4 routes to a peer without multiprotocol capability; none to one that offered only IPv6', async () => {
    const noMultiprotocol = await connect('127.0.0.1', [{ kind: 'fourOctetAs', asn: 64513 }]);
    const { session, peer, counts } = noMultiprotocol;
    session.setRoutes(mergeRoutes([route('203.0.113.10/32'), route('2001:db8:203::10/128')]));
    session.start();
    await until(() => peer.of('update').length > 0, 5000, 'an UPDATE');
    const [update] = peer.of('update');
    expect(update?.nlri.map(formatCidr)).to.deep.equal(['203.0.113.10/32']);
    expect(update?.attributes.nextHop).to.deep.equal(ip('127.0.0.1'));
    // The IPv6 route has no IPv6 next hop on an IPv4 connection: not sent.
    expect(peer.of('update').some((u) => u.attributes.mpReach !== undefined)).to.equal(false);
    // v0.9.6 stats.go: pending is the count given (2), announced what was sent (0, then 1).
    expect(counts[0]).to.deep.equal([0, 2]);
    await until(() => counts.some(([announced]) => announced === 1), 5000, 'announced 1');
    expect(counts.at(-1)).to.deep.equal([1, 2]);

    const ipv6Only = await connect('127.0.0.1', [
      { kind: 'multiprotocol', afi: 2, safi: 1 },
      { kind: 'fourOctetAs', asn: 64513 },
    ]);
    ipv6Only.session.setRoutes(mergeRoutes([route('203.0.113.10/32')]));
    ipv6Only.session.start();
    await until(() => ipv6Only.peer.of('keepalive').length > 0, 5000, 'Established');
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(ipv6Only.peer.of('update')).to.deep.equal([]);
    expect(ipv6Only.counts.at(-1)).to.deep.equal([0, 1]);
  });

  it('over IPv6 without router-id, identifies itself by an IPv4 address of the interface (127.0.0.1 on lo)', async () => {
    const { session, peer } = await connect('::1', [{ kind: 'fourOctetAs', asn: 64513 }]);
    session.start();
    await until(() => peer.of('open').length > 0, 5000, 'our OPEN');
    // 127.0.0.1 as a 32-bit BGP Identifier.
    expect(peer.of('open')[0]?.bgpId).to.equal(0x7f000001);
  });

  it("gives up a peer that never sends its OPEN at the dial's deadline, with Hold Timer Expired", async () => {
    const { session, peer, downs } = await connect('127.0.0.1', null);
    session.start();
    await until(() => downs.length > 0, 5000, 'the session down');
    expect(downs[0]).to.contain('no OPEN from the peer within 400 ms');
    await until(() => peer.of('notification').length > 0, 2000, 'the NOTIFICATION');
    expect(peer.of('notification')[0]).to.include({ code: 4, subcode: 0 });
  });
});
