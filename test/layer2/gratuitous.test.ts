/**
 * Gratuitous announcements: the frames (golden, from v0.9's arp.NewPacket arguments and RFC
 * 4861 7.2.6) and their schedule on a fake clock (v0.9.6 internal/layer2/announcer.go
 * spamLoop: a round at once for an address not in its map, then one at every tick of a 1.1 s
 * ticker started with the announcer, up to 5 s after the address's last SetBalancer).
 */
import { expect } from 'chai';
import fc from 'fast-check';
import {
  DEFAULT_GRATUITOUS_TIMINGS,
  GRATUITOUS_DURATION_MS,
  GRATUITOUS_INTERVAL_MS,
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
  /** Rounds sent for the requests, on a punctual timer, as times relative to nothing. */
  function rounds(
    schedule: GratuitousSchedule,
    requests: readonly (readonly [string, number])[],
    until = 100_000,
  ): string[] {
    const sent: string[] = [];
    const pending = [...requests];
    for (;;) {
      const request = pending[0];
      const deadline = schedule.nextDeadline();
      if (request !== undefined && (deadline === null || request[1] < deadline)) {
        pending.shift();
        if (schedule.request(request[0], request[1])) sent.push(`${request[1]} ${request[0]}`);
        continue;
      }
      if (deadline === null || deadline > until) return sent;
      for (const ip of schedule.due(deadline)) sent.push(`${deadline} ${ip}`);
    }
  }

  it('documents v0.9 defaults: a tick every 1100 ms, 5000 ms after the last request', () => {
    expect(GRATUITOUS_INTERVAL_MS).to.equal(1100);
    expect(GRATUITOUS_DURATION_MS).to.equal(5000);
    expect(DEFAULT_GRATUITOUS_TIMINGS).to.deep.equal({ interval: 1100, duration: 5000 });
  });

  it('a take-over 100 ms after the ticker started: at once, then the ticks up to 5.1 s (5 rounds)', () => {
    // v0.9.6 spamLoop: m[ip] = now+5s; spam at once when new; at each tick, now.After(until) drops it.
    const schedule = new GratuitousSchedule(DEFAULT_GRATUITOUS_TIMINGS, 0);
    expect(schedule.nextDeadline()).to.equal(null);
    expect(rounds(schedule, [[VIP4, 100]])).to.deep.equal(
      [100, 1100, 2200, 3300, 4400].map((t) => `${t} ${VIP4}`),
    );
    expect(schedule.isAnnouncing(VIP4)).to.equal(false);
  });

  it('a take-over 1000 ms after the ticker started: at once, then the ticks up to 6 s (6 rounds)', () => {
    const schedule = new GratuitousSchedule(DEFAULT_GRATUITOUS_TIMINGS, 0);
    expect(rounds(schedule, [[VIP4, 1000]])).to.deep.equal(
      [1000, 1100, 2200, 3300, 4400, 5500].map((t) => `${t} ${VIP4}`),
    );
  });

  it('the ticks fall where the ticker started, not where the take-over did', () => {
    const schedule = new GratuitousSchedule(DEFAULT_GRATUITOUS_TIMINGS, 50_000);
    expect(rounds(schedule, [[VIP4, 53_000]])).to.deep.equal(
      [53_000, 53_300, 54_400, 55_500, 56_600, 57_700].map((t) => `${t} ${VIP4}`),
    );
  });

  it('a tick exactly at the stop time still sends (Go: now.After(until) is false)', () => {
    const schedule = new GratuitousSchedule(DEFAULT_GRATUITOUS_TIMINGS, 0);
    expect(rounds(schedule, [[VIP4, 500]])).to.deep.equal(
      [500, 1100, 2200, 3300, 4400, 5500].map((t) => `${t} ${VIP4}`),
    );
  });

  it('a resync during a burst lengthens it without an extra round', () => {
    const schedule = new GratuitousSchedule(DEFAULT_GRATUITOUS_TIMINGS, 0);
    expect(
      rounds(schedule, [
        [VIP4, 100],
        [VIP4, 3000],
      ]),
    ).to.deep.equal([100, 1100, 2200, 3300, 4400, 5500, 6600, 7700].map((t) => `${t} ${VIP4}`));
  });

  it('a resync after a burst starts a new one at once', () => {
    const schedule = new GratuitousSchedule(DEFAULT_GRATUITOUS_TIMINGS, 0);
    expect(
      rounds(schedule, [
        [VIP4, 100],
        [VIP4, 6000],
      ]),
    ).to.deep.equal(
      [100, 1100, 2200, 3300, 4400, 6000, 6600, 7700, 8800, 9900, 11_000].map(
        (t) => `${t} ${VIP4}`,
      ),
    );
  });

  it('a resync between the stop time and the tick that drops the address only lengthens it', () => {
    const schedule = new GratuitousSchedule(DEFAULT_GRATUITOUS_TIMINGS, 0);
    // Stop time 5100; the tick at 5500 would drop it; a request at 5200 finds it still in the map.
    expect(
      rounds(schedule, [
        [VIP4, 100],
        [VIP4, 5200],
      ]),
    ).to.deep.equal(
      [100, 1100, 2200, 3300, 4400, 5500, 6600, 7700, 8800, 9900].map((t) => `${t} ${VIP4}`),
    );
  });

  it('sends nothing before a tick, and nothing twice for one tick', () => {
    const schedule = new GratuitousSchedule(DEFAULT_GRATUITOUS_TIMINGS, 0);
    expect(schedule.request(VIP4, 0)).to.equal(true);
    expect(schedule.due(0)).to.deep.equal([]);
    expect(schedule.due(1099)).to.deep.equal([]);
    expect(schedule.nextDeadline()).to.equal(1100);
    expect(schedule.due(1100)).to.deep.equal([VIP4]);
    expect(schedule.due(1100)).to.deep.equal([]);
    expect(schedule.nextDeadline()).to.equal(2200);
  });

  it('a late timer makes one tick and keeps the ticker phase (Go drops missed ticks)', () => {
    const schedule = new GratuitousSchedule(DEFAULT_GRATUITOUS_TIMINGS, 0);
    schedule.request(VIP4, 0);
    expect(schedule.due(2000)).to.deep.equal([VIP4]);
    expect(schedule.nextDeadline()).to.equal(2200);
  });

  it('an idle ticker: a request after a long quiet time waits for the next tick, not a missed one', () => {
    const schedule = new GratuitousSchedule(DEFAULT_GRATUITOUS_TIMINGS, 0);
    expect(schedule.request(VIP4, 100_050)).to.equal(true);
    expect(schedule.nextDeadline()).to.equal(100_100);
  });

  it('keeps addresses apart and reports them in request order', () => {
    const schedule = new GratuitousSchedule(DEFAULT_GRATUITOUS_TIMINGS, 0);
    schedule.request(VIP6, 0);
    schedule.request(VIP4, 500);
    expect(schedule.announcing()).to.deep.equal([VIP6, VIP4]);
    expect(schedule.due(1100)).to.deep.equal([VIP6, VIP4]);
    // VIP6 stops at 5000, VIP4 at 5500: the tick at 5500 sends VIP4 alone.
    expect(schedule.due(4400)).to.deep.equal([VIP6, VIP4]);
    expect(schedule.due(5500)).to.deep.equal([VIP4]);
    expect(schedule.announcing()).to.deep.equal([VIP4]);
  });

  it('release stops announcing at once; a take-back sends at once (v0.9 waited for a tick)', () => {
    const schedule = new GratuitousSchedule(DEFAULT_GRATUITOUS_TIMINGS, 0);
    schedule.request(VIP4, 0);
    expect(schedule.release(VIP4)).to.equal(true);
    expect(schedule.release(VIP4)).to.equal(false);
    expect(schedule.isAnnouncing(VIP4)).to.equal(false);
    expect(schedule.nextDeadline()).to.equal(null);
    expect(schedule.due(1100)).to.deep.equal([]);
    expect(schedule.request(VIP4, 1200)).to.equal(true);
  });

  it('honours custom timings and refuses nonsense ones', () => {
    const schedule = new GratuitousSchedule({ interval: 100, duration: 250 }, 0);
    expect(rounds(schedule, [[VIP4, 0]])).to.deep.equal([0, 100, 200].map((t) => `${t} ${VIP4}`));
    const exact = new GratuitousSchedule({ interval: 100, duration: 300 }, 0);
    expect(rounds(exact, [[VIP4, 0]])).to.deep.equal([0, 100, 200, 300].map((t) => `${t} ${VIP4}`));
    for (const timings of [
      { interval: 0, duration: 5000 },
      { interval: -1, duration: 5000 },
      { interval: Number.NaN, duration: 5000 },
      { interval: 1100, duration: 0 },
      { interval: 1100, duration: Number.POSITIVE_INFINITY },
    ]) {
      expect(() => new GratuitousSchedule(timings), JSON.stringify(timings)).to.throw(RangeError);
    }
    expect(() => new GratuitousSchedule(DEFAULT_GRATUITOUS_TIMINGS, Number.NaN)).to.throw(
      RangeError,
    );
  });

  it('property: one request gets a round at once and one per tick in (request, request + duration]', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 50, max: 2000 }),
        fc.integer({ min: 1, max: 10000 }),
        fc.integer({ min: 0, max: 100_000 }),
        fc.integer({ min: 0, max: 100_000 }),
        (interval, duration, epoch, after) => {
          const schedule = new GratuitousSchedule({ interval, duration }, epoch);
          const at = epoch + after;
          const sent = rounds(schedule, [[VIP4, at]], Number.POSITIVE_INFINITY);
          // The ticks are epoch + k * interval, k >= 1, in (at, at + duration].
          let ticks = 0;
          for (let tick = epoch + interval; tick <= at + duration; tick += interval)
            if (tick > at) ticks++;
          expect(sent).to.have.length(1 + ticks);
        },
      ),
      { seed: 1100, numRuns: 300 },
    );
  });
});
