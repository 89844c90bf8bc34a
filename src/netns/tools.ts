/**
 * Which tools the namespace harness runs, where Debian has them, and
 * whether this machine can build namespaces at all: tests skip with the
 * reason netnsUnavailable() gives.
 */
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';

/** Debian packages of the tools the topology and its helpers run. */
export const NETNS_TOOLS = {
  ip: 'iproute2',
  sysctl: 'procps',
  ping: 'iputils-ping',
  arping: 'iputils-arping',
  ndisc6: 'ndisc6',
  curl: 'curl',
} as const;
export type NetnsTool = keyof typeof NETNS_TOOLS;

/** What building namespaces needs; the helpers need their own tool too. */
const BUILD_TOOLS: readonly NetnsTool[] = ['ip', 'sysctl'];

/** Whether `command` is an executable file in a folder of PATH (no shell asked). */
export function onPath(command: string): boolean {
  for (const dir of (process.env['PATH'] ?? '').split(delimiter)) {
    if (dir === '') continue;
    try {
      accessSync(join(dir, command), constants.X_OK);
      return true;
    } catch {
      // not in this folder
    }
  }
  return false;
}

export function toolMissing(tool: NetnsTool): string {
  return `needs ${tool} (Debian package ${NETNS_TOOLS[tool]}; scripts/install-peers.sh installs it)`;
}

/** Throws toolMissing(tool) when it is not on PATH. */
export function needTool(tool: NetnsTool): void {
  if (!onPath(tool)) throw new Error(toolMissing(tool));
}

/**
 * Why namespaces (and helpers using `tools`) cannot be made here, or
 * undefined when they can. Tests skip with this reason.
 */
export function netnsUnavailable(tools: readonly NetnsTool[] = BUILD_TOOLS): string | undefined {
  if (process.platform !== 'linux') return 'needs Linux (network namespaces)';
  if (process.getuid?.() !== 0) return 'needs root (network namespaces)';
  for (const tool of new Set([...BUILD_TOOLS, ...tools])) {
    if (!onPath(tool)) return toolMissing(tool);
  }
  return undefined;
}
