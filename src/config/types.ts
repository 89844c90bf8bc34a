/**
 * The typed result of parsing a MetalLB v0.9 `config` ConfigMap
 * (docs/COMPAT.md section 1). Every value here has been validated: a Config
 * exists only when the whole text was valid, as v0.9 rejects a config as
 * a whole.
 */
import type { Cidr, IPAddress } from '../ip/index.js';

export type Protocol = 'layer2' | 'bgp';

/** One entry of a pool's `addresses` list, as written and as prefixes. */
export interface AddressEntry {
  /** The entry as written in the config (`192.168.0.150-192.168.0.200`). */
  readonly text: string;
  /**
   * A CIDR entry masked, or a range split into its minimal prefixes,
   * ascending; IPv4-mapped ones as IPv4. Empty for a range that ends
   * before it starts or mixes families, which v0.9 accepted as no address.
   */
  readonly cidrs: readonly Cidr[];
}

export interface BgpAdvertisement {
  /** Prefix length a Service IP is rolled up to before it is announced (default 32). */
  readonly aggregationLength: number;
  /**
   * metallb-ts opt-in (`aggregation-length-v6`, a key v0.9 does not know):
   * the prefix length IPv6 Service IPs are rolled up to and announced with
   * MP-BGP. null (absent) means IPv6 addresses of the pool are not
   * advertised, as v0.9 could not.
   */
  readonly aggregationLengthV6: number | null;
  /** LOCAL_PREF, sent to iBGP peers only (default 0). */
  readonly localPref: number;
  /** COMMUNITIES values (`A<<16 | B`), aliases resolved, unique, ascending. */
  readonly communities: readonly number[];
}

export interface Pool {
  readonly name: string;
  readonly protocol: Protocol;
  readonly entries: readonly AddressEntry[];
  /** All prefixes of the pool: entries in config order, each entry's prefixes ascending. */
  readonly cidrs: readonly Cidr[];
  /** IPv4 addresses ending in .0 or .255 are never handed out (default false). */
  readonly avoidBuggyIps: boolean;
  /** false: only explicit requests take from this pool (default true). */
  readonly autoAssign: boolean;
  /** Empty for layer2 pools; at least one for bgp pools. */
  readonly bgpAdvertisements: readonly BgpAdvertisement[];
  /** Usable addresses (buggy ones excluded when avoidBuggyIps), exact. */
  readonly addressCount: bigint;
}

export type SelectorOperator = 'In' | 'NotIn' | 'Exists' | 'DoesNotExist';

export interface SelectorRequirement {
  readonly key: string;
  readonly operator: SelectorOperator;
  readonly values: readonly string[];
}

/** A Kubernetes label selector; an empty one matches every node. */
export interface NodeSelector {
  readonly matchLabels: Readonly<Record<string, string>>;
  readonly matchExpressions: readonly SelectorRequirement[];
}

export interface Peer {
  readonly myAsn: number;
  readonly peerAsn: number;
  readonly address: IPAddress;
  /** TCP port to dial (default 179). */
  readonly port: number;
  /**
   * The hold time of our OPEN, in whole seconds: 0 or 3..65535 (default
   * 90). A `hold-time` above 65535 s is what v0.9 put in its OPEN,
   * `uint16(seconds)` (internal/bgp/messages.go sendOpen): the seconds
   * modulo 65536, 0 from 2^31 s on; where that gives 1 or 2 (which peers
   * refuse, RFC 4271 section 6.2), 3.
   */
  readonly holdTimeSeconds: number;
  /**
   * BGP identifier, always IPv4; null means "the speaker's own choice", as
   * without `router-id`. An IPv6 `router-id` is null: v0.9 dropped it when
   * it opened the session (internal/bgp New keeps `routerID.To4()`).
   */
  readonly routerId: IPAddress | null;
  /** TCP MD5 signature key (RFC 2385), null when unset. */
  readonly password: string | null;
  /** The peer is for nodes matching ANY selector; an empty list means every node. */
  readonly nodeSelectors: readonly NodeSelector[];
}

/**
 * A metallb-ts balancer class (docs/SCALEOUT.md): a group of nodes that
 * spreads each of its Services over several addresses, one node each. It
 * lives in the ConfigMap's `balancer-classes` data key, which v0.9 never
 * reads.
 */
export interface BalancerClass {
  /** Unique among classes, and distinct from every address pool's name. */
  readonly name: string;
  /**
   * The class's addresses as a layer 2 pool of the class's name, with
   * `autoAssign` false: only the class's own Services draw from it, and its
   * addresses overlap no address pool.
   */
  readonly pool: Pool;
  /** The balancer nodes: those matching ANY selector; an empty list means every node. */
  readonly nodeSelectors: readonly NodeSelector[];
  /** Addresses per Service unless the Service asks for another number (default 2). */
  readonly ipsPerService: number;
}

export interface Config {
  /** In config order. */
  readonly pools: readonly Pool[];
  /** In config order, repeats kept: v0.9 opened one session per entry. */
  readonly peers: readonly Peer[];
  /** `bgp-communities` aliases and their values. */
  readonly communities: ReadonlyMap<string, number>;
  /** From the `balancer-classes` data key, in its order; empty without one. */
  readonly balancerClasses: readonly BalancerClass[];
}

/** One problem in a config: where (key path and 1-based line) and what. */
export interface ConfigError {
  /** Key path such as `address-pools[1].addresses[0]`; empty for the document itself. */
  readonly path: string;
  /** 1-based line in the config text, or null where the text has none. */
  readonly line: number | null;
  readonly message: string;
}

/**
 * Something v0.9 accepted that metallb-ts accepts too, with the meaning
 * v0.9 gave it, though it is probably not what the author meant (a range
 * written end first, a fraction where a whole number goes): where, and what
 * v0.9 made of it. `config validate --strict` refuses a config with one.
 */
export interface ConfigWarning {
  /** Key path, as in ConfigError. */
  readonly path: string;
  /** 1-based line in the config text, or null where the text has none. */
  readonly line: number | null;
  /** What was written and what v0.9 (and so metallb-ts) makes of it. */
  readonly message: string;
}

export type ConfigResult =
  | {
      readonly ok: true;
      readonly config: Config;
      /** In the order of the text; empty for a config v0.9 read as written. */
      readonly warnings: readonly ConfigWarning[];
    }
  | { readonly ok: false; readonly errors: readonly ConfigError[] };
