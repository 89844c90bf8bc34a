/**
 * One LAN topology per machine at a time: the host side of every topology
 * is the same 198.51.100.0/24 on a bridge, and two bridges with it would
 * split the host's replies between two LANs. A lock file in /run says who
 * holds the LAN; a holder that died (SIGKILL) has its leftovers removed by
 * the next one to ask.
 */
import { existsSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isRecord } from './ip-json.js';
import { PREFIX_FORMAT } from './namespaces.js';

const LOCK_PATH = join(existsSync('/run') ? '/run' : tmpdir(), 'metallb-ts-netns.lock');

interface LockOwner {
  pid: number;
  prefix: string;
}

function readLockOwner(): LockOwner | undefined {
  try {
    const value: unknown = JSON.parse(readFileSync(LOCK_PATH, 'utf8'));
    if (
      isRecord(value) &&
      typeof value['pid'] === 'number' &&
      typeof value['prefix'] === 'string' &&
      PREFIX_FORMAT.test(value['prefix'])
    ) {
      return { pid: value['pid'], prefix: value['prefix'] };
    }
  } catch {
    // missing, or being written right now
  }
  return undefined;
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export interface LanLockOptions {
  /** The prefix of the topology taking the LAN. */
  prefix: string;
  /** How long to wait for a live holder to let go. */
  waitMs: number;
  /** The LAN, for the message when it stays taken. */
  lan: string;
  /** Removes what a dead holder with that prefix left; returns what it removed. */
  removeLeftovers(prefix: string): string[];
}

export async function acquireLanLock(options: LanLockOptions): Promise<void> {
  const { prefix, waitMs } = options;
  const deadline = Date.now() + waitMs;
  let unreadableSince: number | undefined;
  for (;;) {
    try {
      writeFileSync(LOCK_PATH, JSON.stringify({ pid: process.pid, prefix }), { flag: 'wx' });
      return;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const owner = readLockOwner();
    if (owner === undefined) {
      // Another process may be between creating and writing it; give it a second.
      unreadableSince ??= Date.now();
      if (Date.now() - unreadableSince > 1_000) unlinkLock();
    } else if (owner.pid === process.pid) {
      throw new Error(
        `this process already has a network-namespace topology (${owner.prefix}); destroy it first`,
      );
    } else if (!processAlive(owner.pid)) {
      // A run that was SIGKILLed: its topology is still there, in the way.
      const removed = options.removeLeftovers(owner.prefix);
      if (removed.length > 0) {
        process.emitWarning(
          `removed what a dead process (pid ${owner.pid}) left of topology ${owner.prefix}: ${removed.join(', ')}`,
        );
      }
      unlinkLock();
    } else if (Date.now() > deadline) {
      throw new Error(
        `another network-namespace topology (${owner.prefix}, pid ${owner.pid}) holds ${options.lan} on this machine; waited ${waitMs} ms`,
      );
    } else {
      await sleep(200);
    }
  }
}

function unlinkLock(): void {
  try {
    unlinkSync(LOCK_PATH);
  } catch {
    // already gone
  }
}

export function releaseLanLock(prefix: string): void {
  const owner = readLockOwner();
  if (owner?.pid === process.pid && owner.prefix === prefix) unlinkLock();
}
