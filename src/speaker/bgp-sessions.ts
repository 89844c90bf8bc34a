/**
 * Real BGP sessions for the speaker's BGP announcer: one `BgpSession` per
 * selected peer entry, with the peer's v0.9 settings and this node's name
 * (v0.9's myNode, whose CRC-32 is the router ID of last resort over IPv6).
 */
import { BgpSession } from '../bgp/index.js';
import type { Peer } from '../config/index.js';
import type { PeerSessionFactory } from './bgp.js';
import type { Log } from '../daemon/index.js';

export function bgpSessionFactory(log: Log, nodeName: string): PeerSessionFactory {
  return (peer: Peer, events) => {
    const session = new BgpSession({
      peerAddress: peer.address,
      port: peer.port,
      password: peer.password,
      settings: {
        localAsn: peer.myAsn,
        peerAsn: peer.peerAsn,
        holdTimeSeconds: peer.holdTimeSeconds,
        routerId: peer.routerId,
        nodeName,
      },
      events: {
        ...events,
        malformedUpdate: (reason) =>
          log({
            op: 'bgp',
            event: 'malformedUpdate',
            error: reason,
            msg: 'peer sent a malformed UPDATE; treated as withdraw (RFC 7606), session kept',
          }),
      },
    });
    session.start();
    return session;
  };
}
