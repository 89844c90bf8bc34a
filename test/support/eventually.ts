/** Helpers the daemon tests against the lab share. */
import { request } from 'node:http';

/** Retries `check` (which throws or rejects until it holds) every 50 ms for up to `ms`. */
export async function eventually(check: () => unknown, ms = 15_000): Promise<void> {
  const deadline = Date.now() + ms;
  for (;;) {
    try {
      await check();
      return;
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}

/** The text of a daemon's `/metrics` on 127.0.0.1. */
export function metricsText(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    request({ host: '127.0.0.1', port, path: '/metrics' }, (response) => {
      let body = '';
      response.on('data', (chunk: Buffer) => (body += chunk.toString()));
      response.on('end', () => resolve(body));
    })
      .on('error', reject)
      .end();
  });
}
