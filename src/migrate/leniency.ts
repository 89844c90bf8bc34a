/**
 * Where metallb-ts is stricter than v0.9 (README, "How the config is
 * read"): config errors for text that v0.9 accepted. Such a config runs on
 * v0.9 today, but metallb-ts refuses it, so after an upgrade the new pods
 * would have no config at all. Recognised from the path and wording of our
 * own messages (the tests hold one config per case).
 */
import { CLASSES_KEY, type ConfigError } from '../config/index.js';

interface Leniency {
  readonly matches: (error: ConfigError) => boolean;
  /** What v0.9 made of it. */
  readonly v09: string;
}

const LENIENCIES: readonly Leniency[] = [
  {
    // docs/SCALEOUT.md: the classes live in a data key of their own.
    matches: (e) => e.path === CLASSES_KEY || e.path.startsWith(`${CLASSES_KEY}[`),
    v09: 'v0.9 never reads the balancer-classes data key (a metallb-ts extension)',
  },
  {
    // v0.9.6 config.go cidrContainsCIDR compared Mask.Size(), 120 for `::ffff:10.0.0.0/120`,
    // so it missed some overlaps of an IPv4-mapped prefix with an IPv4 one (README, "How the
    // config is read"); whatever else it overlaps, v0.9 may have accepted it.
    matches: (e) => / overlaps /.test(e.message) && /::ffff:/i.test(e.message),
    v09: 'v0.9 may have accepted this overlap: it measured an IPv4-mapped prefix by its IPv6 length and missed overlaps with IPv4 prefixes',
  },
];

/** What v0.9 did with the text behind this error, or null when v0.9 refused it too. */
export function acceptedByV09(error: ConfigError): string | null {
  return LENIENCIES.find((l) => l.matches(error))?.v09 ?? null;
}
