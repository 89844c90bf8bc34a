/**
 * The speaker's memberlist, set up as v0.9 sets it up (docs/COMPAT.md section 4):
 * member name = node name, the AES key derived from METALLB_ML_SECRET_KEY
 * with v0.9's quirk, peers found by listing the speaker pods and joined at
 * the shared bind port. It joins the pods it is not yet connected to every
 * minute and whenever a Node changes, refreshes the pod list every five
 * minutes, and tells the speaker which nodes are alive after every change,
 * so it can re-elect. Off, as in v0.9, unless bind address, labels and
 * namespace are all set.
 */
import { EventEmitter } from 'node:events';
import {
  formatAddr,
  Keyring,
  LAN_TIMINGS,
  Memberlist,
  parseEndpoint,
  v09SecretKey,
  type Endpoint,
  type LogLevel,
  type Timings,
} from 'memberlist-ts';

/** What v0.9 reads from its environment (or the matching flags). */
export interface MembershipSettings {
  /** METALLB_NODE_NAME / --node-name: the member name. */
  readonly nodeName: string;
  /** METALLB_ML_BIND_ADDR / --ml-bindaddr: the pod IP, which is the host IP. */
  readonly bindAddr: string;
  /** METALLB_ML_BIND_PORT / --ml-bindport: 7946 by default. */
  readonly bindPort: number;
  /** METALLB_ML_LABELS / --ml-labels: selects the speaker pods. */
  readonly labels: string;
  /** METALLB_ML_NAMESPACE / --ml-namespace: where the speaker pods run. */
  readonly namespace: string;
  /**
   * METALLB_ML_SECRET_KEY / --ml-secret-key: empty means no encryption.
   * Bytes where they came from the environment as the process received it
   * (src/cli/raw-environment.ts): v0.9's Go reads them undecoded, so a
   * secret that is not UTF-8 must give the same key here.
   */
  readonly secret: string | Uint8Array;
}

export type MembershipConfig =
  | { readonly enabled: true; readonly settings: MembershipSettings }
  /** Off: `invalid` says whether that is a mistake (a bad value) or v0.9's plain "not configured". */
  | { readonly enabled: false; readonly reason: string; readonly invalid: boolean };

/**
 * Reads the settings from the environment of the v0.9 manifests, flags
 * taking precedence. Memberlist is off when any of bind address, labels or
 * namespace is missing, exactly as v0.9 decides it.
 */
export function membershipConfig(
  env: Readonly<Record<string, string | undefined>>,
  flags: Partial<MembershipSettings> = {},
): MembershipConfig {
  const pick = (flag: string | undefined, name: string): string => flag ?? env[name] ?? '';
  const nodeName = pick(flags.nodeName, 'METALLB_NODE_NAME');
  const bindAddr = pick(flags.bindAddr, 'METALLB_ML_BIND_ADDR');
  const labels = pick(flags.labels, 'METALLB_ML_LABELS');
  const namespace = pick(flags.namespace, 'METALLB_ML_NAMESPACE');
  const secret = flags.secret ?? env['METALLB_ML_SECRET_KEY'] ?? '';
  const portText =
    flags.bindPort === undefined ? (env['METALLB_ML_BIND_PORT'] ?? '') : String(flags.bindPort);
  const missing = [
    bindAddr === '' ? 'METALLB_ML_BIND_ADDR' : undefined,
    labels === '' ? 'METALLB_ML_LABELS' : undefined,
    namespace === '' ? 'METALLB_ML_NAMESPACE' : undefined,
  ].filter((name): name is string => name !== undefined);
  if (missing.length > 0) {
    return {
      enabled: false,
      reason: `memberlist is off: ${missing.join(', ')} not set; node liveness comes from Kubernetes alone`,
      invalid: false,
    };
  }
  const bindPort = portText === '' ? 7946 : Number(portText);
  if (!Number.isInteger(bindPort) || bindPort < 1 || bindPort > 65535) {
    return {
      enabled: false,
      reason: `METALLB_ML_BIND_PORT "${portText}" is not a port`,
      invalid: true,
    };
  }
  if (nodeName === '') {
    return {
      enabled: false,
      reason: 'METALLB_NODE_NAME is not set: memberlist needs a member name',
      invalid: true,
    };
  }
  if (typeof parseEndpoint(bindAddr, bindPort) === 'string') {
    return {
      enabled: false,
      reason: `METALLB_ML_BIND_ADDR "${bindAddr}" is not an IP address`,
      invalid: true,
    };
  }
  return { enabled: true, settings: { nodeName, bindAddr, bindPort, labels, namespace, secret } };
}

export interface MembershipOptions {
  /** Lists the speaker pods' IPs (k8s podIPLister in the daemon). */
  readonly listPeers: () => Promise<string[]>;
  readonly log: (
    level: LogLevel,
    message: string,
    fields?: Record<string, string | number>,
  ) => void;
  /** How often to join the pods not yet in the cluster. v0.9: 1 minute. */
  readonly rejoinIntervalMs?: number;
  /** How often to list the pods again. v0.9: 5 minutes. */
  readonly refreshIntervalMs?: number;
  /** Protocol timings; v0.9 uses memberlist's LAN defaults. */
  readonly timings?: Partial<Timings>;
  /**
   * Bind at start but join nobody until `join()` is called: the speaker
   * calls it once its informers have listed, so that it is not a member the
   * others count on before it can decide anything (v0.9 binds in
   * speakerlist.New and first joins on its Node informer's first event).
   * Default false: `start` joins at once.
   */
  readonly deferJoin?: boolean;
}

