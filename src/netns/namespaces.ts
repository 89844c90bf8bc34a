/**
 * Namespace building blocks shared by the LAN topology, the two-namespace
 * veth pair and the routers' loopback namespaces: unique names, making a
 * namespace, running things in it, reading its links, and removing
 * namespaces and links by name (synchronously too, for exit handlers).
 */
import { randomBytes } from 'node:crypto';
import { forget, removeAtExit, type Removable } from './cleanup.js';
import { describeCommand, mustRun, run, runSync } from './command.js';
import { jsonArray, stringField } from './ip-json.js';

/** Names are matched by prefix at cleanup: keep them plain. */
export const PREFIX_FORMAT = /^[a-z][a-z0-9]+$/;

/** A fresh name prefix, so parallel runs and a crashed run's leftovers never collide. */
export function uniquePrefix(): string {
  return `mt${randomBytes(2).toString('hex')}`;
}

/** argv run inside namespace ns (`ip netns exec` execs it in place: same pid). */
export function inNamespace(ns: string, argv: readonly string[]): string[] {
  return ['ip', 'netns', 'exec', ns, ...argv];
}

/** `ip -n ns ARGS...`, checked. */
export function ipIn(ns: string, ...args: string[]): Promise<string> {
  return mustRun(['ip', '-n', ns, ...args]);
}

/** `sysctl -q -w SETTINGS...` inside ns, checked. */
export function sysctlIn(ns: string, ...settings: string[]): Promise<string> {
  return mustRun(inNamespace(ns, ['sysctl', '-q', '-w', ...settings]));
}

/** Duplicate address detection would keep IPv6 addresses tentative for seconds. */
export const NO_DAD = ['net.ipv6.conf.all.accept_dad=0', 'net.ipv6.conf.default.accept_dad=0'];

/**
 * A new namespace with its loopback up and `sysctls` applied (none by
 * default; NO_DAD before any veth is made covers the veths made later).
 */
export async function createNamespace(ns: string, sysctls: readonly string[] = []): Promise<void> {
  await mustRun(['ip', 'netns', 'add', ns]);
  await ipIn(ns, 'link', 'set', 'lo', 'up');
  if (sysctls.length > 0) await sysctlIn(ns, ...sysctls);
}

/** A link's MAC (lower case, as `ip -j link` prints it) and interface index. */
export async function linkOf(
  ns: string,
  ifname: string,
): Promise<{ mac: string; ifindex: number }> {
  const [link] = jsonArray(await ipIn(ns, '-j', 'link', 'show', 'dev', ifname), 'ip -j link');
  const mac = link === undefined ? undefined : stringField(link, 'address');
  const ifindex = link?.['ifindex'];
  if (mac === undefined || typeof ifindex !== 'number') {
    throw new Error(`no link ${ifname} with a MAC address in ${ns}`);
  }
  return { mac: mac.toLowerCase(), ifindex };
}

function listNamespacesSync(): string[] {
  const result = runSync(['ip', '-j', 'netns', 'list']);
  if (result.code !== 0) return [];
  return jsonArray(result.stdout, 'ip -j netns list').flatMap(
    (ns) => stringField(ns, 'name') ?? [],
  );
}

/** Which names to remove: host-namespace links and namespaces. */
export interface NamePattern {
  namespace(name: string): boolean;
  link(name: string): boolean;
}

/** What `ip link del` and `ip netns del` say of a name that is not there (any more). */
const GONE = /Cannot find device|No such file or directory/;

/**
 * Deletes the host links, then the namespaces, whose names match; returns
 * what it deleted, throws listing what it could not. Synchronous, so it
 * also runs from a process 'exit' handler. Links are deleted bridges last:
 * deleting a veth's host end deletes the pair.
 */
export function removeMatching(pattern: NamePattern): string[] {
  const removed: string[] = [];
  const failures: string[] = [];
  const attempt = (argv: string[], name: string): void => {
    const result = runSync(argv);
    if (result.code === 0) removed.push(name);
    // Gone since it was listed: another process waiting for the LAN lock
    // may be removing the same dead holder's leftovers. The goal holds.
    else if (GONE.test(result.stderr)) return;
    else failures.push(`${describeCommand(argv)}: ${result.stderr.trim()}`);
  };
  const links = jsonArray(runSync(['ip', '-j', 'link', 'show']).stdout, 'ip -j link')
    .map((link) => stringField(link, 'ifname') ?? '')
    .filter((name) => pattern.link(name));
  links.sort((a, b) => Number(a.endsWith('br')) - Number(b.endsWith('br')));
  for (const link of links) attempt(['ip', 'link', 'del', link], link);
  for (const ns of listNamespacesSync().filter((name) => pattern.namespace(name))) {
    attempt(['ip', 'netns', 'del', ns], ns);
  }
  if (failures.length > 0) {
    throw new Error(`could not remove everything:\n  ${failures.join('\n  ')}`);
  }
  return removed;
}

/** Exactly these namespaces, and no link. */
function exactNames(namespaces: readonly string[]): NamePattern {
  const set = new Set(namespaces);
  return { namespace: (name) => set.has(name), link: () => false };
}

/** Namespaces this process made: removed by remove(), or at process exit if nobody did. */
export interface OwnedNamespaces {
  readonly names: readonly string[];
  /** Deletes them (and the veths inside); tolerates half-made or already deleted ones. */
  remove(): Promise<void>;
}

/** Registers `names` for removal at exit; call before creating them, so a failed build is removed too. */
export function ownNamespaces(names: readonly string[]): OwnedNamespaces {
  const atExit: Removable = {
    destroySync: () => {
      forget(atExit);
      removeMatching(exactNames(names));
    },
  };
  removeAtExit(atExit);
  return {
    names,
    async remove(): Promise<void> {
      forget(atExit);
      for (const ns of names) await run(['ip', 'netns', 'del', ns]);
    },
  };
}
