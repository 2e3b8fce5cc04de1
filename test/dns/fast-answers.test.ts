// The byte-level fast path (slots, NXDOMAIN, REFUSED) must send exactly what the general path
// (rules + dns2) sends: every answer shape, EDNS or not, DO, RD/CD, every letter case, UDP limits
// and TCP, and zones whose SOA names compress differently. And it must answer the hot shapes
// itself (a test that only ever fell back would prove nothing), while leaving the rest alone.
import t from 'tap';
import { Packet } from 'dns2';
import { RRClass, RRType } from '../../src/dns/constants.js';
import { createFastAnswers, type FastAnswers } from '../../src/dns/fast-answers.js';
import { decodeQuery, type Query } from '../../src/dns/query-decoder.js';
import { udpPayloadLimit } from '../../src/dns/responder.js';
import { encodeResponse } from '../../src/dns/response-encoder.js';
import { answerQuery } from '../../src/dns/rules.js';
import { createZoneIndex, type ZoneIndex } from '../../src/dns/zone-index.js';
import { Store } from '../../src/store/store.js';
import { fuzzPackets } from './fuzz-packets.js';
import { addDdnsSlot, addSlot, buildQuery, mixCase, testConfig, type QueryOptions } from './helpers.js';

const Z = 'auth.example.org';
const HOT = 'd420c923-bbd7-4056-ab64-c3ca54c9b3cf';
const TOKENS = ['LPsIwTo7o8BoG0-vjCyGQGBWSVIPxI-i_X336eUOQZo', 'q9mU0j2Kx3Z5oPqT7vWzY1aB4cD6eF8gH0iJ2kL4mN6'];

/** SOA names inside the zone; outside, sharing the zone's parent; outside, sharing each other's suffix. */
const records = ['www CNAME empty', 'sub NS ns.other.example.', 'ns.sub A 192.0.2.7'];
const zones: [string, Record<string, string | string[]>][] = [
  ['nsname and nsadmin in the zone', { 'dns.records': records }],
  ['nsname and nsadmin beside the zone', { 'dns.records': records, 'dns.nsname': 'ns1.example.org', 'dns.nsadmin': 'hostmaster.example.org', 'dns.negative_ttl': '5' }],
  ['nsname and nsadmin elsewhere', { 'dns.records': records, 'dns.nsname': 'ns.example.net', 'dns.nsadmin': 'admin.ns.example.net', 'dns.default_ttl': '30' }],
];

function setup(overrides: Record<string, string | string[]>): { zone: ZoneIndex; store: Store; fast: FastAnswers; close: () => void } {
  const store = Store.open({ path: ':memory:', valuesPerSlot: 12, maxAgeSeconds: 604800 });
  addSlot(store, HOT, TOKENS);
  addSlot(store, 'empty');
  addSlot(store, 'big', Array.from({ length: 12 }, (_, i) => `${i}`.padEnd(43, 'v')));
  addSlot(store, 'long', ['L'.repeat(300)]);
  addSlot(store, 'utf', ['défi ✓']);
  addSlot(store, 'deep.multi', [TOKENS[0] as string]);
  addDdnsSlot(store, 'home', { ipv4: '203.0.113.7', ipv6: '2001:db8::7' });
  addDdnsSlot(store, 'home4', { ipv4: '198.51.100.1' });
  addDdnsSlot(store, 'home6', { ipv6: '2001:db8:0:1::abcd' });
  addDdnsSlot(store, 'homeless');
  const zone = createZoneIndex(testConfig(overrides), store);
  return { zone, store, fast: createFastAnswers(zone), close: () => (zone.close(), store.close()) };
}

function general(msg: Buffer, zone: ZoneIndex, limit: number): Buffer {
  return encodeResponse(answerQuery(decodeQuery(msg) as Query, zone), limit);
}

const limitOf = (transport: 'udp' | 'tcp') => (transport === 'tcp' ? () => 65535 : udpPayloadLimit);

