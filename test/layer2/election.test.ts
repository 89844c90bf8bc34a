/**
 * The election of the announcing node (docs/COMPAT.md section 3): sha256(node + "#" + service)
 * compared as bytes, smallest first.
 *
 * The digests below were computed outside this project, in a shell, with
 *   printf '%s' 'node-a#default/web' | sha256sum
 * (UTF-8 text, as Go's []byte(string)); the expected orders were worked out from them by hand.
 */
import { expect } from 'chai';
import fc from 'fast-check';
import { announcerOrder, electAnnouncer, electionKey } from '../../src/layer2/index.js';

/** sha256sum output per service, then per node name. */
const DIGESTS: Record<string, Record<string, string>> = {
  'default/web': {
    'node-a': '493dccd5785b364760873f76fdf627869c18af440131c9a7df273929b076f594',
    'node-b': 'ac7739b42d3a30cc81f3842b63600f23e1867495d2666422cf3a4ec0e9c61f35',
    'node-c': 'cad694adefbd132a7574e37dfc52faa704fc7db57c4246dd5322cb8533f4067a',
    node: 'a1f4f6227a16813a0e75af093d24d056ca3029ca484fa6ea25ea5602ad84d984',
    'node-1': 'ee08e25a1abde1ad08e103af96440bfe516d44355025cac91fc1451cbb3e9e9f',
    'node-10': 'e64cc2811aa6d0ca9a5de36f99be3aa75263f41f13a29688ee5420338a5f3921',
    'node-100': '2cd28dc928d0e86b86d615b4e9e8863558449a4124ccbf74373bb5ed39972483',
    'nœud-é': 'cd5887c190df72addd1ee0f9c424aa62bc52eb47eb074d7be5eb3039988d7093',
    节点: 'b94a681155dcec516aa99b963b621897efdeae60e99988685ba6aea7f52a704f',
    'worker-1': '69116957a623e138f9bd0e40a0ea75cc76aa5fb5b33f62304d5d1331c19e3d5d',
    'worker-2': 'ea22dfe77472f93c4a77b5057d307f4c35388a567639573cc01b3dc08ce7fd43',
    'worker-3': '588e451aa7a0e86988e13863d36ba837a281120fd4c2e8e0a82fb30bd922e114',
    a: 'c9ebe57480a5c0e810eebe5bbb5f075eca792560b7436b0544be21dd2c03d014',
    ab: 'b619c0105ed769873cb79b059025a83a3254bb570a834c4ea990fb81a1baf766',
    abc: 'eafbceac8c4fdae6aba7a9ba073d12e26d526c32dcbf9753fe63fddb87756786',
    '': '6f37e6292d1228821127aba10c3e36fcc1d9a2d97efabb508f0d7b18d31eaa9e',
  },
  'kube-system/dns': {
    'node-a': '056f6db884da3a176e77f6ed474b0d25bd353da320c35dd2aca1437bd64a8fb0',
    'node-b': '4b1883466ca33a7681bd4f5017434fecadbaaca5e10f756c52f9d9d3ba849f28',
    'node-c': '7b7848cbb41ec5663abdbed14ca070799337e7f084e23fdf20666e61a52ce8fd',
    'nœud-é': '3f14e4adbcef0b0addd1c1961fdfdb34263438031617ce3364f3a3f1d3aa24a5',
    节点: '5eded366809626cd3bcbcf10601a579d3ce49caa753193704c33fa2e29a26720',
  },
  'default/web2': {
    'node-a': '35dd6b2140532bf719aa884af9a6228ed610f696a5d8b1630b2b7d566384dd91',
    'node-b': 'faa7b65fc068c66e4c99b2bff9e0ce3fd830c875c6adca88b72f4b24e1cba168',
    'node-c': '7cbcc2d4bc229ba2f20b29989cfba1a7040bfbd835ff6e3bfc3d029a60a0b6b9',
    'nœud-é': '84ad6c845c288ffac48d41d096c681d2c9ddffc63493a347459d11e0c7d41671',
    节点: 'cd0a6de8abc358ade61d4cc827cf919c2d0384c9171ee8af2424b2cfe0fec397',
  },
  'prod/api': {
    'node-a': '758d64b3e4ecd20a824a11eb5f6e1872f97b879301eb8576a53aa9f276464422',
    'node-b': '3cb2a819725a7560a8e40b0cfb840475ff5b8dea364550f4f2fb71f5aa51540a',
    'node-c': '9178bd91c44a4697f40563b3f999f8615897d98248b524a6e7cb3543323faedc',
    'nœud-é': 'a3ec6345fee6787ac0623c5ff41defd719c9c8bbfc9cfeb852765745fba47cab',
    节点: 'cc86ec836e64a266a40891b0020091d317643fcf4fbeb0c2aacf643db5d9c0ee',
  },
};

