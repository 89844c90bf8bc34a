import { expect } from 'chai';
import { Awareness } from '../src/awareness.js';
import { BroadcastQueue } from '../src/broadcasts.js';
import { Scheduler } from '../src/scheduler.js';
import { pushPullScale, retransmitLimit, Suspicion, suspicionTimeout } from '../src/suspicion.js';

const bytes = (n: number, fill: number): Uint8Array => new Uint8Array(n).fill(fill);

describe('memberlist timers and queues', () => {
  describe('suspicion (Lifeguard)', () => {
    it('starts at max with confirmations expected and shortens on a log scale down to min', () => {
      // k = 2, min 4 s, max 24 s (a 6-member LAN cluster).
      const s = new Suspicion('a', 2, 4_000, 24_000, 1_000);
      expect(s.deadline).to.equal(25_000);
      expect(s.confirm('a'), 'the accuser cannot confirm its own suspicion').to.equal(false);
      expect(s.confirm('b')).to.equal(true);
      // 24 - ln 2 / ln 3 x 20 = 11.381 s (floored to the millisecond).
      expect(s.deadline).to.equal(1_000 + 11_381);
      expect(s.confirm('b'), 'one vote per member').to.equal(false);
      expect(s.confirm('c')).to.equal(true);
      expect(s.deadline).to.equal(5_000);
      expect(s.confirm('d'), 'no more than k count').to.equal(false);
      expect(s.confirmationCount).to.equal(2);
    });

    it('uses min at once when no confirmations are expected', () => {
      const s = new Suspicion('a', 0, 4_000, 24_000, 0);
      expect(s.deadline).to.equal(4_000);
      expect(s.confirm('b')).to.equal(false);
    });

    it('scales with the cluster as memberlist does', () => {
      expect(suspicionTimeout(4, 1, 1_000)).to.equal(4_000);
      expect(suspicionTimeout(4, 10, 1_000)).to.equal(4_000);
      expect(suspicionTimeout(4, 100, 1_000)).to.equal(8_000);
      // log10(50) = 1.69897 -> 1698 / 1000 x 4 s
      expect(suspicionTimeout(4, 50, 1_000)).to.equal(6_792);
      expect(retransmitLimit(4, 1)).to.equal(4);
      expect(retransmitLimit(4, 9)).to.equal(4);
      expect(retransmitLimit(4, 10)).to.equal(8);
      expect(pushPullScale(30_000, 32)).to.equal(30_000);
      expect(pushPullScale(30_000, 33)).to.equal(60_000);
      expect(pushPullScale(30_000, 128)).to.equal(90_000);
    });
  });

  describe('awareness', () => {
    it('stays within [0, max - 1] and scales timeouts by score + 1', () => {
      const a = new Awareness(8);
      a.applyDelta(-3);
      expect(a.health).to.equal(0);
      expect(a.scale(500)).to.equal(500);
      a.applyDelta(20);
      expect(a.health).to.equal(7);
      expect(a.scale(1_000)).to.equal(8_000);
    });
  });

  describe('broadcast queue', () => {
    it('sends each message its retransmit limit, least sent and largest first, within the byte budget', () => {
      const q = new BroadcastQueue();
      let finished = 0;
      q.enqueue('a', bytes(10, 1), () => finished++);
      q.enqueue('b', bytes(30, 2));
      const first = q.take(2, 100, 2);
      expect(first.map((b) => b[0])).to.deep.equal([2, 1]);
      // 44 bytes budget fits the 30-byte one plus framing, not both.
      const second = q.take(2, 40, 2);
      expect(second.map((b) => b[0])).to.deep.equal([2]);
      const third = q.take(2, 100, 2);
      expect(third.map((b) => b[0])).to.deep.equal([1]);
      expect(finished).to.equal(1);
      expect(q.length).to.equal(0);
    });

    it('a newer message about a node replaces the queued one', () => {
      const q = new BroadcastQueue();
      let replaced = false;
      q.enqueue('a', bytes(5, 1), () => (replaced = true));
      q.enqueue('a', bytes(5, 9));
      expect(replaced).to.equal(true);
      expect(q.take(2, 100, 3).map((b) => b[0])).to.deep.equal([9]);
    });
  });

  describe('scheduler', () => {
    it('runs due timers in time order, ties in order set, including ones set while running', () => {
      const s = new Scheduler();
      const ran: string[] = [];
      s.at(20, () => ran.push('b'));
      s.at(10, () => {
        ran.push('a');
        s.at(15, () => ran.push('a2'));
      });
      const cancelled = s.at(12, () => ran.push('never'));
      s.at(20, () => ran.push('c'));
      s.cancel(cancelled);
      expect(s.nextAt()).to.equal(10);
      s.runDue(20);
      expect(ran).to.deep.equal(['a', 'a2', 'b', 'c']);
      expect(s.nextAt()).to.equal(undefined);
    });
  });
});
