// The zone index: built from config and store, kept current by change events, enumerable.
import t from 'tap';
import { RRType } from '../../src/dns/constants.js';
import { createZoneIndex } from '../../src/dns/zone-index.js';
import { ConfigError } from '../../src/errors.js';
import { addSlot, testConfig, testStore } from './helpers.js';

const Z = 'auth.example.org';
const V = 'x'.repeat(43);

t.test('SOA, apex NS and glue from config', async (t) => {
  const store = testStore();
  const zone = createZoneIndex(testConfig({ 'dns.negative_ttl': '30', 'dns.default_ttl': '600' }), store);
  t.teardown(() => zone.close());
  const soa = zone.soa();
  t.equal(soa.ttl, 600);
  t.match(soa.rdata[0], { type: RRType.SOA, mname: `ns.${Z}`, rname: `hostmaster.${Z}`, minimum: 30, serial: store.serial() });
  t.same(zone.rrsets(Z)?.get(RRType.NS)?.rdata, [{ type: RRType.NS, host: `ns.${Z}` }]);
  t.same(zone.rrsets(`ns.${Z}`)?.get(RRType.A)?.rdata, [{ type: RRType.A, address: '192.0.2.53' }]);
  t.same(zone.rrsets(`ns.${Z}`)?.get(RRType.AAAA)?.rdata, [{ type: RRType.AAAA, address: '2001:db8:0:0:0:0:0:53' }]);
});

t.test('no glue when nsname is outside the zone', async (t) => {
  const zone = createZoneIndex(testConfig({ 'dns.nsname': 'ns1.example.net' }), testStore());
  t.teardown(() => zone.close());
  t.equal(zone.rrsets('ns1.example.net'), undefined);
  t.same(zone.rrsets(Z)?.get(RRType.NS)?.rdata, [{ type: RRType.NS, host: 'ns1.example.net' }]);
});

t.test('several name servers: the NS set from dns.nameservers, glue inside the zone; a hidden primary is left out', async (t) => {
  const nameservers = [`ns2.${Z} 198.51.100.2`, 'ns3.example.net'];
  const zone = createZoneIndex(testConfig({ 'dns.nameservers': nameservers }), testStore());
  t.teardown(() => zone.close());
  t.same(zone.rrsets(Z)?.get(RRType.NS)?.rdata.map((r) => (r as { host: string }).host), [`ns.${Z}`, `ns2.${Z}`, 'ns3.example.net']);
  t.same(zone.rrsets(`ns2.${Z}`)?.get(RRType.A)?.rdata, [{ type: RRType.A, address: '198.51.100.2' }]);
  const hidden = createZoneIndex(testConfig({ 'dns.nameservers': nameservers, 'dns.hidden_primary': 'true' }), testStore());
  t.teardown(() => hidden.close());
  t.same(hidden.rrsets(Z)?.get(RRType.NS)?.rdata.map((r) => (r as { host: string }).host), [`ns2.${Z}`, 'ns3.example.net']);
  t.equal(hidden.rrsets(`ns.${Z}`), undefined, 'no glue for the hidden primary');
  t.match((hidden.soa().rdata[0] as { mname: string }).mname, `ns.${Z}`, 'still the SOA mname (RFC 1996: the primary)');
  t.throws(() => testConfig({ 'dns.nameservers': [`ns4.${Z}`] }), /give its addresses/, 'an in-zone name server needs glue');
  t.throws(() => testConfig({ 'dns.hidden_primary': 'true' }), /needs at least one entry in dns.nameservers/);
});

