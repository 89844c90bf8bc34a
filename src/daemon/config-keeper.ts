/**
 * The `config` ConfigMap as both daemons take it (v0.9's controller and
 * speaker SetConfig): a config that does not parse, or that the daemon's own
 * check refuses, is logged (and, for the controller, recorded as a Warning
 * Event on the ConfigMap) and the last good one stays in force; a deleted
 * ConfigMap keeps it in force too, marked stale and retried as v0.9 does.
 * `metallb_k8s_client_config_loaded_bool` and `..._config_stale_bool` say
 * which happened. A config taken with warnings has them reported
 * (config-warnings.ts). Parsing runs off the event loop (config-parser.ts).
 */
import {
  LAST_ACCEPTED_CONFIG_MAP,
  summarizeErrors,
  type Config,
  type ConfigWarning,
} from '../config/index.js';
import {
  configMapNamed,
  readConfigMapData,
  statusOf,
  referenceTo,
  type ConfigData,
  type ConfigMap,
  type EventRecorder,
  type ResilientInformer,
} from '../k8s/index.js';
import type { K8sClientMetrics } from '../metrics/index.js';
import { sharedConfigParser, type ParseConfigData } from './config-parser.js';
import { ConfigWarnings } from './config-warnings.js';
import type { Log } from './log.js';
import type { DaemonShell } from './shell.js';
import { DAEMON_RETRY_MS } from './work-queue.js';

export interface ConfigKeeperOptions {
  /** Where the ConfigMap lives (metallb-system). */
  readonly namespace: string;
  /** The ConfigMap's name (v0.9 `--config`, default `config`). */
  readonly configName: string;
  readonly metrics: K8sClientMetrics;
  /** What the daemon does while it has no config, for the log: "nothing is announced". */
  readonly withoutConfig: string;
  /** The ConfigMap was added, changed, deleted or first listed: call `sync()` now or later. */
  readonly changed: () => void;
  /** The daemon's own check of a parsed config, which puts it in force when it passes: a reason refuses it. */
  readonly take: (config: Config) => string | undefined;
  /** Fields the `configLoaded` log line adds. */
  readonly describe?: (config: Config) => Record<string, string | number | boolean>;
  /** When given, a refusal is also recorded as a Warning Event on the ConfigMap. */
  readonly events?: EventRecorder;
  /** Parses ConfigMap data; default: the process's worker thread (sharedConfigParser). */
  readonly parse?: ParseConfigData;
}

/** A config taken by the daemon's check: what it is, and what v0.9 read in it that was probably not meant. */
interface Judged {
  readonly config: Config;
  readonly warnings: readonly ConfigWarning[];
}

export class ConfigKeeper {
  private kept: Config | null = null;
  /** The ConfigMap data `kept` was read from. */
  private keptData: ConfigData | null = null;
  /** Each judgement's number, in the order asked: a result never overtakes a later one taken. */
  private judgements = 0;
  private lastTaken = 0;
  /** The ConfigMap was deleted and not yet created again: its absence is retried, as in v0.9. */
  private deleted = false;
  private missingRetries = 0;
  private missingRetry: NodeJS.Timeout | undefined;
  /** Stopped: a parse that ends now is dropped, so a stopped daemon's check is never run. */
  private stopped = false;
  private readonly configMaps: ResilientInformer<ConfigMap>;
  private readonly log: Log;
  private readonly shell: DaemonShell;
  private readonly warnings: ConfigWarnings;

  constructor(
    shell: DaemonShell,
    private readonly options: ConfigKeeperOptions,
  ) {
    this.shell = shell;
    this.log = shell.log;
    this.warnings = new ConfigWarnings(shell.log, options.metrics.configWarnings, shell.events);
    this.configMaps = shell.watch<ConfigMap>(
      'ConfigMap',
      configMapNamed(options.namespace, options.configName),
      {
        changed: options.changed,
        deleted: () => {
          this.deleted = true;
          options.changed();
        },
        synced: options.changed,
      },
    );
  }

  /** The config in force: the last one taken, or null before the first. */
  get config(): Config | null {
    return this.kept;
  }

  /** The ConfigMap data of the config in force, or null before the first. */
  get acceptedData(): ConfigData | null {
    return this.keptData;
  }

  /**
   * Offers ConfigMap data from elsewhere (the controller's last accepted
   * config, at start) to the same check as the ConfigMap's; true when it
   * was taken. A refusal is logged, not recorded as an Event.
   */
  async offer(data: ConfigData, source: string): Promise<boolean> {
    const judged = await this.judge(data);
    if ('superseded' in judged) return false;
    if ('refusal' in judged) {
      this.log({
        op: 'setConfig',
        event: 'configRejected',
        source,
        error: judged.refusal,
        msg: `the config kept in ${source} was not taken`,
      });
      return false;
    }
    this.keep(judged, data, source);
    return true;
  }

