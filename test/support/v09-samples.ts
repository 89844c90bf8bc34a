/**
 * v0.9 ConfigMaps the CLI and migration tests run on, with what each test
 * expects of them. The always-on tests use this project's own samples
 * (test/fixtures/samples/); test/upstream/ runs the same tests on MetalLB
 * v0.9.6's example configs, described the same way.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { load } from 'js-yaml';
import { FIXTURES, SAMPLES } from './paths.js';

export interface V09Samples {
  /** Where the files come from, for test titles. */
  readonly origin: string;
  /** A ConfigMap with a BGP peer (every optional key), one bgp pool of a CIDR and a range, an advertisement with communities, an alias. */
  readonly bgp: string;
  readonly bgpExpect: {
    readonly pool: string;
    /** The pool's addresses as `config validate --json` normalises them. */
    readonly cidrs: readonly string[];
    readonly addresses: string;
    readonly communities: readonly string[];
    readonly holdTimeSeconds: number;
    readonly password: string;
    /** The peer's `router-id: ...` text and its line in the file. */
    readonly routerId: string;
    readonly routerIdLine: number;
    /** Services as kubectl prints them for `plan`: shop/web holds 198.51.100.7, shop/api asks for the pool. */
    readonly planServices: string;
  };
  /** A ConfigMap with one layer2 pool, 192.168.1.240/28 (test/fixtures/migrate/services.yaml holds addresses of it). */
  readonly layer2: string;
  readonly layer2Pool: string;
}

export const OWN_SAMPLES: V09Samples = {
  origin: 'our samples',
  bgp: join(SAMPLES, 'bgp-configmap.yaml'),
  bgpExpect: {
    pool: 'routed',
    // 203.0.113.160-203.0.113.170: .160-.167 /29, .168-.169 /31, .170 /32
    cidrs: ['198.51.100.0/24', '203.0.113.160/29', '203.0.113.168/31', '203.0.113.170/32'],
    // avoid-buggy-ips: the /24 loses .0 and .255 (254); the range has neither (11).
    addresses: '265',
    // no-export is the alias of 65535:65281 (RFC 1997); sorted after 64500:100.
    communities: ['64500:100', '65535:65281'],
    holdTimeSeconds: 90,
    password: 'sample-md5-secret',
    routerId: 'router-id: 192.0.2.250',
    routerIdLine: 21,
    planServices: join(FIXTURES, 'plan', 'sample-services.yaml'),
  },
  layer2: join(SAMPLES, 'layer2-configmap.yaml'),
  layer2Pool: 'lan',
};

/** The v0.9 `config` text of a ConfigMap file. */
export function configOfConfigMap(file: string): string {
  const manifest = load(readFileSync(file, 'utf8')) as { data?: { config?: unknown } };
  const text = manifest.data?.config;
  if (typeof text !== 'string') throw new Error(`${file} has no data.config`);
  return text;
}
