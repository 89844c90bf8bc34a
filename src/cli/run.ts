/**
 * The `metallb-ts` command: dispatch to subcommands. Commands are loaded
 * when used: the Kubernetes client alone takes most of a second to load,
 * which `memberlist` and `config validate` do not need.
 */
import { readFileSync } from 'node:fs';
import type { CliIO } from './io.js';
import { EXIT_USAGE, validateCommand } from './validate.js';

const USAGE = `Usage: metallb-ts <command> [options]

A drop-in replacement for the MetalLB v0.9 controller and speaker.

Commands:
  config validate [--json] [--name NAME] [FILE|-]
                     check a v0.9 config (raw, or a ConfigMap manifest)
  plan --config CONFIG --services SERVICES [--json]
                     which address each Service would get from a config
  lab [--port N] [--kubeconfig-out FILE]
                     an embedded Kubernetes API to try metallb-ts without a cluster
  controller [--config NAME] [--port N] [--kubeconfig FILE] [--namespace NS]
                     the controller daemon
  speaker --node-name NAME [--ml-bindaddr ADDR ...] [--dry-run]
                     the speaker daemon (layer 2 and BGP)
  memberlist --name NAME --bind ADDR:PORT [--join ADDR:PORT,...] [--secret S]
                     one gossip member that v0.9 speakers accept; prints its view
  migrate check --config CONFIG --services SERVICES [--json]
                     before upgrading from v0.9: is it safe (config read the same,
                     no Service address moves)?
  migrate to-crds [--config CONFIG] [-o FILE]
                     the v0.9 ConfigMap as current MetalLB (metallb.io) resources

Options:
  -h, --help         show this help
  --version          print the version
`;

function version(): string {
  const manifest = JSON.parse(
    readFileSync(new URL('../../../package.json', import.meta.url), 'utf8'),
  ) as { version: string };
  return manifest.version;
}

/** Runs the command line `args` (without node and the script); resolves to the exit status. */
export async function run(args: readonly string[], io: CliIO): Promise<number> {
  const [command, ...rest] = args;
  if (command === undefined || command === '-h' || command === '--help' || command === 'help') {
    (command === undefined ? io.stderr : io.stdout)(USAGE);
    return command === undefined ? EXIT_USAGE : 0;
  }
  if (command === '--version') {
    io.stdout(`metallb-ts ${version()}\n`);
    return 0;
  }
  if (command === 'plan') return (await import('./plan.js')).planCommand(rest, io);
  if (command === 'lab') return (await import('./lab.js')).labCommand(rest, io);
  if (command === 'controller')
    return (await import('./controller.js')).controllerCommand(rest, io);
  if (command === 'speaker') return (await import('./speaker.js')).speakerCommand(rest, io);
  if (command === 'migrate') return (await import('./migrate.js')).migrateCommand(rest, io);
  if (command === 'memberlist')
    return (await import('./memberlist.js')).memberlistCommand(rest, io);
  if (command === 'config') {
    const [sub, ...subArgs] = rest;
    if (sub === 'validate') return validateCommand(subArgs, io);
    if (sub === undefined || sub === '-h' || sub === '--help') {
      io.stdout('Usage: metallb-ts config validate [--json] [--name NAME] [FILE|-]\n');
      return sub === undefined ? EXIT_USAGE : 0;
    }
    io.stderr(`metallb-ts config: unknown subcommand ${JSON.stringify(sub)}\n\n${USAGE}`);
    return EXIT_USAGE;
  }
  io.stderr(`metallb-ts: unknown command ${JSON.stringify(command)}\n\n${USAGE}`);
  return EXIT_USAGE;
}
