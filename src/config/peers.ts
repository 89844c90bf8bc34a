/**
 * `peers`: BGP sessions and which nodes open them. docs/COMPAT.md section 1.
 */
import { formatIP } from '../ip/index.js';
import { parseGoDuration, wholeSeconds } from './duration.js';
import { readGoIP } from '../ip/index.js';
import { isSelectorOperator, labelKeyProblem, labelValueProblem } from './labels.js';
import type { Path, Report } from './path.js';
import type { RawMatchExpression, RawNodeSelector, RawPeer } from './schema.js';
import type { NodeSelector, Peer, SelectorRequirement } from './types.js';

const DEFAULT_PORT = 179;
const DEFAULT_HOLD_TIME_SECONDS = 90;
/** The OPEN message carries the hold time in 16 bits (RFC 4271 section 4.2). */
const MAX_HOLD_TIME_SECONDS = 65535;
/** RFC 4271 section 4.2: a hold time is 0 or at least 3 s. */
const MIN_HOLD_TIME_SECONDS = 3;

/**
 * One peer, or null when it has errors (they are reported). What v0.9.6
 * internal/config/config.go parsePeer accepted though it is probably not
 * meant (an IPv6 router-id, a hold-time the OPEN cannot carry, a leading
 * zero, an IPv4-mapped address) goes to `warn`, with what v0.9 made of it.
 */
export function parsePeer(raw: RawPeer, path: Path, report: Report, warn: Report): Peer | null {
  let failed = false;
  const fail: Report = (where, message) => {
    failed = true;
    report(where, message);
  };

  for (const key of ['my-asn', 'peer-asn'] as const) {
    if (raw[key] === 0) fail([...path, key], `${key} must not be 0`);
  }

  const addressPath = [...path, 'peer-address'];
  const address = readGoIP(raw['peer-address']);
  if (!address.ok) fail(addressPath, address.error);
  else for (const note of address.value.notes) warn(addressPath, note);

  const holdTimeSeconds = parseHoldTime(raw['hold-time'] ?? '', [...path, 'hold-time'], fail, warn);
  const routerId = parseRouterId(raw['router-id'] ?? '', [...path, 'router-id'], fail, warn);

  const nodeSelectors = (raw['node-selectors'] ?? []).map((selector, index) =>
    parseNodeSelector(selector, [...path, 'node-selectors', index], fail),
  );

  if (failed || !address.ok) return null;
  return {
    myAsn: raw['my-asn'],
    peerAsn: raw['peer-asn'],
    address: address.value.value,
    port: raw['peer-port'] || DEFAULT_PORT,
    holdTimeSeconds,
    routerId,
    password: raw.password || null,
    nodeSelectors,
  };
}

/**
 * v0.9.6 config.go parsePeer took any router-id net.ParseIP read;
 * internal/bgp New kept `routerID.To4()`, so an IPv6 router-id became nil:
 * the speaker's own choice, as with no router-id (speaker/bgp_controller.go
 * passes it on unchanged). An IPv4-mapped one is its IPv4 address.
 */
function parseRouterId(text: string, path: Path, fail: Report, warn: Report): Peer['routerId'] {
  if (text === '') return null;
  const parsed = readGoIP(text);
  if (!parsed.ok) {
    fail(path, parsed.error);
    return null;
  }
  for (const note of parsed.value.notes) warn(path, note);
  const routerId = parsed.value.value;
  if (routerId.family === 4 && routerId.value === 0n) {
    // RFC 6286 section 2.1: the BGP Identifier is non-zero; RFC 4271 section 6.2: the peer refuses.
    warn(
      path,
      `router-id ${text} is 0: v0.9 accepts it and sends it in its OPEN, which peers refuse (RFC 6286 section 2.1), so the session never comes up`,
    );
  }
  if (routerId.family === 4) return routerId;
  warn(
    path,
    `router-id ${text} is IPv6, and a BGP identifier is 32 bits: v0.9 accepts it and drops it when it opens the session, using the router ID it picks without router-id`,
  );
  return null;
}

/**
 * v0.9.6 config.go parseHoldTime: a Go duration, truncated to whole
 * seconds, 0 (no keepalives) or at least 3 s; empty means 90 s. It set no
 * upper bound: internal/bgp/messages.go sendOpen wrote
 * `uint16(holdTime.Seconds())`, which Go (amd64) computes through a 32-bit
 * integer: the seconds modulo 65536, and 0 from 2^31 s on. The result is
 * the hold time of the OPEN, which is what the peer negotiates with.
 */
