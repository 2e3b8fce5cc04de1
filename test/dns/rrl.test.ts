// Response rate limiting: which replies count together, what a limited client receives, and that
// a real resolver (dig) still gets its answer over TCP while its network is limited.
import { createSocket } from 'node:dgram';
import t from 'tap';
import { createResponder } from '../../src/dns/responder.js';
import { createRrl, responseKind, truncatedReply, type RrlVerdict } from '../../src/dns/rrl.js';
import { createZoneIndex } from '../../src/dns/zone-index.js';
import { silentLogger } from '../../src/log.js';
import { parseCidr } from '../../src/net/address.js';
import { addSlot, buildQuery, header, testConfig, testStore, ZONE } from './helpers.js';
import { run, startOn, toolMissing } from './socket-helpers.js';

const SLOT = '5b0c6f4e-62a5-4f7c-9a51-7e0f1f0e2b11';
const VALUE = 'KsJ4m3n7Q0bYtqk9QbZ7p2H2w5m0xY1s3dF6gH8jK0a';

function answers() {
  const store = testStore();
  addSlot(store, SLOT, [VALUE]);
  const zone = createZoneIndex(testConfig(), store);
  const responder = createResponder({ zone, logger: silentLogger });
  return {
    reply: (name: string, type = 16): Buffer => responder.respond(buildQuery(name, { type }), 'udp') as Buffer,
    close: () => {
      zone.close();
      store.close();
    },
  };
}

function clock(): { now: () => number; advance(ms: number): void } {
  let at = 5_000_000;
  return { now: () => at, advance: (ms) => (at += ms) };
}

const rrlWith = (now: () => number, overrides: Partial<Parameters<typeof createRrl>[0]> = {}) =>
  createRrl({ responsesPerSecond: 5, slip: 2, ipv4Prefix: 24, ipv6Prefix: 56, exempt: [], tableSize: 1000, now, ...overrides });

function tally(verdicts: RrlVerdict[]): Record<RrlVerdict, number> {
  const out: Record<RrlVerdict, number> = { send: 0, drop: 0, slip: 0 };
  for (const v of verdicts) out[v]++;
  return out;
}

t.test('classes: answers per name and type, all NXDOMAINs together, all errors together', async (t) => {
  const a = answers();
  t.teardown(a.close);
  /** Whether spending the rate on `first` limits `then` too (they share a bucket). */
  const shared = (first: Buffer, then: Buffer): boolean => {
    const rrl = rrlWith(clock().now);
    for (let i = 0; i < 5; i++) rrl?.verdict(first, '198.51.100.7');
    return rrl?.verdict(then, '198.51.100.7') !== 'send';
  };
  const slot = a.reply(`${SLOT}.${ZONE}`);
  t.ok(shared(slot, slot), 'the same answer');
  t.ok(shared(slot, a.reply(`${SLOT.toUpperCase()}.${ZONE}`)), 'names compare case-insensitively');
  t.notOk(shared(slot, a.reply(`${SLOT}.${ZONE}`, 1)), 'another type is another answer');
  t.notOk(shared(a.reply(ZONE, 65), a.reply(ZONE, 97)), 'a type byte in A-Z is not a letter: HTTPS (65) is not type 97');
  t.ok(shared(a.reply(`x1.${ZONE}`), a.reply(`x2.${ZONE}`)), 'every NXDOMAIN of the zone shares one bucket');
  t.ok(shared(a.reply('example.com'), a.reply('example.net', 1)), 'every error (REFUSED here) shares one bucket');
  t.notOk(shared(a.reply(`x1.${ZONE}`), a.reply('example.com')), 'NXDOMAINs and errors are apart');
  t.notOk(shared(a.reply(`x1.${ZONE}`), slot), 'a flood of NXDOMAINs leaves answers alone');
  t.equal(responseKind(slot), 'answer');
  t.equal(responseKind(a.reply(`x1.${ZONE}`)), 'nxdomain');
  t.equal(responseKind(a.reply('example.com')), 'error', 'REFUSED');
  t.equal(responseKind(a.reply(ZONE, 28)), 'empty', 'NODATA');
});

