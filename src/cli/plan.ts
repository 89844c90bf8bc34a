/**
 * `metallb-ts plan --config CONFIG --services SERVICES [--json] [--name NAME]`
 *
 * A dry run before applying a ConfigMap: which address each LoadBalancer
 * Service would get from this config after a controller restart, which
 * would change and which would get none (and why); a Service of a balancer
 * class address by address (kept, moved, lost, new). Exit 0 when every
 * LoadBalancer Service gets its addresses, 1 when one does not or the
 * config or Services are invalid, 2 for a usage error or an unreadable file.
 */
import { parseArgs } from 'node:util';
import { LAST_ACCEPTED_CONFIG_MAP } from '../config/index.js';
import { planServices, type Plan, type PlannedService } from '../controller/index.js';
import { serviceRequest } from '../service/index.js';
import { errorLine, loadConfigInput } from './config-input.js';
import { InputError, type CliIO } from './io.js';
import { readServices } from './services-input.js';
import { decodeText } from './text.js';

/** A JavaScript string holds at most about 512 MiB. */
const SERVICES_LIMIT = { bytes: 512 * 1024 * 1024, why: 'too large to read in one piece' };

export const PLAN_USAGE = `Usage: metallb-ts plan --config CONFIG --services SERVICES [--json] [--name NAME]

Shows what the controller would do with a config, before you apply it: each
LoadBalancer Service's address, whether it changes, and why not when none is
found. Existing addresses are restored first, in file order, as a restarted
controller does; then Services without one are allocated, in file order.
A Service of a balancer class is shown with all its addresses, each kept,
moved, lost or new.

  --config CONFIG      the config: raw, a ConfigMap manifest, or kubectl output (- for stdin)
  --services SERVICES  kubectl get services -A -o yaml (or -o json), or Service manifests
  --name NAME          the ConfigMap to read when CONFIG holds several (default: config)
  --json               print {"services": [{"service", "ip", "pool", "changed", "error",
                       "balancerClass", "ips", "addresses": [{"change", "previousIp", "ip"}]}]}
  -h, --help           show this help

Exit status: 0 every LoadBalancer Service gets its addresses, 1 one does not (or the
config or Services are invalid), 2 usage error or unreadable input.
`;

