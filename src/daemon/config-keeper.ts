/**
 * The `config` ConfigMap as both daemons take it (v0.9's controller and
 * speaker SetConfig): a config that does not parse, or that the daemon's own
 * check refuses, is logged (and, for the controller, recorded as a Warning
 * Event on the ConfigMap) and the last good one stays in force; a deleted
 * ConfigMap keeps it in force too. `metallb_k8s_client_config_loaded_bool`
 * and `..._config_stale_bool` say which happened.
 */
import {
  LAST_ACCEPTED_CONFIG_MAP,
  parseConfigData,
  summarizeErrors,
  type Config,
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
import type { Log } from './log.js';
import type { DaemonShell } from './shell.js';

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
}

export class ConfigKeeper {
  private kept: Config | null = null;
  /** The ConfigMap data `kept` was read from. */
  private keptData: ConfigData | null = null;
  private readonly configMaps: ResilientInformer<ConfigMap>;
  private readonly log: Log;
  private readonly shell: DaemonShell;

  constructor(
    shell: DaemonShell,
    private readonly options: ConfigKeeperOptions,
  ) {
    this.shell = shell;
    this.log = shell.log;
    this.configMaps = shell.watch<ConfigMap>(
      'ConfigMap',
      configMapNamed(options.namespace, options.configName),
      { changed: options.changed, deleted: options.changed, synced: options.changed },
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
  offer(data: ConfigData, source: string): boolean {
    const judged = this.judge(data);
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
    this.keep(judged.config, data, source);
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
    return { data, taken: data !== null && this.offer(data, LAST_ACCEPTED_CONFIG_MAP) };
  }

  /** Parses ConfigMap data and puts it to the daemon's check: taken (in force now), or why not. */
  private judge(data: ConfigData): { readonly config: Config } | { readonly refusal: string } {
    const parsed = parseConfigData(data);
    if (!parsed.ok) return { refusal: summarizeErrors(parsed.errors) };
    const refusal = this.options.take(parsed.config);
    return refusal === undefined ? { config: parsed.config } : { refusal };
  }

  start(): Promise<void> {
    return this.configMaps.start();
  }

  stop(): Promise<void> {
    return this.configMaps.stop();
  }

  /**
   * Reads the ConfigMap from the cache and takes it, or refuses it and
   * keeps the one in force. True when a config was taken.
   */
  sync(): boolean {
    const { namespace, configName, metrics, withoutConfig } = this.options;
    const configMap = this.configMaps.get(configName, namespace);
    metrics.updates.inc();
    if (configMap === undefined) {
      this.log({
        op: 'setConfig',
        event: this.kept === null ? 'noConfig' : 'configDeleted',
        msg:
          this.kept === null
            ? `no ConfigMap ${namespace}/${configName}: ${withoutConfig} until there is one`
            : `ConfigMap ${namespace}/${configName} was deleted: keeping the configuration in force`,
      });
      return false;
    }
    const data = configMap.data ?? {};
    const judged = this.judge(data);
    if ('refusal' in judged) {
      this.refuse(configMap, judged.refusal);
      return false;
    }
    this.keep(judged.config, data, configName);
    return true;
  }

  private keep(config: Config, data: ConfigData, source: string): void {
    const { metrics } = this.options;
    this.kept = config;
    this.keptData = data;
    metrics.configLoaded.set(1);
    metrics.configStale.set(0);
    this.log({
      op: 'setConfig',
      event: 'configLoaded',
      source,
      ...this.options.describe?.(config),
      msg: 'config (re)loaded',
    });
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
