/**
 * One Pod on a node, as its kubelet runs it: the service account's files,
 * each container's process (its command from the image, its environment
 * resolved, its output in a log file under the lab's folder, as under
 * /var/log/pods), and the Pod's status written whenever a container
 * changes. Ends on request: graceful termination, then the final delete.
 */
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { closeSync, mkdirSync, openSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { keepTransitionTimes } from '../conditions.js';
import { isObject, objectAt, stringAt, type JsonObject } from '../json.js';
import { Container, type Launch } from './container.js';
import { expand, resolveEnv } from './env.js';
import { APP_ROOT, containerCommand } from './image.js';
import { podStatus } from './pod-status.js';
import { probeSpec } from './probe.js';
import { withServiceAccount } from './process.js';
import type { StandInImages } from './stand-in.js';
import { podGraceSeconds } from './termination.js';

/** Where and how a node starts processes. */
export interface NodeRuntime {
  /** The node's InternalIP: every Pod's hostIP, and the podIP of hostNetwork Pods. */
  readonly address: string;
  /** Starts a hostNetwork Pod's process in the node's network namespace; absent: such Pods cannot run here. */
  readonly hostNetwork?: (argv: readonly string[], options: SpawnOptions) => ChildProcess;
  /** Where Pods on the Pod network run, and their address; absent: such Pods cannot run here. */
  readonly podNetwork?: {
    readonly address: string;
    readonly spawn: (argv: readonly string[], options: SpawnOptions) => ChildProcess;
  };
}

/** What every Pod of a kubelet shares. */
export interface PodContext {
  readonly runtime: NodeRuntime;
  /** The API server as Pods reach it: KUBERNETES_SERVICE_HOST and _PORT, and the CA. */
  readonly apiHost: string;
  readonly apiPort: number;
  readonly caPem: string;
  readonly tokenFor: (namespace: string, serviceAccount: string) => string;
  /** The Pod's latest stored object, or undefined once it is gone. */
  readonly read: () => JsonObject | undefined;
  readonly readObject: (
    kind: 'secret' | 'configMap',
    namespace: string,
    name: string,
  ) => JsonObject | undefined;
  readonly writeStatus: (status: JsonObject) => void;
  readonly folder: string;
  readonly isRoot: boolean;
  readonly track: (child: ChildProcess) => void;
  readonly now: () => Date;
  /** Test-only programs for images the lab cannot run (stand-in.ts). */
  readonly standIns: StandInImages;
}

/** How long a container whose environment or volumes are missing waits before it tries again. */
const RETRY_MS = 2_000;
/** The environment every process of the image has (Dockerfile ENV, and a PATH). */
const IMAGE_ENV = { NODE_ENV: 'production' };

export class PodWorker {
  private readonly containers: Container[];
  private readonly startTime: Date;
  private readonly podIP: string | undefined;
  private readonly spawnIn: NodeRuntime['hostNetwork'];
  private ending: Promise<void> | undefined;

  constructor(
    pod: JsonObject,
    private readonly context: PodContext,
  ) {
    const spec = objectAt(pod, 'spec');
    const hostNetwork = spec['hostNetwork'] === true;
    const { runtime } = context;
    this.spawnIn = hostNetwork ? runtime.hostNetwork : runtime.podNetwork?.spawn;
    this.podIP = hostNetwork ? runtime.address : runtime.podNetwork?.address;
    this.startTime = context.now();
    const list = Array.isArray(spec['containers']) ? spec['containers'].filter(isObject) : [];
    const probeHost = this.podIP ?? runtime.address;
    const graceSeconds = podGraceSeconds(pod);
    this.containers = list.map(
      (container) =>
        new Container({
          name: stringAt(container, 'name') ?? '',
          image: stringAt(container, 'image') ?? '',
          restartPolicy: stringAt(spec, 'restartPolicy') ?? 'Always',
          prepare: () => this.prepare(container, hostNetwork),
          readiness: probeSpec(container, 'readinessProbe', probeHost),
          liveness: probeSpec(container, 'livenessProbe', probeHost),
          changed: () => this.report(),
          retryMs: RETRY_MS,
          graceMs: graceSeconds * 1000,
        }),
    );
  }

  start(): void {
    mkdirSync(this.context.folder, { recursive: true });
    this.report();
    for (const container of this.containers) container.start();
  }

  /** The pids of its running containers. */
  get pids(): number[] {
    return this.containers.flatMap((c) => c.pid ?? []);
  }

  /** Ends every container (SIGTERM, SIGKILL after `graceMs`); resolves once all have exited. */
  end(graceMs: number): Promise<void> {
    this.ending ??= Promise.all(this.containers.map((c) => c.end(graceMs))).then(() =>
      rmSync(this.context.folder, { recursive: true, force: true }),
    );
    return this.ending;
  }

  private report(): void {
    if (this.ending !== undefined) return;
    const pod = this.context.read();
    if (pod === undefined) return;
    const next = podStatus(
      {
        hostIP: this.context.runtime.address,
        ...(this.podIP === undefined ? {} : { podIP: this.podIP }),
        startTime: this.startTime,
        containers: this.containers.map((c) => c.view),
      },
      this.context.now(),
    );
    const current = objectAt(pod, 'status');
    const status = keepTransitionTimes(current, next);
    if (JSON.stringify(current) !== JSON.stringify(status)) this.context.writeStatus(status);
  }

  /** The container's argv, environment and mounts, or why it cannot start. */
  private prepare(container: JsonObject, hostNetwork: boolean): Launch {
    const spawnIn = this.spawnIn;
    if (spawnIn === undefined || this.podIP === undefined)
      return {
        ok: false,
        reason: 'CreateContainerError',
        message: hostNetwork
          ? 'this node has no network namespace of its own for hostNetwork Pods: run the lab with --netns'
          : 'this node has no Pod network',
        retry: false,
      };
    const command = containerCommand(container, this.context.standIns);
    if (!command.ok) return { ...command, retry: false };
    const pod = this.context.read();
    if (pod === undefined)
      return { ok: false, reason: 'ContainerCreating', message: 'the Pod is gone', retry: false };
    const metadata = objectAt(pod, 'metadata');
    const namespace = stringAt(metadata, 'namespace') ?? '';
    const env = resolveEnv(pod, container, {
      hostIP: this.context.runtime.address,
      podIP: this.podIP,
      secret: (name) => this.context.readObject('secret', namespace, name),
      configMap: (name) => this.context.readObject('configMap', namespace, name),
      base: {
        KUBERNETES_SERVICE_HOST: this.context.apiHost,
        KUBERNETES_SERVICE_PORT: String(this.context.apiPort),
        KUBERNETES_SERVICE_PORT_HTTPS: String(this.context.apiPort),
      },
    });
    if (!env.ok)
      return { ok: false, reason: 'CreateContainerConfigError', message: env.message, retry: true };
    const account = stringAt(objectAt(pod, 'spec'), 'serviceAccountName') ?? 'default';
    const accountDir = join(this.context.folder, 'serviceaccount');
    mkdirSync(accountDir, { recursive: true });
    let token: string;
    try {
      token = this.context.tokenFor(namespace, account);
    } catch (error) {
      // The kubelet cannot mount the projected token: the container waits
      // in ContainerCreating and the mount is retried (a FailedMount Event
      // on a real node).
      const why = error instanceof Error ? error.message : String(error);
      return {
        ok: false,
        reason: 'ContainerCreating',
        message: `MountVolume.SetUp failed for volume "kube-api-access": ${why}`,
        retry: true,
      };
    }
    writeFileSync(join(accountDir, 'token'), token, { mode: 0o600 });
    writeFileSync(join(accountDir, 'ca.crt'), this.context.caPem);
    writeFileSync(join(accountDir, 'namespace'), namespace);
    // $(NAME) in command and args expands from the container's environment, as the kubelet does.
    const argv = command.argv.map((arg) => expand(arg, env.env));
    const name = stringAt(container, 'name') ?? 'container';
    return {
      ok: true,
      start: () => {
        const log = openSync(join(this.context.folder, `${name}.log`), 'a');
        try {
          const child = spawnIn(withServiceAccount(argv, accountDir, this.context.isRoot), {
            stdio: ['ignore', log, log],
            cwd: APP_ROOT,
            env: {
              ...IMAGE_ENV,
              PATH: process.env['PATH'] ?? '/usr/local/bin:/usr/bin:/bin',
              HOSTNAME: hostNetwork
                ? (stringAt(objectAt(pod, 'spec'), 'nodeName') ?? '')
                : (stringAt(metadata, 'name') ?? ''),
              ...env.env,
            },
          });
          this.context.track(child);
          return child;
        } finally {
          closeSync(log);
        }
      },
    };
  }
}

/** Starts a process in this machine's own namespaces (the lab without --netns). */
export function spawnHere(argv: readonly string[], options: SpawnOptions): ChildProcess {
  const [file = '', ...args] = argv;
  return spawn(file, args, options);
}
