/**
 * `peers`: BGP sessions and which nodes open them. docs/COMPAT.md section 1.
 */
import { formatIP, parseIP } from '../ip/index.js';
import { parseGoDuration, wholeSeconds } from './duration.js';
import { isSelectorOperator, labelKeyProblem, labelValueProblem } from './labels.js';
import type { Path, Report } from './path.js';
import type { RawMatchExpression, RawNodeSelector, RawPeer } from './schema.js';
import type { NodeSelector, Peer, SelectorRequirement } from './types.js';

const DEFAULT_PORT = 179;
const DEFAULT_HOLD_TIME_SECONDS = 90;
/** The OPEN message carries the hold time in 16 bits (RFC 4271 section 4.2). */
const MAX_HOLD_TIME_SECONDS = 65535;

/** One peer, or null when it has errors (they are reported). */
export function parsePeer(raw: RawPeer, path: Path, report: Report): Peer | null {
  let failed = false;
  const fail: Report = (where, message) => {
    failed = true;
    report(where, message);
  };

  for (const key of ['my-asn', 'peer-asn'] as const) {
    if (raw[key] === 0) fail([...path, key], `${key} must not be 0`);
  }

  const address = parseIP(raw['peer-address']);
  if (!address.ok) fail([...path, 'peer-address'], address.error);

  const holdTimeSeconds = parseHoldTime(raw['hold-time'] ?? '', [...path, 'hold-time'], fail);

  let routerId = null;
  const routerIdText = raw['router-id'] ?? '';
  if (routerIdText !== '') {
    const parsed = parseIP(routerIdText);
    if (!parsed.ok) fail([...path, 'router-id'], parsed.error);
    else if (parsed.value.family !== 4) {
      fail(
        [...path, 'router-id'],
        `router-id must be an IPv4 address (a BGP identifier is 32 bits), not ${routerIdText}`,
      );
    } else routerId = parsed.value;
  }

  const nodeSelectors = (raw['node-selectors'] ?? []).map((selector, index) =>
    parseNodeSelector(selector, [...path, 'node-selectors', index], fail),
  );

  if (failed || !address.ok) return null;
  return {
    myAsn: raw['my-asn'],
    peerAsn: raw['peer-asn'],
    address: address.value,
    port: raw['peer-port'] || DEFAULT_PORT,
    holdTimeSeconds,
    routerId,
    password: raw.password || null,
    nodeSelectors,
  };
}

/**
 * v0.9: a Go duration, truncated to whole seconds, 0 (no keepalives) or at
 * least 3 s (RFC 4271 section 4.2); empty means 90 s.
 */
function parseHoldTime(text: string, path: Path, fail: Report): number {
  if (text === '') return DEFAULT_HOLD_TIME_SECONDS;
  const parsed = parseGoDuration(text);
  if (!parsed.ok) {
    fail(path, parsed.error);
    return 0;
  }
  const seconds = wholeSeconds(parsed.value);
  if (seconds !== 0n && (seconds < 3n || seconds > BigInt(MAX_HOLD_TIME_SECONDS))) {
    fail(
      path,
      `hold-time ${text} is ${seconds}s after truncation to whole seconds: it must be 0 or from 3s to ${MAX_HOLD_TIME_SECONDS}s`,
    );
    return 0;
  }
  return Number(seconds);
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

/** Two peers that v0.9 would deem the same session (equal in every setting, defaults applied). */
export function peerIdentity(peer: Peer): string {
  return JSON.stringify([
    peer.myAsn,
    peer.peerAsn,
    formatIP(peer.address),
    peer.port,
    peer.holdTimeSeconds,
    peer.routerId === null ? null : formatIP(peer.routerId),
    peer.password,
    // Label order carries no meaning: compare selectors with sorted labels.
    peer.nodeSelectors.map((selector) => [
      Object.entries(selector.matchLabels).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
      selector.matchExpressions,
    ]),
  ]);
}
