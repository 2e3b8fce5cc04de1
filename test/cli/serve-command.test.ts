// `acme-delegate serve` as users run it: flags, errors, and a value set over HTTP served by DNS.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { Resolver } from 'node:dns/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t, { type Test } from 'tap';
import { cleanEnv, runCli, startServer } from './run-cli.js';

function tempDir(t: Test): string {
  const dir = mkdtempSync(join(tmpdir(), 'acme-delegate-cli-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

function resolverFor(port: number): Resolver {
  const resolver = new Resolver({ timeout: 2000, tries: 2 });
  resolver.setServers([`127.0.0.1:${port}`]);
  return resolver;
}

const txt = 'A'.repeat(20) + '_' + 'b'.repeat(22);

t.test('--help explains every option; unknown commands and flags fail', async (t) => {
  const top = await runCli(['--help']);
  t.equal(top.code, 0);
  for (const command of ['serve', 'bootstrap', 'account', 'config-reference']) t.match(top.stdout, command);
  const serve = await runCli(['serve', '--help']);
  t.equal(serve.code, 0);
  for (const flag of ['--config', '--zone', '--nsname', '--ns-address', '--dns-listen', '--api-listen', '--db', '--registration']) t.match(serve.stdout, flag);
  const unknown = await runCli(['frobnicate']);
  t.equal(unknown.code, 2);
  t.match(unknown.stderr, /unknown command "frobnicate"/);
  const badFlag = await runCli(['serve', '--no-such-flag']);
  t.equal(badFlag.code, 2);
  t.match(badFlag.stderr, /no-such-flag/);
});

t.test('a broken config stops serve with the file and key named', async (t) => {
  const dir = tempDir(t);
  const file = join(dir, 'config.toml');
  writeFileSync(file, '[api]\nregistraton = "open"\n');
  const result = await runCli(['serve', '--config', file]);
  t.equal(result.code, 2);
  t.match(result.stderr, `${file}: unknown key api.registraton`);
  const flag = await runCli(['serve', '--registration', 'sometimes', '--db', join(dir, 'db')]);
  t.equal(flag.code, 2);
  t.match(flag.stderr, /api\.registration must be one of/);
});

t.test('register, update over HTTP, the value is in DNS, and survives a restart', async (t) => {
  const dir = tempDir(t);
  const args = ['--zone', 'auth.example.org', '--dns-listen', '127.0.0.1:0', '--api-listen', '127.0.0.1:0', '--db', join(dir, 'store.db'), '--registration', 'open'];
  const server = await startServer(t, args);
  const base = `http://127.0.0.1:${server.apiPort}`;
  const registered = await fetch(`${base}/register`, { method: 'POST' });
  t.equal(registered.status, 201);
  const creds = (await registered.json()) as { username: string; password: string; subdomain: string; fulldomain: string };
  t.match(creds.fulldomain, /^[0-9a-f-]{36}\.auth\.example\.org$/);
  const updated = await fetch(`${base}/update`, {
    method: 'POST',
    headers: { 'X-Api-User': creds.username, 'X-Api-Key': creds.password },
    body: JSON.stringify({ subdomain: creds.subdomain, txt }),
  });
  t.equal(updated.status, 200);
  t.same(await resolverFor(server.dnsPort).resolveTxt(creds.fulldomain), [[txt]], 'served by DNS as soon as acknowledged');
  t.equal(await server.stop(), 0, 'SIGTERM stops cleanly');

  const again = await startServer(t, args);
  t.same(await resolverFor(again.dnsPort).resolveTxt(creds.fulldomain.toUpperCase()), [[txt]], 'still served after restart');
});

t.test('environment variables configure serve', async (t) => {
  const dir = tempDir(t);
  const server = await startServer(
    t,
    [],
    cleanEnv({
      ACME_DELEGATE_DNS_ZONE: 'acme.example.net',
      ACME_DELEGATE_DNS_LISTEN: '127.0.0.1:0',
      ACME_DELEGATE_API_LISTEN: '127.0.0.1:0',
      ACME_DELEGATE_STORE_PATH: join(dir, 'env.db'),
    }),
  );
  const started = server.logs.find((l) => l.msg === 'acme-delegate started');
  t.equal(started?.zone, 'acme.example.net');
  t.equal(started?.store, join(dir, 'env.db'));
});

t.test('accounts made with the CLI reach the running server', async (t) => {
  const dir = tempDir(t);
  const db = join(dir, 'store.db');
  const server = await startServer(t, ['--zone', 'auth.example.org', '--dns-listen', '127.0.0.1:0', '--api-listen', '127.0.0.1:0', '--db', db, '--registration', 'closed']);
  const closed = await fetch(`http://127.0.0.1:${server.apiPort}/register`, { method: 'POST' });
  t.equal(closed.status, 403, 'registration closed over HTTP');
  const added = await runCli(['account', 'add', '--db', db, '--zone', 'auth.example.org', '--label', 'www.example.com', '--allowfrom', '127.0.0.1']);
  t.equal(added.code, 0, added.stderr);
  const creds = JSON.parse(added.stdout) as { username: string; password: string; subdomain: string; allowfrom: string[]; server_url: string };
  t.same(creds.allowfrom, ['127.0.0.1/32']);
  t.match(creds.server_url, /^http:\/\//);
  // The server notices the other process's commit within about a second.
  let status = 0;
  for (let attempt = 0; attempt < 50 && status !== 200; attempt++) {
    const reply = await fetch(`http://127.0.0.1:${server.apiPort}/update`, {
      method: 'POST',
      headers: { 'X-Api-User': creds.username, 'X-Api-Key': creds.password },
      body: JSON.stringify({ subdomain: creds.subdomain, txt }),
    });
    status = reply.status;
  }
  t.equal(status, 200, 'credentials from the CLI work over HTTP');
  const resolver = resolverFor(server.dnsPort);
  t.same(await resolver.resolveTxt(`${creds.subdomain}.auth.example.org`), [[txt]]);

  const listed = await runCli(['account', 'list', '--json', '--db', db, '--zone', 'auth.example.org']);
  const list = JSON.parse(listed.stdout) as { username: string; label: string; state: string }[];
  t.same(list.map((a) => [a.username, a.label, a.state]), [[creds.username, 'www.example.com', 'active']]);
  t.notMatch(listed.stdout, creds.password, 'list shows no secret');

  const revoked = await runCli(['account', 'revoke', creds.username, '--db', db]);
  t.equal(revoked.code, 0);
  let gone = false;
  for (let attempt = 0; attempt < 50 && !gone; attempt++) {
    try {
      await resolver.resolveTxt(`${creds.subdomain}.auth.example.org`);
      await new Promise((r) => setTimeout(r, 100));
    } catch (error) {
      gone = (error as { code?: string }).code === 'ENOTFOUND';
    }
  }
  t.ok(gone, 'a revoked slot leaves DNS (NXDOMAIN)');
  const audit = await runCli(['account', 'audit', '--db', db, '--limit', '10']);
  const kinds = audit.stdout.trim().split('\n').map((line) => (JSON.parse(line) as { kind: string }).kind);
  t.same(kinds, ['account.revoke', 'txt.update', 'account.create'], 'the audit trail, newest first');
  t.notMatch(audit.stdout, creds.password);
  const missing = await runCli(['account', 'show', '00000000-0000-4000-8000-000000000000', '--db', db]);
  t.equal(missing.code, 1);
  t.match(missing.stderr, /no account with username/);
});
