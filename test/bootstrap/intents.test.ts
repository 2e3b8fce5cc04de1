// From names, config and zones to intents: zone lookup, shared wildcard accounts, delegation rules.
import t from 'tap';
import { buildIntents, challengeCnameTtl, type IntentInput } from '../../src/bootstrap/intents.js';
import { serverUrlNotes } from '../../src/bootstrap/run.js';
import { certificateNames, normalizeCertificateName, parseDomainList } from '../../src/bootstrap/names.js';
import type { Zone } from '../../src/bootstrap/records.js';
import { zoneForName } from '../../src/bootstrap/zones.js';

const zones: Zone[] = [
  { id: 'z1', name: 'example.com' },
  { id: 'z2', name: 'shop.example.com' },
  { id: 'z3', name: 'example.org' },
];

function input(overrides: Partial<IntentInput> = {}): IntentInput {
  return {
    zone: 'auth.example.org',
    nsname: 'ns.auth.example.org',
    nsAddresses: ['203.0.113.5'],
    delegationTtl: 3600,
    names: certificateNames(['www.example.com']),
    slots: new Map([['www.example.com', 'slot-1']]),
    zones,
    ...overrides,
  };
}

t.test('names: *.x and x share one entry; case and trailing dots fold; junk is refused', async (t) => {
  const names = certificateNames(['Example.com.', '*.example.com', 'www.example.com', 'example.com']);
  t.same(names, [
    { bare: 'example.com', requested: ['example.com', '*.example.com'], challengeName: '_acme-challenge.example.com' },
    { bare: 'www.example.com', requested: ['www.example.com'], challengeName: '_acme-challenge.www.example.com' },
  ]);
  for (const bad of ['', 'com', '*.', 'a..b', '-x.example.com', 'x y.example.com', '_acme-challenge.example.com', '*.*.example.com']) {
    t.throws(() => normalizeCertificateName(bad), { code: 'bad_domain' }, `refuses ${JSON.stringify(bad)}`);
  }
  t.same(parseDomainList('# certs\nwww.example.com\n\n  *.example.com # wildcard\n'), ['www.example.com', '*.example.com']);
});

t.test('international names are planned in their ASCII (punycode) form', async (t) => {
  // They used to be refused as "not a certificate name".
  t.same(certificateNames(['Bücher.Example.com.', '*.bücher.example.com', 'xn--bcher-kva.example.com']), [
    { bare: 'xn--bcher-kva.example.com', requested: ['xn--bcher-kva.example.com', '*.xn--bcher-kva.example.com'], challengeName: '_acme-challenge.xn--bcher-kva.example.com' },
  ]);
  t.same(normalizeCertificateName('例子.测试'), { bare: 'xn--fsqu00a.xn--0zwm56d', wildcard: false });
  t.throws(() => normalizeCertificateName('bü cher.example.com'), { code: 'bad_domain' });
  t.throws(() => normalizeCertificateName('bücher..example.com'), { code: 'bad_domain' });
});

t.test('zone lookup takes the longest suffix', async (t) => {
  t.equal(zoneForName('_acme-challenge.a.shop.example.com', zones)?.id, 'z2');
  t.equal(zoneForName('_acme-challenge.shop2.example.com', zones)?.id, 'z1');
  t.equal(zoneForName('example.net', zones), undefined);
});

t.test('one CNAME per bare name, short TTL, to its slot in our zone; delegation and glue in the parent', async (t) => {
  const result = buildIntents(input());
  t.same(result.errors, []);
  t.same(
    result.intents.map((i) => [i.kind, i.zone.name, i.name]),
    [
      ['delegation', 'example.org', 'auth.example.org'],
      ['address', 'example.org', 'ns.auth.example.org'],
      ['cname', 'example.com', '_acme-challenge.www.example.com'],
    ],
  );
  const cname = result.intents[2];
  t.equal(cname?.kind === 'cname' && cname.target, 'slot-1.auth.example.org');
  t.equal(cname?.ttl, challengeCnameTtl);
});

t.test('a name in no zone of the account is an error that names the zones seen', async (t) => {
  const result = buildIntents(input({ names: certificateNames(['www.example.net']) }));
  t.match(result.errors[0], /www\.example\.net.*no Cloudflare zone.*example\.com, shop\.example\.com, example\.org/);
});

t.test('no zone visible at all points at the missing Zone:Zone:Read', async (t) => {
  const result = buildIntents(input({ zones: [] }));
  t.match(result.errors[0], /www\.example\.com.*zones visible to the credential: none; an API token needs Zone:Zone:Read/);
});

t.test('nsname equal to the zone apex is refused with the reason', async (t) => {
  const result = buildIntents(input({ nsname: 'auth.example.org' }));
  t.match(result.errors[0], /refuses an NS and an A record on one label.*--nsname ns\.auth\.example\.org/);
});

t.test('our zone outside the account: no delegation, a note instead', async (t) => {
  const result = buildIntents(input({ zone: 'auth.example.net', nsname: 'ns.auth.example.net' }));
  t.same(result.errors, []);
  t.same(result.intents.map((i) => i.kind), ['cname']);
  t.match(result.notes.join('\n'), /not inside a Cloudflare zone/);
});

