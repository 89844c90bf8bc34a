/**
 * The daemons' keyed work queue: what both the controller (16 at once, the
 * config alone and first, retries) and the speaker (next turn, held until
 * its caches are listed) rely on.
 */
import { expect } from 'chai';
import { KeyedWorkQueue } from '../../src/daemon/index.js';

/** A work function whose calls stay open until the test settles them. */
function gatedWork(): {
  work: (key: string) => Promise<void>;
  started: string[];
  open: Map<string, { resolve: () => void; reject: (error: Error) => void }>;
} {
  const started: string[] = [];
  const open = new Map<string, { resolve: () => void; reject: (error: Error) => void }>();
  return {
    started,
    open,
    work: (key) =>
      new Promise<void>((resolve, reject) => {
        started.push(key);
        open.set(key, {
          resolve: () => {
            open.delete(key);
            resolve();
          },
          reject: (error) => {
            open.delete(key);
            reject(error);
          },
        });
      }),
  };
}

const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('daemon: keyed work queue', () => {
  it('works at most `concurrency` keys at once, never one key twice, and again when queued meanwhile', async () => {
    const gate = gatedWork();
    const queue = new KeyedWorkQueue({ work: gate.work, concurrency: 2 });
    queue.addAll(['a', 'b', 'c']);
    expect(gate.started).to.deep.equal(['a', 'b']);
    queue.add('a'); // changed while being worked
    queue.add('b');
    expect(gate.started).to.deep.equal(['a', 'b']);
    gate.open.get('a')?.resolve();
    await turn();
    // c was queued first; a's second round waits for a free worker.
    expect(gate.started).to.deep.equal(['a', 'b', 'c']);
    gate.open.get('b')?.resolve();
    await turn();
    expect(gate.started).to.deep.equal(['a', 'b', 'c', 'a']);
  });

  it('leaves a key queued while it is worked, even with a worker free, then works it again', async () => {
    const gate = gatedWork();
    const queue = new KeyedWorkQueue({ work: gate.work, concurrency: 2 });
    queue.add('a');
    queue.add('a');
    expect(gate.started).to.deep.equal(['a']);
    gate.open.get('a')?.resolve();
    await turn();
    expect(gate.started).to.deep.equal(['a', 'a']);
  });

  it('works the first key alone: after what is under way, before anything queued', async () => {
    const gate = gatedWork();
    const queue = new KeyedWorkQueue({ work: gate.work, concurrency: 4, first: 'config' });
    queue.addAll(['s1', 's2']);
    queue.addAll(['config', 's3']);
    expect(gate.started).to.deep.equal(['s1', 's2']);
    gate.open.get('s1')?.resolve();
    await turn();
    expect(gate.started).to.deep.equal(['s1', 's2']);
    gate.open.get('s2')?.resolve();
    await turn();
    expect(gate.started).to.deep.equal(['s1', 's2', 'config']);
    gate.open.get('config')?.resolve();
    await turn();
    expect(gate.started).to.deep.equal(['s1', 's2', 'config', 's3']);
  });

  it('retries a failed key after a doubling wait and reports each failure', async () => {
    const failures: [string, number][] = [];
    let calls = 0;
    const queue = new KeyedWorkQueue({
      work: () => {
        calls++;
        if (calls < 3) throw new Error('conflict');
      },
      concurrency: 1,
      retry: {
        initialMs: 5,
        maxMs: 8,
        failed: (key, _error, wait) => failures.push([key, wait]),
      },
    });
    queue.add('k');
    await new Promise((resolve) => setTimeout(resolve, 60));
    expect(calls).to.equal(3);
    expect(failures).to.deep.equal([
      ['k', 5],
      ['k', 8],
    ]);
  });

  it('on the next turn works a burst once, holds keys while closed, and is idle while they wait', async () => {
    const worked: string[] = [];
    let open = false;
    const queue = new KeyedWorkQueue({
      work: (key) => void worked.push(key),
      concurrency: Infinity,
      open: () => open,
      nextTurn: true,
    });
    queue.add('a');
    queue.add('a');
    expect(worked).to.deep.equal([]);
    await queue.idle();
    expect(worked).to.deep.equal([]);
    open = true;
    queue.add('b');
    await queue.idle();
    expect(worked).to.deep.equal(['a', 'b']);
  });

  it('takes no keys once stopped, and again once started', async () => {
    const worked: string[] = [];
    const queue = new KeyedWorkQueue({ work: (key) => void worked.push(key), concurrency: 1 });
    queue.stop();
    queue.add('a');
    await queue.idle();
    queue.start();
    queue.add('b');
    await queue.idle();
    expect(worked).to.deep.equal(['b']);
  });
});