t.test('the responder asks RRL before encoding, on the fast and the general path alike; drops and slips are counted', async (t) => {
  const store = testStore();
  addSlot(store, SLOT, [VALUE]);
  const zone = createZoneIndex(testConfig(), store);
  t.teardown(() => {
    zone.close();
    store.close();
  });
  const responder = createResponder({ zone, logger: silentLogger });
  const cases = [
    { what: 'NXDOMAINs (fast path)', query: (i: number) => buildQuery(`r${i}.${ZONE}`) },
    { what: "the apex's SOA (general path, dns2)", query: () => buildQuery(ZONE, { type: 6 }) },
  ];
  for (const { what, query } of cases) {
    const counters = { rrlDropped: 0, rrlSlipped: 0 };
    const rrl = rrlWith(clock().now, { counters });
    const queries = Array.from({ length: 15 }, (_, i) => query(i));
    const replies = queries.map((q) => responder.respond(q, 'udp', '198.51.100.7', rrl));
    const full = replies.filter((r) => r !== null && !header(r).tc);
    t.equal(full.length, 5, `${what}: the rate's worth answered`);
    const slipped = replies.flatMap((r, i) => (r !== null && header(r).tc ? [{ reply: r, query: queries[i] as Buffer }] : []));
    t.equal(slipped.length, 5, `${what}: every 2nd limited one slipped`);
    t.ok(
      slipped.every(({ reply, query }) => reply.length <= query.length && header(reply).counts[1] === 0),
      `${what}: a slip is no bigger than its query`,
    );
    t.equal(replies.filter((r) => r === null).length, 5, `${what}: the rest dropped`);
    t.same(counters, { rrlDropped: 5, rrlSlipped: 5 }, `${what}: counted for /metrics`);
    t.ok(responder.respond(query(99), 'udp', '198.51.101.7', rrl), `${what}: another /24 is answered`);
    t.ok(responder.respond(query(99), 'tcp', '198.51.100.7'), `${what}: TCP is not limited`);
  }
});

t.test('identical answers above the rate: dropped, every slip-th truncated; refilled after a second', async (t) => {
  const a = answers();
  t.teardown(a.close);
  const c = clock();
  const rrl = rrlWith(c.now);
  const reply = a.reply(`${SLOT}.${ZONE}`);
  t.same(tally(Array.from({ length: 25 }, () => rrl?.verdict(reply, '198.51.100.7') ?? 'send')), { send: 5, drop: 10, slip: 10 });
  t.equal(rrl?.verdict(reply, '198.51.100.200'), 'drop', 'the whole /24 shares the rate');
  t.equal(rrl?.verdict(reply, '198.51.101.7'), 'send', 'another /24 is another client');
  c.advance(1000);
  t.equal(rrl?.verdict(reply, '198.51.100.7'), 'send', 'a second later the rate allows more');
});

t.test('a random-subdomain flood does not limit real answers to the same network', async (t) => {
  const a = answers();
  t.teardown(a.close);
  const c = clock();
  const rrl = rrlWith(c.now);
  const flood = Array.from({ length: 200 }, (_, i) => rrl?.verdict(a.reply(`r${i}.${ZONE}`), '203.0.113.3') ?? 'send');
  t.equal(tally(flood).send, 5, 'the flood gets its rate and no more');
  t.equal(rrl?.verdict(a.reply(`${SLOT}.${ZONE}`), '203.0.113.1'), 'send', 'the CA on the same /24 gets the slot answer');
});

