/**
 * The memberlist secret read as v0.9's speaker reads it: os.Getenv gives
 * METALLB_ML_SECRET_KEY's bytes undecoded (speaker/main.go), and
 * internal/speakerlist/speakerlist.go New derives the key as the first 16
 * bytes of secret || sha256(""). A Secret's data is bytes, so a secret that
 * is not UTF-8 must give the same key from metallb-ts's environment reading
 * (src/cli/raw-environment.ts) as from Go: the Go memberlist peer judges
 * where Go is installed.
 */
import { expect } from 'chai';
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { goPeerOrSkip } from 'memberlist-ts/testing';
import { environEntry, rawEnvironmentValue } from '../../src/cli/raw-environment.js';
import { ROOT } from '../support/paths.js';

const exec = promisify(execFile);
const NAME = 'METALLB_ML_SECRET_KEY';

/** Secrets as printf(1) escapes (an environment cannot hold NUL), and their bytes. */
const SECRETS = [
  { printf: 'k\\377\\376ey-\\300\\200-not-utf8-\\355\\240\\200', what: '20 bytes, not UTF-8' },
  { printf: '\\377\\376', what: '2 bytes, not UTF-8 (padded with the digest)' },
  { printf: 'pl\\303\\244in-utf8-secret', what: 'UTF-8 text' },
];

function bytesOf(printfEscapes: string): Buffer {
  return Buffer.from(
    printfEscapes.replace(/\\([0-7]{3})/g, (_, octal: string) =>
      String.fromCharCode(Number.parseInt(octal, 8)),
    ),
    'latin1',
  );
}

/** v0.9.6 internal/speakerlist/speakerlist.go: sha256.New().Sum([]byte(secret))[:16]. */
function v09Key(secret: Uint8Array): string {
  return Buffer.concat([secret, createHash('sha256').digest()])
    .subarray(0, 16)
    .toString('hex');
}

/**
 * A speaker's view, in a process started with the secret's bytes in its
 * environment: the key from the raw environment (what the speaker
 * command uses), and from process.env's decoded text.
 */
async function keysInAProcess(printfEscapes: string): Promise<{ raw: string; decoded: string }> {
  const script = `
    import { rawEnvironmentValue } from ${JSON.stringify(join(ROOT, 'dist/src/cli/raw-environment.js'))};
    import { membershipConfig } from ${JSON.stringify(join(ROOT, 'dist/src/speaker/index.js'))};
    import { v09SecretKey } from 'memberlist-ts';
    const env = { ...process.env, METALLB_ML_BIND_ADDR: '192.0.2.1', METALLB_ML_LABELS: 'a=b',
      METALLB_ML_NAMESPACE: 'ns', METALLB_NODE_NAME: 'n' };
    const key = (secret) => {
      const config = membershipConfig(env, secret === undefined ? {} : { secret });
      return Buffer.from(v09SecretKey(config.settings.secret)).toString('hex');
    };
    console.log(JSON.stringify({ raw: key(rawEnvironmentValue('${NAME}')), decoded: key(undefined) }));
  `;
  const { stdout } = await exec(
    'sh',
    [
      '-c',
      `${NAME}="$(printf "$1")" exec "$0" --input-type=module -e "$2"`,
      process.execPath,
      printfEscapes,
      script,
    ],
    { cwd: ROOT },
  );
  return JSON.parse(stdout) as { raw: string; decoded: string };
}

describe('memberlist secret, read as bytes as v0.9 reads it', function () {
  this.timeout(120_000);

  it('finds an entry of an environ block by its exact name, the first of two, with = in its value', () => {
    const block = Buffer.from(`${NAME}_OLD=x\0A=1\0${NAME}=a=b\xff\0${NAME}=second\0`, 'latin1');
    expect(Buffer.from(environEntry(block, NAME) ?? [])).to.deep.equal(
      Buffer.from('a=b\xff', 'latin1'),
    );
    expect(environEntry(block, 'MISSING')).to.equal(undefined);
    expect(Buffer.from(environEntry(Buffer.from(`${NAME}=`), NAME) ?? [1])).to.have.length(0);
  });

  it("takes the received bytes while they are what process.env holds, and env's text once it was changed", () => {
    const raw = Buffer.from([0x6b, 0xff, 0x6b]);
    const environ = Buffer.concat([Buffer.from(`${NAME}=`), raw, Buffer.from([0])]);
    const decoded = raw.toString('utf8'); // as Node decodes the environment
    expect(rawEnvironmentValue(NAME, { [NAME]: decoded }, environ)).to.deep.equal(raw);
    expect(rawEnvironmentValue(NAME, { [NAME]: 'set-later' }, environ)).to.equal('set-later');
    expect(rawEnvironmentValue(NAME, {}, environ)).to.equal(undefined);
    expect(rawEnvironmentValue(NAME, { [NAME]: decoded }, undefined)).to.equal(decoded);
  });

  for (const { printf, what } of SECRETS) {
    it(`derives v0.9's key from a secret of ${what} in the environment`, async () => {
      const keys = await keysInAProcess(printf);
      expect(keys.raw).to.equal(v09Key(bytesOf(printf)));
      // process.env's text gives another key unless the secret is UTF-8: the split cluster avoided.
      expect(keys.decoded === keys.raw).to.equal(what === 'UTF-8 text');
    });
  }

  describe('against the Go memberlist peer', () => {
    let binary = '';
    before(async function () {
      binary = await goPeerOrSkip(this);
    });

    for (const { printf, what } of SECRETS) {
      it(`gets the same key as Go from a secret of ${what}`, async () => {
        const { stdout } = await exec('sh', [
          '-c',
          'exec "$0" -print-key -secret "$(printf "$1")"',
          binary,
          printf,
        ]);
        const go = (JSON.parse(stdout) as { key: string }).key;
        expect(go).to.equal(v09Key(bytesOf(printf)));
        expect((await keysInAProcess(printf)).raw).to.equal(go);
      });
    }
  });
});
