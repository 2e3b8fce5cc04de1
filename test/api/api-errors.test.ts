// Bad input gets a JSON error with acme-dns's code and changes nothing.
import t from 'tap';
import { rawRequest, startApi, txtValue, type ApiServer } from './server-fixture.js';

async function registerOne(server: ApiServer, body = ''): Promise<{ username: string; password: string; subdomain: string }> {
  const reply = await rawRequest(server.port, 'POST /register HTTP/1.1', body);
  return JSON.parse(reply.body) as { username: string; password: string; subdomain: string };
}

t.test('register rejects malformed JSON and bad CIDRs without creating an account', async (t) => {
  const server = await startApi(t);
  const cases: [string, number, string][] = [
    ['{"allowfrom": [', 400, 'malformed_json_payload'],
    ['[1,2]', 400, 'malformed_json_payload'],
    ['"text"', 400, 'malformed_json_payload'],
    ['{"allowfrom": ["10.0.0.0/33"]}', 400, 'invalid_allowfrom_cidr'],
    ['{"allowfrom": ["not-an-ip"]}', 400, 'invalid_allowfrom_cidr'],
    ['{"allowfrom": "10.0.0.0/8"}', 400, 'invalid_allowfrom_cidr'],
    ['{"allowfrom": [42]}', 400, 'invalid_allowfrom_cidr'],
  ];
  for (const [body, status, code] of cases) {
    const reply = await rawRequest(server.port, 'POST /register HTTP/1.1\nContent-Type: application/json', body);
    t.equal(reply.status, status, body);
    t.same(JSON.parse(reply.body), { error: code }, body);
  }
  t.equal(server.store.listAccounts().length, 0, 'no account was created');
  const brackets = await registerOne(server, '{"allowfrom": ["[2001:db8::]/32"]}');
  t.same((brackets as unknown as { allowfrom: string[] }).allowfrom, ['2001:db8::/32'], 'IPv6 brackets stripped');
});

t.test('update: every identity failure is 401 forbidden and changes nothing', async (t) => {
  const server = await startApi(t);
  const acct = await registerOne(server);
  const other = await registerOne(server);
  const txt = txtValue('x');
  const body = JSON.stringify({ subdomain: acct.subdomain, txt });
  const cases: [string, string, string][] = [
    ['no headers', '', body],
    ['unknown user', `X-Api-User: 00000000-0000-4000-8000-000000000000\nX-Api-Key: ${acct.password}`, body],
    ['wrong password', `X-Api-User: ${acct.username}\nX-Api-Key: ${'x'.repeat(40)}`, body],
    ['malformed user', `X-Api-User: bob\nX-Api-Key: ${acct.password}`, body],
    ['other account subdomain', `X-Api-User: ${acct.username}\nX-Api-Key: ${acct.password}`, JSON.stringify({ subdomain: other.subdomain, txt })],
    ['missing subdomain', `X-Api-User: ${acct.username}\nX-Api-Key: ${acct.password}`, JSON.stringify({ txt })],
    ['malformed body', `X-Api-User: ${acct.username}\nX-Api-Key: ${acct.password}`, '{"subdomain":'],
    ['other account credentials', `X-Api-User: ${other.username}\nX-Api-Key: ${other.password}`, body],
  ];
  for (const [name, headers, payload] of cases) {
    const reply = await rawRequest(server.port, `POST /update HTTP/1.1${headers ? '\n' + headers : ''}`, payload);
    t.equal(reply.status, 401, name);
    t.same(JSON.parse(reply.body), { error: 'forbidden' }, name);
  }
  t.same(server.store.slotValues(acct.subdomain), [], 'nothing was served');
  t.same(server.store.slotValues(other.subdomain), []);
});

t.test('update: bad txt is 400 bad_txt', async (t) => {
  const server = await startApi(t);
  const acct = await registerOne(server);
  const head = `POST /update HTTP/1.1\nX-Api-User: ${acct.username}\nX-Api-Key: ${acct.password}`;
  for (const txt of ['', 'short', 'a'.repeat(44), 'a'.repeat(42) + '=', 'a'.repeat(42) + '+', 42]) {
    const reply = await rawRequest(server.port, head, JSON.stringify({ subdomain: acct.subdomain, txt }));
    t.equal(reply.status, 400, JSON.stringify(txt));
    t.same(JSON.parse(reply.body), { error: 'bad_txt' });
  }
  t.same(server.store.slotValues(acct.subdomain), []);
});

t.test('allowfrom is enforced against the socket address', async (t) => {
  const server = await startApi(t);
  const elsewhere = await registerOne(server, '{"allowfrom": ["192.0.2.0/24"]}');
  const here = await registerOne(server, '{"allowfrom": ["127.0.0.1"]}');
  const send = (acct: { username: string; password: string; subdomain: string }, extra = '') =>
    rawRequest(server.port, `POST /update HTTP/1.1\nX-Api-User: ${acct.username}\nX-Api-Key: ${acct.password}${extra}`, JSON.stringify({ subdomain: acct.subdomain, txt: txtValue('a') }));
  t.equal((await send(elsewhere)).status, 401, 'refused from 127.0.0.1');
  t.equal((await send(elsewhere, '\nX-Forwarded-For: 192.0.2.7')).status, 401, 'X-Forwarded-For is not believed without trusted proxies');
  t.equal((await send(here)).status, 200, 'accepted from 127.0.0.1');
});

