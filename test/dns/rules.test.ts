// Table-driven tests of the authoritative rules: decoded query + zone in, response model out.
import t from 'tap';
import { RRType, Rcode } from '../../src/dns/constants.js';
import { decodeQuery, type Query } from '../../src/dns/query-decoder.js';
import { answerQuery, type DnsResponse } from '../../src/dns/rules.js';
import { createZoneIndex } from '../../src/dns/zone-index.js';
import { addSlot, buildQuery, mixCase, testConfig, testStore, type QueryOptions } from './helpers.js';

const V1 = 'a'.repeat(43);
const V2 = 'B'.repeat(43);
const V3 = 'c'.repeat(43);

function setup(): { ask: (name: string, options?: QueryOptions) => DnsResponse; close: () => void } {
  const config = testConfig({
    'dns.records': [
      '@ CAA 0 issue "letsencrypt.org"',
      '@ 300 MX 10 mail',
      'mail A 192.0.2.25',
      'mail AAAA 2001:db8::25',
      'www CNAME one',
      'chain CNAME www',
      'outside CNAME target.example.net.',
      'loop1 CNAME loop2',
      'loop2 CNAME loop1',
      'dangling CNAME nothing-here',
      '_dmarc.deep.ent TXT "v=DMARC1; p=none"',
      'static TXT "Mixed Case" "second string"',
      'sub NS ns1.sub',
      'ns1.sub A 192.0.2.99',
      'tosub CNAME host.sub',
      'sub2 NS ns',
      'sub3 NS ns1.sub',
    ],
  });
  const store = testStore();
  addSlot(store, 'one', [V1]);
  addSlot(store, 'two', [V1, V2]);
  addSlot(store, 'many', [V1, V2, V3]); // the store keeps the newest 2
  addSlot(store, 'empty');
  const zone = createZoneIndex(config, store);
  return {
    ask: (name, options = {}) => answerQuery(decodeQuery(buildQuery(name, options)) as Query, zone),
    close: () => {
      zone.close();
      store.close();
    },
  };
}

interface Case {
  readonly name: string;
  readonly q: string;
  readonly options?: QueryOptions;
  readonly rcode: number;
  readonly aa: boolean;
  /** Types of the answer records, in order. */
  readonly answer: number[];
  readonly authority: number[];
  readonly additional?: number[];
}

