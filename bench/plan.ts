/**
 * `metallb-ts plan` on the v0.9 sample BGP config
 * (test/fixtures/samples/bgp-configmap.yaml) and 100,000 Services, as
 * `kubectl get services -A -o yaml` and `-o json` print them. Prints the
 * time and what was planned; asserts nothing. Run: npm run bench
 *
 * All Services ask for the sample's pool; in groups of three they share an
 * address (same sharing key, different ports), and the first 150 groups
 * already hold one. The pool has 265 addresses, so 795 Services get one and
 * the rest are reported without an address: every Service gets a line.
 */
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { processIO, run } from '../src/cli/index.js';

const SERVICES = 100_000;
const root = fileURLToPath(new URL('../../', import.meta.url));
const config = join(root, 'test', 'fixtures', 'samples', 'bgp-configmap.yaml');

function service(i: number): object {
  const group = Math.floor(i / 3);
  const held = group < 150 ? [{ ip: `198.51.100.${group + 1}` }] : [];
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: {
      name: `svc-${i}`,
      namespace: `team-${i % 50}`,
      annotations: {
        'metallb.universe.tf/address-pool': 'routed',
        'metallb.universe.tf/allow-shared-ip': `group-${group}`,
      },
      resourceVersion: String(1000 + i),
    },
    spec: {
      type: 'LoadBalancer',
      clusterIP: `10.96.${(i >> 8) & 255}.${i & 255}`,
      externalTrafficPolicy: 'Cluster',
      ports: [{ name: 'p', port: [80, 443, 8080][i % 3], protocol: 'TCP', targetPort: 8080 }],
      selector: { app: `svc-${i}` },
    },
    status: { loadBalancer: { ingress: held } },
  };
}

/** kubectl's YAML: block style, two-space indent (written by hand to avoid a dumper's cost). */
function toYaml(value: unknown, indent: string): string {
  if (Array.isArray(value)) {
    if (value.length === 0) return ' []';
    return value
      .map((item) => `\n${indent}-${toYaml(item, `${indent}  `).replace(/^\n\s*/, ' ')}`)
      .join('');
  }
  if (typeof value === 'object' && value !== null) {
    const entries = Object.entries(value);
    if (entries.length === 0) return ' {}';
    return entries.map(([k, v]) => `\n${indent}${k}:${toYaml(v, `${indent}  `)}`).join('');
  }
  return ` ${JSON.stringify(value)}`;
}

const dir = mkdtempSync(join(tmpdir(), 'metallb-ts-bench-plan-'));
try {
  const items = Array.from({ length: SERVICES }, (_, i) => service(i));
  const list = { apiVersion: 'v1', kind: 'List', items, metadata: { resourceVersion: '' } };
  const files = {
    json: join(dir, 'services.json'),
    yaml: join(dir, 'services.yaml'),
  };
  writeFileSync(files.json, JSON.stringify(list, null, 4));
  writeFileSync(files.yaml, toYaml(list, '').trimStart() + '\n');

  for (const [format, file] of Object.entries(files)) {
    let output = '';
    const io = {
      ...processIO(),
      stdout: (t: string) => (output += t),
      stderr: (t: string) => (output += t),
    };
    const start = performance.now();
    const code = await run(['plan', '--config', config, '--services', file], io);
    const seconds = (performance.now() - start) / 1000;
    const lines = output.trimEnd().split('\n');
    const assigned = lines.filter((l) => / from pool /.test(l)).length;
    const size = (statSync(file).size / 1e6).toFixed(0);
    console.log(
      `plan, ${SERVICES.toLocaleString('en-US')} Services as ${format} (${size} MB): ${seconds.toFixed(2)} s, ` +
        `${lines.length - 1} Service lines (${assigned} with an address), exit ${code}`,
    );
    console.log(`  ${lines[lines.length - 1] ?? ''}`);
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
