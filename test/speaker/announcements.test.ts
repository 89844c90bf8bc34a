/**
 * What the speaker hands its protocols: each address once while any Service
 * holds it, as decide() resolved it (canonical text, parsed address, pool),
 * and again only when a new config changes what the protocol reads of the
 * pool (its name, its BGP advertisements); every other sync that keeps it
 * is a `resync` (v0.9.6 speaker/main.go calls SetBalancer on each).
 */
import { expect } from 'chai';
import { parseConfig, type Config } from '../../src/config/index.js';
import {
  Announcements,
  decide,
  type Announcement,
  type AnnouncementSink,
  type Decision,
} from '../../src/speaker/index.js';

function config(localPref: number): Config {
  const parsed = parseConfig(`address-pools:
- name: routed
  protocol: bgp
  addresses: [203.0.113.0/24]
  bgp-advertisements:
  - localpref: ${localPref}
`);
  if (!parsed.ok) throw new Error('bad fixture');
  return parsed.config;
}

class Recorder implements AnnouncementSink {
  readonly calls: string[] = [];
  readonly handed: Announcement[] = [];
  announce(announcement: Announcement): void {
    this.calls.push(`+${announcement.ip}`);
    this.handed.push(announcement);
  }
  withdraw({ ip }: Announcement): void {
    this.calls.push(`-${ip}`);
  }
}

/** Also records the syncs that keep an address (`~ip`), which a sink may act on. */
class ResyncRecorder extends Recorder {
  resync({ ip }: Announcement): void {
    this.calls.push(`~${ip}`);
  }
}

function decision(cfg: Config, key: string, ip: string): Decision {
  return decide(
    {
      key,
      isLoadBalancer: true,
      ingress: [ip],
      externalTrafficPolicy: 'Cluster',
      class: { kind: 'none' },
    },
    { nodes: ['node-a'], anyReady: true },
    { config: cfg, myNode: 'node-a', live: null, nodes: [] },
  );
}

describe('speaker announcements', () => {
  it('every sync that keeps an address announced is a resync, a second holder too; a withdrawal is not (v0.9.6 SetBalancer)', () => {
    const bgp = new ResyncRecorder();
    const announcements = new Announcements({ layer2: new ResyncRecorder(), bgp });
    const cfg = config(100);
    for (let sync = 0; sync < 3; sync++)
      announcements.apply('default/web', decision(cfg, 'default/web', '203.0.113.10'));
    announcements.apply('default/api', decision(cfg, 'default/api', '203.0.113.10'));
    for (const service of ['default/web', 'default/web', 'default/api'])
      announcements.apply(service, { kind: 'withdraw', reason: 'noEndpoints' });
    expect(bgp.calls).to.deep.equal([
      '+203.0.113.10',
      '~203.0.113.10',
      '~203.0.113.10',
      '~203.0.113.10',
      '-203.0.113.10',
    ]);
    // A new config that changes the pool hands the address over again instead.
    announcements.apply('default/web', decision(cfg, 'default/web', '203.0.113.10'));
    announcements.apply('default/web', decision(config(200), 'default/web', '203.0.113.10'));
    expect(bgp.calls.slice(5)).to.deep.equal(['+203.0.113.10', '+203.0.113.10']);
  });

  it('hands the protocol the parsed address and its pool', () => {
    const bgp = new Recorder();
    const announcements = new Announcements({ layer2: new Recorder(), bgp });
    const change = announcements.apply(
      'default/web',
      decision(config(100), 'default/web', '203.0.113.10'),
    );
    expect(change.announced.map((a) => `${a.protocol} ${a.ip} ${a.pool.name}`)).to.deep.equal([
      'bgp 203.0.113.10 routed',
    ]);
    const [handed] = bgp.handed;
    expect(handed?.address).to.deep.equal({ family: 4, value: 0xcb00710an });
    expect(handed?.pool.bgpAdvertisements[0]?.localPref).to.equal(100);
  });

  it('a shared address is withdrawn when its last Service lets go', () => {
    const bgp = new Recorder();
    const announcements = new Announcements({ layer2: new Recorder(), bgp });
    const cfg = config(100);
    announcements.apply('default/a', decision(cfg, 'default/a', '203.0.113.10'));
    announcements.apply('default/b', decision(cfg, 'default/b', '203.0.113.10'));
    announcements.apply('default/a', { kind: 'withdraw', reason: 'serviceDeleted' });
    expect(bgp.calls).to.deep.equal(['+203.0.113.10']);
    announcements.apply('default/b', { kind: 'withdraw', reason: 'serviceDeleted' });
    expect(bgp.calls).to.deep.equal(['+203.0.113.10', '-203.0.113.10']);
  });

  it('a kept address is handed over again only when its pool changed under a new config', () => {
    const bgp = new Recorder();
    const announcements = new Announcements({ layer2: new Recorder(), bgp });
    announcements.apply('default/web', decision(config(100), 'default/web', '203.0.113.10'));
    // The same config read again: nothing to tell.
    const same = announcements.apply(
      'default/web',
      decision(config(100), 'default/web', '203.0.113.10'),
    );
    expect(same).to.deep.equal({ withdrawn: [], announced: [] });
    expect(bgp.calls).to.deep.equal(['+203.0.113.10']);
    // Another LOCAL_PREF: BGP must re-roll its route; nothing is reported as announced.
    const changed = announcements.apply(
      'default/web',
      decision(config(200), 'default/web', '203.0.113.10'),
    );
    expect(changed).to.deep.equal({ withdrawn: [], announced: [] });
    expect(bgp.calls).to.deep.equal(['+203.0.113.10', '+203.0.113.10']);
    expect(bgp.handed[1]?.pool.bgpAdvertisements[0]?.localPref).to.equal(200);
  });
});