const Z = 'auth.example.org';
const cases: Case[] = [
  { name: 'slot with one value', q: `one.${Z}`, rcode: Rcode.NOERROR, aa: true, answer: [RRType.TXT], authority: [] },
  { name: 'slot with two values', q: `two.${Z}`, rcode: Rcode.NOERROR, aa: true, answer: [RRType.TXT, RRType.TXT], authority: [] },
  { name: 'slot with N values serves the newest 2', q: `many.${Z}`, rcode: Rcode.NOERROR, aa: true, answer: [RRType.TXT, RRType.TXT], authority: [] },
  { name: 'registered slot without value: NODATA', q: `empty.${Z}`, rcode: Rcode.NOERROR, aa: true, answer: [], authority: [RRType.SOA] },
  { name: 'slot asked for A: NODATA', q: `one.${Z}`, options: { type: RRType.A }, rcode: Rcode.NOERROR, aa: true, answer: [], authority: [RRType.SOA] },
  { name: 'name below a slot: NXDOMAIN', q: `x.one.${Z}`, rcode: Rcode.NXDOMAIN, aa: true, answer: [], authority: [RRType.SOA] },
  { name: 'unknown name in zone: NXDOMAIN', q: `nope.${Z}`, options: { type: RRType.A }, rcode: Rcode.NXDOMAIN, aa: true, answer: [], authority: [RRType.SOA] },
  { name: 'apex SOA', q: Z, options: { type: RRType.SOA }, rcode: Rcode.NOERROR, aa: true, answer: [RRType.SOA], authority: [] },
  { name: 'apex NS with glue', q: Z, options: { type: RRType.NS }, rcode: Rcode.NOERROR, aa: true, answer: [RRType.NS], authority: [], additional: [RRType.A, RRType.AAAA] },
  { name: 'apex AAAA: NODATA', q: Z, options: { type: RRType.AAAA }, rcode: Rcode.NOERROR, aa: true, answer: [], authority: [RRType.SOA] },
  { name: 'apex CAA', q: Z, options: { type: RRType.CAA }, rcode: Rcode.NOERROR, aa: true, answer: [RRType.CAA], authority: [] },
  { name: 'apex MX with addresses', q: Z, options: { type: RRType.MX }, rcode: Rcode.NOERROR, aa: true, answer: [RRType.MX], authority: [], additional: [RRType.A, RRType.AAAA] },
  { name: 'glue A of nsname', q: `ns.${Z}`, options: { type: RRType.A }, rcode: Rcode.NOERROR, aa: true, answer: [RRType.A], authority: [] },
  { name: 'glue AAAA of nsname', q: `ns.${Z}`, options: { type: RRType.AAAA }, rcode: Rcode.NOERROR, aa: true, answer: [RRType.AAAA], authority: [] },
  { name: 'static A', q: `mail.${Z}`, options: { type: RRType.A }, rcode: Rcode.NOERROR, aa: true, answer: [RRType.A], authority: [] },
  { name: 'static TXT', q: `static.${Z}`, rcode: Rcode.NOERROR, aa: true, answer: [RRType.TXT], authority: [] },
  { name: 'CNAME followed to a slot', q: `www.${Z}`, rcode: Rcode.NOERROR, aa: true, answer: [RRType.CNAME, RRType.TXT], authority: [] },
  { name: 'CNAME chain followed', q: `chain.${Z}`, rcode: Rcode.NOERROR, aa: true, answer: [RRType.CNAME, RRType.CNAME, RRType.TXT], authority: [] },
  { name: 'CNAME asked as CNAME', q: `www.${Z}`, options: { type: RRType.CNAME }, rcode: Rcode.NOERROR, aa: true, answer: [RRType.CNAME], authority: [] },
  { name: 'CNAME out of zone not followed', q: `outside.${Z}`, rcode: Rcode.NOERROR, aa: true, answer: [RRType.CNAME], authority: [] },
  { name: 'CNAME loop stops', q: `loop1.${Z}`, rcode: Rcode.NOERROR, aa: true, answer: [RRType.CNAME, RRType.CNAME], authority: [] },
  { name: 'CNAME to a missing name: NXDOMAIN (RFC 6604)', q: `dangling.${Z}`, rcode: Rcode.NXDOMAIN, aa: true, answer: [RRType.CNAME], authority: [RRType.SOA] },
  { name: 'CNAME to a slot asked for A: NODATA', q: `www.${Z}`, options: { type: RRType.A }, rcode: Rcode.NOERROR, aa: true, answer: [RRType.CNAME], authority: [RRType.SOA] },
  { name: 'empty non-terminal: NODATA', q: `deep.ent.${Z}`, rcode: Rcode.NOERROR, aa: true, answer: [], authority: [RRType.SOA] },
  { name: 'empty non-terminal, one up: NODATA', q: `ent.${Z}`, rcode: Rcode.NOERROR, aa: true, answer: [], authority: [RRType.SOA] },
  { name: 'below a delegation: referral', q: `host.sub.${Z}`, options: { type: RRType.A }, rcode: Rcode.NOERROR, aa: false, answer: [], authority: [RRType.NS], additional: [RRType.A] },
  { name: 'CNAME into a delegation: the CNAME, then the referral (RFC 1034 §4.3.2 3b)', q: `tosub.${Z}`, options: { type: RRType.A }, rcode: Rcode.NOERROR, aa: true, answer: [RRType.CNAME], authority: [RRType.NS], additional: [RRType.A] },
  { name: 'referral to an in-zone name server outside the cut: its addresses too', q: `host.sub2.${Z}`, options: { type: RRType.A }, rcode: Rcode.NOERROR, aa: false, answer: [], authority: [RRType.NS], additional: [RRType.A, RRType.AAAA] },
  { name: 'referral with sibling glue (RFC 9471)', q: `host.sub3.${Z}`, options: { type: RRType.A }, rcode: Rcode.NOERROR, aa: false, answer: [], authority: [RRType.NS], additional: [RRType.A] },
  { name: 'DS at a delegation: ours, NODATA', q: `sub.${Z}`, options: { type: RRType.DS }, rcode: Rcode.NOERROR, aa: true, answer: [], authority: [RRType.SOA] },
  { name: 'outside the zone: REFUSED', q: 'example.com', options: { type: RRType.A }, rcode: Rcode.REFUSED, aa: false, answer: [], authority: [] },
  { name: 'parent of the zone: REFUSED', q: 'example.org', rcode: Rcode.REFUSED, aa: false, answer: [], authority: [] },
  { name: 'suffix look-alike: REFUSED', q: 'xauth.example.org', rcode: Rcode.REFUSED, aa: false, answer: [], authority: [] },
  { name: 'root: REFUSED', q: '', rcode: Rcode.REFUSED, aa: false, answer: [], authority: [] },
  { name: 'class CH: REFUSED', q: Z, options: { class: 3 }, rcode: Rcode.REFUSED, aa: false, answer: [], authority: [] },
  { name: 'ANY at apex: one RRset (RFC 8482), its addresses as for NS', q: Z, options: { type: RRType.ANY }, rcode: Rcode.NOERROR, aa: true, answer: [RRType.NS], authority: [], additional: [RRType.A, RRType.AAAA] },
  { name: 'ANY at a slot: its TXT', q: `two.${Z}`, options: { type: RRType.ANY }, rcode: Rcode.NOERROR, aa: true, answer: [RRType.TXT, RRType.TXT], authority: [] },
  { name: 'ANY at a missing name: NXDOMAIN', q: `nope.${Z}`, options: { type: RRType.ANY }, rcode: Rcode.NXDOMAIN, aa: true, answer: [], authority: [RRType.SOA] },
  { name: 'AXFR: REFUSED until transfers exist', q: Z, options: { type: RRType.AXFR }, rcode: Rcode.REFUSED, aa: false, answer: [], authority: [] },
  { name: 'qtype OPT: FORMERR', q: Z, options: { type: RRType.OPT }, rcode: Rcode.FORMERR, aa: false, answer: [], authority: [] },
  { name: 'opcode NOTIFY: NOTIMP', q: Z, options: { opcode: 4 }, rcode: Rcode.NOTIMP, aa: false, answer: [], authority: [] },
  { name: 'opcode UPDATE: NOTIMP', q: Z, options: { opcode: 5 }, rcode: Rcode.NOTIMP, aa: false, answer: [], authority: [] },
  { name: 'EDNS version 1: BADVERS', q: `one.${Z}`, options: { edns: { version: 1 } }, rcode: Rcode.BADVERS, aa: false, answer: [], authority: [] },
  { name: 'NOTIFY with EDNS version 1: BADVERS before NOTIMP (RFC 6891 §6.1.3)', q: Z, options: { opcode: 4, type: RRType.SOA, edns: { version: 1 } }, rcode: Rcode.BADVERS, aa: false, answer: [], authority: [] },
  { name: 'NOTIFY with EDNS version 0: NOTIMP', q: Z, options: { opcode: 4, type: RRType.SOA, edns: {} }, rcode: Rcode.NOTIMP, aa: false, answer: [], authority: [] },
];