  /**
   * At start, before `config`: reads the config the controller last
   * accepted (LAST_ACCEPTED_CONFIG_MAP) and offers it, so that a start
   * refuses what the running daemons refused. Returns what the ConfigMap
   * holds (null when there is none, or it may not be read) and whether it
   * was taken. Other errors are thrown, for the caller's retry.
   */
  async offerLastAccepted(): Promise<{
    readonly data: ConfigData | null;
    readonly taken: boolean;
  }> {
    let data: ConfigData | null;
    try {
      data = await readConfigMapData(
        this.shell.api,
        this.options.namespace,
        LAST_ACCEPTED_CONFIG_MAP,
      );
    } catch (error) {
      // Without it a start is as v0.9's; a refusal to read it must not stop the daemon.
      if (statusOf(error) !== 403) throw error;
      this.log({
        op: 'setConfig',
        error: String(error),
        msg: `cannot read ${LAST_ACCEPTED_CONFIG_MAP}`,
      });
      return { data: null, taken: false };
    }
    return { data, taken: data !== null && (await this.offer(data, LAST_ACCEPTED_CONFIG_MAP)) };
  }

  /**
   * Parses ConfigMap data off the event loop and puts it to the daemon's
   * check: taken (in force now), or why not. The check runs when the parse
   * is in, on the daemon's state then; a parse that ends after a later
   * one was taken is dropped (superseded), so an older ConfigMap version
   * never replaces a newer one, and so is one that ends after `stop()`.
   */
  private async judge(
    data: ConfigData,
  ): Promise<Judged | { readonly refusal: string } | { readonly superseded: true }> {
    const ticket = ++this.judgements;
    const parsed = await (this.options.parse ?? sharedConfigParser().parse)(data);
    if (this.stopped || ticket < this.lastTaken) return { superseded: true };
    if (!parsed.ok) return { refusal: summarizeErrors(parsed.errors) };
    const refusal = this.options.take(parsed.config);
    if (refusal !== undefined) return { refusal };
    this.lastTaken = ticket;
    return { config: parsed.config, warnings: parsed.warnings };
  }

  start(): Promise<void> {
    this.stopped = false;
    return this.configMaps.start();
  }

  stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.missingRetry);
    this.missingRetry = undefined;
    return this.configMaps.stop();
  }

  /**
   * Reads the ConfigMap from the cache and takes it, or refuses it and
   * keeps the one in force. Resolves true when a config was taken.
   */
  async sync(): Promise<boolean> {
    const { namespace, configName, metrics } = this.options;
    const configMap = this.configMaps.get(configName, namespace);
    metrics.updates.inc();
    if (configMap === undefined) {
      this.missing();
      return false;
    }
    this.deleted = false;
    this.missingRetries = 0;
    clearTimeout(this.missingRetry);
    this.missingRetry = undefined;
    const data = configMap.data ?? {};
    const judged = await this.judge(data);
    if ('superseded' in judged) return false;
    if ('refusal' in judged) {
      this.refuse(configMap, judged.refusal);
      return false;
    }
    this.keep(judged, data, configName);
    this.warnings.record(configMap, data, judged.warnings);
    return true;
  }

  /**
   * No ConfigMap. Before any was seen, v0.9's informer calls nothing and
   * the daemon waits. Once one is deleted, v0.9 (internal/k8s/k8s.go
   * sync, cmKey) sets config_stale_bool to 1 and calls SetConfig(nil),
   * which both daemons answer with the error "no MetalLB configuration in
   * cluster" (controller/main.go and speaker/main.go SetConfig), so the key
   * is retried with backoff (update_errors_total counts each) and the
   * config in force stays, until the ConfigMap is back.
   */
  private missing(): void {
    const { namespace, configName, metrics, withoutConfig } = this.options;
    if (!this.deleted) {
      this.log({
        op: 'setConfig',
        event: 'noConfig',
        msg: `no ConfigMap ${namespace}/${configName}: ${withoutConfig} until there is one`,
      });
      return;
    }
    metrics.configStale.set(1);
    metrics.updateErrors.inc();
    const retryInMs = Math.min(
      DAEMON_RETRY_MS.initialMs * 2 ** this.missingRetries++,
      DAEMON_RETRY_MS.maxMs,
    );
    this.log({
      op: 'setConfig',
      event: 'configDeleted',
      error: 'no MetalLB configuration in cluster',
      retryInMs,
      msg:
        this.kept === null
          ? `ConfigMap ${namespace}/${configName} was deleted: ${withoutConfig} until there is one`
          : `ConfigMap ${namespace}/${configName} was deleted: keeping the configuration in force`,
    });
    clearTimeout(this.missingRetry);
    this.missingRetry = setTimeout(() => {
      this.missingRetry = undefined;
      this.options.changed();
    }, retryInMs);
  }

  private keep(judged: Judged, data: ConfigData, source: string): void {
    const { metrics } = this.options;
    const { config, warnings } = judged;
    this.kept = config;
    this.keptData = data;
    metrics.configLoaded.set(1);
    metrics.configStale.set(0);
    this.log({
      op: 'setConfig',
      event: 'configLoaded',
      source,
      ...this.options.describe?.(config),
      ...(warnings.length === 0 ? {} : { warnings: warnings.length }),
      msg: 'config (re)loaded',
    });
    this.warnings.taken(warnings, source);
  }

  private refuse(configMap: ConfigMap, reason: string): void {
    this.options.metrics.configStale.set(1);
    this.log({
      op: 'setConfig',
      event: 'configRejected',
      error: reason,
      msg: 'new config not applied, keeping the previous one',
    });
    void this.options.events?.record(
      referenceTo('ConfigMap', configMap),
      'Warning',
      'InvalidConfig',
      `configuration rejected, the previous one stays in force: ${reason}`,
    );
  }
}
