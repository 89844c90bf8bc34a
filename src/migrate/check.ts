/**
 * `migrate check`: is it safe to replace v0.9 by metallb-ts on this cluster?
 * Safe means: metallb-ts reads the ConfigMap as v0.9 does (so it starts
 * with the config v0.9 runs on), and a restarted metallb-ts controller gives
 * every Service the address it holds now (`planServices`). Everything else
 * worth knowing before the upgrade is a note; notes never make it unsafe.
 */
import {
  LAST_ACCEPTED_CONFIG_MAP,
  type Config,
  type ConfigError,
  type ConfigWarning,
} from '../config/index.js';
import { planServices, type PlannedService } from '../controller/index.js';
import type { ServiceRequest } from '../service/index.js';
import { acceptedByV09 } from './leniency.js';

export interface ConfigFinding {
  readonly path: string;
  readonly line: number | null;
  readonly message: string;
  /** What v0.9 made of this text, when v0.9 accepted it; null when v0.9 refused it too. */
  readonly v09: string | null;
}

export interface ServiceFinding {
  readonly service: string;
  readonly ip: string | null;
  readonly previousIp: string | null;
  /** Why the address would change or be lost, for `moved` and `lost`. */
  readonly reason: string | null;
}

export interface UpgradeCheck {
  readonly safe: boolean;
  /** Every config error, each marked with whether v0.9 accepted the text. */
  readonly config: {
    readonly valid: boolean;
    readonly errors: readonly ConfigFinding[];
    /**
     * What v0.9 accepted as written though it is probably not meant, each
     * saying what v0.9 made of it: metallb-ts reads it alike, so a warning
     * never makes the upgrade unsafe.
     */
    readonly warnings: readonly ConfigWarning[];
    /** Keys only metallb-ts reads (v0.9 refuses the whole config for them), by key path. */
    readonly extensions: readonly string[];
    /**
     * Names of the balancer classes (the `balancer-classes` data key, a
     * metallb-ts extension v0.9 ignores: they never make the upgrade unsafe).
     */
    readonly balancerClasses: readonly string[];
  };
  /** null when the config is invalid (nothing to plan with). */
  readonly services: {
    readonly kept: readonly ServiceFinding[];
    readonly moved: readonly ServiceFinding[];
    readonly lost: readonly ServiceFinding[];
    /** Services without an address now: what they would get (not an upgrade risk). */
    readonly pending: readonly ServiceFinding[];
  } | null;
  readonly notes: readonly string[];
}

export type ConfigReading =
  | {
      readonly ok: true;
      readonly config: Config;
      /** None when absent. */
      readonly warnings?: readonly ConfigWarning[];
    }
  | { readonly ok: false; readonly errors: readonly ConfigError[] };

export function checkUpgrade(
  reading: ConfigReading,
  services: readonly ServiceRequest[],
): UpgradeCheck {
  if (!reading.ok) {
    const errors = reading.errors.map((e) => ({ ...e, v09: acceptedByV09(e) }));
    const notes = errors.some((e) => e.v09 === null)
      ? [
          'v0.9 refuses this ConfigMap too: the v0.9 pods run on an older config that is no longer in the ConfigMap, and new pods (of either kind) would start with none. Fix the ConfigMap first (metallb-ts config validate).',
        ]
      : [];
    return {
      safe: false,
      config: { valid: false, errors, warnings: [], extensions: [], balancerClasses: [] },
      services: null,
      notes,
    };
  }
  const plan = planServices(reading.config, services);
  const finding = (s: PlannedService): ServiceFinding => ({
    service: s.service,
    ip: s.ip,
    previousIp: s.previousIp,
    reason: s.ip === null ? s.error : s.dropped,
  });
  const held = plan.services.filter((s) => s.previousIp !== null);
  const kept = held.filter((s) => s.ip !== null && !s.changed).map(finding);
  const moved = held.filter((s) => s.ip !== null && s.changed).map(finding);
  const lost = held.filter((s) => s.ip === null).map(finding);
  const pending = plan.services.filter((s) => s.previousIp === null).map(finding);
  const extensions = extensionsIn(reading.config);
  return {
    safe: moved.length === 0 && lost.length === 0 && extensions.length === 0,
    config: {
      valid: true,
      errors: [],
      warnings: reading.warnings ?? [],
      extensions,
      balancerClasses: reading.config.balancerClasses.map((c) => c.name),
    },
    services: { kept, moved, lost, pending },
    notes: notesFor(reading.config, plan.orphaned.length > 0),
  };
}

/**
 * The metallb-ts keys in a config: v0.9's strict parsing refuses a config
 * with any of them, so the v0.9 pods still run on an older one.
 */
function extensionsIn(config: Config): string[] {
  const found: string[] = [];
  config.pools.forEach((pool, p) => {
    pool.bgpAdvertisements.forEach((ad, a) => {
      if (ad.aggregationLengthV6 !== null) {
        found.push(`address-pools[${p}].bgp-advertisements[${a}].aggregation-length-v6`);
      }
    });
  });
  return found;
}

function notesFor(config: Config, orphaned: boolean): string[] {
  const notes: string[] = [];
  for (const family of [4, 6] as const) {
    const pools = config.pools.filter(
      (pool) => pool.autoAssign && pool.cidrs.some((c) => c.family === family),
    );
    if (pools.length > 1) {
      notes.push(
        `IPv${family}: pools ${names(pools)} all have auto-assign. For a Service that names no pool, v0.9 took them in a random order; metallb-ts takes them in config order, so new Services get addresses from ${JSON.stringify(pools[0]?.name)} first. Addresses already held do not move.`,
      );
    }
  }
  if (orphaned) {
    notes.push(
      `Some Services hold addresses outside every pool of this config: the running v0.9 controller refused this config and still uses an older one, and a restarted v0.9 controller would apply it and move them (listed above). A starting metallb-ts controller refuses it too, by the same check as a running one: it starts on the config it last accepted (ConfigMap ${LAST_ACCEPTED_CONFIG_MAP}), and on a first upgrade, with none, it allocates nothing until the ConfigMap is fixed. Speakers read the config ConfigMap, as v0.9's do: a restarted speaker would not announce those addresses.`,
    );
  }
  if (config.balancerClasses.length > 0) {
    // docs/SCALEOUT.md: v0.9 never reads the key and no v0.9 pool holds a class's addresses.
    notes.push(
      `balancer classes ${names(config.balancerClasses)} (data key balancer-classes) are a metallb-ts extension: v0.9 ignores the key, so they take effect once metallb-ts runs. Current MetalLB's resources have no equivalent: migrate to-crds does not carry them over.`,
    );
  }
  const bgp = config.pools.filter((pool) => pool.protocol === 'bgp');
  if (bgp.length > 0 || config.peers.length > 0) {
    notes.push(
      `BGP (${config.peers.length} peer${config.peers.length === 1 ? '' : 's'}${bgp.length > 0 ? `, pools ${names(bgp)}` : ''}): each node's sessions go down and up again while its speaker pod is replaced, one node at a time; the routers move that node's share of traffic to the others meanwhile.`,
    );
  }
  return notes;
}

const names = (named: readonly { readonly name: string }[]): string =>
  named.map((p) => JSON.stringify(p.name)).join(', ');
