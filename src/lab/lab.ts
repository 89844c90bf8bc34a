/**
 * The lab: an in-process Kubernetes API server (store, verbs, the parts of
 * the control plane our daemons observe) on 127.0.0.1. Start it, point a
 * client at `kubeconfigPath` (or `server` + `token`), stop it.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import type { Server } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WorkloadControllers } from './controllers/index.js';
import { EndpointsController } from './endpoints.js';
import { Faults, type FaultCommand } from './faults.js';
import { writeKubeconfig } from './kubeconfig.js';
import { PodSecurityAdmission } from './pod-security/index.js';
import { Kubelet, PodTermination } from './kubelet/index.js';
import { Registry } from './registry.js';
import {
  BOOTSTRAP_CLUSTER_ROLE_BINDINGS,
  BOOTSTRAP_CLUSTER_ROLES,
  LabAccess,
  type AuthorizationRecord,
} from './rbac/index.js';
import { findKind, findResource, RESOURCES, type ResourceType } from './resources.js';
import { objectAt, stringAt, type JsonObject } from './json.js';
import { createLabServer } from './server.js';
import { DEFAULT_SERVICE_NETWORK, ServiceAdmission, type ServiceNetwork } from './services.js';
import { ServiceAccountController } from './service-accounts.js';
import { Store } from './store.js';
import { tableText } from './table.js';
import { selfSignedCertificate } from './tls.js';
import {
  CURRENT_VERSION,
  gitVersion,
  parseKubernetesVersion,
  type KubernetesVersion,
} from './versions.js';
import { WorkloadAdmission } from './workloads.js';

export interface LabOptions {
  /** 0 (default) picks a free port. */
  readonly port?: number;
  /**
   * The address to serve on (default 127.0.0.1). `lab --netns` serves on its
   * bridge's address so that speakers in the node namespaces reach it.
   */
  readonly host?: string;
  /** Where to write the kubeconfig; default: a new private temporary folder. */
  readonly kubeconfigPath?: string;
  readonly serviceNetwork?: ServiceNetwork;
  /** The clock for timestamps and ages (tests may fix it). */
  readonly now?: () => Date;
  readonly bookmarkIntervalMs?: number;
  /**
   * The Kubernetes release to answer as, `1.19` to `1.32` (default 1.32):
   * /version, discovery and routing serve only that release's API
   * groups and versions (versions.ts), and it decides the pod admission:
   * PodSecurityPolicy up to 1.24, Pod Security Admission from 1.23.
   * Anything else throws.
   */
  readonly kubernetesVersion?: string;
  /**
   * Run what is applied: the DaemonSet and Deployment controllers and the
   * scheduler make Pods, and Pods on a node of `startKubelet()`'s end
   * gracefully. Off by default: the lab then stores workloads and runs nothing.
   */
  readonly workloads?: boolean;
}

const ONE_YEAR_SECONDS = 365 * 24 * 3600;

/** Namespaces every cluster starts with. */
const INITIAL_NAMESPACES = ['default', 'kube-system', 'kube-public', 'kube-node-lease'];

export class Lab {
  readonly store = new Store();
  readonly registry: Registry;
  readonly faults = new Faults();
  /** The administrator's token: a member of system:masters, allowed every request. */
  readonly token = randomBytes(24).toString('hex');
  private readonly access: LabAccess;
  private server: Server | undefined;
  private tempDir: string | undefined;
  private url = '';
  private configPath = '';
  private ca = '';
  private controllers: WorkloadControllers | undefined;
  private kubeletInstance: Kubelet | undefined;