t.test('rules table', async (t) => {
  const { ask, close } = setup();
  t.teardown(close);
  for (const c of cases) {
    const r = ask(c.q, c.options);
    t.same(
      { rcode: r.rcode, aa: r.aa, answer: r.answer.map((x) => x.rdata.type), authority: r.authority.map((x) => x.rdata.type) },
      { rcode: c.rcode, aa: c.aa, answer: c.answer, authority: c.authority },
      c.name,
    );
    if (c.additional) t.same(r.additional.map((x) => x.rdata.type), c.additional, `${c.name}: additional`);
  }
});

t.test('mixed-case names match and are echoed exactly', async (t) => {
  const { ask, close } = setup();
  t.teardown(close);
  for (const [i, base] of [`two.${Z}`, `nope.${Z}`, `empty.${Z}`, 'example.COM', `www.${Z}`].entries()) {
    const asked = mixCase(base, i + 7);
    const lower = ask(base.toLowerCase());
    const mixed = ask(asked);
    t.equal(mixed.question?.name, asked, `${asked}: question echoed`);
    t.equal(mixed.rcode, lower.rcode, `${asked}: same rcode as lower case`);
    t.same(mixed.answer.map((r) => r.rdata), lower.answer.map((r) => r.rdata), `${asked}: same data`);
    if (mixed.answer[0]) t.equal(mixed.answer[0].name, asked, `${asked}: first owner echoed`);
  }
});

t.test('TXT values are served newest first, case kept', async (t) => {
  const { ask, close } = setup();
  t.teardown(close);
  const r = ask(`two.${Z}`);
  const strings = r.answer.map((a) => (a.rdata.type === RRType.TXT ? a.rdata.strings.map((s) => s.toString()).join('') : ''));
  t.same(strings, [V2, V1]);
  const stat = ask(`static.${Z}`).answer[0]?.rdata;
  t.same(stat?.type === RRType.TXT ? stat.strings.map(String) : [], ['Mixed Case', 'second string']);
});

