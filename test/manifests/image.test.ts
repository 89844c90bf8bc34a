/**
 * The container image, checked without a container runtime (this machine
 * has none): the Dockerfile's stages, that every file the build stage
 * copies exists and is not excluded by .dockerignore, and that the runtime
 * stage's files, assembled in a temporary folder from this checkout's build
 * with only the production dependencies, start the entry point.
 */
import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  realpathSync,
  rmSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { ROOT } from '../support/paths.js';

interface Instruction {
  readonly op: string;
  readonly args: string;
}
interface Stage {
  readonly from: string;
  readonly name: string;
  readonly instructions: Instruction[];
}

/** Dockerfile -> stages of instructions (comments and continuation lines handled). */
function parseDockerfile(text: string): Stage[] {
  const lines = text
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'));
  const stages: Stage[] = [];
  for (const line of lines) {
    const [op = '', ...rest] = line.split(/\s+/);
    const args = rest.join(' ');
    if (op.toUpperCase() === 'FROM') {
      const [from = '', , name = ''] = rest;
      stages.push({ from, name, instructions: [] });
    } else stages.at(-1)?.instructions.push({ op: op.toUpperCase(), args });
  }
  return stages;
}

/** COPY [--from=S] SRC... DEST */
function copies(stage: Stage): { from: string | null; sources: string[]; dest: string }[] {
  return stage.instructions
    .filter((i) => i.op === 'COPY')
    .map((i) => {
      const words = i.args.split(/\s+/);
      const from = words[0]?.startsWith('--from=') ? (words.shift()?.slice(7) ?? null) : null;
      const dest = words.pop() ?? '';
      return { from, sources: words, dest };
    });
}

function workdir(stage: Stage): string {
  return stage.instructions.filter((i) => i.op === 'WORKDIR').at(-1)?.args ?? '/';
}

/**
 * The packages `npm prune --omit=dev` keeps in node_modules, from
 * package-lock.json (a workspace's own entry, `packages/...`, is the target
 * of its link there, which the Dockerfile copies on its own).
 */
function productionPackages(): string[] {
  const lock = JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8')) as {
    packages: Record<string, { dev?: boolean }>;
  };
  return Object.entries(lock.packages)
    .filter(([path, entry]) => path.startsWith('node_modules/') && entry.dev !== true)
    .map(([path]) => path);
}

