/**
 * A real HashiCorp memberlist node for interop tests: builds
 * test/go/mlpeer (Go, against Debian's memberlist source), runs
 * it, and reads the JSON lines it prints (see the comment at the top of its
 * main.go for what each line means).
 *
 * The process, line-reading and cleanup part is shared with our own member
 * (ts-member.ts) in member-process.ts: every peer started here is killed in
 * a root `afterEach` (and on process exit), so a failing test leaves nothing
 * running; the peer also shuts itself down when its stdin closes, which
 * covers this process being killed.
 */
import { execFile, type ExecFileException } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, readFile, rename, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { killMemberProcesses, MemberProcess, type Lifetime } from './member-process.js';
import { PACKAGE_ROOT } from './paths.js';

/** The Go source of the peer. */
export const GO_PEER_SOURCE = join(PACKAGE_ROOT, 'test', 'go', 'mlpeer', 'main.go');
/** Where Debian's golang-*-dev packages put their source (a GOPATH). */
export const GOCODE = '/usr/share/gocode';
const MEMBERLIST_SOURCE = join(GOCODE, 'src', 'github.com', 'hashicorp', 'memberlist');
/** Built binaries and Go's build cache; outlives the test run so reruns are instant. */
const CACHE = join(tmpdir(), 'memberlist-ts-go-peer');
const PACKAGES = 'golang-go golang-github-hashicorp-memberlist-dev';

export type GoPeerBuild =
  | { ok: true; binary: string }
  /** `missing`: go or the memberlist source is not installed (skip); otherwise the build failed (a bug). */
  | { ok: false; reason: string; missing: boolean };

let build: Promise<GoPeerBuild> | undefined;

/** Builds the peer once per test run (once per main.go content across runs). */
export function ensureGoPeer(): Promise<GoPeerBuild> {
  build ??= buildGoPeer();
  return build;
}

/**
 * The environment for `go`: GOPATH mode over Debian's source tree, nothing
 * fetched from the network, our own build cache (HOME may be unset in CI),
 * and no cgo so a machine without gcc builds too.
 */
export function goEnv(gopath: string, cache = CACHE): NodeJS.ProcessEnv {
  return {
    ...process.env,
    GO111MODULE: 'off',
    GOPATH: gopath,
    GOCACHE: join(cache, 'gocache'),
    GOFLAGS: '',
    GOPROXY: 'off',
    GOTOOLCHAIN: 'local',
    CGO_ENABLED: '0',
  };
}

function run(
  file: string,
  args: readonly string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv; timeout: number },
): Promise<{ error: ExecFileException | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(file, args, { ...options, maxBuffer: 16 << 20 }, (error, stdout, stderr) => {
      resolve({ error, stdout, stderr });
    });
  });
}