  private constructor(private readonly options: LabOptions) {
    const now = options.now ?? (() => new Date());
    const release =
      options.kubernetesVersion === undefined
        ? CURRENT_VERSION
        : parseKubernetesVersion(options.kubernetesVersion);
    this.registry = new Registry(this.store, now, release);
    this.registry.addAdmission(
      new ServiceAdmission(options.serviceNetwork ?? DEFAULT_SERVICE_NETWORK),
    );
    this.registry.addAdmission(new WorkloadAdmission());
    this.access = new LabAccess(this.store, this.token, now);
    this.registry.addAdmission(
      new PodSecurityAdmission(this.store, release.minor, (account, policy) =>
        this.access.mayUsePolicy(account, policy),
      ),
    );
    if (options.workloads === true) {
      this.controllers = new WorkloadControllers(this.registry, now);
      this.registry.addGracefulDeletion(
        new PodTermination(now, (node) => this.kubeletInstance?.hasNode(node) ?? false),
      );
    }
    const endpoints = new EndpointsController(this.registry);
    this.store.onChange((change) => endpoints.onChange(change));
    const accounts = new ServiceAccountController(this.registry);
    this.store.onChange((change) => accounts.onChange(change));
    this.createInitial(
      'namespaces',
      INITIAL_NAMESPACES.map((name) => ({ metadata: { name } })),
    );
    this.createInitial('clusterroles', BOOTSTRAP_CLUSTER_ROLES);
    this.createInitial('clusterrolebindings', BOOTSTRAP_CLUSTER_ROLE_BINDINGS);
  }

  /** Cluster-scoped objects a new cluster holds. */
  private createInitial(plural: string, objects: readonly JsonObject[]): void {
    const type = RESOURCES.find((r) => r.plural === plural && !r.namespaced) as ResourceType;
    for (const object of objects) {
      this.registry.create({ type, namespace: '', name: '', subresource: '' }, object, {
        dryRun: false,
        strict: false,
      });
    }
  }

  static async start(options: LabOptions = {}): Promise<Lab> {
    const lab = new Lab(options);
    await lab.listen();
    return lab;
  }

  /** The release this lab answers as. */
  get kubernetesVersion(): KubernetesVersion {
    return this.registry.release;
  }

  private get host(): string {
    return this.options.host ?? '127.0.0.1';
  }

  /** `https://127.0.0.1:PORT` (or the `host` option's address). */
  get serverUrl(): string {
    return this.url;
  }

  get kubeconfigPath(): string {
    return this.configPath;
  }

  /** A private folder of this lab's own (logs of what runs in it); removed on stop. */
  get workDir(): string {
    return this.tempDir ?? '';
  }

  /** The PEM certificate a client must trust (it is also in the kubeconfig). */
  get caPem(): string {
    return this.ca;
  }