t.test('name server outside the account: NS only; private glue gets a note', async (t) => {
  const outside = buildIntents(input({ nsname: 'ns1.provider.net' }));
  t.same(outside.intents.map((i) => i.kind), ['delegation', 'cname']);
  const documentation = buildIntents(input({ nsAddresses: ['192.0.2.1', '10.0.0.53'] }));
  t.same(documentation.errors, []);
  t.match(documentation.notes.join('\n'), /10\.0\.0\.53 is not a public address \(private\)/);
  t.match(buildIntents(input({ nsAddresses: [] })).errors[0], /ns_addresses is empty/);
});

t.test('a loopback name-server address is explained, not only called "not public"', async (t) => {
  const result = buildIntents(input({ nsAddresses: ['127.0.0.1'] }));
  t.same(result.errors, []);
  t.match(result.notes.join('\n'), /ns address 127\.0\.0\.1 is loopback: .*challenges fail.*--ns-address/);
});

t.test('the same name-server address twice is one record', async (t) => {
  const result = buildIntents(input({ nsAddresses: ['203.0.113.5', '2001:db8::5', '203.0.113.5', '2001:DB8:0::5'] }));
  const address = result.intents.find((i) => i.kind === 'address');
  t.same(address?.kind === 'address' ? address.addresses : undefined, ['203.0.113.5', '2001:db8::5']);
});

t.test('CAA on request: issue for every name, issuewild too for wildcards, with accounturi', async (t) => {
  const result = buildIntents(
    input({ names: certificateNames(['*.example.com', 'www.example.com']), caa: { issuer: 'letsencrypt.org', accountUri: 'https://acme.example/acct/1' } }),
  );
  const caa = result.intents.filter((i) => i.kind === 'caa');
  t.same(
    caa.map((i) => i.kind === 'caa' && [i.name, i.tag, i.value]),
    [
      ['example.com', 'issue', 'letsencrypt.org; accounturi=https://acme.example/acct/1'],
      ['example.com', 'issuewild', 'letsencrypt.org; accounturi=https://acme.example/acct/1'],
      ['www.example.com', 'issue', 'letsencrypt.org; accounturi=https://acme.example/acct/1'],
    ],
  );
});

t.test('a zone seen twice is an error; a zone not active gets a note', async (t) => {
  const twice = buildIntents(input({ zones: [...zones, { id: 'z9', name: 'example.com' }] }));
  t.match(twice.errors.join('\n'), /example\.com exists more than once/);
  const pending = buildIntents(input({ zones: zones.map((z) => (z.name === 'example.com' ? { ...z, status: 'pending' } : z)) }));
  t.same(pending.errors, []);
  t.match(pending.notes.join('\n'), /example\.com is pending, not active/);
});

t.test('server_url notes: derived from listen, or plain HTTP over the network', async (t) => {
  t.same(serverUrlNotes('https://auth.example.org', 'https://auth.example.org'), []);
  t.match(serverUrlNotes('', 'http://127.0.0.1:8053').join('\n'), /api\.public_url is not set/);
  t.match(serverUrlNotes('http://auth.example.org', 'http://auth.example.org').join('\n'), /plain HTTP/);
});

t.test('several name servers: the whole NS set is delegated, with glue for those inside the zone', async (t) => {
  const nameServers = [
    { host: 'ns.auth.example.org', addresses: ['203.0.113.5'], checkPort: 53, ours: true },
    { host: 'ns2.auth.example.org', addresses: ['198.51.100.2', '2001:db8::2'], checkPort: 53, ours: false },
    { host: 'ns3.example.com', addresses: [], checkPort: 53, ours: false },
  ];
  const { intents, errors } = buildIntents(input({ nameServers }));
  t.same(errors, []);
  const delegation = intents.find((i) => i.kind === 'delegation');
  t.same(delegation && 'nameservers' in delegation ? delegation.nameservers : [], ['ns.auth.example.org', 'ns2.auth.example.org', 'ns3.example.com']);
  const addresses = intents.filter((i) => i.kind === 'address').map((i) => ('addresses' in i ? [i.name, i.addresses, i.purpose] : []));
  t.same(addresses, [
    ['ns.auth.example.org', ['203.0.113.5'], 'glue'],
    ['ns2.auth.example.org', ['198.51.100.2', '2001:db8::2'], 'glue'],
  ], 'an out-of-zone secondary without configured addresses keeps its own records');

  const hidden = buildIntents(input({ nameServers: nameServers.slice(1) }));
  const hiddenDelegation = hidden.intents.find((i) => i.kind === 'delegation');
  t.same(hiddenDelegation && 'nameservers' in hiddenDelegation ? hiddenDelegation.nameservers : [], ['ns2.auth.example.org', 'ns3.example.com'], 'hidden primary: not in the NS set');
  t.notOk(hidden.intents.some((i) => i.kind === 'address' && i.name === 'ns.auth.example.org'), 'and no address record for it');
});
