// The name and address rules every part relies on, each in one place: how a name is folded, what
// is at or below a zone, what a label may hold, what counts as this machine. And the callers
// that once had rules of their own now give one answer (127.0.0.2 is loopback everywhere).
import t from 'tap';
import { fulldomainOf } from '../../src/accounts/fulldomain.js';
import { cloudflareEndpointNote } from '../../src/bootstrap/cloudflare-gateway.js';
import { normalizeCertificateName } from '../../src/bootstrap/names.js';
import { serverUrlNotes } from '../../src/bootstrap/run.js';
import { loadConfig } from '../../src/config/load.js';
import { startupWarnings } from '../../src/config/startup-warnings.js';
import { parseStaticRecords } from '../../src/dns/static-records.js';
import { asciiLower, asciiLowerByte, isAtOrBelow, isHostName, isValidLabel, normalizeName } from '../../src/names/domain-name.js';
import { isLoopbackHost } from '../../src/net/address.js';

t.test('normalizeName: trimmed, ASCII lower case, no trailing dot', async (t) => {
  t.equal(normalizeName('  Auth.Example.ORG. '), 'auth.example.org');
  t.equal(normalizeName('auth.example.org'), 'auth.example.org');
  t.equal(normalizeName('\u00c0.Example'), '\u00c0.example', 'only A-Z fold, as DNS compares (RFC 4343)');
  t.equal(asciiLower('AbC-Z_09.\u00c0\u00e9'), 'abc-z_09.\u00c0\u00e9');
  t.equal(asciiLower('\x03AbC\x00@[`{'), '\x03abc\x00@[`{', 'pure ASCII: A-Z only, the neighbours of A-Z stay');
  t.same(['A', 'Z', '@', '[', '\u00c0'].map((c) => String.fromCharCode(asciiLowerByte(c.charCodeAt(0)))), ['a', 'z', '@', '[', '\u00c0'], 'one wire byte, the same rule');
});

t.test('isAtOrBelow: the zone itself and names under it, not names that merely end alike', async (t) => {
  t.ok(isAtOrBelow('auth.example.org', 'auth.example.org'));
  t.ok(isAtOrBelow('x.auth.example.org', 'auth.example.org'));
  t.notOk(isAtOrBelow('xauth.example.org', 'auth.example.org'));
  t.notOk(isAtOrBelow('example.org', 'auth.example.org'));
});

t.test('labels and host names', async (t) => {
  for (const ok of ['a', 'www', '_acme-challenge', 'x-1', 'A9', 'a'.repeat(63)]) t.ok(isValidLabel(ok), ok);
  for (const bad of ['', '-a', 'a-', 'a b', 'a.b', '*', 'a'.repeat(64), '\u00e9']) t.notOk(isValidLabel(bad), JSON.stringify(bad));
  t.ok(isHostName('www.example.com'));
  t.notOk(isHostName(''), 'not the root');
  t.notOk(isHostName('www..example.com'), 'no empty label');
  t.notOk(isHostName(`${'a'.repeat(60)}.`.repeat(5) + 'com'), 'at most 253 characters');
});

t.test('config, bootstrap and static records agree on what a name is', async (t) => {
  t.throws(() => loadConfig({ overrides: { 'dns.zone': 'bad_-.example' } }), /dns\.zone "bad_-\.example" is not a domain name/);
  t.equal(loadConfig({ overrides: { 'dns.zone': ' Auth.Example.ORG. ' } }).dns.zone, 'auth.example.org');
  t.throws(() => normalizeCertificateName('bad_-.example'), /not a certificate name/);
  t.same(normalizeCertificateName(' *.WWW.Example.com. '), { bare: 'www.example.com', wildcard: true });
  t.throws(() => parseStaticRecords(['bad_-.auth.example.org. A 192.0.2.1'], 'auth.example.org'), /invalid label "bad_-"/);
  t.equal(parseStaticRecords(['WWW.Auth.Example.org. A 192.0.2.1'], 'auth.example.org')[0]?.name, 'www.auth.example.org');
});

t.test('isLoopbackHost: localhost, all of 127/8, ::1 with or without brackets, mapped IPv4', async (t) => {
  for (const host of ['localhost', '127.0.0.1', '127.0.0.2', '127.255.0.9', '::1', '[::1]', '::ffff:127.0.0.2']) t.ok(isLoopbackHost(host), host);
  for (const host of ['192.0.2.1', '0.0.0.0', '::', '[::]', '2001:db8::1', 'example.org', 'localhost.example.org', '']) t.notOk(isLoopbackHost(host), host);
});

t.test('every caller gives one answer for 127.0.0.2', async (t) => {
  const config = loadConfig({ overrides: { 'api.listen': '127.0.0.2:8053', 'api.registration': 'open' } });
  t.same(startupWarnings(config), [], 'serve: no warning for open registration or plain HTTP on 127.0.0.2');
  t.doesNotThrow(() => cloudflareEndpointNote({ CLOUDFLARE_BASE_URL: 'http://127.0.0.2:8080/client/v4' }), 'bootstrap: plain http allowed to 127.0.0.2');
  t.throws(() => cloudflareEndpointNote({ CLOUDFLARE_BASE_URL: 'http://192.0.2.1:8080/client/v4' }), /not https/);
  t.same(serverUrlNotes('http://127.0.0.2:8053', 'http://127.0.0.2:8053'), [], 'bootstrap: no plain-HTTP note for 127.0.0.2');
  t.match(serverUrlNotes('http://192.0.2.1:8053', 'http://192.0.2.1:8053'), [/plain HTTP/]);
});

t.test('fulldomain: the slot name', async (t) => {
  t.equal(fulldomainOf('0411794e-b178-4dd4-b36c-bf584fae17b1', 'auth.example.org'), '0411794e-b178-4dd4-b36c-bf584fae17b1.auth.example.org');
});
