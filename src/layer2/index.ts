/**
 * Layer 2 announcing. Placeholder until the codecs and the packet I/O land:
 * the election only.
 */
import { createHash } from 'node:crypto';

export function electAnnouncer(serviceKey: string, candidates: Iterable<string>): string | null {
  const hash = (node: string) => createHash('sha256').update(`${node}#${serviceKey}`).digest('hex');
  return [...new Set(candidates)].sort((a, b) => (hash(a) < hash(b) ? -1 : 1))[0] ?? null;
}

export const Layer2Announcer = {
  start(options: {
    log: (level: string, msg: string, fields?: Record<string, string | number>) => void;
    metrics: unknown;
  }): Promise<{ announce(ip: string): void; withdraw(ip: string): void; close(): void }> {
    options.log('error', 'layer 2 packet I/O is not built yet');
    return Promise.reject(new Error('layer 2 packet I/O is not built yet'));
  },
};
