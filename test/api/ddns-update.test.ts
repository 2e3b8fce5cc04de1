// Dynamic-DNS credentials over HTTP: what each route accepts from which kind of account, and that
// every refusal leaves the served records as they were.
import bcrypt from 'bcryptjs';
import t, { type Test } from 'tap';
import type { Store } from '../../src/store/store.js';
import { rawRequest, startApi } from './server-fixture.js';

const PASSWORD = 'ddnsPasswordddnsPasswordddnsPassword0123';
const TOKEN = 'LPsIwTo7o8BoG0-vjCyGQGBWSVIPxI-i_X336eUOQZo';

function addAccount(store: Store, username: string, subdomain: string, kind: 'acme' | 'ddns'): void {
  store.createAccount({ username, passwordHash: bcrypt.hashSync(PASSWORD, 4), subdomain, allowfrom: [], kind });
}

const DDNS_USER = '11111111-1111-4111-8111-111111111111';
const DDNS_SLOT = '22222222-2222-4222-8222-222222222222';
const ACME_USER = '33333333-3333-4333-8333-333333333333';
const ACME_SLOT = '44444444-4444-4444-8444-444444444444';

t.test('POST /update with a ddns credential is refused (401 forbidden) and sets no TXT', async (t) => {
  const { port, store } = await startApi(t);
  addAccount(store, DDNS_USER, DDNS_SLOT, 'ddns');
  const serial = store.serial();
  const res = await rawRequest(port, `POST /update HTTP/1.1\nX-Api-User: ${DDNS_USER}\nX-Api-Key: ${PASSWORD}`, JSON.stringify({ subdomain: DDNS_SLOT, txt: TOKEN }));
  t.equal(res.status, 401);
  t.same(JSON.parse(res.body), { error: 'forbidden' });
  t.equal(store.serial(), serial, 'nothing written');
  t.same(store.slotValues(DDNS_SLOT), []);
  addAccount(store, ACME_USER, ACME_SLOT, 'acme');
  const ok = await rawRequest(port, `POST /update HTTP/1.1\nX-Api-User: ${ACME_USER}\nX-Api-Key: ${PASSWORD}`, JSON.stringify({ subdomain: ACME_SLOT, txt: TOKEN }));
  t.equal(ok.status, 200, 'an ACME credential still works');
});

const ZONE = 'auth.example.org';
const OTHER_USER = '55555555-5555-4555-8555-555555555555';
const OTHER_SLOT = '66666666-6666-4666-8666-666666666666';

