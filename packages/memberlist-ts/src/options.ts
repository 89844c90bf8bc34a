/**
 * The knobs of the gossip protocol, each beside memberlist's own default
 * (DefaultLANConfig, which v0.9 speakers use unchanged). All times are in
 * milliseconds.
 */
export interface Timings {
  /** How often one member is probed. memberlist ProbeInterval: 1 s. */
  readonly probeInterval: number;
  /** How long to wait for a direct ack before asking others. ProbeTimeout: 500 ms. */
  readonly probeTimeout: number;
  /** How many members are asked to probe on our behalf. IndirectChecks: 3. */
  readonly indirectChecks: number;
  /** How often queued gossip is sent. GossipInterval: 200 ms. */
  readonly gossipInterval: number;
  /** How many random members each gossip round goes to. GossipNodes: 3. */
  readonly gossipNodes: number;
  /** How long dead members still receive gossip, and are kept. GossipToTheDeadTime: 30 s. */
  readonly gossipToTheDeadTime: number;
  /** Full state exchange with one random member. PushPullInterval: 30 s (0 disables). */
  readonly pushPullInterval: number;
  /** Gossip retransmits = mult x ceil(log10(n + 1)). RetransmitMult: 4. */
  readonly retransmitMult: number;
  /** Suspicion minimum = mult x max(1, log10 n) x probe interval. SuspicionMult: 4. */
  readonly suspicionMult: number;
  /** Suspicion maximum = this x the minimum. SuspicionMaxTimeoutMult: 6. */
  readonly suspicionMaxTimeoutMult: number;
  /** Upper bound of the health multiplier. AwarenessMaxMultiplier: 8. */
  readonly awarenessMaxMultiplier: number;
  /** TCP exchange timeout (join, push/pull, fallback ping). TCPTimeout: 10 s. */
  readonly tcpTimeout: number;
  /** Skip the TCP fallback ping. DisableTcpPings: false. */
  readonly disableTcpPings: boolean;
  /** Largest datagram we build, gossip included. UDPBufferSize: 1400. */
  readonly udpBufferSize: number;
  /** Compress datagrams and streams (LZW) when it helps. EnableCompression: true. */
  readonly enableCompression: boolean;
  /**
   * How long a dead node's name stays reserved for its old address.
   * DeadNodeReclaimTime: 0, i.e. only a node that left may come back on a
   * new address (memberlist 0.2 behaviour).
   */
  readonly deadNodeReclaimTime: number;
}

/** memberlist DefaultLANConfig: what every v0.9 speaker runs. */
export const LAN_TIMINGS: Timings = {
  probeInterval: 1000,
  probeTimeout: 500,
  indirectChecks: 3,
  gossipInterval: 200,
  gossipNodes: 3,
  gossipToTheDeadTime: 30_000,
  pushPullInterval: 30_000,
  retransmitMult: 4,
  suspicionMult: 4,
  suspicionMaxTimeoutMult: 6,
  awarenessMaxMultiplier: 8,
  tcpTimeout: 10_000,
  disableTcpPings: false,
  udpBufferSize: 1400,
  enableCompression: true,
  deadNodeReclaimTime: 0,
};

/**
 * Timings for clusters where every member runs this package: probes five times
 * as often and a shorter suspicion, so a killed node is declared dead in
 * under a second instead of about six. The README says why this is safe
 * there and why not beside v0.9 speakers, whose LAN timings would suspect
 * our slower-to-answer peers less eagerly than we suspect them.
 */
export const FAST_TIMINGS: Timings = {
  ...LAN_TIMINGS,
  probeInterval: 200,
  probeTimeout: 100,
  gossipInterval: 50,
  suspicionMult: 2,
};
