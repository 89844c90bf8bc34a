/**
 * Gratuitous announcements: the frames (golden, from v0.9's arp.NewPacket arguments and RFC
 * 4861 7.2.6) and their schedule on a fake clock (v0.9's spam loop: at once, then every 1.1 s
 * while less than 5 s have passed).
 */
import { expect } from 'chai';
import fc from 'fast-check';
import {
  DEFAULT_GRATUITOUS_TIMINGS,
  GRATUITOUS_DURATION_MS,
  GRATUITOUS_INTERVAL_MS,
  GRATUITOUS_ROUNDS,
  GratuitousSchedule,
  announcementFrames,
  decodeFrame,
  gratuitousArp,
  unsolicitedNeighborAdvertisement,
} from '../../src/layer2/index.js';
import { GRATUITOUS_ARP_FRAMES, OUR_MAC, UNSOLICITED_NA_FRAME, VIP4, VIP6 } from './fixtures.js';

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

describe('layer2 gratuitous frames', () => {
  it('IPv4: an ARP request then an ARP reply, byte for byte', () => {
    expect(gratuitousArp(VIP4, OUR_MAC).map(hex)).to.deep.equal(GRATUITOUS_ARP_FRAMES.map(hex));
  });

  it('IPv6: the unsolicited advertisement, byte for byte, and it passes RFC 4861 7.1.2', () => {
    const frame = unsolicitedNeighborAdvertisement(VIP6, OUR_MAC);
    expect(hex(frame)).to.equal(hex(UNSOLICITED_NA_FRAME));
    const decoded = decodeFrame(frame);
    if (!decoded.ok) return expect.fail(decoded.reason);
    if (decoded.value.kind !== 'ndp' || decoded.value.ndp.kind !== 'neighbor-advertisement') {
      return expect.fail('not an advertisement');
    }
    expect(decoded.value.ndp.solicited).to.equal(false);
    expect(decoded.value.ndp.override).to.equal(true);
  });

  it('picks the frames by family', () => {
    expect(announcementFrames(VIP4, OUR_MAC).map(hex)).to.deep.equal(
      GRATUITOUS_ARP_FRAMES.map(hex),
    );
    expect(announcementFrames('2001:0db8:0203::0005', OUR_MAC).map(hex)).to.deep.equal([
      hex(UNSOLICITED_NA_FRAME),
    ]);
  });

  it('refuses the wrong family, text that is no address, and bad MACs', () => {
    expect(() => gratuitousArp(VIP6, OUR_MAC)).to.throw(RangeError);
    expect(() => unsolicitedNeighborAdvertisement(VIP4, OUR_MAC)).to.throw(RangeError);
    expect(() => announcementFrames('web.default', OUR_MAC)).to.throw(RangeError);
    expect(() => gratuitousArp(VIP4, new Uint8Array(5))).to.throw(RangeError);
    expect(() => unsolicitedNeighborAdvertisement(VIP6, new Uint8Array(0))).to.throw(RangeError);
  });
});