/** Names the fast path must answer itself, and names it must leave to the rules. */
const fastNames = [
  `${HOT}.${Z}`,
  `empty.${Z}`,
  `big.${Z}`,
  `long.${Z}`,
  `utf.${Z}`,
  `deep.multi.${Z}`,
  `home.${Z}`,
  `home4.${Z}`,
  `home6.${Z}`,
  `homeless.${Z}`,
  `multi.${Z}`,
  `nope.${Z}`,
  `x.${HOT}.${Z}`,
  `a.b.c.d.e.f.${Z}`,
  `${'q'.repeat(63)}.${'r'.repeat(63)}.${Z}`,
  `hostmaster2.${Z}`,
  'example.com',
  'org',
  '',
  `x${Z}`,
  `${Z}.evil`,
];
const generalNames = [Z, `www.${Z}`, `sub.${Z}`, `x.sub.${Z}`, `ns.sub.${Z}`];
const types = [RRType.TXT, RRType.A, RRType.AAAA, RRType.ANY, RRType.DS, RRType.CNAME, RRType.SOA, RRType.NS, RRType.MX, 0, 65535];
const shapes: QueryOptions[] = [
  {},
  { rd: false },
  { cd: true },
  { edns: {} },
  { edns: { dnssecOk: true }, cd: true },
  { edns: { udpSize: 512 } },
  { edns: { udpSize: 100 } },
  { edns: { udpSize: 4096, dnssecOk: true }, rd: false },
];

for (const [label, overrides] of zones) {
  t.test(`${label}: byte for byte the general path, and answered fast`, async (t) => {
    const { zone, fast, close } = setup(overrides);
    t.teardown(close);
    const mismatches: string[] = [];
    const declined: string[] = [];
    let answered = 0;
    for (const name of [...fastNames, ...generalNames]) {
      for (const type of types) {
        for (const [i, shape] of shapes.entries()) {
          for (const transport of ['udp', 'tcp'] as const) {
            const asked = mixCase(name, type * 31 + i);
            const msg = buildQuery(asked, { ...shape, type, id: (type * 97 + i) & 0xffff });
            const limit = limitOf(transport);
            const out = fast.answer(msg, limit);
            const query = decodeQuery(msg) as Query;
            const expected = general(msg, zone, transport === 'tcp' ? 65535 : udpPayloadLimit(query.edns ? query.edns.udpSize : null));
            const what = `${asked}/${type}/${JSON.stringify(shape)}/${transport}`;
            if (!out) {
              if (fastNames.includes(name)) declined.push(what);
              continue;
            }
            answered++;
            if (generalNames.includes(name)) mismatches.push(`${what}: answered on the fast path`);
            if (!out.equals(expected)) mismatches.push(`${what}: ${out.toString('hex')} != ${expected.toString('hex')}`);
          }
        }
      }
    }
    t.same(mismatches, [], 'no fast answer differs from the general path');
    t.same(declined, [], 'every slot, NXDOMAIN and REFUSED shape was answered fast');
    t.ok(answered > 2500, `${answered} fast answers compared`);
  });
}

t.test('TXT hits: the records as stored, newest first, truncated over the UDP limit', async (t) => {
  const { zone, fast, close } = setup({});
  t.teardown(close);
  const hit = fast.answer(buildQuery(`${HOT}.${Z}`), limitOf('udp')) as Buffer;
  t.equal(hit.readUInt16BE(6), 2, 'two answers');
  t.ok(hit.includes(Buffer.from(TOKENS[1] as string)) && hit.indexOf(TOKENS[1] as string) < hit.indexOf(TOKENS[0] as string), 'newest first');
  const big = fast.answer(buildQuery(`big.${Z}`), limitOf('udp')) as Buffer;
  t.equal((big[2] as number) & 0x02, 0x02, 'TC over 512 bytes');
  t.equal(big.readUInt16BE(6), 0);
  t.same(big, general(buildQuery(`big.${Z}`), zone, 512));
  const overTcp = fast.answer(buildQuery(`big.${Z}`), limitOf('tcp')) as Buffer;
  t.equal(overTcp.readUInt16BE(6), 12, 'all twelve over TCP');
});

t.test('ddns slots: A and AAAA with the ddns TTL, NODATA for other types and before the first update', async (t) => {
  const { fast, store, close } = setup({ 'ddns.ttl': '45' });
  t.teardown(close);
  const udp = limitOf('udp');
  const ask = (name: string, type: number): Packet => Packet.parse(fast.answer(buildQuery(`${name}.${Z}`, { type }), udp) as Buffer);
  const a = ask('home', RRType.A);
  t.same(a.answers.map((r) => [r.type, r.address, r.ttl]), [[RRType.A, '203.0.113.7', 45]]);
  const aaaa = ask('home', RRType.AAAA);
  t.same(aaaa.answers.map((r) => [r.type, r.address, r.ttl]), [[RRType.AAAA, '2001:db8::7', 45]]);
  t.same(ask('home', RRType.ANY).answers.map((r) => r.type), [RRType.A], 'ANY: one RRset (RFC 8482), the A');
  t.same(ask('home6', RRType.ANY).answers.map((r) => r.type), [RRType.AAAA]);
  for (const [name, type] of [['home', RRType.TXT], ['home4', RRType.AAAA], ['home6', RRType.A], ['homeless', RRType.A]] as const) {
    const nodata = ask(name, type);
    t.equal(nodata.header.rcode, 0, `${name}/${type}: NOERROR`);
    t.same([nodata.answers.length, nodata.authorities.map((r) => r.type)], [0, [RRType.SOA]], `${name}/${type}: NODATA`);
  }
  store.setAddresses({ subdomain: 'homeless', ipv4: '192.0.2.99' });
  t.same(ask('homeless', RRType.A).answers.map((r) => r.address), ['192.0.2.99'], 'the first update is served at once');
});

