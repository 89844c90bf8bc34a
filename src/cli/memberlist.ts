/**
 * `metallb-ts memberlist`: one gossip member on its own, printing what it
 * sees as JSON lines. The member and its lines are memberlist-ts's own
 * command (its `memberlist-ts` bin), here under the product's name.
 */
import { memberCommand } from 'memberlist-ts';
import type { CliIO } from './io.js';

const PROGRAM = 'metallb-ts memberlist';

export function memberlistCommand(args: readonly string[], io: CliIO): Promise<number> {
  return memberCommand(args, io, PROGRAM);
}
