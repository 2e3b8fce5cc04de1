// One test per acme-dns client family (the clients in docs/clients.md): each client's exact request bytes against the real
// HTTP server, and the parts of the reply that client parses.
import t from 'tap';
import { rawRequest, startApi, txtValue, type ApiServer } from './server-fixture.js';

interface Registered {
  username: string;
  password: string;
  fulldomain: string;
  subdomain: string;
  allowfrom: string[];
}

async function register(server: ApiServer, head = 'POST /register HTTP/1.1', body = ''): Promise<Registered> {
  const reply = await rawRequest(server.port, head, body);
  if (reply.status !== 201) throw new Error(`register answered ${reply.status}: ${reply.body}`);
  return JSON.parse(reply.body) as Registered;
}

function authHeaders(acct: Registered): string {
  return `X-Api-User: ${acct.username}\nX-Api-Key: ${acct.password}`;
}

/** The TXT values the store now serves for a slot. */
function served(server: ApiServer, acct: Registered): readonly string[] {
  return server.store.slotValues(acct.subdomain);
}

t.test('goacmedns 0.1.1 (lego <= 4.21, cert-manager <= 1.18, acme-dns-client)', async (t) => {
  const server = await startApi(t);
  const reply = await rawRequest(server.port, 'POST /register HTTP/1.1\nUser-Agent: goacmedns\nContent-Type: application/json');
  t.equal(reply.status, 201, 'register is exactly 201');
  const acct = JSON.parse(reply.body) as Registered;
  const withAllow = await register(server, 'POST /register HTTP/1.1\nContent-Type: application/json', '{"AllowFrom":["127.0.0.1/32","::1"]}');
  t.same(withAllow.allowfrom, ['127.0.0.1/32', '::1/128'], 'capitalised AllowFrom is read');
  const txt = txtValue('goacmedns-old');
  const update = await rawRequest(
    server.port,
    `POST /update HTTP/1.1\nContent-Type: application/json\n${authHeaders(acct)}`,
    `{"SubDomain":"${acct.subdomain}","Txt":"${txt}"}`,
  );
  t.equal(update.status, 200, 'update is exactly 200');
  t.same(JSON.parse(update.body), { txt });
  t.same(served(server, acct), [txt]);
});

t.test('goacmedns 0.2 (lego 4.22+, cert-manager 1.19+, Traefik): null body, path join with prefix', async (t) => {
  const server = await startApi(t, { 'api.path_prefix': '/acme-dns' });
  const reply = await rawRequest(server.port, 'POST /acme-dns/register HTTP/1.1\nContent-Type: application/json', 'null\n');
  t.equal(reply.status, 201);
  t.match(reply.headers['content-type'], /^application\/json/);
  const acct = JSON.parse(reply.body) as Registered;
  const allowed = await register(server, 'POST /acme-dns/register HTTP/1.1\nContent-Type: application/json', '{"allowfrom":["127.0.0.0/8"]}\n');
  t.same(allowed.allowfrom, ['127.0.0.0/8']);
  const txt = txtValue('goacmedns-new');
  const update = await rawRequest(
    server.port,
    `POST /acme-dns/update HTTP/1.1\nContent-Type: application/json\n${authHeaders(allowed)}`,
    `{"subdomain":"${allowed.subdomain}","txt":"${txt}"}\n`,
  );
  t.equal(update.status, 200);
  t.same(served(server, allowed), [txt]);
  t.same(served(server, acct), [], 'the other account is untouched');
});

