/**
 * Seeded, bounded fuzzing of a session: mutated messages (test/bgp/mutate.ts)
 * from an Established peer.
 *
 * - 100,000 through MessageReader, decodeMessage and the state machine:
 *   nothing throws; a message that cannot be decoded is answered with
 *   exactly the NOTIFICATION the decoder names, then the connection is
 *   closed; an OPEN in Established gets the RFC 6608 FSM error 5/3; a
 *   NOTIFICATION closes without an answer; anything else keeps the session.
 * - 300 over real TCP into a BgpSession (the peer is a small server in this
 *   test): the peer reads back the NOTIFICATION, or none, that the case
 *   calls for, and the session reconnects for the next case.
 *
 * Environment knobs: BGP_FUZZ_SEED, BGP_SESSION_FUZZ_RUNS (100000).
 */
import { expect } from 'chai';
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import {
  BgpSession,
  MessageReader,
  SessionMachine,
  decodeMessage,
  encodeMessage,
  type DecodeResult,
  type Message,
  type SessionAction,
} from '../../src/bgp/index.js';
import { parseIP, type IPAddress } from '../../src/ip/index.js';
import { GOLDEN_MESSAGES } from './fixtures.js';
import { mutate, prng } from './mutate.js';

const SEED = Number(process.env.BGP_FUZZ_SEED ?? 0x42475034) ^ 0x5e55;
const RUNS = Number(process.env.BGP_SESSION_FUZZ_RUNS ?? 100000);
const CONTEXT = { fourOctetAs: true };
const LOCAL: IPAddress = (() => {
  const parsed = parseIP('198.51.100.1');
  if (!parsed.ok) throw new Error(parsed.error);
  return parsed.value;
})();

const PEER_OPEN: Message = {
  type: 'open',
  version: 4,
  myAs: 64513,
  holdTime: 90,
  bgpId: 0xc6336401 + 1,
  capabilities: [
    { kind: 'multiprotocol', afi: 1, safi: 1 },
    { kind: 'multiprotocol', afi: 2, safi: 1 },
    { kind: 'routeRefresh' },
    { kind: 'fourOctetAs', asn: 64513 },
  ],
};

const SETTINGS = { localAsn: 64512, peerAsn: 64513, holdTimeSeconds: 90, routerId: null };

function check(condition: boolean, what: string): void {
  if (!condition) throw new Error(what);
}

function established(): SessionMachine {
  const machine = new SessionMachine(SETTINGS);
  machine.start(0);
  machine.connected(0, LOCAL);
  machine.received(0, { ok: true, message: PEER_OPEN });
  machine.received(0, { ok: true, message: { type: 'keepalive' } });
  check(machine.state === 'established', 'not Established');
  return machine;
}

/** What the session must answer to one framed outcome: a NOTIFICATION code/subcode, 'close', or nothing. */
type Expected = { notification: [number, number] } | 'close' | 'keep';

function expectedFor(result: DecodeResult): Expected {
  if (!result.ok) return { notification: [result.error.code, result.error.subcode] };
  const { message } = result;
  if (message.type === 'open') return { notification: [5, 3] };
  if (message.type === 'notification') return 'close';
  return 'keep';
}

function checkActions(actions: readonly SessionAction[], expected: Expected): void {
  const kinds = actions.map((a) => a.kind);
  if (expected === 'keep') {
    check(
      !kinds.includes('close') && !kinds.includes('down'),
      `reset on a good message: ${kinds.join()}`,
    );
    return;
  }
  if (expected === 'close') {
    check(kinds.join() === 'close,down', `NOTIFICATION not just closed: ${kinds.join()}`);
    return;
  }
  const [first] = actions;
  check(
    first?.kind === 'send' && first.message.type === 'notification',
    `no NOTIFICATION first: ${kinds.join()}`,
  );
  if (first?.kind !== 'send' || first.message.type !== 'notification') return;
  const [code, subcode] = expected.notification;
  check(
    first.message.code === code && first.message.subcode === subcode,
    `sent ${first.message.code}/${first.message.subcode}, expected ${code}/${subcode}`,
  );
  // What we send must itself be a well-formed message.
  const echoed = decodeMessage(encodeMessage(first.message, CONTEXT), CONTEXT);
  check(echoed.ok && echoed.message.type === 'notification', 'our NOTIFICATION does not decode');
  check(
    kinds.slice(1).join() === 'close,down',
    `not closed after the NOTIFICATION: ${kinds.join()}`,
  );
}

