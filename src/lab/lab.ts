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
import { EndpointsController } from './endpoints.js';
import { Faults, type FaultCommand } from './faults.js';
import { writeKubeconfig } from './kubeconfig.js';
import { Registry } from './registry.js';
import { findResource, type ResourceType } from './resources.js';
import { createLabServer } from './server.js';
import { DEFAULT_SERVICE_NETWORK, ServiceAdmission, type ServiceNetwork } from './services.js';
import { Store } from './store.js';
import { selfSignedCertificate } from './tls.js';
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
}

/** Namespaces every cluster starts with. */
const INITIAL_NAMESPACES = ['default', 'kube-system', 'kube-public', 'kube-node-lease'];

export class Lab {
  readonly store = new Store();
  readonly registry: Registry;
  readonly faults = new Faults();
  readonly token = randomBytes(24).toString('hex');
  private server: Server | undefined;
  private tempDir: string | undefined;
  private url = '';
  private configPath = '';
  private ca = '';

  private constructor(private readonly options: LabOptions) {
    const now = options.now ?? (() => new Date());
    this.registry = new Registry(this.store, now);
    this.registry.addAdmission(
      new ServiceAdmission(options.serviceNetwork ?? DEFAULT_SERVICE_NETWORK),
    );
    this.registry.addAdmission(new WorkloadAdmission());
    const endpoints = new EndpointsController(this.registry);
    this.store.onChange((change) => endpoints.onChange(change));
    const namespaces = findResource('', 'v1', 'namespaces') as ResourceType;
    for (const name of INITIAL_NAMESPACES) {
      this.registry.create(
        { type: namespaces, namespace: '', name: '', subresource: '' },
        { metadata: { name } },
        { dryRun: false, strict: false },
      );
    }
  }

  static async start(options: LabOptions = {}): Promise<Lab> {
    const lab = new Lab(options);
    await lab.listen();
    return lab;
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
      token: this.token,
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