async function buildGoPeer(): Promise<GoPeerBuild> {
  const version = await run('go', ['version'], { env: goEnv(GOCODE), timeout: 30_000 });
  if (version.error !== null) {
    const why =
      version.error.code === 'ENOENT'
        ? 'the go command is not installed'
        : `go version failed: ${version.error.message}`;
    return { ok: false, missing: true, reason: `${why} (Debian: ${PACKAGES})` };
  }
  if (!existsSync(join(MEMBERLIST_SOURCE, 'memberlist.go'))) {
    return {
      ok: false,
      missing: true,
      reason: `no memberlist source at ${MEMBERLIST_SOURCE} (Debian: golang-github-hashicorp-memberlist-dev)`,
    };
  }
  const source = await readFile(GO_PEER_SOURCE);
  // The Go toolchain and the memberlist release change the binary as much as main.go does.
  const key = createHash('sha256')
    .update(source)
    .update(version.stdout)
    .update(await readFile(join(MEMBERLIST_SOURCE, 'memberlist.go')))
    .digest('hex')
    .slice(0, 16);
  const binary = join(CACHE, `mlpeer-${key}`);
  if (existsSync(binary)) return { ok: true, binary };

  await mkdir(CACHE, { recursive: true });
  const work = await mkdtemp(join(CACHE, 'build-'));
  try {
    await mkdir(join(work, 'src', 'mlpeer'), { recursive: true });
    // A copy, not a link: the binary must match the bytes that were hashed.
    await copyFile(GO_PEER_SOURCE, join(work, 'src', 'mlpeer', 'main.go'));
    const out = join(work, 'mlpeer');
    const result = await run('go', ['build', '-o', out, 'mlpeer'], {
      cwd: work,
      env: goEnv(`${work}:${GOCODE}`),
      timeout: 300_000,
    });
    if (result.error !== null) {
      const detail = (result.stderr || result.error.message).trim().split('\n').slice(-20);
      return { ok: false, missing: false, reason: `go build failed:\n${detail.join('\n')}` };
    }
    // rename is atomic: a concurrent test run sees no binary or a whole one.
    await rename(out, binary);
    return { ok: true, binary };
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

/**
 * The peer binary for a suite's `before` hook. Skips the suite when the
 * packages are missing and this is not root; as root the test command has
 * run scripts/install-peers.sh, so missing packages are a failure there (as
 * with METALLB_TS_REQUIRE_PEERS=1). A failed build always fails.
 */
export async function goPeerOrSkip(ctx: Mocha.Context): Promise<string> {
  const result = await ensureGoPeer();
  if (result.ok) return result.binary;
  const required = process.getuid?.() === 0 || process.env['METALLB_TS_REQUIRE_PEERS'] === '1';
  if (result.missing && !required) {
    console.log(`      memberlist interop skipped: ${result.reason}`);
    ctx.skip();
  }
  const hint = result.missing ? ' (run scripts/install-peers.sh as root)' : '';
  throw new Error(`Go memberlist peer unavailable: ${result.reason}${hint}`);
}

// ---------------------------------------------------------------------------
// Events (shared with ts-member.ts: both print the same lines)

export {
  eventIs,
  freePort,
  parseMemberEvent as parseGoPeerEvent,
  type MemberState as GoMemberState,
  type MemberRecord as GoPeerMember,
  type MemberEvent as GoPeerEvent,
  type MemberEventOf as GoPeerEventOf,
  type MemberExit as GoPeerExit,
} from './member-process.js';

// ---------------------------------------------------------------------------
// Processes

export interface GoPeerOptions {
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
  /**
   * 'test' (default): SIGKILLed after the current test. 'run': for a peer a
   * suite starts in `before` and stops in its own `after`; killed at the
   * end of the run at the latest.
   */
  lifetime?: Lifetime;
}

/**
 * A running mlpeer. Besides the SIGKILLs of member-process.ts, mlpeer shuts
 * itself down when its stdin closes, which covers this process being killed.
 */
export class GoPeer extends MemberProcess {
  constructor(binary: string, options: GoPeerOptions) {
    const bind = options.bind ?? '127.0.0.1';
    const args = ['-name', options.name, '-bind', bind, '-port', String(options.port)];
    if (options.join !== undefined && options.join.length > 0) {
      args.push('-join', options.join.join(','));
    }
    if (options.secret !== undefined && options.secret !== '') args.push('-secret', options.secret);
    super({
      label: 'Go peer',
      name: options.name,
      bind,
      port: options.port,
      lifetime: options.lifetime ?? 'test',
      command: binary,
      args,
      echo: process.env['METALLB_TS_GO_PEER_LOG'] === '1',
    });
  }
}

/** Starts a peer; see GoPeerOptions.lifetime for when it is killed at the latest. */
export function startGoPeer(binary: string, options: GoPeerOptions): GoPeer {
  return new GoPeer(binary, options);
}

/**
 * SIGKILLs the Go peers still running (with `all` false only those of
 * lifetime 'test') and waits, at most 2 s, for each to be gone. The root
 * hooks of member-process.ts do this for every node after each test.
 */
export function killAllGoPeers(all = true): Promise<void> {
  return killMemberProcesses((node) => node instanceof GoPeer && (all || node.lifetime === 'test'));
}