describe('bgp session fuzz', function () {
  this.timeout(120_000);

  it(`${RUNS} mutated messages into an Established state machine: the NOTIFICATION each calls for, never a throw`, () => {
    const random = prng(SEED);
    let machine = established();
    const tally = new Map<string, number>();
    for (let run = 0; run < RUNS; run++) {
      const source = GOLDEN_MESSAGES[random(GOLDEN_MESSAGES.length)] ?? new Uint8Array(0);
      const bytes = mutate(random, source);
      const reader = new MessageReader();
      reader.push(bytes);
      for (let next = reader.next(); next !== null; next = reader.next()) {
        const result: DecodeResult =
          next.kind === 'error'
            ? { ok: false, error: next.error }
            : decodeMessage(next.bytes, CONTEXT);
        const expected = expectedFor(result);
        const actions = machine.received(run, result);
        checkActions(actions, expected);
        const key = typeof expected === 'string' ? expected : expected.notification.join('/');
        tally.set(key, (tally.get(key) ?? 0) + 1);
        if (machine.state !== 'established') {
          machine = established();
          break;
        }
      }
    }
    // The mutations reach every kind of outcome, so the checks above were exercised.
    expect([...tally.keys()]).to.include.members(['keep', 'close', '1/2', '5/3']);
    expect([...tally.keys()].filter((k) => k.startsWith('3/')).length).to.be.greaterThan(3);
  });

  it('300 mutated messages over TCP into a BgpSession: the right NOTIFICATION or none, and it reconnects each time', async () => {
    const random = prng(SEED + 1);
    const cases: { bytes: Uint8Array; expected: Expected | 'incomplete' }[] = [];
    while (cases.length < 300) {
      const source = GOLDEN_MESSAGES[random(GOLDEN_MESSAGES.length)] ?? new Uint8Array(0);
      const bytes = mutate(random, source);
      const reader = new MessageReader();
      reader.push(bytes);
      const first = reader.next();
      if (first === null) {
        cases.push({ bytes, expected: 'incomplete' });
        continue;
      }
      const result: DecodeResult =
        first.kind === 'error'
          ? { ok: false, error: first.error }
          : decodeMessage(first.bytes, CONTEXT);
      // One case, one outcome: only messages that are exactly one frame, or fail in the first.
      if (first.kind === 'message' && first.bytes.length !== bytes.length) continue;
      cases.push({ bytes, expected: expectedFor(result) });
    }

    const outcomes: string[] = [];
    const wanted: string[] = [];
    let index = 0;
    let server: Server | undefined;
    const done = new Promise<void>((resolve, reject) => {
      server = createServer((socket) => {
        const current = cases[index];
        if (current === undefined) {
          socket.destroy();
          return;
        }
        index += 1;
        void playCase(socket, current.bytes, typeof current.expected === 'object').then(
          (answer) => {
            outcomes.push(answer);
            const expected = current.expected;
            wanted.push(
              expected === 'incomplete' || expected === 'keep' || expected === 'close'
                ? 'none'
                : `notification ${expected.notification.join('/')}`,
            );
            if (index >= cases.length) resolve();
          },
          reject,
        );
      });
      server.listen(0, '127.0.0.1');
    });
    await new Promise((resolve) => server?.once('listening', resolve));
    const port = (server?.address() as AddressInfo).port;
    const session = new BgpSession({
      peerAddress: LOCAL_PEER,
      port,
      password: null,
      settings: { ...SETTINGS, backoff: { initialMs: 1, maxMs: 5 } },
      events: {
        up: () => undefined,
        down: () => undefined,
        updatesSent: () => undefined,
        prefixes: () => undefined,
        malformedUpdate: () => undefined,
      },
    });
    session.start();
    try {
      await done;
    } finally {
      await session.close();
      server?.close();
    }
    expect(outcomes).to.deep.equal(wanted);
    expect(wanted.filter((w) => w !== 'none').length).to.be.greaterThan(50);
  });
});

const LOCAL_PEER: IPAddress = (() => {
  const parsed = parseIP('127.0.0.1');
  if (!parsed.ok) throw new Error(parsed.error);
  return parsed.value;
})();

/**
 * The peer's side of one case: take the session to Established, send the
 * mutated bytes, and report the NOTIFICATION the session sends back (or
 * none within a short wait), then close.
 */
async function playCase(
  socket: Socket,
  mutated: Uint8Array,
  answerExpected: boolean,
): Promise<string> {
  const reader = new MessageReader();
  const received: Message[] = [];
  let wake: (() => void) | undefined;
  socket.on('data', (chunk: Buffer) => {
    reader.push(chunk);
    for (let next = reader.next(); next?.kind === 'message'; next = reader.next()) {
      const result = decodeMessage(next.bytes, CONTEXT);
      if (result.ok) received.push(result.message);
    }
    wake?.();
  });
  socket.on('error', () => undefined);
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  const waitFor = async (test: () => boolean, ms: number): Promise<boolean> => {
    const deadline = Date.now() + ms;
    while (!test() && Date.now() < deadline) {
      await Promise.race([
        new Promise<void>((resolve) => (wake = resolve)),
        new Promise((resolve) => setTimeout(resolve, 5)),
        closed,
      ]);
    }
    return test();
  };
  await waitFor(() => received.some((m) => m.type === 'open'), 5000);
  socket.write(encodeMessage(PEER_OPEN, CONTEXT));
  socket.write(encodeMessage({ type: 'keepalive' }, CONTEXT));
  await waitFor(() => received.some((m) => m.type === 'keepalive'), 5000);
  const before = received.length;
  socket.write(mutated);
  // An expected answer may take its time on a busy machine; an unexpected one is looked for briefly.
  await waitFor(
    () => received.slice(before).some((m) => m.type === 'notification'),
    answerExpected ? 5000 : 40,
  );
  const notification = received.slice(before).find((m) => m.type === 'notification');
  socket.destroy();
  return notification?.type === 'notification'
    ? `notification ${notification.code}/${notification.subcode}`
    : 'none';
}
