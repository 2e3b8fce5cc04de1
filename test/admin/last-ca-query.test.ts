// "Last CA query" of a running server: a real TXT query for a slot (dig, in DNS 0x20 mixed case as
// Let's Encrypt asks) shows at once in the admin API and /metrics, other questions do not count,
// and the time is written to the store (read by `account list`) when the server stops.
import { execFile } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import t from 'tap';
import { runCli } from '../cli/run-cli.js';
import { adminToken, startAdminService } from './admin-service.js';

// The server runs in this process: dig must not block its event loop.
const run = promisify(execFile);

interface Listed {
  username: string;
  fulldomain: string;
  last_query: string | null;
}

t.test('a TXT query for a slot is its last CA query: API, metrics, then the store', async (t) => {
  const db = join(mkdtempSync(join(tmpdir(), 'last-query-')), 'db.sqlite');
  const { adminUrl, dnsPort, service } = await startAdminService(t, db);
  const call = async (method: string, path: string): Promise<unknown> => {
    const reply = await fetch(`${adminUrl}/admin/v1${path}`, { method, headers: { authorization: `Bearer ${adminToken}` } });
    return reply.json();
  };
  const asked = (await call('POST', '/accounts')) as Listed;
  const silent = (await call('POST', '/accounts')) as Listed;
  const dig = (name: string, type: string): Promise<unknown> => run('dig', ['+short', '+tries=1', '+time=2', '-p', String(dnsPort), '@127.0.0.1', name, type]);
  const lastQuery = async (username: string): Promise<string | null> => ((await call('GET', `/accounts/${username}`)) as Listed).last_query;

  t.equal(await lastQuery(asked.username), null, 'never asked yet');
  await dig(asked.fulldomain, 'A');
  await dig(`below.${asked.fulldomain}`, 'TXT');
  t.equal(await lastQuery(asked.username), null, 'an A question, or a name below the slot, is not a CA query');

  const before = Date.now();
  const mixedCase = asked.fulldomain.replace(/[a-z]/g, (c, i: number) => (i % 2 ? c.toUpperCase() : c));
  await dig(mixedCase, 'TXT');
  const after = Date.now();
  const seen = await lastQuery(asked.username);
  t.ok(seen !== null && Date.parse(seen) >= before - 1000 && Date.parse(seen) <= after, `shown at once (${seen})`);
  t.equal(await lastQuery(silent.username), null);
  const listed = (await call('GET', '/accounts')) as Listed[];
  t.same(new Map(listed.map((a) => [a.username, a.last_query])), new Map([[asked.username, seen], [silent.username, null]]), 'the list carries it too');

  const metrics = await (await fetch(`${adminUrl}/metrics`)).text();
  t.match(metrics, /^acme_delegate_slot_last_query_age_seconds_bucket\{le="3600"\} 1$/m, 'one slot asked within the hour');
  t.match(metrics, /^acme_delegate_slot_last_query_age_seconds_count 1$/m);
  t.match(metrics, /^acme_delegate_slots_never_queried 1$/m, 'one never asked');
  t.notMatch(metrics, new RegExp(asked.username), 'no account in a label');

  // Stopping flushes what is still in memory; the CLI reads the store.
  await service.close();
  const cli = await runCli(['account', 'list', '--json', '--db', db, '--zone', 'auth.example.org']);
  t.equal(cli.code, 0, cli.stderr);
  const fromStore = JSON.parse(cli.stdout) as Listed[];
  t.same(new Map(fromStore.map((a) => [a.username, a.last_query])), new Map([[asked.username, seen], [silent.username, null]]), 'written to the store on stop');
  const text = await runCli(['account', 'list', '--db', db, '--zone', 'auth.example.org']);
  t.match(text.stdout, new RegExp(`^${asked.username} .* queried ${seen}`, 'm'));
  t.match(text.stdout, new RegExp(`^${silent.username} .* queried never`, 'm'));
});

t.test('with DNS workers (dns.workers = 2), the queries they answer reach the primary', async (t) => {
  const db = join(mkdtempSync(join(tmpdir(), 'last-query-')), 'db.sqlite');
  const { adminUrl, dnsPort, service } = await startAdminService(t, db, { 'dns.workers': '2' });
  t.equal(service.dnsWorkerPids().length, 2);
  const headers = { authorization: `Bearer ${adminToken}` };
  const asked = (await (await fetch(`${adminUrl}/admin/v1/accounts`, { method: 'POST', headers })).json()) as Listed;
  for (let i = 0; i < 8; i++) await run('dig', ['+short', '+tries=1', '+time=2', '-p', String(dnsPort), '@127.0.0.1', asked.fulldomain, 'TXT']);
  // Workers send their batch with their answer counts, every 5 s.
  let seen: string | null = null;
  for (let waited = 0; seen === null && waited < 15_000; waited += 250) {
    seen = ((await (await fetch(`${adminUrl}/admin/v1/accounts/${asked.username}`, { headers })).json()) as Listed).last_query;
    if (seen === null) await new Promise((resolve) => setTimeout(resolve, 250));
  }
  t.ok(seen !== null && Date.now() - Date.parse(seen) < 20_000, `the primary knows the last query (${seen})`);
});