describe('container image (Dockerfile)', function () {
  this.timeout(120_000);
  const stages = parseDockerfile(readFileSync(join(ROOT, 'Dockerfile'), 'utf8'));
  const build = stages[0];
  const runtime = stages[stages.length - 1];

  it('has a toolchain stage and a slim Node runtime stage of the same Node and Debian release', () => {
    expect(stages.map((s) => s.name)).to.deep.equal(['build', 'runtime']);
    expect(build?.from).to.match(/^node:(\d+)-bookworm$/);
    expect(runtime?.from).to.match(/^node:(\d+)-bookworm-slim$/);
    const major = (s: Stage | undefined) => /^node:(\d+)/.exec(s?.from ?? '')?.[1];
    expect(major(build)).to.equal(major(runtime));
    // The major version the project runs on (package.json engines).
    const engines = (
      JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { engines: { node: string } }
    ).engines.node;
    expect(engines).to.match(new RegExp(`^>=${major(runtime)}\\.\\d+$`));
  });

  it("runs these tests on the image's Node major version", () => {
    const runtimeMajor = /^node:(\d+)/.exec(runtime?.from ?? '')?.[1];
    expect(process.versions.node.split('.')[0]).to.equal(runtimeMajor);
  });

  it('copies into the build stage only files that exist and the build context keeps', () => {
    const ignored = readFileSync(join(ROOT, '.dockerignore'), 'utf8')
      .split('\n')
      .map((l) => l.trim().replace(/\/$/, ''))
      .filter((l) => l !== '' && !l.startsWith('#'));
    const sources = copies(build as Stage).flatMap((c) => c.sources);
    expect(sources).to.include.members([
      'package.json',
      'package-lock.json',
      'binding.gyp',
      'src/',
    ]);
    for (const source of sources) {
      expect(existsSync(join(ROOT, source)), source).to.equal(true);
      expect(ignored.includes(source.replace(/\/$/, '')), `${source} is ignored`).to.equal(false);
    }
    // node-gyp compiles these: each must be inside a copied folder.
    const gyp = JSON.parse(readFileSync(join(ROOT, 'binding.gyp'), 'utf8')) as {
      targets: { sources: string[] }[];
    };
    for (const file of gyp.targets.flatMap((t) => t.sources))
      expect(
        sources.some((s) => s.endsWith('/') && file.startsWith(s)),
        file,
      ).to.equal(true);
    const run = (build as Stage).instructions.filter((i) => i.op === 'RUN').map((i) => i.args);
    expect(run.join(' && ')).to.match(/npm ci .*npm prune --omit=dev/);
  });

  describe('the runtime stage, assembled here from this build', () => {
    let app: string;
    let entry: string[];

    before(function () {
      if (!existsSync(join(ROOT, 'build/Release/metallb_native.node'))) this.skip(); // npm ci has not built the addon
      app = mkdtempSync(join(tmpdir(), 'metallb-ts-image-'));
      const stage = runtime as Stage;
      const root = workdir(stage);
      // The build stage's /src is this checkout; node_modules holds what npm prune keeps.
      const buildRoot = workdir(build as Stage);
      for (const copy of copies(stage)) {
        expect(copy.from).to.equal('build');
        for (const source of copy.sources) {
          const local = join(ROOT, source.slice(buildRoot.length + 1));
          const dest = join(
            app,
            copy.dest.startsWith('/') ? copy.dest.slice(root.length) : copy.dest,
          );
          if (source.replace(/\/$/, '').endsWith('/node_modules')) {
            for (const pkg of productionPackages()) {
              if (!existsSync(join(ROOT, pkg))) continue; // an optional package not installed here
              mkdirSync(dirname(join(dest, pkg.slice('node_modules/'.length))), {
                recursive: true,
              });
              // A workspace's link stays a relative link, as COPY keeps it.
              cpSync(join(ROOT, pkg), join(dest, pkg.slice('node_modules/'.length)), {
                recursive: true,
                verbatimSymlinks: true,
              });
            }
          } else {
            expect(existsSync(local), local).to.equal(true);
            mkdirSync(dirname(dest), { recursive: true });
            cpSync(local, dest, { recursive: true });
          }
        }
      }
      const entrypoint = stage.instructions.find((i) => i.op === 'ENTRYPOINT')?.args ?? '[]';
      const words = JSON.parse(entrypoint) as string[];
      entry = words.map((w) =>
        w.startsWith(`${root}/`) ? join(app, w.slice(root.length + 1)) : w,
      );
    });
    after(() => {
      if (app !== undefined) rmSync(app, { recursive: true, force: true });
    });

    function start(args: string[]): { status: number | null; stdout: string; stderr: string } {
      const [command = 'node', ...rest] = entry;
      return spawnSync(command, [...rest, ...args], {
        encoding: 'utf8',
        cwd: app,
        env: { PATH: process.env['PATH'] ?? '', NODE_ENV: 'production' },
        timeout: 30_000,
      });
    }

    it('runs the entry point with the default command (--help)', () => {
      const cmd = JSON.parse(
        (runtime as Stage).instructions.find((i) => i.op === 'CMD')?.args ?? '[]',
      ) as string[];
      expect(cmd).to.deep.equal(['--help']);
      const ran = start(cmd);
      expect(ran.status, ran.stderr).to.equal(0);
      expect(ran.stdout).to.match(/^Usage: metallb-ts <command>/);
    });

    it('has everything the controller, the speaker and the version need', () => {
      const { version } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
        version: string;
      };
      expect(start(['--version']).stdout).to.equal(`metallb-ts ${version}\n`);
      for (const command of ['controller', 'speaker', 'migrate', 'plan', 'memberlist']) {
        const ran = start([command, '--help']);
        expect(ran.status, `${command}: ${ran.stderr}`).to.equal(0);
      }
    });

    it('resolves memberlist-ts to the workspace copied beside the program', () => {
      expect(realpathSync(join(app, 'node_modules', 'memberlist-ts'))).to.equal(
        realpathSync(join(app, 'packages', 'memberlist-ts')),
      );
    });

    it("parses a config in the daemons' worker thread from its own files, with the entry point's Node flags", () => {
      const [command = 'node', ...flags] = entry.slice(0, -1);
      const script = `
        const { ConfigParser } = await import(${JSON.stringify(join(app, 'dist/src/daemon/index.js'))});
        const parser = new ConfigParser({ inlineMaxBytes: 0 });
        const result = await parser.parse({ config: 'address-pools: [{name: a, protocol: layer2, addresses: [192.0.2.0/24]}]' });
        await parser.close();
        console.log(result.ok ? result.config.pools[0].name : JSON.stringify(result.errors));`;
      const ran = spawnSync(command, [...flags, '--input-type=module', '-e', script], {
        encoding: 'utf8',
        cwd: app,
        env: { PATH: process.env['PATH'] ?? '' },
      });
      expect(ran.status, ran.stderr).to.equal(0);
      expect(ran.stdout.trim()).to.equal('a');
    });

    it('loads the native addon and the Kubernetes client from its own files', () => {
      const script = `
        const native = await import(${JSON.stringify(join(app, 'dist/src/native/index.js'))});
        const addon = native.nativeAddon();
        const k8s = await import(${JSON.stringify(join(app, 'dist/src/k8s/index.js'))});
        console.log(typeof addon.PacketSocket, typeof k8s.clusterAccess, native.ADDON_PATH);`;
      const ran = spawnSync('node', ['--input-type=module', '-e', script], {
        encoding: 'utf8',
        cwd: app,
        env: { PATH: process.env['PATH'] ?? '' },
      });
      expect(ran.status, ran.stderr).to.equal(0);
      expect(ran.stdout.trim()).to.equal(
        `function function ${join(app, 'build/Release/metallb_native.node')}`,
      );
    });
  });
});