describe('layer2 gratuitous schedule', () => {
  it('documents v0.9 defaults: 1100 ms apart for 5000 ms, 5 rounds', () => {
    expect(GRATUITOUS_INTERVAL_MS).to.equal(1100);
    expect(GRATUITOUS_DURATION_MS).to.equal(5000);
    expect(GRATUITOUS_ROUNDS).to.equal(5);
    expect(DEFAULT_GRATUITOUS_TIMINGS).to.deep.equal({ interval: 1100, duration: 5000 });
  });

  it('announces at once, then at 1.1, 2.2, 3.3 and 4.4 s, then stops', () => {
    const schedule = new GratuitousSchedule();
    const start = 1_000_000;
    expect(schedule.nextDeadline()).to.equal(null);
    expect(schedule.takeOver(VIP4, start)).to.equal(true);
    expect(schedule.isAnnouncing(VIP4)).to.equal(true);
    const sent: number[] = [];
    // A punctual timer: wake up exactly at each deadline.
    for (
      let deadline = schedule.nextDeadline();
      deadline !== null;
      deadline = schedule.nextDeadline()
    ) {
      expect(schedule.due(deadline)).to.deep.equal([VIP4]);
      sent.push(deadline - start);
      expect(sent.length).to.be.below(20);
    }
    expect(sent).to.deep.equal([0, 1100, 2200, 3300, 4400]);
    expect(schedule.isAnnouncing(VIP4)).to.equal(false);
  });

  it('sends nothing before a deadline, and nothing twice for one deadline', () => {
    const schedule = new GratuitousSchedule();
    schedule.takeOver(VIP4, 0);
    expect(schedule.due(0)).to.deep.equal([VIP4]);
    expect(schedule.due(0)).to.deep.equal([]);
    expect(schedule.due(1099)).to.deep.equal([]);
    expect(schedule.nextDeadline()).to.equal(1100);
    expect(schedule.due(1100)).to.deep.equal([VIP4]);
  });

  it('counts the interval from when a round was sent, as v0.9 slept after sending', () => {
    const schedule = new GratuitousSchedule();
    schedule.takeOver(VIP4, 0);
    schedule.due(0);
    expect(schedule.due(2000)).to.deep.equal([VIP4]); // a late timer
    expect(schedule.nextDeadline()).to.equal(3100);
    expect(schedule.due(3100)).to.deep.equal([VIP4]);
    expect(schedule.due(4200)).to.deep.equal([VIP4]);
    // 5300 would be 5.3 s after the takeover: done after 4 rounds.
    expect(schedule.nextDeadline()).to.equal(null);
  });

  it('keeps addresses apart and reports them in takeover order', () => {
    const schedule = new GratuitousSchedule();
    schedule.takeOver(VIP6, 0);
    schedule.takeOver(VIP4, 500);
    expect(schedule.announcing()).to.deep.equal([VIP6, VIP4]);
    expect(schedule.due(500)).to.deep.equal([VIP6, VIP4]);
    expect(schedule.nextDeadline()).to.equal(1600);
    schedule.due(1000);
    expect(schedule.nextDeadline()).to.equal(1600);
    expect(schedule.due(1600)).to.deep.equal([VIP6, VIP4]);
  });

  it('release stops announcing at once; a later takeover starts again', () => {
    const schedule = new GratuitousSchedule();
    schedule.takeOver(VIP4, 0);
    schedule.due(0);
    expect(schedule.release(VIP4)).to.equal(true);
    expect(schedule.release(VIP4)).to.equal(false);
    expect(schedule.isAnnouncing(VIP4)).to.equal(false);
    expect(schedule.nextDeadline()).to.equal(null);
    expect(schedule.due(1100)).to.deep.equal([]);
    expect(schedule.takeOver(VIP4, 1200)).to.equal(true);
    expect(schedule.due(1200)).to.deep.equal([VIP4]);
  });

  it('a repeated takeover changes nothing', () => {
    const schedule = new GratuitousSchedule();
    schedule.takeOver(VIP4, 0);
    schedule.due(0);
    expect(schedule.takeOver(VIP4, 1000)).to.equal(false);
    expect(schedule.nextDeadline()).to.equal(1100);
  });

  it('honours custom timings and refuses nonsense ones', () => {
    const schedule = new GratuitousSchedule({ interval: 100, duration: 250 });
    schedule.takeOver(VIP4, 0);
    const rounds: number[] = [];
    for (let t = 0; t <= 1000; t += 10) if (schedule.due(t).length > 0) rounds.push(t);
    expect(rounds).to.deep.equal([0, 100, 200]);
    // A round that would fall exactly at the end of the duration is not sent (v0.9: "< 5s").
    const exact = new GratuitousSchedule({ interval: 100, duration: 300 });
    exact.takeOver(VIP4, 0);
    const exactRounds: number[] = [];
    for (let t = 0; t <= 1000; t += 10) if (exact.due(t).length > 0) exactRounds.push(t);
    expect(exactRounds).to.deep.equal([0, 100, 200]);
    for (const timings of [
      { interval: 0, duration: 5000 },
      { interval: -1, duration: 5000 },
      { interval: Number.NaN, duration: 5000 },
      { interval: 1100, duration: 0 },
      { interval: 1100, duration: Number.POSITIVE_INFINITY },
    ]) {
      expect(() => new GratuitousSchedule(timings), JSON.stringify(timings)).to.throw(RangeError);
    }
  });

  it('property: with a punctual timer every address gets ceil(duration / interval) rounds', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 50, max: 2000 }),
        fc.integer({ min: 1, max: 10000 }),
        fc.array(fc.tuple(fc.integer({ min: 0, max: 255 }), fc.integer({ min: 0, max: 5000 })), {
          maxLength: 8,
        }),
        (interval, duration, takeovers) => {
          const schedule = new GratuitousSchedule({ interval, duration });
          const starts = new Map<string, number>();
          for (const [n, at] of takeovers) {
            const ip = `203.0.113.${n}`;
            if (!starts.has(ip)) starts.set(ip, at);
          }
          const events = [...starts].sort((a, b) => a[1] - b[1]);
          const count = new Map<string, number>();
          let clock = 0;
          let pending = 0;
          while (pending < events.length || schedule.nextDeadline() !== null) {
            const nextTakeover = events[pending];
            const deadline = schedule.nextDeadline();
            if (nextTakeover !== undefined && (deadline === null || nextTakeover[1] <= deadline)) {
              clock = nextTakeover[1];
              schedule.takeOver(nextTakeover[0], clock);
              pending++;
              continue;
            }
            if (deadline === null) break;
            expect(deadline).to.be.at.least(clock);
            clock = deadline;
            for (const ip of schedule.due(clock)) count.set(ip, (count.get(ip) ?? 0) + 1);
          }
          for (const ip of starts.keys()) {
            expect(count.get(ip), ip).to.equal(Math.ceil(duration / interval));
          }
        },
      ),
      { seed: 1100, numRuns: 300 },
    );
  });
});
