/**
 * The warnings of a config a daemon takes: what v0.9 accepted as written
 * but probably not as meant, which metallb-ts takes with v0.9's meaning and
 * says so. Each is logged (`configWarning`) whenever the config is taken,
 * their number is the gauge `metallb_ts_config_warnings` (a new name: no
 * v0.9 metric changes meaning), and each is recorded as a Warning Event
 * `ConfigWarning` on the ConfigMap once per distinct config, so a relist
 * that reads it again unchanged records nothing more. v0.9 recorded no
 * Event about its config; the reason is ours, beside `InvalidConfig`.
 */
import type { Gauge } from 'prom-client';
import type { ConfigWarning } from '../config/index.js';
import { referenceTo, type ConfigData, type ConfigMap, type EventRecorder } from '../k8s/index.js';
import type { Log } from './log.js';

export class ConfigWarnings {
  /** The ConfigMap data whose warnings were last recorded as Events. */
  private recordedFor: string | null = null;

  constructor(
    private readonly log: Log,
    private readonly gauge: Gauge,
    private readonly events: EventRecorder,
  ) {}

  /** A config was taken from `source`: its warnings logged and counted (none: the gauge is 0). */
  taken(warnings: readonly ConfigWarning[], source: string): void {
    this.gauge.set(warnings.length);
    for (const warning of warnings) {
      this.log({
        op: 'setConfig',
        event: 'configWarning',
        source,
        path: warning.path,
        ...(warning.line === null ? {} : { line: warning.line }),
        msg: warning.message,
      });
    }
  }

  /** One Warning Event per warning of the config taken from `configMap`, once per distinct data. */
  record(configMap: ConfigMap, data: ConfigData, warnings: readonly ConfigWarning[]): void {
    const text = JSON.stringify(data);
    if (warnings.length === 0 || text === this.recordedFor) return;
    this.recordedFor = text;
    const reference = referenceTo('ConfigMap', configMap);
    for (const warning of warnings) {
      const place = warning.path === '' ? 'the config' : warning.path;
      const line = warning.line === null ? '' : ` (line ${warning.line})`;
      void this.events.record(
        reference,
        'Warning',
        'ConfigWarning',
        `${place}${line}: ${warning.message}`,
      );
    }
  }
}
