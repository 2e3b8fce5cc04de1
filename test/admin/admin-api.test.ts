// The admin API of a running server: refused without the token (and nothing changes), every
// operation, and the same answers as the CLI on the same database.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { txtValue } from '../api/server-fixture.js';
import { runCli } from '../cli/run-cli.js';
import { adminToken as token, startAdminService } from './admin-service.js';

t.test('admin API: token required, every operation, same answers as the CLI', async (t) => {
  const db = join(mkdtempSync(join(tmpdir(), 'admin-')), 'db.sqlite');
  const { adminUrl, service } = await startAdminService(t, db);
  const base = `${adminUrl}/admin/v1`;
  const call = async (method: string, path: string, body?: unknown, auth: string | null = `Bearer ${token}`): Promise<{ status: number; json: unknown }> => {
    const headers: Record<string, string> = {};
    if (auth !== null) headers.authorization = auth;
    if (body !== undefined) headers['content-type'] = 'application/json';
    const reply = await fetch(base + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await reply.text();
    return { status: reply.status, json: text ? JSON.parse(text) : null };
  };

  const created = (await call('POST', '/accounts', { allowfrom: ['192.0.2.0/24'], label: 'www.example.com' })) as { status: number; json: { username: string; password: string; subdomain: string; server_url: string } };
  t.equal(created.status, 201);
  t.match(created.json, { username: String, password: String, fulldomain: /\.auth\.example\.org$/, server_url: String });
  const user = created.json.username;

  for (const auth of [null, 'Bearer wrong-token', `Basic ${token}`, `Bearer ${token}x`, token]) {
    for (const [method, path] of [['POST', `/accounts/${user}/revoke`], ['DELETE', `/accounts/${user}`], ['GET', '/accounts'], ['POST', '/accounts']] as const) {
      const reply = await call(method, path, method === 'POST' ? {} : undefined, auth);
      t.equal(reply.status, 401, `${method} ${path} with ${auth === null ? 'no token' : 'a wrong token'}`);
    }
  }
  const list = await call('GET', '/accounts');
  t.equal((list.json as unknown[]).length, 1, 'refused calls created nothing');
  t.match(list.json, [{ username: user, state: 'active' }], 'and revoked or deleted nothing');

  t.match((await call('GET', `/accounts/${user}`)).json, { username: user, label: 'www.example.com', allowfrom: ['192.0.2.0/24'] });
  t.equal((await call('GET', '/accounts/00000000-0000-4000-8000-000000000000')).status, 404);
  t.match((await call('PUT', `/accounts/${user}/allowfrom`, { allowfrom: ['198.51.100.0/24'] })).json, { allowfrom: ['198.51.100.0/24'] });
  t.equal((await call('PUT', `/accounts/${user}/allowfrom`, { allowfrom: ['not a cidr'] })).status, 400);
  const rotated = (await call('POST', `/accounts/${user}/rotate`)).json as { password: string };
  t.not(rotated.password, created.json.password, 'a new password, shown once');
  t.same((await call('GET', '/accounts?stale=30')).json, [], 'nothing stale yet');
  t.match((await call('GET', '/renewal-health?stale_days=30')).json, { stale_days: 30, stale: [] });
  t.equal((await call('GET', '/accounts?stale=zero')).status, 400);

  // The CLI on the same database gives the same list and the same account.
  const second = (await call('POST', '/accounts', {})).json as { username: string; password: string; subdomain: string };
  const update = await fetch(`http://127.0.0.1:${service.apiAddress.port}/update`, {
    method: 'POST',
    headers: { 'X-Api-User': second.username, 'X-Api-Key': second.password },
    body: JSON.stringify({ subdomain: second.subdomain, txt: txtValue('admin') }),
  });
  t.equal(update.status, 200);
  const cliList = await runCli(['account', 'list', '--json', '--db', db, '--zone', 'auth.example.org']);
  t.same(JSON.parse(cliList.stdout), (await call('GET', '/accounts')).json, 'CLI list = API list');
  const cliShow = await runCli(['account', 'show', user, '--db', db, '--zone', 'auth.example.org']);
  t.same(JSON.parse(cliShow.stdout), (await call('GET', `/accounts/${user}`)).json, 'CLI show = API show');

  // A dynamic-DNS account through the same door: its kind shows in the list.
  const ddns = (await call('POST', '/accounts', { kind: 'ddns', label: 'home.example.com' })) as { status: number; json: { username: string; kind: string } };
  t.same([ddns.status, ddns.json.kind], [201, 'ddns']);
  t.match((await call('GET', `/accounts/${ddns.json.username}`)).json, { kind: 'ddns', label: 'home.example.com' });
  t.equal((await call('POST', '/accounts', { kind: 'txt' })).status, 400, 'an unknown kind is refused');

  t.match((await call('POST', `/accounts/${user}/revoke`)).json, { state: 'revoked', revoked: String });
  const audit = (await call('GET', '/audit?limit=50')).json as { kind: string }[];
  t.ok(audit.some((e) => e.kind === 'txt.update'));
  t.ok(audit.length >= 4);
  const cliAudit = await runCli(['account', 'audit', '--limit', '50', '--db', db]);
  t.same(cliAudit.stdout.trim().split('\n').map((l) => JSON.parse(l) as unknown), audit, 'CLI audit = API audit');
  t.equal((await call('DELETE', `/accounts/${user}`)).status, 204);
  t.equal((await call('GET', `/accounts/${user}`)).status, 404);
  t.equal(JSON.stringify((await call('GET', '/audit')).json).includes(created.json.password), false, 'no password in the audit');
});