t.test('queries the fast path leaves to the general path', async (t) => {
  const { fast, close } = setup({ 'dns.records': records });
  t.teardown(close);
  const udp = limitOf('udp');
  const name = `nope.${Z}`;
  const plain = buildQuery(name);
  const withTrailing = Buffer.concat([plain, Buffer.from([0])]);
  const response = Buffer.from(plain);
  response[2] = 0x80;
  const dotted = buildQuery(`a.b.${Z}`);
  dotted[14] = 0x2e; // "a" -> "." : a label holding a dot
  const pointer = Buffer.concat([plain.subarray(0, 12), Buffer.from([0xc0, 0x0c, 0, 1, 0, 1])]);
  const twoOpts = buildQuery(name, { edns: {} });
  twoOpts.writeUInt16BE(2, 10);
  const cases: [string, Buffer][] = [
    ['EDNS version 1 (BADVERS)', buildQuery(name, { edns: { version: 1 } })],
    ['NOTIFY', buildQuery(name, { opcode: 4 })],
    ['a response', response],
    ['a trailing byte', withTrailing],
    ['a dot inside a label', dotted],
    ['a compression pointer in the question', pointer],
    ['ARCOUNT 2', twoOpts],
    ['qtype OPT', buildQuery(name, { type: RRType.OPT })],
    ['AXFR', buildQuery(name, { type: RRType.AXFR })],
    ['IXFR', buildQuery(name, { type: RRType.IXFR })],
    ['the apex', buildQuery(Z, { type: RRType.SOA })],
    ['the name server', buildQuery(`ns.${Z}`, { type: RRType.A })],
    ['below the SOA rname', buildQuery(`x.hostmaster.${Z}`)],
    ['a static CNAME', buildQuery(`www.${Z}`)],
    ['a question cut short', plain.subarray(0, 16)],
  ];
  for (const [what, msg] of cases) t.equal(fast.answer(msg, udp), undefined, what);
  t.ok(fast.answer(buildQuery(name, { class: RRClass.ANY }), udp), 'class ANY is REFUSED here');
});

t.test('a zone change reaches the fast path at once (new value, new serial in the SOA)', async (t) => {
  const { store, zone, fast, close } = setup({});
  t.teardown(close);
  const udp = limitOf('udp');
  const empty = buildQuery(`empty.${Z}`);
  t.equal((fast.answer(empty, udp) as Buffer).readUInt16BE(6), 0);
  const nx = buildQuery(`nope.${Z}`);
  const before = fast.answer(nx, udp) as Buffer;
  store.addTxtValue('empty', 'now-there');
  t.equal((fast.answer(empty, udp) as Buffer).readUInt16BE(6), 1, 'the new value, right after the commit');
  const after = fast.answer(nx, udp) as Buffer;
  t.not(after.toString('hex'), before.toString('hex'), 'NXDOMAIN carries the new serial');
  t.same(after, general(nx, zone, 512));
  const username = store.listAccounts().find((a) => a.subdomain === 'empty')?.username as string;
  store.revokeAccount(username);
  t.equal(((fast.answer(empty, udp) as Buffer)[3] as number) & 0xf, 3, 'a revoked slot is NXDOMAIN at once');
});

t.test('random and mutated packets: whatever the fast path answers equals the general path', async (t) => {
  const { zone, fast, close } = setup({});
  t.teardown(close);
  const mismatches: string[] = [];
  for (const msg of fuzzPackets(3000, 12)) {
    const out = fast.answer(msg, udpPayloadLimit);
    if (!out) continue;
    const query = decodeQuery(msg);
    const expected = query && encodeResponse(answerQuery(query, zone), udpPayloadLimit(query.edns ? query.edns.udpSize : null));
    if (!expected || !out.equals(expected)) mismatches.push(msg.toString('hex'));
  }
  t.same(mismatches, []);
});