  /**
   * The API server becomes unreachable for a while, as in a control-plane
   * restart: every connection is cut and the port refuses connections, then
   * the same server (same address, certificate and token) comes back.
   */
  async outage(milliseconds: number): Promise<void> {
    const server = this.server;
    if (server === undefined) return;
    const port = Number(new URL(this.url).port);
    // A connection still in its TLS handshake is not among "all connections"
    // yet; cut it when the handshake ends, or a watch it carries keeps the
    // server from closing and the outage from ending.
    const cut = (socket: Socket): void => void socket.destroy();
    server.on('secureConnection', cut);
    this.store.closeWatches();
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await new Promise((resolve) => setTimeout(resolve, milliseconds));
    server.off('secureConnection', cut);
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, this.host, () => resolve());
    });
  }

  /**
   * A token for the ServiceAccount NAME in NAMESPACE, as the kubelet gets one
   * to mount into a pod (TokenRequest). It lives a year, as the tokens
   * kube-apiserver issues to kubelets do with
   * --service-account-extend-token-expiration (the default), and stops
   * working when the ServiceAccount is deleted. Throws a 404 ApiError when
   * there is no such ServiceAccount.
   */
  tokenForServiceAccount(namespace: string, name: string): string {
    return this.access.issueToken(namespace, name, ONE_YEAR_SECONDS);
  }

  /**
   * A kubeconfig for the ServiceAccount (its token, this lab's address and
   * CA, its namespace), written in the lab's folder; returns its path.
   */
  writeServiceAccountKubeconfig(namespace: string, name: string): string {
    const path = join(this.workDir, `kubeconfig-${namespace}-${name}`);
    writeKubeconfig(
      path,
      this.url,
      this.tokenForServiceAccount(namespace, name),
      this.ca,
      namespace,
    );
    return path;
  }

  /**
   * Creates each object in the type its apiVersion and kind name (in its
   * metadata.namespace for a namespaced kind), as `kubectl create -f` would
   * but without a request: how tests and `lab --netns` put a manifest's
   * ServiceAccounts and RBAC in place.
   */
  create(objects: readonly JsonObject[]): void {
    for (const object of objects) {
      const apiVersion = stringAt(object, 'apiVersion') ?? '';
      const kind = stringAt(object, 'kind') ?? '';
      const type = findKind(apiVersion, kind);
      if (type === undefined) throw new Error(`the lab serves no ${kind} in ${apiVersion}`);
      const namespace = type.namespaced
        ? (stringAt(objectAt(object, 'metadata'), 'namespace') ?? 'default')
        : '';
      this.registry.create({ type, namespace, name: '', subresource: '' }, object, {
        dryRun: false,
        strict: false,
      });
    }
  }

  /** Calls `listener` with every authorization decision; returns the unsubscribe. */
  onAuthorization(listener: (record: AuthorizationRecord) => void): () => void {
    return this.access.onDecision(listener);
  }

  /**
   * The kubelet of this lab (started on first use): Pods bound to the nodes
   * given to it with `addNode` run as processes. Pods reach the API at the
   * lab's own address and port.
   */
  get kubelet(): Kubelet {
    this.kubeletInstance ??= new Kubelet({
      registry: this.registry,
      now: this.options.now ?? (() => new Date()),
      apiHost: this.host,
      apiPort: Number(new URL(this.url).port),
      caPem: this.ca,
      tokenFor: (namespace, name) => this.tokenForServiceAccount(namespace, name),
      folder: this.workDir,
      kubeletVersion: gitVersion(this.registry.release),
    });
    return this.kubeletInstance;
  }

  /** What `kubectl get PLURAL -n NAMESPACE [-o wide]` prints (core and apps kinds), for summaries. */
  getText(plural: string, namespace: string, wide = false): string {
    const type = findResource('', 'v1', plural) ?? findResource('apps', 'v1', plural);
    if (type === undefined) return '';
    const { items } = this.registry.list(
      { type, namespace, name: '', subresource: '' },
      () => true,
    );
    return tableText(type, items, (this.options.now ?? (() => new Date()))(), wide);
  }

  /** Injects a fault, as `POST /lab/faults` does. */
  inject(command: FaultCommand): void {
    switch (command.action) {
      case 'fail':
        this.faults.failNext(command.count, command.code);
        break;
      case 'delay':
        this.faults.delayResponses(command.milliseconds);
        break;
      case 'pause-writes':
        this.faults.pauseWrites();
        break;
      case 'resume-writes':
        this.faults.resumeWrites();
        break;
      case 'close-watches':
        this.store.closeWatches();
        break;
      case 'expire-history':
        this.store.compact();
        break;
      case 'clear':
        this.faults.clear();
        break;
    }
  }

  async stop(): Promise<void> {
    // The Pods' processes first, while the API they talk to is still there.
    await this.kubeletInstance?.stop();
    this.controllers?.stop();
    this.store.closeWatches();
    this.faults.clear();
    const server = this.server;
    if (server !== undefined) {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
    if (this.tempDir !== undefined) rmSync(this.tempDir, { recursive: true, force: true });
  }

  private async listen(): Promise<void> {
    const now = this.options.now ?? (() => new Date());
    const { certPem, keyPem } = selfSignedCertificate(
      new Date(),
      this.host === '127.0.0.1' ? [] : [this.host],
    );
    this.ca = certPem;
    const server = createLabServer({
      certPem,
      keyPem,
      inject: (command) => this.inject(command),
      registry: this.registry,
      store: this.store,
      faults: this.faults,
      access: this.access,
      now,
      bookmarkIntervalMs: this.options.bookmarkIntervalMs ?? 60_000,
    });
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.options.port ?? 0, this.host, () => resolve());
    });
    const { port } = server.address() as AddressInfo;
    this.url = `https://${this.host.includes(':') ? `[${this.host}]` : this.host}:${port}`;
    this.tempDir = mkdtempSync(join(tmpdir(), 'metallb-ts-lab-'));
    this.configPath = this.options.kubeconfigPath ?? join(this.tempDir, 'kubeconfig');
    writeKubeconfig(this.configPath, this.url, this.token, this.ca);
  }
}