function parseHoldTime(text: string, path: Path, fail: Report, warn: Report): number {
  if (text === '') return DEFAULT_HOLD_TIME_SECONDS;
  const parsed = parseGoDuration(text);
  if (!parsed.ok) {
    fail(path, parsed.error);
    return 0;
  }
  const seconds = wholeSeconds(parsed.value);
  if (seconds !== 0n && seconds < BigInt(MIN_HOLD_TIME_SECONDS)) {
    fail(
      path,
      `hold-time ${text} is ${seconds}s after truncation to whole seconds: it must be 0 or at least ${MIN_HOLD_TIME_SECONDS}s`,
    );
    return 0;
  }
  if (seconds <= BigInt(MAX_HOLD_TIME_SECONDS)) return Number(seconds);
  const sent = seconds >= 2n ** 31n ? 0 : Number(seconds % 65536n);
  const said = `hold-time ${text} is ${seconds}s, more than the 16 bits of the BGP OPEN message hold (${MAX_HOLD_TIME_SECONDS}s)`;
  if (sent !== 0 && sent < MIN_HOLD_TIME_SECONDS) {
    // RFC 4271 section 6.2: a peer refuses a hold time of 1 or 2 s, so v0.9's session never came up.
    warn(
      path,
      `${said}: v0.9 accepts it and proposes ${sent}s, which peers refuse (RFC 4271 section 6.2), so its session never comes up; metallb-ts proposes ${MIN_HOLD_TIME_SECONDS}s`,
    );
    return MIN_HOLD_TIME_SECONDS;
  }
  warn(
    path,
    `${said}: v0.9 accepts it and proposes ${sent}s${sent === 0 ? ' (no keepalives)' : ''} in its OPEN (Go's uint16 conversion)`,
  );
  return sent;
}

/** One `node-selectors` entry (of a peer, or of a balancer class); problems are reported under `path`. */
export function parseNodeSelector(raw: RawNodeSelector, path: Path, fail: Report): NodeSelector {
  const matchLabels: Record<string, string> = {};
  for (const [key, value] of Object.entries(raw['match-labels'] ?? {})) {
    const problem = labelKeyProblem(key) ?? labelValueProblem(value);
    if (problem !== null) fail([...path, 'match-labels', key], problem);
    matchLabels[key] = value;
  }
  const matchExpressions = (raw['match-expressions'] ?? []).flatMap((expression, index) => {
    const parsed = parseRequirement(expression, [...path, 'match-expressions', index], fail);
    return parsed === null ? [] : [parsed];
  });
  return { matchLabels, matchExpressions };
}

function parseRequirement(
  raw: RawMatchExpression,
  path: Path,
  fail: Report,
): SelectorRequirement | null {
  const keyProblem = labelKeyProblem(raw.key);
  if (keyProblem !== null) fail([...path, 'key'], keyProblem);

  const operator = raw.operator;
  if (!isSelectorOperator(operator)) {
    fail(
      [...path, 'operator'],
      `operator ${JSON.stringify(operator)} must be In, NotIn, Exists or DoesNotExist`,
    );
    return null;
  }
  const values = raw.values ?? [];
  const needsValues = operator === 'In' || operator === 'NotIn';
  if (needsValues && values.length === 0) {
    fail(
      raw.values === undefined ? path : [...path, 'values'],
      `operator ${operator} needs at least one value`,
    );
  } else if (!needsValues && values.length > 0) {
    fail([...path, 'values'], `operator ${operator} takes no values`);
  }
  values.forEach((value, index) => {
    const problem = labelValueProblem(value);
    if (problem !== null) fail([...path, 'values', index], problem);
  });
  return { key: raw.key, operator, values };
}

/**
 * Repeated peers, each said once at the later one. v0.9.6 config.go keeps
 * every entry and speaker/bgp_controller.go opens one session per entry, so
 * a repeat dials the same router twice from every node it runs on (RFC 4271
 * section 6.8: the router keeps one of the two connections). Both stay in
 * the config, in order: what the sessions do with them is the speaker's.
 */
export function warnRepeatedPeers(
  peers: readonly { readonly peer: Peer; readonly index: number }[],
  warn: Report,
): void {
  const seen = new Map<string, number>();
  const seenTarget = new Map<string, number>();
  for (const { peer, index } of peers) {
    const identity = peerIdentity(peer);
    const target = sessionTarget(peer);
    const same = seen.get(identity);
    const sameTarget = seenTarget.get(target);
    if (same !== undefined) {
      warn(
        ['peers', index],
        `this peer repeats peers[${same}] in every setting: v0.9 accepts it and opens a second session to ${formatIP(peer.address)} port ${peer.port} from each node`,
      );
    } else if (sameTarget !== undefined) {
      warn(
        ['peers', index],
        `this peer has the address, port and node selectors of peers[${sameTarget}] with other settings: v0.9 accepts it and opens a second session to ${formatIP(peer.address)} port ${peer.port} from each node`,
      );
    }
    if (same === undefined) seen.set(identity, index);
    if (sameTarget === undefined) seenTarget.set(target, index);
  }
}

/** Two peers that v0.9 would deem the same session: equal in every setting, defaults applied. */
function peerIdentity(peer: Peer): string {
  return JSON.stringify({
    ...peer,
    // In the target, written so that equal ones compare equal (JSON leaves undefined out).
    address: undefined,
    nodeSelectors: undefined,
    routerId: peer.routerId === null ? null : formatIP(peer.routerId),
    target: sessionTarget(peer),
  });
}

/** Where a peer's sessions go, and from which nodes: two peers alike here dial the same router from the same nodes. */
function sessionTarget(peer: Peer): string {
  return JSON.stringify([
    formatIP(peer.address),
    peer.port,
    // Label order carries no meaning: compare selectors with sorted labels.
    peer.nodeSelectors.map((selector) => [
      Object.entries(selector.matchLabels).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
      selector.matchExpressions,
    ]),
  ]);
}