export interface MembershipEvents {
  /** The names of the live members (alive or suspect, as v0.9's Members()) after any change. */
  change: [live: readonly string[]];
}

export class SpeakerMembership extends EventEmitter<MembershipEvents> {
  private peers: string[] = [];
  private rejoinTimer: NodeJS.Timeout | undefined;
  private refreshTimer: NodeJS.Timeout | undefined;
  private joining: Promise<void> | undefined;
  /** The first join was asked for (at start, or by `join()` with deferJoin). */
  private joinAllowed = false;
  private stopped = false;

  private constructor(
    private readonly member: Memberlist,
    private readonly settings: MembershipSettings,
    private readonly options: MembershipOptions,
  ) {
    super();
  }

  /** Binds, lists the speaker pods and joins them (with deferJoin: once `join()` is called). */
  static async start(
    settings: MembershipSettings,
    options: MembershipOptions,
  ): Promise<SpeakerMembership> {
    const key = v09SecretKey(settings.secret);
    const member = await Memberlist.create({
      name: settings.nodeName,
      bindAddr: settings.bindAddr,
      bindPort: settings.bindPort,
      keyring: key ? new Keyring([key]) : null,
      timings: { ...LAN_TIMINGS, ...options.timings },
      log: (level, message, fields) => options.log(level, message, fields),
    });
    const membership = new SpeakerMembership(member, settings, options);
    for (const kind of ['join', 'leave', 'update'] as const) {
      member.on(kind, (m) => {
        options.log('info', `memberlist ${kind}`, { node: m.name, addr: formatAddr(m.addr) });
        membership.emit('change', membership.live());
      });
    }
    await membership.refreshPeers();
    membership.refreshTimer = setInterval(
      () => void membership.refreshPeers(),
      options.refreshIntervalMs ?? 300_000,
    );
    if (options.deferJoin !== true) await membership.join();
    return membership;
  }

  /** Whether the first join is still to be asked for (deferJoin). */
  get waitingToJoin(): boolean {
    return !this.joinAllowed;
  }

  /**
   * Joins the listed pods not yet in the cluster, then every minute and on
   * every Node change; resolves once the first join is done (idempotent).
   */
  async join(): Promise<void> {
    if (this.stopped || this.joinAllowed) return this.joining;
    this.joinAllowed = true;
    this.rejoinTimer = setInterval(
      () => void this.joinMissing(),
      this.options.rejoinIntervalMs ?? 60_000,
    );
    await this.joinMissing();
  }

  /** Names of the live members, this node included: what the layer-2 election runs over. */
  live(): string[] {
    return this.member.liveMembers().map((m) => m.name);
  }

  /** The member itself, for metrics and debugging. */
  get memberlist(): Memberlist {
    return this.member;
  }

  /** A Node was added, changed or removed: a speaker may have come up, so join now (v0.9 does). */
  nodeChanged(): void {
    void this.joinMissing();
  }

  /** Leaves the cluster (up to 1 s, as v0.9) and stops. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    clearInterval(this.rejoinTimer);
    clearInterval(this.refreshTimer);
    await this.member.leave(1_000);
  }

  private async refreshPeers(): Promise<void> {
    try {
      this.peers = await this.options.listPeers();
    } catch (error) {
      // Keep the last list: the API server being away is no reason to forget peers.
      this.options.log('warn', 'cannot list the speaker pods', {
        namespace: this.settings.namespace,
        labels: this.settings.labels,
        error: error instanceof Error ? error.message : String(error),
      });
    }
  }

  /** Joins every listed pod IP that is not ourselves nor already a live member. One join at a time. */
  private joinMissing(): Promise<void> {
    if (this.stopped || !this.joinAllowed) return Promise.resolve();
    this.joining ??= this.doJoin().finally(() => {
      this.joining = undefined;
    });
    return this.joining;
  }

  private async doJoin(): Promise<void> {
    // An empty list (the API server was away at start) is worth asking again
    // at every rejoin rather than in five minutes.
    if (this.peers.length === 0) await this.refreshPeers();
    const known = new Set(this.member.liveMembers().map((m) => formatAddr(m.addr)));
    known.add(formatAddr(this.member.bound.addr));
    const targets: Endpoint[] = [];
    for (const ip of this.peers) {
      const endpoint = parseEndpoint(ip, this.settings.bindPort);
      if (typeof endpoint === 'string') continue;
      if (!known.has(formatAddr(endpoint.addr)))
        targets.push({ addr: endpoint.addr, port: this.settings.bindPort });
    }
    if (targets.length === 0) return;
    const result = await this.member.join(targets);
    if (result.joined > 0)
      this.options.log('info', 'joined memberlist peers', { count: result.joined });
    for (const error of result.errors)
      this.options.log('warn', 'memberlist join failed', { error });
  }
}
