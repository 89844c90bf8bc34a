/**
 * Reading what iproute2 prints with `-j` (JSON), and what the client-side
 * tools (arping, ndisc6) print, into plain values.
 */

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The list `ip -j ...` printed; `what` names the command in the error. */
export function jsonArray(text: string, what: string): Record<string, unknown>[] {
  // `ip -j` prints nothing at all (not "[]") for some empty lists.
  if (text.trim() === '') return [];
  const value: unknown = JSON.parse(text);
  if (!Array.isArray(value) || !value.every(isRecord)) {
    throw new Error(`unexpected output of ${what}: ${text.slice(0, 200)}`);
  }
  return value;
}

export function stringField(record: Record<string, unknown>, field: string): string | undefined {
  const value = record[field];
  return typeof value === 'string' ? value : undefined;
}

/** An entry of a namespace's neighbour table (`ip -j neigh`). */
export interface Neighbour {
  dst: string;
  dev: string;
  /** Absent while unresolved (INCOMPLETE, FAILED). */
  lladdr?: string;
  /** E.g. ['REACHABLE'], ['FAILED'], ['PERMANENT']. */
  state: string[];
}

export function parseNeighbours(text: string): Neighbour[] {
  return jsonArray(text, 'ip -j neigh').map((entry) => {
    const state = entry['state'];
    const neighbour: Neighbour = {
      dst: stringField(entry, 'dst') ?? '',
      dev: stringField(entry, 'dev') ?? '',
      state: Array.isArray(state) ? state.filter((s): s is string => typeof s === 'string') : [],
    };
    const lladdr = stringField(entry, 'lladdr');
    if (lladdr !== undefined) neighbour.lladdr = lladdr.toLowerCase();
    return neighbour;
  });
}

/** The local addresses of every link `ip -j addr show` printed, scope link left out when asked. */
export function parseLocalAddresses(
  text: string,
  options: { global?: boolean } = {},
): { link: string; address: string }[] {
  return jsonArray(text, 'ip -j addr').flatMap((link) => {
    const info = link['addr_info'];
    if (!Array.isArray(info)) return [];
    const name = stringField(link, 'ifname') ?? '?';
    return info.flatMap((entry: unknown) => {
      if (!isRecord(entry)) return [];
      if (options.global === true && entry['scope'] === 'link') return [];
      const address = stringField(entry, 'local');
      return address === undefined ? [] : [{ link: name, address }];
    });
  });
}

/** MACs of the replies arping printed, one per reply, in lower case. */
export function parseArpingReplies(output: string): string[] {
  const macs: string[] = [];
  for (const match of output.matchAll(/reply from \S+ \[([0-9a-f]{2}(?::[0-9a-f]{2}){5})\]/gi)) {
    macs.push((match[1] ?? '').toLowerCase());
  }
  return macs;
}

/** Every target MAC ndisc6 -m printed (one per Neighbor Advertisement), in lower case. */
export function parseNdiscReplies(output: string): string[] {
  return [...output.matchAll(/Target link-layer address: ([0-9a-f]{2}(?::[0-9a-f]{2}){5})/gi)].map(
    (match) => (match[1] ?? '').toLowerCase(),
  );
}

/** The target's MAC ndisc6 printed, in lower case, or null. */
export function parseNdiscReply(output: string): string | null {
  const match = /Target link-layer address: ([0-9a-f]{2}(?::[0-9a-f]{2}){5})/i.exec(output);
  return match?.[1]?.toLowerCase() ?? null;
}
