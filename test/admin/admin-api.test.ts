// The admin API of a running server: refused without the token (and nothing changes), every
// operation, and the same answers as the CLI on the same database.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { txtValue } from '../api/server-fixture.js';
import { createLogger } from '../../src/log.js';
import { runCli } from '../cli/run-cli.js';
import { run, toolMissing } from '../dns/socket-helpers.js';
import { challengeValue, runUpdateClient } from '../dns/update-helpers.js';
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

t.test('admin API: an account TSIG key added, replaced and removed; the secret signs UPDATEs and is never logged', { skip: toolMissing('nsupdate', 'bind9-dnsutils') || toolMissing('dig') }, async (t) => {
  const logs: string[] = [];
  const db = join(mkdtempSync(join(tmpdir(), 'admin-tsig-')), 'db.sqlite');
  const { adminUrl, dnsPort } = await startAdminService(t, db, {}, createLogger({ level: 'debug', format: 'json', write: (line) => logs.push(line) }));
  const call = async (method: string, path: string, body?: unknown, auth: string | null = `Bearer ${token}`): Promise<{ status: number; json: Record<string, unknown> }> => {
    const headers: Record<string, string> = {};
    if (auth !== null) headers.authorization = auth;
    if (body !== undefined) headers['content-type'] = 'application/json';
    const reply = await fetch(`${adminUrl}/admin/v1${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await reply.text();
    return { status: reply.status, json: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
  };
  type Keyed = { username: string; kind: string; fulldomain: string; nameserver: string; tsig: { name: string; algorithm: string; secret: string } };
  const nsupdate = (key: Keyed['tsig'], slot: string, value: string): Promise<{ code: number; output: string }> =>
    runUpdateClient('nsupdate', ['-y', `${key.algorithm}:${key.name}:${key.secret}`], [`server 127.0.0.1 ${dnsPort}`, 'zone auth.example.org', `update add ${slot} 60 TXT ${value}`, 'send']);
  const served = async (slot: string): Promise<string[]> => (await run('dig', ['+short', '@127.0.0.1', '-p', String(dnsPort), 'TXT', slot])).split('\n').filter(Boolean).map((l) => l.replace(/"/g, ''));

  const user = (await call('POST', '/accounts', {})).json.username as string;
  t.equal((await call('POST', `/accounts/${user}/tsig`, undefined, null)).status, 401, 'no token: 401');
  t.equal((await call('DELETE', `/accounts/${user}/tsig`, undefined, 'Bearer wrong')).status, 401, 'wrong token: 401');
  t.match((await call('GET', `/accounts/${user}`)).json, { tsig_key: null }, 'refused calls made no key');

  const first = await call('POST', `/accounts/${user}/tsig`);
  t.equal(first.status, 200);
  const keyed = first.json as unknown as Keyed;
  t.match(keyed, { username: user, kind: 'acme', fulldomain: /\.auth\.example\.org$/, nameserver: String, tsig: { name: `${keyed.fulldomain}.`, algorithm: 'hmac-sha256', secret: /^[A-Za-z0-9+/]{43}=$/ } }, 'the shape of `account tsig --json`');
  t.match((await call('GET', `/accounts/${user}`)).json, { tsig_key: keyed.tsig.name, tsig_algorithm: 'hmac-sha256' });
  const v1 = challengeValue();
  const signed = await nsupdate(keyed.tsig, keyed.fulldomain, v1);
  t.equal(signed.code, 0, `nsupdate with the returned key: ${signed.output}`);
  t.same(await served(keyed.fulldomain), [v1], 'DNS serves what it set');

  const replaced = (await call('POST', `/accounts/${user}/tsig`, { algorithm: 'hmac-sha384' })).json as unknown as Keyed;
  t.match(replaced.tsig, { name: keyed.tsig.name, algorithm: 'hmac-sha384' });
  t.not(replaced.tsig.secret, keyed.tsig.secret, 'a new secret');
  t.match((await nsupdate(keyed.tsig, keyed.fulldomain, challengeValue())).output, /NOTAUTH|BADSIG|BADKEY/, 'the replaced key no longer signs');
  t.equal((await nsupdate(replaced.tsig, keyed.fulldomain, challengeValue())).code, 0, 'the new one does');
  t.equal((await call('POST', `/accounts/${user}/tsig`, { algorithm: 'md5' })).status, 400, 'an unknown algorithm: 400');
  t.equal((await call('POST', `/accounts/${user}/tsig`, { algorithm: 384 })).status, 400, 'a non-string algorithm: 400');
  t.match((await call('GET', `/accounts/${user}`)).json, { tsig_algorithm: 'hmac-sha384' }, 'and the bad calls changed nothing');

  const removed = await call('DELETE', `/accounts/${user}/tsig`);
  t.match([removed.status, removed.json], [200, { username: user, tsig_key: null, tsig_algorithm: null }]);
  t.match((await nsupdate(replaced.tsig, keyed.fulldomain, challengeValue())).output, /NOTAUTH|BADKEY/, 'a removed key signs nothing');

  const missing = '00000000-0000-4000-8000-000000000000';
  t.match(await call('POST', `/accounts/${missing}/tsig`), { status: 404, json: { error: 'account_not_found' } }, 'unknown user: 404');
  t.match(await call('DELETE', `/accounts/${missing}/tsig`), { status: 404, json: { error: 'account_not_found' } });
  await call('POST', `/accounts/${user}/revoke`);
  t.match(await call('POST', `/accounts/${user}/tsig`), { status: 400, json: { error: 'account_revoked' } }, 'a revoked account gets no key');
  t.match((await call('GET', `/accounts/${user}`)).json, { tsig_key: null });

  const audit = ((await call('GET', '/audit?limit=50')).json as unknown as { kind: string; username: string }[]).filter((e) => e.username === user).map((e) => e.kind);
  t.same(audit.filter((k) => k.startsWith('account.tsig')), ['account.tsig_remove', 'account.tsig', 'account.tsig'], 'audited, newest first');
  t.ok(logs.some((l) => l.includes('admin: TSIG key set')), 'the server log records the change');
  for (const secret of [keyed.tsig.secret, replaced.tsig.secret]) t.equal(logs.join('\n').includes(secret), false, 'the secret is never in the server log');
});