export async function planCommand(args: readonly string[], io: CliIO): Promise<number> {
  let values: { config?: string; services?: string; name?: string; json: boolean; help: boolean };
  try {
    const parsed = parseArgs({
      args: [...args],
      options: {
        config: { type: 'string' },
        services: { type: 'string' },
        name: { type: 'string' },
        json: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
      strict: true,
    });
    values = parsed.values;
    if (!values.help && (values.config === undefined || values.services === undefined)) {
      throw new Error('--config and --services are both needed');
    }
    if (values.config === '-' && values.services === '-')
      throw new Error('only one of them can be standard input');
  } catch (error) {
    io.stderr(
      `metallb-ts plan: ${error instanceof Error ? error.message : String(error)}\n\n${PLAN_USAGE}`,
    );
    return 2;
  }
  if (values.help) {
    io.stdout(PLAN_USAGE);
    return 0;
  }

  const configFile = values.config as string;
  const servicesFile = values.services as string;
  let configBytes: Buffer;
  let servicesBytes: Buffer;
  try {
    configBytes = await io.readInput(configFile);
    servicesBytes = await io.readInput(servicesFile, SERVICES_LIMIT);
  } catch (error) {
    io.stderr(`metallb-ts plan: ${error instanceof InputError ? error.message : String(error)}\n`);
    return 2;
  }

  const config = loadConfigInput(configBytes, values.name);
  if (!config.ok) {
    const label = configFile === '-' ? 'stdin' : configFile;
    io.stdout(`the config is invalid, nothing planned:\n`);
    for (const error of config.errors) io.stdout(`${errorLine(error, label, config)}\n`);
    return 1;
  }

  const text = decodeText(servicesBytes);
  const services = text.ok
    ? readServices(text.text)
    : { ok: false as const, error: text.error.message };
  if (!services.ok) {
    io.stdout(`${servicesFile}: ${services.error}\n`);
    return 1;
  }

  const plan = planServices(config.config, services.services.map(serviceRequest));
  if (values.json) {
    const view = plan.services.map((s) => ({
      service: s.service,
      ip: s.ip,
      pool: s.pool,
      changed: s.changed,
      error: s.error,
      previousIp: s.previousIp,
      ...(s.balancerClass === null
        ? {}
        : { balancerClass: s.balancerClass, ips: s.ips, addresses: s.addresses }),
    }));
    io.stdout(
      `${JSON.stringify({ services: view, skipped: plan.skipped, orphaned: plan.orphaned })}\n`,
    );
  } else {
    io.stdout(planReport(plan));
  }
  return plan.services.every((s) => s.ip !== null && s.error === null) ? 0 : 1;
}

function line(s: PlannedService): string {
  if (s.balancerClass !== null) return classLine(s);
  if (s.ip === null) {
    const had = s.previousIp === null ? '' : ` (loses ${s.previousIp})`;
    return `${s.service}: no address${had}: ${s.error ?? 'unknown reason'}`;
  }
  const where = `${s.service}: ${s.ip} from pool ${s.pool ?? '?'}`;
  if (!s.changed) return `${where}, unchanged`;
  if (s.previousIp === null) return `${where}, new`;
  return `${where}, CHANGED from ${s.previousIp}${s.dropped === null ? '' : ` (${s.dropped})`}`;
}

/**
 * `ns/web: class edge: 203.0.113.16 kept, 203.0.113.17 MOVED to 203.0.113.20, 203.0.113.18 LOST`
 * (and why, when it has fewer than it asks for or gave addresses up).
 */
function classLine(s: PlannedService): string {
  const head = `${s.service}: class ${s.balancerClass ?? '?'}`;
  if (s.ips.length === 0) {
    const had = s.previousIps.length === 0 ? '' : ` (loses ${s.previousIps.join(', ')})`;
    return `${head}: no address${had}: ${s.error ?? 'unknown reason'}`;
  }
  const each = s.addresses.map((a) => {
    switch (a.change) {
      case 'kept':
        return `${a.ip ?? ''} kept`;
      case 'new':
        return `${a.ip ?? ''} new`;
      case 'moved':
        return `${a.previousIp ?? ''} MOVED to ${a.ip ?? ''}`;
      case 'lost':
        return `${a.previousIp ?? ''} LOST`;
    }
  });
  const why = [s.dropped, s.error].filter((w): w is string => w !== null);
  return `${head}: ${each.join(', ')}${why.length === 0 ? '' : ` (${why.join('; ')})`}`;
}

/** The text `metallb-ts plan` prints: a line per Service, a summary, a warning about orphans. */
export function planReport(plan: Plan): string {
  const out = plan.services.map(line);
  const count = (test: (s: PlannedService) => boolean): number => plan.services.filter(test).length;
  const failed = count((s) => s.ip === null);
  const short = count((s) => s.ip !== null && s.error !== null);
  const moved = count((s) => s.ip !== null && s.changed && s.previousIp !== null);
  const fresh = count((s) => s.ip !== null && s.previousIp === null);
  const kept = count((s) => s.ip !== null && !s.changed);
  out.push(
    `${plan.services.length} LoadBalancer Services: ${kept} unchanged, ${fresh} new, ${moved} changed, ${failed} without an address${short === 0 ? '' : `, ${short} with fewer than they ask for`}; ${plan.skipped} other Services left alone`,
  );
  if (plan.orphaned.length > 0) {
    const listed = plan.orphaned
      .slice(0, 5)
      .map((o) => `${o.service} ${o.ip}`)
      .join(', ');
    const more = plan.orphaned.length > 5 ? `, and ${plan.orphaned.length - 5} more` : '';
    out.push(
      `warning: the controller refuses this config, running or starting, because it leaves assigned addresses outside every pool (${listed}${more}); it keeps the config it last accepted (ConfigMap ${LAST_ACCEPTED_CONFIG_MAP}), or without one allocates nothing, until the ConfigMap is fixed; metallb-ts speakers refuse it too and keep announcing those addresses (one that starts with no accepted config to read takes it, as v0.9 speakers do); only a restarted v0.9 controller would apply it, moving those Services as shown, and a restarted v0.9 speaker would stop announcing them`,
    );
  }
  return `${out.join('\n')}\n`;
}
