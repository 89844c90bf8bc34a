/**
 * Which node announces a layer 2 Service (docs/COMPAT.md section 3, v0.9's
 * speaker/layer2_controller.go ShouldAnnounce).
 *
 * Every candidate node gets the key sha256(nodeName + "#" + "namespace/name"), over the UTF-8
 * bytes of that text (what Go's []byte(string) gives), and the node with the smallest key,
 * compared byte by byte, announces. Every speaker, Go or TypeScript, computes the same order
 * from the same candidates, so exactly one node answers for the address. The candidates are
 * the nodes that host a ready endpoint of the Service, intersected by the caller with the live
 * memberlist members.
 */
import { createHash } from 'node:crypto';

/** The sort key of `nodeName` for the Service `serviceKey` ("namespace/name"). */
export function electionKey(nodeName: string, serviceKey: string): Buffer {
  return createHash('sha256').update(`${nodeName}#${serviceKey}`, 'utf8').digest();
}

/**
 * The candidates without duplicates, in election order: the announcer first, then who takes
 * over if it goes away.
 */
export function announcerOrder(serviceKey: string, candidates: Iterable<string>): string[] {
  const keyed = [...new Set(candidates)].map((node) => ({
    node,
    key: electionKey(node, serviceKey),
  }));
  // Distinct names have distinct keys (barring a SHA-256 collision), so the order is total.
  keyed.sort((a, b) => Buffer.compare(a.key, b.key));
  return keyed.map(({ node }) => node);
}

/** The node that announces the Service, or null when there is no candidate. */
export function electAnnouncer(serviceKey: string, candidates: Iterable<string>): string | null {
  let winner: string | null = null;
  let winnerKey: Buffer | null = null;
  for (const node of candidates) {
    const key = electionKey(node, serviceKey);
    if (winnerKey === null || Buffer.compare(key, winnerKey) < 0) {
      winner = node;
      winnerKey = key;
    }
  }
  return winner;
}
