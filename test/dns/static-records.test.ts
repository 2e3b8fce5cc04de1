// The dns.records parser: zone-file syntax for each supported type, and errors that name the key.
import t from 'tap';
import { ConfigError } from '../../src/errors.js';
import { RRType } from '../../src/dns/constants.js';
import { parseStaticRecord, parseStaticRecords } from '../../src/dns/static-records.js';

const Z = 'auth.example.org';

t.test('each type, with and without TTL and class', async (t) => {
  t.same(parseStaticRecord('www A 192.0.2.1', Z), { name: `www.${Z}`, ttl: undefined, rdata: { type: RRType.A, address: '192.0.2.1' } });
  t.same(parseStaticRecord('www 300 IN AAAA 2001:db8::1', Z).rdata, { type: RRType.AAAA, address: '2001:db8:0:0:0:0:0:1' });
  t.same(parseStaticRecord('www IN 300 A 192.0.2.1', Z).ttl, 300);
  t.same(parseStaticRecord('@ NS ns2.example.net.', Z), { name: Z, ttl: undefined, rdata: { type: RRType.NS, host: 'ns2.example.net' } });
  t.same(parseStaticRecord('alias CNAME Target', Z).rdata, { type: RRType.CNAME, target: `Target.${Z}` });
  t.same(parseStaticRecord(`${Z}. MX 10 mx.example.net.`, Z), { name: Z, ttl: undefined, rdata: { type: RRType.MX, preference: 10, exchange: 'mx.example.net' } });
  t.same(parseStaticRecord('@ CAA 128 issue "letsencrypt.org; validationmethods=dns-01"', Z).rdata, {
    type: RRType.CAA,
    flags: 128,
    tag: 'issue',
    value: 'letsencrypt.org; validationmethods=dns-01',
  });
  t.same(parseStaticRecord('WWW.Auth.Example.Org. a 192.0.2.1', Z).name, `www.${Z}`, 'owner lower-cased, type case-insensitive');
});

t.test('TXT: several strings, escapes, unquoted words, case preserved', async (t) => {
  const r = parseStaticRecord('_dmarc TXT "v=DMARC1; p=None" "say \\"hi\\"" back\\\\slash \\065\\066 ; a comment', Z);
  t.equal(r.rdata.type, RRType.TXT);
  const strings = r.rdata.type === RRType.TXT ? r.rdata.strings.map((s) => s.toString('latin1')) : [];
  t.same(strings, ['v=DMARC1; p=None', 'say "hi"', 'back\\slash', 'AB']);
  const bytes = parseStaticRecord('bin TXT "\\255\\000"', Z).rdata;
  t.same(bytes.type === RRType.TXT ? [...(bytes.strings[0] as Buffer)] : [], [255, 0]);
  const utf8 = parseStaticRecord('u TXT "café"', Z).rdata;
  t.same(utf8.type === RRType.TXT ? (utf8.strings[0] as Buffer).toString('utf8') : '', 'café');
});

t.test('errors name dns.records[i] and the reason', async (t) => {
  const bad: [string, RegExp][] = [
    ['www A 999.1.1.1', /not an IPv4 address/],
    ['www AAAA 192.0.2.1', /not an IPv6 address/],
    ['www.example.com. A 192.0.2.1', /outside the zone/],
    ['www SRV 0 0 443 x', /not supported/],
    ['www', /missing record type/],
    ['www TXT "open', /unterminated/],
    ['www TXT', /at least one string/],
    [`www TXT "${'x'.repeat(256)}"`, /over 255/],
    ['www MX mail', /needs a preference/],
    ['www MX 70000 mail', /MX preference/],
    ['@ CAA 0 "is sue" x', /CAA tag/],
    ['@ CAA 300 issue x', /CAA flags/],
    ['* A 192.0.2.1', /wildcards/],
    ['bad_label! A 192.0.2.1', /invalid label/],
    ['www CH A 192.0.2.1', /class CH/],
    ['www 4294967296 A 192.0.2.1', /TTL/],
    ['www TXT "\\999"', /byte value/],
    ['www TXT "\\12"', /three decimal digits/],
    ['www TXT ( "a" )', /parentheses/],
    ['@ SOA a b 1 2 3 4 5', /SOA comes from/],
  ];
  for (const [line, why] of bad) {
    t.throws(() => parseStaticRecords(['ok A 192.0.2.1', line], Z), { constructor: ConfigError, message: /^dns\.records\[1\]/ }, line);
    t.throws(() => parseStaticRecords([line], Z), why, line);
  }
});
