/**
 * Two network namespaces joined by a veth pair, for the packet socket and
 * TCP tests: A (192.0.2.1, 2001:db8::1) and B (192.0.2.2, 2001:db8::2) unless
 * told other IPv4 addresses, documentation ranges only. Names carry a random
 * prefix per run, so parallel runs and leftovers of a crashed run never
 * collide; destroy() removes everything.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';

export interface CommandResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a command without a shell, killed after `timeoutMs`; never rejects. */
export function run(command: string, args: string[], timeoutMs = 10_000): Promise<CommandResult> {
  return new Promise((resolve) => {
    execFile(command, args, { timeout: timeoutMs, encoding: 'utf8' }, (error, stdout, stderr) => {
      const code = error === null ? 0 : typeof error.code === 'number' ? error.code : -1;
      resolve({ code, stdout, stderr });
    });
  });
}

async function mustRun(command: string, args: string[]): Promise<string> {
  const result = await run(command, args);
  if (result.code !== 0) {
    throw new Error(`${command} ${args.join(' ')} failed (${result.code}): ${result.stderr}`);
  }
  return result.stdout;
}

/** Whether `tool` is on PATH. */
export async function hasTool(tool: string): Promise<boolean> {
  return (await run('sh', ['-c', `command -v ${tool}`])).code === 0;
}

/** Why namespaces cannot be made here, or undefined when they can. */
export async function netnsUnavailable(): Promise<string | undefined> {
  if (process.getuid?.() !== 0) return 'needs root (network namespaces)';
  if (!(await hasTool('ip'))) return 'needs ip (Debian package iproute2)';
  return undefined;
}

export interface Side {
  readonly ns: string;
  readonly iface: string;
  readonly ipv4: string;
  readonly ipv6: string;
  /** Lower case, as `ip -j link` prints it. */
  readonly mac: string;
  readonly ifindex: number;
}

export interface VethPair {
  readonly prefix: string;
  readonly a: Side;
  readonly b: Side;
}

export interface VethPairOptions {
  /** The IPv4 addresses of A and B, in one /24 of the documentation ranges; 192.0.2.1 and .2 by default. */
  readonly ipv4?: readonly [string, string];
}

/** Creates the namespaces and the veth pair, addressed and up, with DAD off. */
export async function createVethPair(options: VethPairOptions = {}): Promise<VethPair> {
  const prefix = `mt${randomBytes(2).toString('hex')}`;
  const names = { a: `${prefix}-a`, b: `${prefix}-b` };
  const [ipv4a, ipv4b] = options.ipv4 ?? ['192.0.2.1', '192.0.2.2'];
  const created: VethPair = {
    prefix,
    a: { ns: names.a, iface: names.a, ipv4: ipv4a, ipv6: '2001:db8::1', mac: '', ifindex: 0 },
    b: { ns: names.b, iface: names.b, ipv4: ipv4b, ipv6: '2001:db8::2', mac: '', ifindex: 0 },
  };
  try {
    for (const side of [created.a, created.b]) {
      await mustRun('ip', ['netns', 'add', side.ns]);
      // Duplicate address detection would keep IPv6 addresses tentative for
      // seconds; `default` covers the veth created below, `nodad` the addresses.
      await mustRun('ip', [
        'netns',
        'exec',
        side.ns,
        'sysctl',
        '-qw',
        'net.ipv6.conf.all.accept_dad=0',
        'net.ipv6.conf.default.accept_dad=0',
      ]);
    }
    await mustRun('ip', [
      'link',
      'add',
      created.a.iface,
      'netns',
      created.a.ns,
      'type',
      'veth',
      'peer',
      'name',
      created.b.iface,
      'netns',
      created.b.ns,
    ]);
    const sides: Side[] = [];
    for (const side of [created.a, created.b]) {
      const ip = (...args: string[]): Promise<string> => mustRun('ip', ['-n', side.ns, ...args]);
      await ip('addr', 'add', `${side.ipv4}/24`, 'dev', side.iface);
      await ip('-6', 'addr', 'add', `${side.ipv6}/64`, 'dev', side.iface, 'nodad');
      await ip('link', 'set', side.iface, 'up');
      await ip('link', 'set', 'lo', 'up');
      const [link] = JSON.parse(await ip('-j', 'link', 'show', 'dev', side.iface)) as {
        address: string;
        ifindex: number;
      }[];
      if (link === undefined) throw new Error(`no link ${side.iface} in ${side.ns}`);
      sides.push({ ...side, mac: link.address, ifindex: link.ifindex });
    }
    const [a, b] = sides as [Side, Side];
    return { prefix, a, b };
  } catch (error) {
    await destroyVethPair(created);
    throw error;
  }
}

/** Deletes both namespaces (and with them the veth pair); tolerates half-made ones. */
export async function destroyVethPair(pair: VethPair): Promise<void> {
  for (const side of [pair.a, pair.b]) await run('ip', ['netns', 'del', side.ns]);
}

/** "2001:db8::1" -> 16 bytes; enough for the test addresses (no IPv4-embedded forms). */
export function ipv6Bytes(text: string): Buffer {
  const [head = '', tail] = text.split('::');
  const groups = (part: string | undefined): string[] =>
    part === undefined || part === '' ? [] : part.split(':');
  const left = groups(head);
  const right = groups(tail);
  const zeros = tail === undefined ? 0 : 8 - left.length - right.length;
  const all = [...left, ...Array<string>(zeros).fill('0'), ...right];
  if (all.length !== 8) throw new Error(`not an IPv6 address: ${text}`);
  const bytes = Buffer.alloc(16);
  all.forEach((group, i) => bytes.writeUInt16BE(Number.parseInt(group, 16), i * 2));
  return bytes;
}

/** "02:ab:..." -> 6 bytes. */
export function macBytes(text: string): Buffer {
  return Buffer.from(text.split(':').join(''), 'hex');
}
