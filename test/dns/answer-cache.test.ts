// The fast path replays what the general path (rules + dns2) produced: prove it byte for byte.
import t from 'tap';
import { RRType } from '../../src/dns/constants.js';
import { decodeQuery, type Query } from '../../src/dns/query-decoder.js';
import { createResponder, udpLimit } from '../../src/dns/responder.js';
import { encodeResponse } from '../../src/dns/response-encoder.js';
import { answerQuery } from '../../src/dns/rules.js';
import { createZoneIndex } from '../../src/dns/zone-index.js';
import { silentLogger } from '../../src/log.js';
import { Store } from '../../src/store/store.js';
import { addSlot, buildQuery, header, mixCase, testConfig, testStore, type QueryOptions } from './helpers.js';

const Z = 'auth.example.org';

function setup(): { store: ReturnType<typeof testStore>; zone: ReturnType<typeof createZoneIndex>; close: () => void } {
  const store = testStore();
  addSlot(store, 'd420c923-bbd7-4056-ab64-c3ca54c9b3cf', ['LPsIwTo7o8BoG0-vjCyGQGBWSVIPxI-i_X336eUOQZo', 'q9mU0j2Kx3Z5oPqT7vWzY1aB4cD6eF8gH0iJ2kL4mN6']);
  addSlot(store, 'empty');
  const zone = createZoneIndex(testConfig({ 'dns.records': ['www CNAME empty'] }), store);
  return { store, zone, close: () => (zone.close(), store.close()) };
}

const hot: [string, string, QueryOptions][] = [
  ['TXT hit', `d420c923-bbd7-4056-ab64-c3ca54c9b3cf.${Z}`, {}],
  ['TXT hit, EDNS', `d420c923-bbd7-4056-ab64-c3ca54c9b3cf.${Z}`, { edns: {} }],
  ['TXT hit, EDNS DO, CD', `d420c923-bbd7-4056-ab64-c3ca54c9b3cf.${Z}`, { edns: { dnssecOk: true }, cd: true }],
  ['NXDOMAIN', `nope.${Z}`, { type: RRType.A }],
  ['NXDOMAIN below a slot', `x.d420c923-bbd7-4056-ab64-c3ca54c9b3cf.${Z}`, { edns: {} }],
  ['NODATA', `empty.${Z}`, { rd: false }],
  ['NODATA via CNAME', `www.${Z}`, {}],
  ['apex SOA', Z, { type: RRType.SOA }],
  ['REFUSED', 'example.com', {}],
  ['REFUSED, EDNS', 'www.example.com', { edns: { udpSize: 4096 } }],
];

t.test('fast path answers are byte-equivalent to the general path, whatever the case', async (t) => {
  const { zone, close } = setup();
  t.teardown(close);
  const responder = createResponder({ zone, logger: silentLogger });
  for (const [label, name, options] of hot) {
    for (let seed = 1; seed <= 6; seed++) {
      const msg = buildQuery(mixCase(name, seed), { ...options, id: seed * 1111 });
      const query = decodeQuery(msg) as Query;
      const general = encodeResponse(answerQuery(query, zone), udpLimit(query));
      const served = responder.respond(msg, 'udp') as Buffer;
      t.same(served, general, `${label}, case variant ${seed}${seed === 1 ? ' (fills the cache)' : ''}`);
    }
  }
});

t.test('a zone change invalidates cached answers', async (t) => {
  const { store, zone, close } = setup();
  t.teardown(close);
  const responder = createResponder({ zone, logger: silentLogger });
  const msg = buildQuery(`empty.${Z}`);
  t.equal(header(responder.respond(msg, 'udp') as Buffer).counts[1], 0);
  store.addTxtValue('empty', 'now-there');
  const after = responder.respond(msg, 'udp') as Buffer;
  t.equal(header(after).counts[1], 1, 'new value served right after the change');
  const nx = buildQuery(`nope.${Z}`);
  const before = responder.respond(nx, 'udp') as Buffer;
  store.addTxtValue('empty', 'again');
  const later = responder.respond(nx, 'udp') as Buffer;
  t.not(before.toString('hex'), later.toString('hex'), 'NXDOMAIN carries the new SOA serial');
  t.same(later, encodeResponse(answerQuery(decodeQuery(nx) as Query, zone), 512));
});

t.test('a cached answer bigger than the limit is not replayed; the general path truncates', async (t) => {
  const values = Array.from({ length: 10 }, (_, i) => `${i}`.padEnd(43, 'v'));
  const store = Store.open({ path: ':memory:', valuesPerSlot: 10, maxAgeSeconds: 604800 });
  addSlot(store, 'big', values);
  const zone = createZoneIndex(testConfig(), store);
  t.teardown(() => (zone.close(), store.close()));
  const responder = createResponder({ zone, logger: silentLogger });
  const overTcp = responder.respond(buildQuery(`big.${Z}`), 'tcp') as Buffer;
  t.equal(header(overTcp).counts[1], 10);
  const overUdp = responder.respond(buildQuery(`big.${Z}`), 'udp') as Buffer;
  t.match(header(overUdp), { tc: true, counts: [1, 0, 0, 0] });
  const withEdns = responder.respond(buildQuery(`big.${Z}`, { edns: { udpSize: 1232 } }), 'udp') as Buffer;
  t.match(header(withEdns), { tc: false, counts: [1, 10, 0, 1] });
});

t.test('the cache stays bounded', async (t) => {
  const { zone, close } = setup();
  t.teardown(close);
  const responder = createResponder({ zone, logger: silentLogger, cacheEntries: 3 });
  for (let i = 0; i < 50; i++) responder.respond(buildQuery(`n${i}.${Z}`), 'udp');
  const msg = buildQuery(`n1.${Z}`, { id: 77 });
  t.same(responder.respond(msg, 'udp'), encodeResponse(answerQuery(decodeQuery(msg) as Query, zone), 512));
});
