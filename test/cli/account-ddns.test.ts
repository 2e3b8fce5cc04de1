// `account add --ddns`: a dynamic-DNS account, listed by kind, revocable like any account; its
// credential cannot set a TXT through POST /update.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { runCli } from './run-cli.js';

t.test('add --ddns, list --kind, show, revoke', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'acme-delegate-ddns-cli-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const db = join(dir, 'db.sqlite');
  const common = ['--db', db, '--zone', 'auth.example.org'];
  const added = await runCli(['account', 'add', '--ddns', '--label', 'home.example.com', '--allowfrom', '192.0.2.0/24', '--json', ...common]);
  t.equal(added.code, 0, added.stderr);
  const ddns = JSON.parse(added.stdout) as Record<string, unknown>;
  t.equal(ddns.kind, 'ddns');
  t.match(ddns.fulldomain, /^[0-9a-f-]{36}\.auth\.example\.org$/);
  t.match(ddns.password, /^[A-Za-z0-9_-]{40}$/);
  t.same(ddns.allowfrom, ['192.0.2.0/24']);
  const acme = JSON.parse((await runCli(['account', 'add', ...common])).stdout) as Record<string, unknown>;
  t.notOk('kind' in acme, 'an ACME account prints exactly the acme-dns fields');

  const listed = JSON.parse((await runCli(['account', 'list', '--kind', 'ddns', '--json', ...common])).stdout) as Record<string, unknown>[];
  t.same(listed.map((a) => [a.username, a.kind, a.label]), [[ddns.username, 'ddns', 'home.example.com']]);
  const text = await runCli(['account', 'list', ...common]);
  t.match(text.stdout, new RegExp(`${String(ddns.username)}  ddns  active`));
  t.match(text.stdout, new RegExp(`${String(acme.username)}  acme  active`));
  const bad = await runCli(['account', 'list', '--kind', 'dyn', ...common]);
  t.equal(bad.code, 2);
  t.match(bad.stderr, /--kind must be acme or ddns/);

  const revoked = JSON.parse((await runCli(['account', 'revoke', String(ddns.username), ...common])).stdout) as Record<string, unknown>;
  t.same([revoked.kind, revoked.state], ['ddns', 'revoked']);
});