const basic = (user: string, password = PASSWORD): string => `Authorization: Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

async function ddnsApi(t: Test, overrides: Record<string, string> = {}) {
  const api = await startApi(t, { 'ddns.allow_private_addresses': 'true', ...overrides });
  api.store.createAccount({ username: DDNS_USER, passwordHash: bcrypt.hashSync(PASSWORD, 4), subdomain: DDNS_SLOT, allowfrom: [], kind: 'ddns', label: 'home.example.com' });
  addAccount(api.store, ACME_USER, ACME_SLOT, 'acme');
  addAccount(api.store, OTHER_USER, OTHER_SLOT, 'ddns');
  const nic = (query: string, auth = basic(DDNS_USER)) => rawRequest(api.port, `GET /nic/update?${query} HTTP/1.1${auth ? `\n${auth}` : ''}`);
  return { ...api, nic };
}

t.test('GET /nic/update: good, nochg without a write, both families, the delegated name', async (t) => {
  const { store, nic } = await ddnsApi(t);
  const first = await nic(`hostname=${DDNS_SLOT}.${ZONE}&myip=203.0.113.7`);
  t.same([first.status, first.body], [200, 'good 203.0.113.7\n']);
  t.match(first.headers['content-type'], /^text\/plain/);
  t.same(store.slotAddresses(DDNS_SLOT), { ipv4: '203.0.113.7', ipv6: null });
  const serial = store.serial();
  const again = await nic(`hostname=${DDNS_SLOT}.${ZONE}&myip=203.0.113.7`);
  t.same([again.status, again.body], [200, 'nochg 203.0.113.7\n']);
  t.equal(store.serial(), serial, 'nochg wrote nothing');
  const both = await nic(`hostname=HOME.example.com.&myip=203.0.113.8,2001:DB8:0::8`);
  t.same([both.status, both.body], [200, 'good 203.0.113.8,2001:db8::8\n'], 'the label name, any case, trailing dot; canonical addresses');
  const v6 = await nic(`hostname=home.example.com&myipv6=2001:db8::9`);
  t.equal(v6.body, 'good 2001:db8::9\n');
  t.same(store.slotAddresses(DDNS_SLOT), { ipv4: '203.0.113.8', ipv6: '2001:db8::9' }, 'IPv6 alone keeps the IPv4');
  const own = await nic(`hostname=home.example.com`);
  t.equal(own.body, 'good 127.0.0.1\n', 'no myip: the client address');
  const two = await nic(`hostname=home.example.com,${OTHER_SLOT}.${ZONE}&myip=127.0.0.1`);
  t.equal(two.body, 'nochg 127.0.0.1\nnohost\n', 'one line per host name');
});

t.test('GET /nic/update refusals: each answers the protocol code and changes nothing', async (t) => {
  const { store, nic } = await ddnsApi(t);
  await nic(`hostname=home.example.com&myip=203.0.113.7`);
  const serial = store.serial();
  const cases: [string, Promise<{ status: number; body: string; headers: Record<string, string> }>, number, string][] = [
    ['no credentials', nic(`hostname=home.example.com&myip=203.0.113.9`, ''), 401, 'badauth'],
    ['a bad password', nic(`hostname=home.example.com&myip=203.0.113.9`, basic(DDNS_USER, 'x'.repeat(40))), 401, 'badauth'],
    ['an ACME credential on the ddns slot', nic(`hostname=home.example.com&myip=203.0.113.9`, basic(ACME_USER)), 401, 'badauth'],
    ['the ddns credential on an ACME slot', nic(`hostname=${ACME_SLOT}.${ZONE}&myip=203.0.113.9`), 200, 'nohost'],
    ["another account's hostname", nic(`hostname=${OTHER_SLOT}.${ZONE}&myip=203.0.113.9`), 200, 'nohost'],
    ['a malformed address', nic(`hostname=home.example.com&myip=203.0.113.999`), 200, 'dnserr'],
    ['two IPv4 addresses', nic(`hostname=home.example.com&myip=203.0.113.9,203.0.113.10`), 200, 'dnserr'],
    ['a multicast address', nic(`hostname=home.example.com&myip=224.0.0.1`), 200, 'dnserr'],
    ['no hostname', nic(`myip=203.0.113.9`), 200, 'notfqdn'],
    ['a hostname without a dot', nic(`hostname=home&myip=203.0.113.9`), 200, 'notfqdn'],
  ];
  for (const [what, pending, status, body] of cases) {
    const res = await pending;
    t.same([res.status, res.body], [status, `${body}\n`], what);
    if (status === 401) t.match(res.headers['www-authenticate'], /^Basic realm=/, `${what}: a Basic challenge`);
  }
  t.equal(store.serial(), serial, 'no refusal changed the zone');
  t.same(store.slotAddresses(DDNS_SLOT), { ipv4: '203.0.113.7', ipv6: null });
  t.same(store.slotAddresses(OTHER_SLOT), { ipv4: null, ipv6: null });
  t.same(store.slotValues(ACME_SLOT), []);
});

t.test('private and loopback addresses are refused unless ddns.allow_private_addresses', async (t) => {
  const { store, nic } = await ddnsApi(t, { 'ddns.allow_private_addresses': 'false' });
  for (const address of ['192.168.1.2', '10.0.0.1', '127.0.0.1', 'fd00::1', '203.0.113.7']) {
    t.equal((await nic(`hostname=home.example.com&myip=${address}`)).body, 'dnserr\n', address);
  }
  t.equal((await nic(`hostname=home.example.com`)).body, 'dnserr\n', 'the loopback client address');
  t.equal((await nic(`hostname=home.example.com&myip=8.8.8.8`)).body, 'good 8.8.8.8\n', 'a public address');
  t.same(store.slotAddresses(DDNS_SLOT), { ipv4: '8.8.8.8', ipv6: null });
});

t.test('failed authentications are rate limited (abuse), with the same limiter as POST /update', async (t) => {
  const { store, nic } = await ddnsApi(t, { 'limits.update_failures_per_address': '2' });
  const wrong = basic(DDNS_USER, 'y'.repeat(40));
  t.equal((await nic(`hostname=home.example.com&myip=203.0.113.9`, wrong)).status, 401);
  t.equal((await nic(`hostname=home.example.com&myip=203.0.113.9`, wrong)).status, 401);
  const limited = await nic(`hostname=home.example.com&myip=203.0.113.9`);
  t.same([limited.status, limited.body], [200, 'abuse\n'], 'even the right password, from a limited address');
  t.ok(Number(limited.headers['retry-after']) > 0);
  t.same(store.slotAddresses(DDNS_SLOT), { ipv4: null, ipv6: null });
});

t.test('POST /ddns/update (JSON): good, nochg, null removes, bad addresses and credentials refused', async (t) => {
  const { port, store } = await ddnsApi(t);
  const post = (body: unknown, head = `X-Api-User: ${DDNS_USER}\nX-Api-Key: ${PASSWORD}`) => rawRequest(port, `POST /ddns/update HTTP/1.1\n${head}`, JSON.stringify(body));
  const good = await post({ ipv4: '203.0.113.7', ipv6: '2001:db8::7' });
  t.same([good.status, JSON.parse(good.body)], [200, { status: 'good', fulldomain: `${DDNS_SLOT}.${ZONE}`, ipv4: '203.0.113.7', ipv6: '2001:db8::7' }]);
  const serial = store.serial();
  t.equal(JSON.parse((await post({ ipv4: '203.0.113.7' }, basic(DDNS_USER))).body).status, 'nochg', 'Basic auth works too');
  t.equal(store.serial(), serial);
  const refusals: [unknown, string, number, string][] = [
    [{ ipv4: '2001:db8::1' }, `X-Api-User: ${DDNS_USER}\nX-Api-Key: ${PASSWORD}`, 400, 'bad_address'],
    [{ ipv4: 'nope' }, `X-Api-User: ${DDNS_USER}\nX-Api-Key: ${PASSWORD}`, 400, 'bad_address'],
    [{ ipv6: 42 }, `X-Api-User: ${DDNS_USER}\nX-Api-Key: ${PASSWORD}`, 400, 'bad_address'],
    [{ ipv4: '203.0.113.9' }, `X-Api-User: ${ACME_USER}\nX-Api-Key: ${PASSWORD}`, 401, 'forbidden'],
    [{ ipv4: '203.0.113.9' }, `X-Api-User: ${DDNS_USER}\nX-Api-Key: ${'z'.repeat(40)}`, 401, 'forbidden'],
  ];
  for (const [body, head, status, error] of refusals) {
    const res = await post(body, head);
    t.same([res.status, JSON.parse(res.body)], [status, { error }], JSON.stringify(body));
  }
  t.equal(store.serial(), serial, 'no refusal changed the zone');
  const removed = await post({ ipv6: null });
  t.same(JSON.parse(removed.body), { status: 'good', fulldomain: `${DDNS_SLOT}.${ZONE}`, ipv4: '203.0.113.7', ipv6: null });
});
