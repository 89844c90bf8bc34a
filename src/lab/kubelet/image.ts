/**
 * Which images the lab can run, and how: there is no container runtime, so
 * an image is a program on this machine. metallb-ts's own image is this
 * build, started as the Dockerfile's ENTRYPOINT starts it (Node with the
 * same flags, the same program); its paths inside the image are mapped to
 * this checkout. Any other image (v0.9.6's `metallb/controller:v0.9.6`,
 * for one) cannot run: the container waits with the reason a kubelet gives
 * an image it cannot get. Command and args follow
 * https://kubernetes.io/docs/tasks/inject-data-application/define-command-argument-container/:
 * `command` replaces the ENTRYPOINT, `args` the CMD.
 */
import { fileURLToPath } from 'node:url';
import type { Json, JsonObject } from '../json.js';
import type { StandInImages } from './stand-in.js';

/** The Dockerfile's ENTRYPOINT and CMD (test/lab/kubelet holds them against the file). */
export const IMAGE_ENTRYPOINT: readonly string[] = [
  'node',
  '--max-semi-space-size=4',
  '/app/dist/src/cli/main.js',
];
export const IMAGE_CMD: readonly string[] = ['--help'];

/** The image's repository, whatever registry or tag (`metallb-ts/metallb-ts:v0.1.0`). */
const OUR_IMAGE = /^(?:[^/]+\/)?metallb-ts\/metallb-ts(?::[\w.-]+)?(?:@sha256:[0-9a-f]{64})?$/;

/**
 * The image's /app (its WORKDIR, where its processes start) is this
 * checkout's root (dist/src/cli/main.js is compiled from src/cli/main.ts).
 */
export const APP_ROOT = fileURLToPath(new URL('../../../../', import.meta.url));

export type ContainerCommand =
  | { readonly ok: true; readonly argv: string[] }
  | { readonly ok: false; readonly reason: string; readonly message: string };

const strings = (value: Json | undefined): string[] | undefined =>
  Array.isArray(value)
    ? value.map((v) => (typeof v === 'string' ? v : JSON.stringify(v)))
    : undefined;

/** The argv that runs `container` here (a test's stand-in for its image first), or why it cannot run. */
export function containerCommand(
  container: JsonObject,
  standIns?: StandInImages,
): ContainerCommand {
  const image = typeof container['image'] === 'string' ? container['image'] : '';
  const standIn = standIns?.argvFor(image);
  if (standIn !== undefined) return { ok: true, argv: [...standIn] };
  if (!OUR_IMAGE.test(image))
    return {
      ok: false,
      reason: 'ErrImagePull',
      message: `the lab runs only metallb-ts images (metallb-ts/metallb-ts), not "${image}": it has no container runtime`,
    };
  const command = strings(container['command']);
  const args = strings(container['args']);
  const argv = [
    ...(command ?? IMAGE_ENTRYPOINT),
    ...(args ?? (command === undefined ? IMAGE_CMD : [])),
  ];
  return {
    ok: true,
    argv: argv.map((arg, i) => (i === 0 && arg === 'node' ? process.execPath : hostPath(arg))),
  };
}

function hostPath(arg: string): string {
  return arg.startsWith('/app/') ? `${APP_ROOT}${arg.slice('/app/'.length)}` : arg;
}
