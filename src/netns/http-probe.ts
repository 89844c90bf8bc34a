/**
 * A bounded HTTP loop for the network-namespace lab (see topology.ts), run in
 * the client namespace: one GET every `--interval-ms` on a new TCP
 * connection, so every request resolves the Service IP's owner afresh
 * (through ARP/NDP) instead of riding an old connection to the node that
 * answered before. With `--host` given several times the requests go to
 * the hosts in turn (round robin), the way clients spread over a name's
 * DNS records. Prints one JSON line per request:
 *
 *   {"t":1700000000000,"host":"203.0.113.10","ok":true,"node":"n2","ms":1.4}
 *   {"t":1700000000100,"host":"203.0.113.10","ok":false,"node":null,"ms":300,"error":"no answer in 300 ms"}
 *
 * `t` is when the request started (Unix ms), `ms` how long it took. Stops by
 * itself after `--max-requests` requests or `--duration-ms`, whichever
 * comes first.
 *
 *   node dist/src/netns/http-probe.js --host 203.0.113.10 --port 8080 \
 *     --interval-ms 100 --duration-ms 5000 --max-requests 50 --timeout-ms 300
 */
import { request } from 'node:http';
import { parseArgs } from 'node:util';
// Types only: nothing of the loop's module is loaded into the probe.
import type { HttpProbeResult as ProbeResult } from './http-loop.js';

/** Hard ceilings, whatever the arguments say: no loop here runs unbounded. */
const MAX_REQUESTS = 100_000;
const MAX_DURATION_MS = 10 * 60_000;

function numberArg(text: string | undefined, flag: string, min: number, max: number): number {
  const value = Number(text);
  if (text === undefined || !Number.isInteger(value) || value < min || value > max) {
    process.stderr.write(`http-probe: --${flag} must be an integer in ${min}..${max}\n`);
    process.exit(2);
  }
  return value;
}

const { values } = parseArgs({
  options: {
    host: { type: 'string', multiple: true },
    port: { type: 'string' },
    'interval-ms': { type: 'string' },
    'duration-ms': { type: 'string' },
    'max-requests': { type: 'string' },
    'timeout-ms': { type: 'string' },
  },
  strict: true,
});
const hosts = values.host ?? [];
if (hosts.length === 0 || hosts.includes('')) {
  process.stderr.write('http-probe: --host is required (one or more)\n');
  process.exit(2);
}
const port = numberArg(values.port, 'port', 1, 65535);
const intervalMs = numberArg(values['interval-ms'], 'interval-ms', 1, MAX_DURATION_MS);
const durationMs = numberArg(values['duration-ms'], 'duration-ms', 1, MAX_DURATION_MS);
const maxRequests = numberArg(values['max-requests'], 'max-requests', 1, MAX_REQUESTS);
const timeoutMs = numberArg(values['timeout-ms'], 'timeout-ms', 1, MAX_DURATION_MS);

function probe(host: string): Promise<ProbeResult> {
  const t = Date.now();
  const started = performance.now();
  const elapsed = (): number => Math.round((performance.now() - started) * 10) / 10;
  return new Promise((resolve) => {
    let settled = false;
    const finish = (result: Omit<ProbeResult, 't' | 'host' | 'ms'>): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      req.destroy();
      resolve({ t, host, ...result, ms: elapsed() });
    };
    // One deadline for the whole exchange: connecting (which waits for
    // ARP/NDP when nobody answers for the address) included.
    const timer = setTimeout(
      () => finish({ ok: false, node: null, error: `no answer in ${timeoutMs} ms` }),
      timeoutMs,
    );
    const req = request({ host, port, path: '/', agent: false }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('error', (error) => finish({ ok: false, node: null, error: error.message }));
      response.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8').trim();
        if (response.statusCode === 200) finish({ ok: true, node: body });
        else finish({ ok: false, node: null, error: `HTTP ${response.statusCode ?? '?'}` });
      });
    });
    req.on('error', (error) => finish({ ok: false, node: null, error: error.message }));
    req.end();
  });
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

async function main(): Promise<void> {
  const start = Date.now();
  for (let sent = 0; sent < maxRequests; sent++) {
    // Requests keep to a fixed schedule; one that runs late delays only the next.
    const due = start + sent * intervalMs;
    if (due - start >= durationMs) break;
    await sleep(due - Date.now());
    if (Date.now() - start >= durationMs) break;
    const host = hosts[sent % hosts.length] ?? '';
    process.stdout.write(`${JSON.stringify(await probe(host))}\n`);
  }
}

await main();
