/**
 * A container's HTTP probes (readiness, liveness) as the kubelet runs them
 * (https://kubernetes.io/docs/tasks/configure-pod-container/configure-liveness-readiness-startup-probes/):
 * a GET of `path` on `port` (a number or the name of a container port) at
 * the Pod's address, any status from 200 to 399 a success, every
 * `periodSeconds` (default 10) after `initialDelaySeconds`, giving up after
 * `timeoutSeconds` (default 1); the result flips after `successThreshold`
 * (1) successes or `failureThreshold` (3) failures in a row. Probes other
 * than httpGet are not run (the container counts as passing them).
 */
import { request } from 'node:http';
import { isObject, stringAt, type Json, type JsonObject } from '../json.js';

export interface ProbeSpec {
  readonly url: string;
  readonly periodMs: number;
  readonly initialDelayMs: number;
  readonly timeoutMs: number;
  readonly successThreshold: number;
  readonly failureThreshold: number;
}

const seconds = (value: Json | undefined, fallback: number): number =>
  (typeof value === 'number' ? value : fallback) * 1000;
const count = (value: Json | undefined, fallback: number): number =>
  typeof value === 'number' ? value : fallback;

/** The probe of `container` (`readinessProbe` or `livenessProbe`) at `host`; undefined when none or not httpGet. */
export function probeSpec(
  container: JsonObject,
  field: 'readinessProbe' | 'livenessProbe',
  host: string,
): ProbeSpec | undefined {
  const probe = container[field];
  if (!isObject(probe) || !isObject(probe['httpGet'])) return undefined;
  const get = probe['httpGet'];
  const port = resolvePort(container, get['port'] ?? null);
  if (port === undefined) return undefined;
  const at = stringAt(get, 'host') ?? host;
  const path = stringAt(get, 'path') ?? '/';
  const scheme = (stringAt(get, 'scheme') ?? 'HTTP').toLowerCase();
  return {
    url: `${scheme}://${at.includes(':') ? `[${at}]` : at}:${port}${path.startsWith('/') ? path : `/${path}`}`,
    periodMs: seconds(probe['periodSeconds'], 10),
    initialDelayMs: seconds(probe['initialDelaySeconds'], 0),
    timeoutMs: seconds(probe['timeoutSeconds'], 1),
    successThreshold: count(probe['successThreshold'], 1),
    failureThreshold: count(probe['failureThreshold'], 3),
  };
}

function resolvePort(container: JsonObject, port: Json): number | undefined {
  if (typeof port === 'number') return port;
  if (typeof port !== 'string') return undefined;
  if (/^\d+$/.test(port)) return Number(port);
  const ports = container['ports'];
  const named = (Array.isArray(ports) ? ports.filter(isObject) : []).find(
    (p) => p['name'] === port,
  );
  const number = named?.['containerPort'];
  return typeof number === 'number' ? number : undefined;
}

/** One GET: whether it answered 200-399 in time. */
export function probeOnce(spec: ProbeSpec): Promise<boolean> {
  return new Promise((resolve) => {
    const req = request(spec.url, { method: 'GET', timeout: spec.timeoutMs }, (response) => {
      response.resume();
      const code = response.statusCode ?? 0;
      resolve(code >= 200 && code < 400);
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(false));
    req.end();
  });
}

/**
 * Runs a probe until stopped; `onResult` hears each change of the result.
 * A readiness probe starts failing (not ready until one passes), a
 * liveness probe passing.
 */
export class Prober {
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  private streak = 0;

  constructor(
    private readonly spec: ProbeSpec,
    private passing: boolean,
    private readonly onResult: (passing: boolean) => void,
  ) {
    this.timer = setTimeout(() => void this.tick(), spec.initialDelayMs);
  }

  stop(): void {
    this.stopped = true;
    if (this.timer !== undefined) clearTimeout(this.timer);
  }

  private async tick(): Promise<void> {
    const ok = await probeOnce(this.spec);
    if (this.stopped) return;
    if (ok === this.passing) this.streak = 0;
    else {
      this.streak++;
      if (this.streak >= (ok ? this.spec.successThreshold : this.spec.failureThreshold)) {
        this.passing = ok;
        this.streak = 0;
        this.onResult(ok);
      }
    }
    this.timer = setTimeout(() => void this.tick(), this.spec.periodMs);
  }
}