t.test('acme.sh dns_acmedns: no body, form content type, sed-parsed reply', async (t) => {
  const server = await startApi(t);
  const reply = await rawRequest(server.port, 'POST /register HTTP/1.1\nUser-Agent: acme.sh/3.0.7\nAccept: */*');
  t.equal(reply.status, 201);
  t.equal(reply.body.split('\n').length, 1, 'one line');
  t.match(reply.body, /^\{/, 'starts with {');
  // acme.sh's own extraction: sed -n 's/^{.*\"username\":[ ]*\"\([^\"]*\)\".*}/\1/p'
  const field = (name: string): string | undefined => new RegExp(`^\\{.*"${name}":[ ]*"([^"]*)".*\\}`).exec(reply.body)?.[1];
  const username = field('username');
  const password = field('password');
  const subdomain = field('subdomain');
  const fulldomain = field('fulldomain');
  t.ok(username && password && subdomain && fulldomain, 'every field extracted by the sed pattern');
  const txt = txtValue('acme.sh');
  const update = await rawRequest(
    server.port,
    `POST /update HTTP/1.1\nUser-Agent: acme.sh/3.0.7\nAccept: */*\nX-Api-User: ${username}\nX-Api-Key: ${password}\nContent-Type: application/x-www-form-urlencoded`,
    `{"subdomain":"${subdomain}", "txt": "${txt}"}`,
  );
  t.ok(update.body.includes(`"${txt}"`), 'update reply contains the value in quotes');
  t.same(server.store.slotValues(subdomain as string), [txt]);
});

t.test('certbot acme-dns-auth.py / pyacmedns: no Content-Type, JSON errors', async (t) => {
  const server = await startApi(t);
  const acct = await register(server, 'POST /register HTTP/1.1\nUser-Agent: python-requests/2.28.1');
  const allowed = await register(server, 'POST /register HTTP/1.1', '{"allowfrom": ["127.0.0.1/32"]}');
  t.same(allowed.allowfrom, ['127.0.0.1/32']);
  const txt = txtValue('certbot');
  const update = await rawRequest(
    server.port,
    `POST /update HTTP/1.1\nContent-Type: application/json\n${authHeaders(acct)}`,
    `{"subdomain": "${acct.subdomain}", "txt": "${txt}"}`,
  );
  t.equal(update.status, 200);
  const bad = await rawRequest(server.port, `POST /update HTTP/1.1\nContent-Type: application/json\n${authHeaders(acct)}`, `{"subdomain": "${acct.subdomain}", "txt": "short"}`);
  t.equal(bad.status, 400);
  t.same(JSON.parse(bad.body), { error: 'bad_txt' }, 'errors are JSON');
});

t.test('Caddy libdns/acmedns: update without Content-Type', async (t) => {
  const server = await startApi(t);
  const acct = await register(server);
  const txt = txtValue('caddy');
  const update = await rawRequest(server.port, `POST /update HTTP/1.1\n${authHeaders(acct)}`, `{"subdomain":"${acct.subdomain}","txt":"${txt}"}`);
  t.equal(update.status, 200);
  t.same(served(server, acct), [txt]);
});

t.test('Posh-ACME: {} body, Basic auth header ignored, any key order', async (t) => {
  const server = await startApi(t);
  const basic = `Authorization: Basic ${Buffer.from('user:pass').toString('base64')}`;
  const reply = await rawRequest(server.port, `POST /register HTTP/1.1\nContent-Type: application/json\n${basic}`, '{}');
  t.equal(reply.status, 201);
  t.match(reply.headers['content-type'], /^application\/json/);
  const acct = JSON.parse(reply.body) as Registered;
  const txt = txtValue('posh');
  const update = await rawRequest(
    server.port,
    `POST /update HTTP/1.1\nContent-Type: application/json\n${basic}\n${authHeaders(acct)}`,
    `{"txt":"${txt}","subdomain":"${acct.subdomain}"}`,
  );
  t.equal(update.status, 200);
  t.match(update.headers['content-type'], /^application\/json/);
});

t.test('win-acme: empty text/plain register, lowercase keys in the reply', async (t) => {
  const server = await startApi(t);
  const reply = await rawRequest(server.port, 'POST /register HTTP/1.1\nContent-Type: text/plain; charset=utf-8\nContent-Length: 0');
  t.equal(reply.status, 201);
  const parsed = JSON.parse(reply.body) as Record<string, unknown>;
  t.same(Object.keys(parsed), ['username', 'password', 'fulldomain', 'subdomain', 'allowfrom'], 'lowercase keys in acme-dns order');
  t.same(parsed.allowfrom, [], 'allowfrom is always an array');
  const acct = parsed as unknown as Registered;
  const txt = txtValue('win-acme');
  const update = await rawRequest(
    server.port,
    `POST /update HTTP/1.1\nContent-Type: application/json; charset=utf-8\n${authHeaders(acct)}`,
    `{"subdomain":"${acct.subdomain}","txt":"${txt}"}`,
  );
  t.equal((JSON.parse(update.body) as { txt: string }).txt, txt);
});

t.test('Certify The Web: text/plain JSON bodies', async (t) => {
  const server = await startApi(t);
  const acct = await register(server, 'POST /register HTTP/1.1\nContent-Type: text/plain', '{"allowfrom":["127.0.0.0/8"]}');
  t.same(acct.allowfrom, ['127.0.0.0/8']);
  const txt = txtValue('certify');
  const update = await rawRequest(server.port, `POST /update HTTP/1.1\nContent-Type: text/plain\n${authHeaders(acct)}`, `{"subdomain":"${acct.subdomain}","txt":"${txt}"}`);
  t.ok(update.status >= 200 && update.status < 300);
  t.same(JSON.parse(update.body), { txt });
});

t.test('getssl: pretty-printed JSON, no redirects for odd paths', async (t) => {
  const server = await startApi(t);
  const acct = await register(server, 'POST //register HTTP/1.1');
  const txt = txtValue('getssl');
  const body = `{\n  "subdomain" : "${acct.subdomain}",\n  "txt" : "${txt}"\n}\n`;
  for (const path of ['/update', '//update', '/update/']) {
    const update = await rawRequest(server.port, `POST ${path} HTTP/1.1\nContent-Type: application/json\n${authHeaders(acct)}`, body);
    t.equal(update.status, 200, `${path} served directly`);
    t.notOk(update.body.includes('"error"'), `${path} success body has no "error"`);
  }
  const registerSlash = await rawRequest(server.port, 'POST /register/ HTTP/1.1');
  t.equal(registerSlash.status, 201, '/register/ served directly');
});

t.test('one account serves example.org and *.example.org at once', async (t) => {
  const server = await startApi(t);
  const acct = await register(server);
  const first = txtValue('apex');
  const second = txtValue('wildcard');
  for (const txt of [first, second]) {
    const update = await rawRequest(server.port, `POST /update HTTP/1.1\n${authHeaders(acct)}`, `{"subdomain":"${acct.subdomain}","txt":"${txt}"}`);
    t.equal(update.status, 200);
  }
  t.same(served(server, acct), [second, first], 'both values live, newest first');
});
