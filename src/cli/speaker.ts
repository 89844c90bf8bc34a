/**
 * `metallb-ts speaker`: the speaker daemon with v0.9's flags and
 * environment (docs/COMPAT.md section 4), plus `--kubeconfig` and `--namespace`
 * for running outside a cluster, `--dry-run` (decide and log, send nothing)
 * and `--fast-failover` (memberlist timings for clusters of metallb-ts
 * speakers only). Serves `/metrics`, `/healthz` and `/readyz`; on SIGTERM it
 * leaves memberlist first, then stops answering.
 */
import type { Config } from '../config/index.js';
import type { Log } from '../daemon/index.js';
import { podIPLister, type BackoffOptions } from '../k8s/index.js';
import { FAST_TIMINGS, LAN_TIMINGS, type Timings } from 'memberlist-ts';
import { bgpMetrics, k8sClientMetrics, layer2Metrics, speakerMetrics } from '../metrics/index.js';
import {
  BgpAnnouncer,
  bgpSessionFactory,
  membershipConfig,
  SpeakerDaemon,
  SpeakerMembership,
  type AnnouncementSink,
  type BgpSink,
} from '../speaker/index.js';
import { daemonCommand, startDaemon, type DaemonPlace, type RunningDaemon } from './daemon-run.js';
import type { GoFlagSpecs } from './go-flags.js';
import { rawEnvironmentValue } from './raw-environment.js';
import type { CliIO } from './io.js';

export const SPEAKER_USAGE = `Usage: metallb-ts speaker [options]

Announces the addresses of LoadBalancer Services from this node, as the
MetalLB v0.9 speaker does: answers ARP and NDP for layer2 pools and announces
routes to the BGP peers of the config for bgp pools. Every option also reads
the environment variable of the v0.9 manifests named beside it. Flags are
read as v0.9 reads them (Go's flag package): -port 7472, -port=7472 and
--port 7472 alike; a bool flag is --dry-run or --dry-run=false.

  --node-name NAME     this node (METALLB_NODE_NAME)
  --host ADDR          address of /metrics, /healthz, /readyz (METALLB_HOST; default all)
  --port N             their port (default 80, as v0.9; the manifests pass
                       7472; 0 picks one)
  --config NAME        the ConfigMap to read (default: config)
  --ml-bindaddr ADDR   memberlist address: the node's (METALLB_ML_BIND_ADDR)
  --ml-bindport N      memberlist port (METALLB_ML_BIND_PORT, default 7946)
  --ml-labels SEL      labels of the speaker pods (METALLB_ML_LABELS)
  --ml-namespace NS    their namespace (METALLB_ML_NAMESPACE)
  --ml-secret-key KEY  memberlist encryption secret (METALLB_ML_SECRET_KEY)
  --fast-failover      detect dead speakers in under a second: only when every
                       speaker is metallb-ts (see the README)
  --dry-run            decide and log what would be announced; send no packets
  --kubeconfig FILE    run outside the cluster (default: in-cluster, or KUBECONFIG)
  --namespace NS       the namespace of the ConfigMap (default: the service account's)
  -h, --help           show this help
`;

export interface SpeakerStartOptions extends DaemonPlace {
  readonly nodeName: string;
  readonly configName: string;
  readonly dryRun: boolean;
  readonly timings: Timings;
  /** Memberlist settings as flags; the environment fills in the rest. */
  readonly memberlist: {
    readonly bindAddr?: string;
    readonly bindPort?: number;
    readonly labels?: string;
    readonly namespace?: string;
    /** Bytes where they came from the environment (raw-environment.ts). */
    readonly secret?: string | Uint8Array;
  };
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly backoff?: BackoffOptions;
}

export type RunningSpeaker = RunningDaemon<SpeakerDaemon>;

/** The BGP sink closes its sessions asynchronously (a Cease NOTIFICATION to each peer). */
interface BgpSinkClosing extends BgpSink {
  close(): Promise<void>;
}

interface ClosableSink extends AnnouncementSink {
  setConfig(config: Config): void;
  setNodeLabels(labels: Readonly<Record<string, string>>): void;
  close(): void;
}