t.test('slots from the store at start, then from change events', async (t) => {
  const store = testStore();
  addSlot(store, 'early', [V]);
  addSlot(store, 'blank');
  const zone = createZoneIndex(testConfig({ 'dns.txt_ttl': '5' }), store);
  t.teardown(() => zone.close());
  t.equal(zone.rrsets(`early.${Z}`)?.get(RRType.TXT)?.ttl, 5);
  t.equal(zone.rrsets(`blank.${Z}`), undefined, 'no value yet: no data');
  t.ok(zone.exists(`blank.${Z}`), 'but the name exists');
  t.notOk(zone.exists(`nothing.${Z}`));

  const v0 = zone.version();
  store.addTxtValue('blank', 'first');
  t.equal(zone.version(), v0 + 1, 'version bumped synchronously');
  t.equal(zone.serial(), store.serial(), 'serial follows the store');
  t.equal((zone.soa().rdata[0] as { serial: number }).serial, store.serial());
  store.addTxtValue('blank', 'second');
  store.addTxtValue('blank', 'third');
  const values = zone.rrsets(`blank.${Z}`)?.get(RRType.TXT)?.rdata.map((r) => (r.type === RRType.TXT ? String(r.strings[0]) : ''));
  t.same(values, ['third', 'second'], 'newest first, store limit applied');

  addSlot(store, 'Later');
  t.ok(zone.exists(`later.${Z}`), 'new account visible, lower-cased');
  const username = store.listAccounts().find((a) => a.subdomain === 'blank')?.username as string;
  store.revokeAccount(username);
  t.notOk(zone.exists(`blank.${Z}`), 'revoked slot gone');
  t.equal(zone.rrsets(`blank.${Z}`), undefined);
});

t.test('close() stops following the store', async (t) => {
  const store = testStore();
  addSlot(store, 's');
  const zone = createZoneIndex(testConfig(), store);
  zone.close();
  store.addTxtValue('s', 'v');
  t.equal(zone.rrsets(`s.${Z}`), undefined);
  t.equal(store.listenerCount('change'), 0);
});

t.test('enumerates in canonical order', async (t) => {
  const store = testStore();
  addSlot(store, 'b', [V]);
  addSlot(store, 'a', [V]);
  const zone = createZoneIndex(testConfig({ 'dns.records': ['z.a A 192.0.2.1', '_x TXT "y"', '@ CAA 0 issue "ca"'] }), store);
  t.teardown(() => zone.close());
  t.same(
    zone.enumerate().map((s) => `${s.name}/${s.type}`),
    [`${Z}/2`, `${Z}/6`, `${Z}/257`, `_x.${Z}/16`, `a.${Z}/16`, `z.a.${Z}/1`, `b.${Z}/16`, `ns.${Z}/1`, `ns.${Z}/28`],
  );
});

t.test('config conflicts are errors naming the record', async (t) => {
  const store = testStore();
  const build = (records: string[]): unknown => createZoneIndex(testConfig({ 'dns.records': records }), store).close();
  t.throws(() => build(['www A 192.0.2.1', 'www CNAME x']), { constructor: ConfigError, message: /dns\.records\[1\].*CNAME must be alone/ });
  t.throws(() => build(['www CNAME x', 'www CNAME y']), /dns\.records\[1\].*more than one CNAME/);
  t.throws(() => build(['@ CNAME x']), /dns\.records\[0\].*apex/);
  t.throws(() => build(['www 60 A 192.0.2.1', 'www 120 A 192.0.2.2']), /dns\.records\[1\].*TTL 120 differs/);
  t.doesNotThrow(() => build(['www A 192.0.2.1', 'www A 192.0.2.1']), 'duplicates are merged');
  t.doesNotThrow(() => build(['@ NS ns2.example.net.']), 'extra apex NS joins ours');
});

t.test('a slot wins over a static CNAME at the same name', async (t) => {
  const store = testStore();
  const zone = createZoneIndex(testConfig({ 'dns.records': ['s CNAME elsewhere.example.net.'] }), store);
  t.teardown(() => zone.close());
  t.ok(zone.rrsets(`s.${Z}`)?.has(RRType.CNAME));
  addSlot(store, 's', [V]);
  t.notOk(zone.rrsets(`s.${Z}`)?.has(RRType.CNAME));
  t.ok(zone.rrsets(`s.${Z}`)?.has(RRType.TXT));
});