describe('layer2 election', () => {
  it('hashes node#namespace/name over UTF-8, as the shell did', () => {
    for (const [service, nodes] of Object.entries(DIGESTS)) {
      for (const [node, digest] of Object.entries(nodes)) {
        expect(electionKey(node, service).toString('hex'), `${node}#${service}`).to.equal(digest);
      }
    }
  });

  // Each expected order below is read off the first bytes of the digests above.
  const cases: { service: string; candidates: string[]; order: string[] }[] = [
    // 49.. < ac.. < ca..; a signed byte comparison would put node-b (0xac) first.
    {
      service: 'default/web',
      candidates: ['node-c', 'node-b', 'node-a'],
      order: ['node-a', 'node-b', 'node-c'],
    },
    // 05 < 3f < 4b < 5e < 7b
    {
      service: 'kube-system/dns',
      candidates: ['node-a', 'node-b', 'node-c', 'nœud-é', '节点'],
      order: ['node-a', 'nœud-é', 'node-b', '节点', 'node-c'],
    },
    // 35 < 7c < 84 < cd < fa
    {
      service: 'default/web2',
      candidates: ['节点', 'nœud-é', 'node-c', 'node-b', 'node-a'],
      order: ['node-a', 'node-c', 'nœud-é', '节点', 'node-b'],
    },
    // 3c < 75 < 91 < a3 < cc
    {
      service: 'prod/api',
      candidates: ['node-a', 'node-b', 'node-c', 'nœud-é', '节点'],
      order: ['node-b', 'node-a', 'node-c', 'nœud-é', '节点'],
    },
    // Non-ASCII names: b9 < ca < cd.
    {
      service: 'default/web',
      candidates: ['nœud-é', 'node-c', '节点'],
      order: ['节点', 'node-c', 'nœud-é'],
    },
    // Names sharing prefixes: 2c < a1 < e6 < ee; the order has nothing to do with the names'.
    {
      service: 'default/web',
      candidates: ['node', 'node-1', 'node-10', 'node-100'],
      order: ['node-100', 'node', 'node-10', 'node-1'],
    },
    { service: 'default/web', candidates: ['a', 'ab', 'abc'], order: ['ab', 'a', 'abc'] },
    // Same first byte (ea): decided by the second, 22 < fb.
    { service: 'default/web', candidates: ['abc', 'worker-2'], order: ['worker-2', 'abc'] },
    // 58 < 69 < ea
    {
      service: 'default/web',
      candidates: ['worker-1', 'worker-2', 'worker-3'],
      order: ['worker-3', 'worker-1', 'worker-2'],
    },
    // Duplicates count once.
    {
      service: 'default/web',
      candidates: ['node-b', 'node-a', 'node-b', 'node-a', 'node-c'],
      order: ['node-a', 'node-b', 'node-c'],
    },
    // An empty name is just another name (6f).
    {
      service: 'default/web',
      candidates: ['node-b', '', 'worker-3'],
      order: ['worker-3', '', 'node-b'],
    },
    { service: 'default/web', candidates: ['node-b'], order: ['node-b'] },
    { service: 'default/web', candidates: [], order: [] },
  ];

  for (const { service, candidates, order } of cases) {
    it(`${service} among [${candidates.join(', ')}]`, () => {
      expect(announcerOrder(service, candidates)).to.deep.equal(order);
      expect(electAnnouncer(service, candidates)).to.equal(order[0] ?? null);
      // Any iterable will do.
      expect(electAnnouncer(service, new Set(candidates))).to.equal(order[0] ?? null);
    });
  }

  it('the same nodes elect different announcers for different services', () => {
    const nodes = ['node-a', 'node-b', 'node-c'];
    expect(electAnnouncer('default/web', nodes)).to.equal('node-a');
    expect(electAnnouncer('prod/api', nodes)).to.equal('node-b');
  });

  const names = fc.uniqueArray(fc.string({ unit: 'grapheme', maxLength: 12 }), { maxLength: 12 });
  const service = fc.string({ maxLength: 20 });

  it('property: the winner does not depend on the order of the candidates', () => {
    fc.assert(
      fc.property(service, names, fc.func(fc.integer()), (key, nodes, rank) => {
        const shuffled = [...nodes].sort((a, b) => rank(a) - rank(b));
        expect(electAnnouncer(key, shuffled)).to.equal(electAnnouncer(key, nodes));
        expect(announcerOrder(key, shuffled)).to.deep.equal(announcerOrder(key, nodes));
      }),
      { seed: 256, numRuns: 300 },
    );
  });

  it('property: removing a node that did not win never changes the winner', () => {
    fc.assert(
      fc.property(service, names, fc.nat(), (key, nodes, pick) => {
        const winner = electAnnouncer(key, nodes);
        if (nodes.length < 2 || winner === null) return;
        const losers = nodes.filter((n) => n !== winner);
        const removed = losers[pick % losers.length];
        expect(
          electAnnouncer(
            key,
            nodes.filter((n) => n !== removed),
          ),
        ).to.equal(winner);
      }),
      { seed: 257, numRuns: 300 },
    );
  });

  it('property: the order is the candidates sorted by key, and starts with the winner', () => {
    fc.assert(
      fc.property(
        service,
        fc.array(fc.string({ maxLength: 6 }), { maxLength: 12 }),
        (key, nodes) => {
          const order = announcerOrder(key, nodes);
          expect(new Set(order)).to.deep.equal(new Set(nodes));
          expect(order.length).to.equal(new Set(nodes).size);
          expect(order[0] ?? null).to.equal(electAnnouncer(key, nodes));
          for (let i = 1; i < order.length; i++) {
            const previous = electionKey(order[i - 1] ?? '', key);
            const current = electionKey(order[i] ?? '', key);
            expect(Buffer.compare(previous, current)).to.equal(-1);
          }
        },
      ),
      { seed: 258, numRuns: 300 },
    );
  });
});
