/**
 * The two-namespace veth pair of the packet socket and TCP tests
 * (src/netns/veth-pair.ts), with the command runner in the form those
 * tests call it: `run(command, args)`, never rejecting.
 */
import {
  CommandError,
  netnsUnavailable as unavailableNow,
  onPath,
  run as runArgv,
  type CommandResult,
} from '../../src/netns/index.js';

export { createVethPair, destroyVethPair } from '../../src/netns/index.js';
export type { CommandResult, Side, VethPair, VethPairOptions } from '../../src/netns/index.js';

/** Runs a command without a shell, killed after `timeoutMs`; never rejects (code -1 when it cannot run or gives no answer). */
export async function run(
  command: string,
  args: string[],
  timeoutMs = 10_000,
): Promise<CommandResult> {
  try {
    return await runArgv([command, ...args], timeoutMs);
  } catch (error) {
    if (!(error instanceof CommandError)) throw error;
    return error.result ?? { code: -1, stdout: '', stderr: error.message };
  }
}

/** Whether `tool` is on PATH. */
export function hasTool(tool: string): Promise<boolean> {
  return Promise.resolve(onPath(tool));
}

/** Why namespaces cannot be made here, or undefined when they can. */
export function netnsUnavailable(): Promise<string | undefined> {
  return Promise.resolve(unavailableNow());
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
