/**
 * The shapes of the router harness (see index.ts for the overview): what a
 * test asks for (RouterSpec), what it reads back (RibRoute), and what it can
 * do with a running router (Router). Kept free of any router's syntax, so a
 * test reads the same whichever implementation it runs against.
 */

/** GoBGP (`gobgpd`), BIRD 2 (`bird`) or FRR (`bgpd`, with `zebra` for ECMP). */
export type RouterKind = 'gobgp' | 'bird' | 'frr';

export const ROUTER_KINDS: readonly RouterKind[] = ['gobgp', 'bird', 'frr'];

/** One BGP neighbour of the router. */
export interface RouterPeerSpec {
  /** Where the peer's connections come from (and, for an active router, where it dials). */
  address: string;
  /** The peer's AS; equal to the router's own for iBGP. Up to 4294967295. */
  asn: number;
  /** TCP MD5 signature key (RFC 2385); printable ASCII without spaces or quotes. */
  password?: string;
  /** Hold time the router offers this peer (>= 3); keepalive is a third of it. Default: the router's own. */
  holdTimeSeconds?: number;
  /** Address families the session carries (multiprotocol); default both. */
  families?: readonly (4 | 6)[];
  /** Only for an active router (GoBGP): the port it dials. */
  port?: number;
}

export interface RouterSpec {
  kind: RouterKind;
  asn: number;
  /** An IPv4 address (BGP identifiers are 32 bits). */
  routerId: string;
  /**
   * The addresses it listens on: 127.0.0.1 and/or ::1 on the host, or
   * addresses inside `netns`. A peer is served from the listen address of
   * its own family. Unused by an active router.
   */
  listenAddresses: readonly string[];
  /** The TCP port; 0 or absent: a free one is picked. */
  port?: number;
  /** Run inside this network namespace (created by the test; `ip netns exec`). */
  netns?: string;
  peers: readonly RouterPeerSpec[];
  /**
   * true (default): the router only listens, the speaker under test dials.
   * false is for GoBGP only, to stand in for a speaker in the harness's own
   * tests: it dials every peer at `peer.port`.
   */
  passive?: boolean;
  /**
   * Install received routes into the kernel table of `netns`, several next
   * hops of equally good paths as one multipath route (BIRD: `merge paths`
   * in its kernel protocol; FRR: zebra and `maximum-paths`). Never on the
   * host's own table: refused without `netns`. Not for GoBGP.
   */
  ecmp?: boolean;
}

/** One path of the router's RIB, the same for every router kind. */
export interface RibRoute {
  /** Normalised: '203.0.113.10/32', '2001:db8:1::/64'. */
  prefix: string;
  /** The BGP next hop attribute (IPv6: global first, then a link-local one when sent). */
  nextHops: string[];
  /** AS numbers in path order (sets flattened in place); [] for a route from an iBGP peer. */
  asPath: number[];
  /**
   * LOCAL_PREF as the router holds it, or null when it holds none. On eBGP
   * routes BIRD assigns its default (100); GoBGP and FRR hold none.
   */
  localPref: number | null;
  /** Standard communities as 'A:B', sorted numerically (A, then B). */
  communities: string[];
  origin: 'igp' | 'egp' | 'incomplete';
  /** The neighbour address it came from; absent for a route the router originated. */
  fromPeer?: string;
}

/** The FSM states of RFC 4271, lower case, as every router's own name maps onto them. */
export type SessionState =
  'idle' | 'connect' | 'active' | 'opensent' | 'openconfirm' | 'established';

/** A router process under the test's control. */
export interface Router {
  readonly kind: RouterKind;
  readonly spec: Readonly<RouterSpec>;
  /** The port it listens on (fixed at the first start, kept across restarts). */
  readonly port: number;
  /** The pid of the BGP daemon (gobgpd, bird, bgpd); throws when it is not running. */
  pid(): number;
  running(): boolean;
  /** Writes its config in a fresh temporary folder and starts it; resolves once it answers its control socket. */
  start(): Promise<void>;
  /** SIGTERM (SIGKILL after 3 s), then removes its folder. Idempotent. */
  stop(): Promise<void>;
  /** stop() and start(), same port and config. */
  restart(): Promise<void>;
  /** SIGSTOP to the BGP daemon: it sends nothing, so its peers' hold timers run out. */
  pause(): void;
  /** SIGCONT. */
  resume(): void;
  /** Every path the router holds for the family, one entry per path (per peer), sorted by prefix then peer. */
  routes(family: 4 | 6): Promise<RibRoute[]>;
  /** The session with the peer at this address, in RFC 4271 terms. */
  sessionState(peerAddress: string): Promise<SessionState>;
  established(peerAddress: string): Promise<boolean>;
  /** What it printed and logged so far (the end of it), for failure messages. */
  logs(): string;
}