t.test('X-Forwarded-For is believed only from trusted proxies, right-most untrusted address', async (t) => {
  const server = await startApi(t, { 'api.trusted_proxies': ['127.0.0.0/8', '10.0.0.0/8'] });
  const acct = await registerOne(server, '{"allowfrom": ["192.0.2.0/24"]}');
  const send = (xff: string) =>
    rawRequest(server.port, `POST /update HTTP/1.1\nX-Api-User: ${acct.username}\nX-Api-Key: ${acct.password}\nX-Forwarded-For: ${xff}`, JSON.stringify({ subdomain: acct.subdomain, txt: txtValue('b') }));
  t.equal((await send('192.0.2.7')).status, 200, 'client behind the proxy');
  t.equal((await send('192.0.2.7, 10.1.2.3')).status, 200, 'through two trusted proxies');
  t.equal((await send('192.0.2.7, 198.51.100.1')).status, 401, 'a spoofed left-most address is not taken');
});

t.test('registration policy', async (t) => {
  const closed = await startApi(t, { 'api.registration': 'closed' });
  const reply = await rawRequest(closed.port, 'POST /register HTTP/1.1');
  t.equal(reply.status, 403);
  t.same(JSON.parse(reply.body), { error: 'registration_closed' });
  const listed = await startApi(t, { 'api.registration': 'allowlist', 'api.registration_allow': ['192.0.2.0/24'] });
  const refused = await rawRequest(listed.port, 'POST /register HTTP/1.1');
  t.equal(refused.status, 403);
  t.same(JSON.parse(refused.body), { error: 'registration_forbidden' });
  const loopback = await startApi(t, { 'api.registration': 'allowlist' });
  t.equal((await rawRequest(loopback.port, 'POST /register HTTP/1.1')).status, 201, 'default allowlist admits loopback');
  t.equal(closed.store.listAccounts().length + listed.store.listAccounts().length, 0);
});

t.test('oversized, garbage and unknown requests get JSON errors', async (t) => {
  const server = await startApi(t, { 'api.body_limit': '1024' });
  const big = await rawRequest(server.port, 'POST /register HTTP/1.1', `{"allowfrom":["${'1'.repeat(2000)}"]}`);
  t.equal(big.status, 413);
  t.same(JSON.parse(big.body), { error: 'body_too_large' });
  const missing = await rawRequest(server.port, 'GET /nope HTTP/1.1');
  t.equal(missing.status, 404);
  t.same(JSON.parse(missing.body), { error: 'not_found' });
  const framing = await rawRequest(server.port, 'POST /register HTTP/1.1\nTransfer-Encoding: chunked\nContent-Length: 5', '0\r\n\r\n');
  t.equal(framing.status, 400);
  t.same(JSON.parse(framing.body), { error: 'bad_request' });
  const oddType = await rawRequest(server.port, 'POST /register HTTP/1.1\nContent-Type: ;;;garbage', '{}');
  t.equal(oddType.status, 201, 'an unparseable Content-Type is ignored like any other');
  t.equal(server.store.listAccounts().length, 1);
});

t.test('health reports the database state', async (t) => {
  const server = await startApi(t);
  const ok = await rawRequest(server.port, 'GET /health HTTP/1.1');
  t.equal(ok.status, 200);
  server.store.close();
  const down = await rawRequest(server.port, 'GET /health HTTP/1.1');
  t.equal(down.status, 503);
  t.same(JSON.parse(down.body), { error: 'database_unavailable' });
});

t.test('a database failure during update is a JSON 500 without database text', async (t) => {
  const server = await startApi(t);
  const acct = await registerOne(server);
  t.teardown(() => undefined);
  const original = server.store.addTxtValues.bind(server.store);
  server.store.addTxtValues = () => {
    throw new Error('SQLITE_FULL: database or disk is full');
  };
  const reply = await rawRequest(server.port, `POST /update HTTP/1.1\nX-Api-User: ${acct.username}\nX-Api-Key: ${acct.password}`, JSON.stringify({ subdomain: acct.subdomain, txt: txtValue('c') }));
  server.store.addTxtValues = original;
  t.equal(reply.status, 500);
  t.same(JSON.parse(reply.body), { error: 'internal_error' });
  t.notMatch(reply.body, /SQLITE/);
});

t.test('CORS headers only for configured origins', async (t) => {
  const open = await startApi(t, { 'api.cors_origins': ['https://dash.example.org'] });
  const preflight = await rawRequest(open.port, 'OPTIONS /update HTTP/1.1\nOrigin: https://dash.example.org\nAccess-Control-Request-Method: POST');
  t.equal(preflight.headers['access-control-allow-origin'], 'https://dash.example.org');
  const other = await rawRequest(open.port, 'GET /health HTTP/1.1\nOrigin: https://evil.example');
  t.equal(other.headers['access-control-allow-origin'], undefined, 'other origins get no CORS header');
  const none = await startApi(t);
  const plain = await rawRequest(none.port, 'GET /health HTTP/1.1\nOrigin: https://dash.example.org');
  t.equal(plain.headers['access-control-allow-origin'], undefined, 'no CORS unless configured');
});