export function startSpeaker(options: SpeakerStartOptions, log: Log): Promise<RunningSpeaker> {
  return startDaemon(
    options,
    log,
    async (access, registry) => {
      const layer2 = options.dryRun
        ? dryRunSink('layer2', log)
        : await (
            await import('../layer2/index.js')
          ).Layer2Announcer.start({
            metrics: layer2Metrics(registry),
            log: (level, msg, fields) => log({ level, op: 'layer2', msg, ...fields }),
          });
      const bgp: BgpSinkClosing = options.dryRun
        ? { ...dryRunSink('bgp', log), close: () => Promise.resolve() }
        : new BgpAnnouncer({
            log,
            metrics: bgpMetrics(registry),
            openSession: bgpSessionFactory(log, options.nodeName),
          });
      let membership: SpeakerMembership | null = null;
      const ml = membershipConfig(options.env, {
        nodeName: options.nodeName,
        ...options.memberlist,
      });
      if (ml.enabled) {
        membership = await SpeakerMembership.start(ml.settings, {
          listPeers: podIPLister(access.api, ml.settings.namespace, ml.settings.labels),
          log: (level, msg, fields) => log({ level, op: 'memberlist', msg, ...fields }),
          timings: options.timings,
          // Joined by the daemon once its informers have listed.
          deferJoin: true,
        });
      } else {
        log({ op: 'startup', event: 'memberlistOff', msg: ml.reason });
      }
      const daemon = new SpeakerDaemon({
        api: access.api,
        namespace: access.namespace,
        configName: options.configName,
        nodeName: options.nodeName,
        log,
        metrics: { k8s: k8sClientMetrics(registry), speaker: speakerMetrics(registry) },
        layer2,
        bgp,
        membership,
        ...(options.backoff === undefined ? {} : { backoff: options.backoff }),
      });
      const close = async (): Promise<void> => {
        layer2.close();
        await bgp.close();
      };
      return { daemon, close };
    },
    (namespace, port) => ({
      msg: 'speaker starting',
      node: options.nodeName,
      namespace,
      config: options.configName,
      port,
      dryRun: options.dryRun,
    }),
  );
}

/** Logs what a real sink would do: the lab's default speakers, which must send nothing. */
function dryRunSink(protocol: string, log: Log): ClosableSink {
  return {
    announce: ({ ip }) =>
      log({ op: protocol, event: 'wouldAnnounce', ip, msg: 'dry run: would announce' }),
    withdraw: ({ ip }) =>
      log({ op: protocol, event: 'wouldWithdraw', ip, msg: 'dry run: would withdraw' }),
    setConfig: () => undefined,
    setNodeLabels: () => undefined,
    close: () => undefined,
  };
}

/** The speaker's flags, read as Go's flag package reads them (go-flags.ts). */
export const SPEAKER_FLAGS = {
  // v0.9.6 speaker/main.go: its flags, whose defaults are the environment's values
  // (read below), and -port (int, 80).
  'node-name': { type: 'string' },
  host: { type: 'string' },
  port: { type: 'int', default: 80 },
  config: { type: 'string', default: 'config' },
  'ml-bindaddr': { type: 'string' },
  'ml-bindport': { type: 'string' },
  'ml-labels': { type: 'string' },
  'ml-namespace': { type: 'string' },
  'ml-secret-key': { type: 'string' },
  // metallb-ts's own.
  'fast-failover': { type: 'bool' },
  'dry-run': { type: 'bool' },
  kubeconfig: { type: 'string' },
  namespace: { type: 'string' },
} as const satisfies GoFlagSpecs;

export function speakerCommand(args: readonly string[], io: CliIO): Promise<number> {
  const env = process.env;
  return daemonCommand('speaker', SPEAKER_USAGE, args, io, SPEAKER_FLAGS, (values, log) => {
    const text = (name: keyof typeof values): string | undefined => {
      const value = values[name];
      return typeof value === 'string' ? value : undefined;
    };
    const port = values.port;
    const nodeName = text('node-name') ?? env['METALLB_NODE_NAME'] ?? '';
    if (nodeName === '') {
      io.stderr('metallb-ts speaker: --node-name or METALLB_NODE_NAME is required\n');
      return 2;
    }
    if (port < 0 || port > 65535) {
      io.stderr('metallb-ts speaker: --port must be a port number\n');
      return 2;
    }
    const bindPortText = text('ml-bindport');
    const bindPort = bindPortText === undefined ? undefined : Number(bindPortText);
    if (
      bindPort !== undefined &&
      (!Number.isInteger(bindPort) || bindPort < 1 || bindPort > 65535)
    ) {
      io.stderr('metallb-ts speaker: --ml-bindport must be a port number\n');
      return 2;
    }
    const host = text('host') ?? env['METALLB_HOST'];
    const secret = text('ml-secret-key') ?? rawEnvironmentValue('METALLB_ML_SECRET_KEY', env);
    const optional = <K extends string, V>(key: K, value: V | undefined) =>
      (value === undefined || value === '' ? {} : { [key]: value }) as Partial<Record<K, V>>;
    return {
      start: () =>
        startSpeaker(
          {
            nodeName,
            configName: text('config') ?? 'config',
            port,
            ...optional('host', host),
            ...optional('kubeconfig', text('kubeconfig')),
            ...optional('namespace', text('namespace')),
            dryRun: values['dry-run'],
            timings: values['fast-failover'] ? FAST_TIMINGS : LAN_TIMINGS,
            memberlist: {
              ...optional('bindAddr', text('ml-bindaddr')),
              ...optional('bindPort', bindPort),
              ...optional('labels', text('ml-labels')),
              ...optional('namespace', text('ml-namespace')),
              // v0.9: the flag, even empty, else the environment's bytes undecoded.
              ...(secret === undefined ? {} : { secret }),
            },
            env,
          },
          log,
        ),
      stopping: 'leaving memberlist, then withdrawing',
    };
  });
}
