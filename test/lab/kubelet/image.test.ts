/**
 * What the kubelet runs for a container: the Dockerfile's ENTRYPOINT and
 * CMD (held against the file itself), `command` and `args` as Kubernetes
 * combines them, and no image but metallb-ts's.
 */
import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import {
  containerCommand,
  IMAGE_CMD,
  IMAGE_ENTRYPOINT,
  StandInImages,
} from '../../../src/lab/kubelet/index.js';

const ROOT = fileURLToPath(new URL('../../../../', import.meta.url));
const MAIN = `${ROOT}dist/src/cli/main.js`;

function dockerfileList(instruction: string): unknown {
  const line = readFileSync(`${ROOT}Dockerfile`, 'utf8')
    .split('\n')
    .find((l) => l.startsWith(`${instruction} `));
  return JSON.parse(line?.slice(instruction.length + 1) ?? 'null');
}

describe('lab kubelet: image and command', () => {
  it("holds the Dockerfile's ENTRYPOINT and CMD", () => {
    expect(IMAGE_ENTRYPOINT).to.deep.equal(dockerfileList('ENTRYPOINT'));
    expect(IMAGE_CMD).to.deep.equal(dockerfileList('CMD'));
  });

  it("runs the image's entrypoint with Node's flags and the container's args", () => {
    const run = containerCommand({
      image: 'metallb-ts/metallb-ts:v0.1.0',
      args: ['controller', '--port=7472'],
    });
    expect(run).to.deep.equal({
      ok: true,
      argv: [process.execPath, '--max-semi-space-size=4', MAIN, 'controller', '--port=7472'],
    });
  });

  it('runs CMD without args, and command alone replaces both', () => {
    expect(containerCommand({ image: 'ghcr.io/metallb-ts/metallb-ts:v1' })).to.deep.equal({
      ok: true,
      argv: [process.execPath, '--max-semi-space-size=4', MAIN, '--help'],
    });
    expect(
      containerCommand({
        image: 'metallb-ts/metallb-ts',
        command: ['node', '/app/dist/src/cli/main.js'],
      }),
    ).to.deep.equal({
      ok: true,
      argv: [process.execPath, MAIN],
    });
  });

  it("cannot run v0.9.6's images: the container waits with ErrImagePull", () => {
    const run = containerCommand({ image: 'metallb/controller:v0.9.6', args: ['--port=7472'] });
    expect(run.ok).to.equal(false);
    if (!run.ok) {
      expect(run.reason).to.equal('ErrImagePull');
      expect(run.message).to.include('metallb/controller:v0.9.6');
    }
  });

  it("runs a test's stand-in for exactly the image it maps, instead of the container's command and args", () => {
    const standIns = new StandInImages();
    standIns.set('metallb/speaker:v0.9.6', ['/usr/bin/peer', '-name', '$(METALLB_NODE_NAME)']);
    const speaker = { image: 'metallb/speaker:v0.9.6', args: ['--port=7472', '--config=config'] };
    expect(containerCommand(speaker, standIns)).to.deep.equal({
      ok: true,
      argv: ['/usr/bin/peer', '-name', '$(METALLB_NODE_NAME)'],
    });
    const other = containerCommand({ image: 'metallb/speaker:v0.9.5' }, standIns);
    expect(other.ok).to.equal(false);
  });
});
