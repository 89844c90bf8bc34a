/**
 * Our own memberlist node for interop tests: the `memberlist-ts` command (the
 * compiled dist/src/main.js) run as a child process, with the same API
 * as GoPeer (go-peer.ts): both print the same JSON lines, and the process,
 * line-reading and cleanup part is shared in member-process.ts. Every member
 * started here is SIGKILLed by its own pid after the current test (lifetime
 * 'test') or at the end of the run (lifetime 'run'), and on process exit.
 *
 * `memberlist-ts` keeps running when its stdin closes (mlpeer shuts
 * down), so the member is started with a small preloaded guard that
 * SIGKILLs it once its parent is gone: a test run that is itself killed
 * leaves no member behind either.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { MemberProcess, type Lifetime } from './member-process.js';
import { PACKAGE_ROOT } from './paths.js';

export {
  eventIs,
  freePort,
  type MemberEvent,
  type MemberEventOf,
  type MemberExit,
  type MemberRecord,
  type MemberState,
} from './member-process.js';

/** The compiled command; tests run from dist/, so it is there whenever they are. */
export const CLI = join(PACKAGE_ROOT, 'dist', 'src', 'main.js');

/**
 * Loaded with --import before the CLI: checks twice a second that the
 * parent (this test process) is still the parent, and SIGKILLs the member
 * when it has been reparented. An unref'd timer, so it never keeps the
 * member alive; it reads nothing and writes nothing. Left unencoded so `ps`
 * shows it plainly, which is fine as long as it holds no '#' nor '%'.
 */
const ORPHAN_GUARD =
  'data:text/javascript,const parent = process.ppid; setInterval(() => {' +
  " if (process.ppid !== parent) process.kill(process.pid, 'SIGKILL'); }, 500).unref();";

export interface TsMemberOptions {
  /** memberlist node name. */
  name: string;
  /** UDP and TCP port to bind and advertise (see freePort). */
  port: number;
  /** Bind and advertise address; loopback only: 127.0.0.1 (default) or ::1. */
  bind?: string;
  /** host:port addresses to join after startup. */
  join?: readonly string[];
  /** MetalLB v0.9 memberlist secret; absent or empty: no encryption. */
  secret?: string;
  /** --fast: the faster timings for clusters with no Go member. */
  fast?: boolean;
  /** --verbose: debug lines on stderr too. */
  verbose?: boolean;
  /**
   * 'test' (default): SIGKILLed after the current test. 'run': for a member
   * a suite starts in `before` and stops in its own `after`; killed at the
   * end of the run at the latest.
   */
  lifetime?: Lifetime;
}

export class TsMember extends MemberProcess {
  constructor(options: TsMemberOptions) {
    if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run npm run build -w memberlist-ts`);
    const bind = options.bind ?? '127.0.0.1';
    const hostPort = bind.includes(':') ? `[${bind}]:${options.port}` : `${bind}:${options.port}`;
    const args = ['--import', ORPHAN_GUARD, CLI, '--name', options.name];
    args.push('--bind', hostPort);
    if (options.join !== undefined && options.join.length > 0) {
      args.push('--join', options.join.join(','));
    }
    if (options.secret !== undefined && options.secret !== '') {
      args.push('--secret', options.secret);
    }
    if (options.fast === true) args.push('--fast');
    if (options.verbose === true) args.push('--verbose');
    super({
      label: 'TS member',
      name: options.name,
      bind,
      port: options.port,
      lifetime: options.lifetime ?? 'test',
      command: process.execPath,
      args,
      echo: process.env['METALLB_TS_MEMBER_LOG'] === '1',
      echoPrefix: `[${options.name}] `,
    });
  }
}

/** Starts a member; see TsMemberOptions.lifetime for when it is killed at the latest. */
export function startTsMember(options: TsMemberOptions): TsMember {
  return new TsMember(options);
}