t.test('IPv6 by /56; exempt networks are never limited; slip 0 drops all, slip 1 truncates all', async (t) => {
  const a = answers();
  t.teardown(a.close);
  const reply = a.reply(`nx.${ZONE}`);
  const rrl = rrlWith(clock().now, { exempt: [parseCidr('192.0.2.0/24')] });
  for (let i = 0; i < 6; i++) rrl?.verdict(reply, `2001:db8:0:${i}::1`);
  t.not(rrl?.verdict(reply, '2001:db8:0:ff::1'), 'send', 'the same /56');
  t.equal(rrl?.verdict(reply, '2001:db8:0:100::1'), 'send', 'the next /56');
  t.ok(Array.from({ length: 50 }, () => rrl?.verdict(reply, '192.0.2.1')).every((v) => v === 'send'), 'exempt');
  const none = rrlWith(clock().now, { slip: 0 });
  t.same(tally(Array.from({ length: 10 }, () => none?.verdict(reply, '198.51.100.1') ?? 'send')), { send: 5, drop: 5, slip: 0 });
  const all = rrlWith(clock().now, { slip: 1 });
  t.same(tally(Array.from({ length: 10 }, () => all?.verdict(reply, '198.51.100.1') ?? 'send')), { send: 5, drop: 0, slip: 5 });
  t.equal(rrlWith(clock().now, { responsesPerSecond: 0 }), undefined, 'rate 0 is off');
});

t.test('a slipped reply is the header and question with TC: no bigger than the query', async (t) => {
  const a = answers();
  t.teardown(a.close);
  const query = buildQuery(`${SLOT}.${ZONE}`);
  const full = a.reply(`${SLOT}.${ZONE}`);
  const slipped = truncatedReply(full);
  const h = header(slipped);
  t.equal(h.tc, true);
  t.equal(h.qr, true);
  t.equal(h.id, header(full).id);
  t.same(h.counts, [1, 0, 0, 0]);
  t.ok(slipped.length <= query.length, `${slipped.length} bytes for a ${query.length}-byte query`);
  t.same(slipped.subarray(12), full.subarray(12, slipped.length), 'the question as asked');
});

t.test('the table stays bounded under a flood from many networks', async (t) => {
  const a = answers();
  t.teardown(a.close);
  const rrl = rrlWith(clock().now, { tableSize: 100 });
  const reply = a.reply(`nx.${ZONE}`);
  for (let i = 0; i < 5000; i++) rrl?.verdict(reply, `10.${(i >> 8) & 255}.${i & 255}.1`);
  t.ok((rrl?.size ?? 0) <= 100, `${rrl?.size} buckets`);
});

t.test('over a real socket: a limited network is slipped, and dig gets the answer over TCP', { skip: toolMissing('dig') }, async (t) => {
  const store = testStore();
  addSlot(store, SLOT, [VALUE]);
  const running = await startOn(store, { 'dns.rrl_exempt': [], 'dns.rrl_responses_per_second': '1', 'dns.rrl_slip': '1' });
  t.teardown(() => running.close().then(() => store.close()));
  const socket = createSocket('udp4');
  const replies: Buffer[] = [];
  socket.on('message', (m) => replies.push(m));
  const query = buildQuery(`${SLOT}.${ZONE}`);
  for (let i = 0; i < 40; i++) await new Promise<void>((resolve) => socket.send(query, running.port, '127.0.0.1', () => resolve()));
  // Every query gets a full answer or a slipped one (slip 1); wait for them all, bounded in
  // time, since a loaded machine may deliver them late.
  for (let waited = 0; replies.length < 40 && waited < 5000; waited += 50) await new Promise((r) => setTimeout(r, 50));
  socket.close();
  t.equal(replies.length, 40, 'every query was answered, in full or truncated');
  const truncated = replies.filter((r) => header(r).tc).length;
  t.ok(replies.length - truncated <= 2, `${replies.length - truncated} full answers within the rate`);
  t.ok(truncated >= 35, `${truncated} truncated (slip 1)`);
  const dig = await run('dig', ['@127.0.0.1', '-p', String(running.port), '+norec', '+tries=1', '+time=3', `${SLOT}.${ZONE}`, 'TXT']);
  t.match(dig, /Truncated, retrying in TCP mode/, 'dig saw TC');
  t.match(dig, new RegExp(`"${VALUE}"`), 'and got the value over TCP');
});
