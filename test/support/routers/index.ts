/**
 * Real BGP routers as test peers: GoBGP, BIRD 2 and FRR from Debian
 * (`gobgpd`, `bird2`, `frr`; scripts/install-peers.sh installs them), each
 * started as a plain process with a config written for the test, in its
 * own temporary folder (config, control socket, pid file, logs; removed on
 * stop), on loopback or inside a network namespace the test made.
 *
 *     const router = await startRouter({
 *       kind: 'bird', asn: 64513, routerId: '198.51.100.250',
 *       listenAddresses: ['127.0.0.1'],
 *       peers: [{ address: '127.0.0.1', asn: 64512, holdTimeSeconds: 3 }],
 *     });
 *     // ...the speaker under test dials 127.0.0.1:router.port...
 *     await until(() => router.established('127.0.0.1'), 10_000);
 *     const routes = await router.routes(4); // RibRoute[], same shape for every kind
 *     await stopAllRouters();
 *
 * Routers are passive: they listen and the speaker dials (as v0.9's does),
 * which also avoids GoBGP's 5-10 s wait before it dials. Supported per peer:
 * iBGP or eBGP (by ASN, 4-byte ASNs too), a TCP MD5 password, a hold time,
 * IPv4 and IPv6 unicast on every session. `ecmp` (BIRD, FRR; in a namespace
 * only) installs what they learn into the namespace's kernel table, with
 * equal paths merged into one multipath route: read it with kernelRoute().
 * NetnsTopology's `router` option (src/netns/) makes such a namespace
 * on the LAN of the node namespaces.
 *
 * Each router's quirks are in the header of its file (gobgp.ts, bird.ts,
 * frr.ts); RIB parsing is in parse-*.ts, with tests against captured real
 * output in test/bgp/router-parsers.test.ts.
 */
import { existsSync } from 'node:fs';
import { delimiter, isAbsolute, join } from 'node:path';
import { BIRD_BINARIES, BirdRouter } from './bird.js';
import { FRR_BINARIES, FrrRouter } from './frr.js';
import { GOBGP_BINARIES, GobgpRouter } from './gobgp.js';
import { stopAllDaemons } from './process.js';
import { listenPort } from './spec.js';
import type { Router, RouterKind, RouterSpec } from './types.js';

export type {
  RibRoute,
  Router,
  RouterKind,
  RouterPeerSpec,
  RouterSpec,
  SessionState,
} from './types.js';
export { ROUTER_KINDS } from './types.js';
export { GobgpRouter, type Announcement } from './gobgp.js';
export { BirdRouter } from './bird.js';
export { FrrRouter } from './frr.js';
export { createLoopbackNamespace, parseTcpExt, type LoopbackNamespace } from './loopback-netns.js';
export { kernelRoute, kernelRouteText, parseIpRoutes, type KernelRoute } from './kernel.js';
export {
  parseGobgpNegotiatedHoldTime,
  parseGobgpNeighborState,
  parseGobgpRib,
} from './parse-gobgp.js';
export { birdProtocolName, parseBirdProtocolState, parseBirdRoutes } from './parse-bird.js';
export { parseFrrNeighborState, parseFrrRoutes } from './parse-frr.js';

/** The Debian package of each kind, and the programs it must provide. */
export const ROUTER_PACKAGES: Record<RouterKind, { package: string; binaries: readonly string[] }> =
  {
    gobgp: { package: 'gobgpd', binaries: GOBGP_BINARIES },
    bird: { package: 'bird2', binaries: BIRD_BINARIES },
    frr: { package: 'frr', binaries: FRR_BINARIES },
  };

function installed(binary: string): boolean {
  if (isAbsolute(binary)) return existsSync(binary);
  return (process.env['PATH'] ?? '')
    .split(delimiter)
    .some((dir) => dir !== '' && existsSync(join(dir, binary)));
}

/**
 * Why routers of these kinds cannot run here, or undefined when they can.
 * Tests skip with this reason. Root is required: MD5 keys, namespaces and
 * FRR's user switch need it, and it keeps the tier's rule simple.
 */
export function routerUnavailable(kinds: readonly RouterKind[]): string | undefined {
  if (process.platform !== 'linux') return 'needs Linux';
  if (process.getuid?.() !== 0) return 'needs root';
  for (const kind of kinds) {
    const { package: name, binaries } = ROUTER_PACKAGES[kind];
    const missing = binaries.find((binary) => !installed(binary));
    if (missing !== undefined) {
      return `needs ${missing} (Debian package ${name}; scripts/install-peers.sh installs it)`;
    }
  }
  return undefined;
}

const started = new Set<Router>();

async function launch<R extends Router>(router: R): Promise<R> {
  started.add(router);
  await router.start();
  return router;
}

/** Makes the router the spec asks for (a free port when none is given) and starts it. */
export async function startRouter(spec: RouterSpec): Promise<Router> {
  const port = await listenPort(spec);
  if (spec.kind === 'gobgp') return launch(new GobgpRouter(spec, port));
  if (spec.kind === 'bird') return launch(new BirdRouter(spec, port));
  return launch(new FrrRouter(spec, port));
}

/**
 * A GoBGP router with announce()/withdraw(): with `passive: false` it is
 * the harness's stand-in for a speaker (it dials each peer at peer.port).
 */
export async function startGobgp(spec: Omit<RouterSpec, 'kind'>): Promise<GobgpRouter> {
  const full: RouterSpec = { ...spec, kind: 'gobgp' };
  return launch(new GobgpRouter(full, await listenPort(full)));
}

/** Stops every router started through this module, and any daemon left; for `after` hooks. */
export async function stopAllRouters(): Promise<void> {
  const routers = [...started];
  started.clear();
  await Promise.all(routers.map((router) => router.stop()));
  await stopAllDaemons();
}
