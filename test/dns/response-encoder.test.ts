// Encoding through dns2 plus our fixes: long TXT split, OPT record, BADVERS, truncation.
import t from 'tap';
import { RRType, Rcode } from '../../src/dns/constants.js';
import type { Question } from '../../src/dns/query-decoder.js';
import { encodeResponse, splitCharacterStrings } from '../../src/dns/response-encoder.js';
import type { DnsResponse } from '../../src/dns/rules.js';
import { decode, header } from './helpers.js';

const question: Question = { labels: ['t', 'auth', 'example', 'org'], name: 't.auth.example.org', type: RRType.TXT, class: 1, wireLength: 24 };
const base: DnsResponse = { id: 9, opcode: 0, aa: true, rd: false, cd: false, rcode: 0, question, answer: [], authority: [], additional: [], edns: null };

function txt(value: string): DnsResponse['answer'][number] {
  return { name: question.name, ttl: 1, rdata: { type: RRType.TXT, strings: [Buffer.from(value)] } };
}

t.test('dns2 regression: a TXT value over 255 bytes goes out as several character-strings', async (t) => {
  const value = 'x'.repeat(300);
  const bytes = encodeResponse({ ...base, answer: [txt(value)] }, 65535);
  // rdata = [255][255 x][45][45 x]; find it after the fixed parts.
  const rdlengthAt = bytes.length - (2 + 1 + 255 + 1 + 45);
  t.equal(bytes.readUInt16BE(rdlengthAt), 302);
  t.equal(bytes[rdlengthAt + 2], 255);
  t.equal(bytes[rdlengthAt + 3 + 255], 45);
  t.same(splitCharacterStrings(Buffer.alloc(510)).map((b) => b.length), [255, 255]);
  t.same(splitCharacterStrings(Buffer.alloc(0)).map((b) => b.length), [0]);
});

t.test('dns2 regression: OPT is added by us, with 1232, DO and extended rcode', async (t) => {
  const plain = decode(encodeResponse({ ...base, edns: { dnssecOk: true } }, 65535));
  const opt = plain.additionals[0] as unknown as { type: number; class: number; ttl: number; name: string };
  t.match(opt, { type: RRType.OPT, class: 1232, name: '' });
  t.equal(opt.ttl, 0x8000, 'DO copied, version 0, no extended rcode');
  const badvers = encodeResponse({ ...base, aa: false, rcode: Rcode.BADVERS, edns: { dnssecOk: false } }, 65535);
  t.equal(header(badvers).rcode, 0, 'low 4 bits in the header');
  t.equal(badvers.readUInt32BE(badvers.length - 6), 0x01000000, 'high bits in the OPT TTL');
});

t.test('too big for the limit: TC, question and OPT only', async (t) => {
  const answer = Array.from({ length: 20 }, (_, i) => txt(`${i}`.padEnd(43, 'v')));
  const full = encodeResponse({ ...base, answer, edns: { dnssecOk: false } }, 65535);
  t.ok(full.length > 512);
  const cut = encodeResponse({ ...base, answer, edns: { dnssecOk: false } }, 512);
  t.match(header(cut), { tc: true, aa: true, counts: [1, 0, 0, 1] });
  t.ok(cut.length <= 512);
  t.equal(header(encodeResponse({ ...base, answer }, full.length)).tc, false, 'exactly at the limit is not truncated');
});

t.test('a question label holding a dot is echoed byte for byte', async (t) => {
  const odd: Question = { ...question, labels: ['a.b', 'auth', 'example', 'org'], name: 'a.b.auth.example.org' };
  const bytes = encodeResponse({ ...base, question: odd, aa: false, rcode: Rcode.REFUSED, edns: { dnssecOk: false } }, 512);
  t.same([...bytes.subarray(12, 16)], [3, 0x61, 0x2e, 0x62]);
  t.match(header(bytes), { rcode: Rcode.REFUSED, counts: [1, 0, 0, 1] });
  t.equal(bytes.length, 12 + 22 + 4 + 11);
});

t.test('a dotted question label next to compressed names: question as asked, every pointer right', async (t) => {
  const odd: Question = { ...question, labels: ['A.b', 'Auth', 'example', 'org'], name: 'A.b.Auth.example.org' };
  const soa: DnsResponse['authority'][number] = {
    name: 'auth.example.org',
    ttl: 60,
    rdata: { type: RRType.SOA, mname: 'ns.auth.example.org', rname: 'hostmaster.auth.example.org', serial: 7, refresh: 1, retry: 2, expire: 3, minimum: 60 },
  };
  const bytes = encodeResponse({ ...base, question: odd, rcode: Rcode.NXDOMAIN, authority: [soa], edns: { dnssecOk: false } }, 512);
  t.same([...bytes.subarray(12, 12 + 22)], [3, 0x41, 0x2e, 0x62, 4, ...Buffer.from('Auth'), 7, ...Buffer.from('example'), 3, ...Buffer.from('org'), 0]);
  t.match(header(bytes), { rcode: Rcode.NXDOMAIN, counts: [1, 0, 1, 1] });
  // dns2 reads the dotted label as two labels; every other name must decode as written.
  const p = decode(bytes);
  t.match(p.authorities[0], { name: 'Auth.example.org', primary: 'ns.Auth.example.org', admin: 'hostmaster.Auth.example.org', serial: 7, minimum: 60 });
});

t.test('every record type encodes', async (t) => {
  const answer: DnsResponse['answer'] = [
    { name: 'x.auth.example.org', ttl: 5, rdata: { type: RRType.A, address: '192.0.2.1' } },
    { name: 'x.auth.example.org', ttl: 5, rdata: { type: RRType.AAAA, address: '2001:db8:0:0:0:0:0:1' } },
    { name: 'x.auth.example.org', ttl: 5, rdata: { type: RRType.NS, host: 'ns.example.net' } },
    { name: 'x.auth.example.org', ttl: 5, rdata: { type: RRType.CNAME, target: 'Y.auth.example.org' } },
    { name: 'x.auth.example.org', ttl: 5, rdata: { type: RRType.MX, preference: 10, exchange: 'mx.example.net' } },
    { name: 'x.auth.example.org', ttl: 5, rdata: { type: RRType.CAA, flags: 0, tag: 'issue', value: 'letsencrypt.org' } },
  ];
  const p = decode(encodeResponse({ ...base, answer }, 65535));
  t.match(p.answers, [
    { address: '192.0.2.1' },
    { address: '2001:db8::1' },
    { ns: 'ns.example.net' },
    { domain: 'Y.auth.example.org' },
    { priority: 10, exchange: 'mx.example.net' },
    { tag: 'issue', value: 'letsencrypt.org' },
  ]);
});

t.test('dns2 regression: question type 0 and class 0 are echoed as asked, not as ANY', async (t) => {
  for (const [type, cls] of [
    [0, 1],
    [1, 0],
    [0, 0],
    [65535, 65535],
  ] as const) {
    const asked: Question = { ...question, type, class: cls };
    const bytes = encodeResponse({ ...base, question: asked, aa: false, rcode: Rcode.REFUSED }, 512);
    t.same([bytes.readUInt16BE(12 + 20), bytes.readUInt16BE(12 + 22)], [type, cls], `type ${type} class ${cls}`);
  }
});
