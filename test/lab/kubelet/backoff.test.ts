/** The kubelet's CrashLoopBackOff waits: at once, then 10 s doubling to 5 min; reset after 10 min of running. */
import { expect } from 'chai';
import { RestartBackOff } from '../../../src/lab/kubelet/index.js';

describe('lab kubelet: restart back-off', () => {
  it('restarts at once, then waits 10 s, 20 s, 40 s ... up to 5 minutes', () => {
    const backOff = new RestartBackOff();
    const waits = Array.from({ length: 9 }, () => backOff.next(0, 1_000) / 1000);
    expect(waits).to.deep.equal([0, 10, 20, 40, 80, 160, 300, 300, 300]);
  });

  it('starts over after a run of 10 minutes', () => {
    const backOff = new RestartBackOff();
    for (let i = 0; i < 5; i++) backOff.next(0, 1_000);
    expect(backOff.next(0, 600_000)).to.equal(0);
    expect(backOff.next(0, 1_000)).to.equal(10_000);
  });
});
