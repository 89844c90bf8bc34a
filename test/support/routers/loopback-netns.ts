/**
 * A network namespace with nothing in it but its own loopback: a private
 * 127.0.0.1 for a router and its peer, whose kernel counters (TCP MD5
 * failures, say) count only what happens between them. Root only; the name
 * carries a random prefix, and destroy() removes it (also on process exit).
 */
import {
  createNamespace,
  inNamespace,
  mustRun,
  ownNamespaces,
  uniquePrefix,
} from '../../../src/netns/index.js';

export interface LoopbackNamespace {
  readonly name: string;
  /** A TcpExt counter of this namespace (/proc/net/netstat), e.g. 'TCPMD5Failure'. */
  tcpExt(counter: string): Promise<number>;
  destroy(): Promise<void>;
}

/** Reads one TcpExt counter from /proc/net/netstat text (a names line, then a values line). */
export function parseTcpExt(netstat: string, counter: string): number {
  const lines = netstat.split('\n').filter((line) => line.startsWith('TcpExt:'));
  const names = lines[0]?.split(/\s+/) ?? [];
  const values = lines[1]?.split(/\s+/) ?? [];
  const index = names.indexOf(counter);
  const value = index < 0 ? undefined : values[index];
  if (value === undefined) throw new Error(`no TcpExt counter ${counter} in /proc/net/netstat`);
  return Number(value);
}

export async function createLoopbackNamespace(label: string): Promise<LoopbackNamespace> {
  const name = `${uniquePrefix()}${label}`;
  const owned = ownNamespaces([name]);
  try {
    await createNamespace(name);
  } catch (error) {
    await owned.remove();
    throw error;
  }
  let removed = false;
  return {
    name,
    async tcpExt(counter: string): Promise<number> {
      const text = await mustRun(inNamespace(name, ['cat', '/proc/net/netstat']));
      return parseTcpExt(text, counter);
    },
    async destroy(): Promise<void> {
      if (removed) return;
      removed = true;
      await owned.remove();
    },
  };
}