t.test('negative answers carry the SOA with min(TTL, minimum)', async (t) => {
  const { ask, close } = setup();
  t.teardown(close);
  const r = ask(`nope.${Z}`);
  const soa = r.authority[0];
  t.equal(soa?.name, Z);
  t.equal(soa?.ttl, 60);
  t.equal(soa?.rdata.type === RRType.SOA && soa.rdata.minimum, 60);
});

t.test('flags: RD and CD copied, DO copied into OPT, no OPT without EDNS', async (t) => {
  const { ask, close } = setup();
  t.teardown(close);
  const a = ask(`one.${Z}`, { rd: false, cd: true, edns: { dnssecOk: true } });
  t.same([a.rd, a.cd, a.edns], [false, true, { dnssecOk: true }]);
  const b = ask(`one.${Z}`, { rd: true });
  t.same([b.rd, b.cd, b.edns], [true, false, null]);
});

t.test('malformed queries: FORMERR without OPT', async (t) => {
  const { close } = setup();
  t.teardown(close);
  const zone = createZoneIndex(testConfig(), testStore());
  t.teardown(() => zone.close());
  const two = buildQuery(`one.${Z}`);
  two.writeUInt16BE(2, 4);
  const r = answerQuery(decodeQuery(two) as Query, zone);
  t.equal(r.rcode, Rcode.FORMERR);
  t.equal(r.edns, null);
  const none = buildQuery(`one.${Z}`).subarray(0, 12);
  none.writeUInt16BE(0, 4);
  t.equal(answerQuery(decodeQuery(Buffer.from(none)) as Query, zone).rcode, Rcode.FORMERR);
});

t.test('RFC 1995: an IXFR query with the client SOA in authority is REFUSED, not FORMERR', async (t) => {
  const { close } = setup();
  t.teardown(close);
  const zone = createZoneIndex(testConfig(), testStore());
  t.teardown(() => zone.close());
  const soa = Buffer.concat([Buffer.from([0xc0, 12, 0, 6, 0, 1, 0, 0, 0, 0, 0, 22, 0, 0]), Buffer.alloc(20)]);
  const msg = Buffer.concat([buildQuery(Z, { type: RRType.IXFR }), soa]);
  msg.writeUInt16BE(1, 8);
  t.match(answerQuery(decodeQuery(msg) as Query, zone), { rcode: Rcode.REFUSED, aa: false });
});

t.test('a label holding a dot byte: a name that cannot exist, placed by the labels after it', async (t) => {
  const { close } = setup();
  t.teardown(close);
  const config = testConfig({ 'dns.records': ['sub NS ns1.sub', 'ns1.sub A 192.0.2.99'] });
  const zone = createZoneIndex(config, testStore());
  t.teardown(() => zone.close());
  const q = decodeQuery(buildQuery(`one.${Z}`)) as Query;
  const ask = (labels: string[]): DnsResponse => answerQuery({ ...q, question: { ...(q.question as NonNullable<Query['question']>), labels, name: labels.join('.') } }, zone);
  // RFC 1034 §4.3.2: below our apex and not in the zone is NXDOMAIN, authoritative, with the SOA.
  t.match(ask(['a.b', 'auth', 'example', 'org']), { rcode: Rcode.NXDOMAIN, aa: true, answer: [], authority: [{ rdata: { type: RRType.SOA } }] });
  t.match(ask(['x', 'n.s', 'auth', 'example', 'org']), { rcode: Rcode.NXDOMAIN, aa: true }, 'not the glue name ns.<zone>');
  t.match(ask(['a.b', 'sub', 'auth', 'example', 'org']), { rcode: Rcode.NOERROR, aa: false, authority: [{ rdata: { type: RRType.NS } }], additional: [{ rdata: { type: RRType.A } }] }, 'below a cut: referral');
  // Spelled as text these would be names in the zone; as labels they are not.
  t.match(ask(['one.auth', 'example', 'org']), { rcode: Rcode.REFUSED, aa: false });
  t.match(ask(['auth.example', 'org']), { rcode: Rcode.REFUSED, aa: false });
  t.match(ask(['one', 'auth.example.org']), { rcode: Rcode.REFUSED, aa: false });
});

t.test('matching folds ASCII case only', async (t) => {
  const { asciiLower } = await import('../../src/names/domain-name.js');
  t.equal(asciiLower('AbC-Z_09.\u00c0\u00e9'), 'abc-z_09.\u00c0\u00e9');
});
