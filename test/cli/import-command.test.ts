// Migration from a real acme-dns v1.1 database: every client credential keeps working and DNS
// serves what acme-dns served.
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { Resolver } from 'node:dns/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { translateAcmeDnsConfig } from '../../src/import/acme-dns-config.js';
import { cleanEnv, runCli, startServer } from './run-cli.js';

const fixture = new URL('../fixtures/acme-dns-v1.1/', import.meta.url);
interface FixtureAccount {
  username: string;
  password: string;
  subdomain: string;
  fulldomain: string;
  allowfrom: string[];
  updates: { txt: string; status: number }[];
}
const accounts = JSON.parse(readFileSync(new URL('accounts.json', fixture), 'utf8')) as FixtureAccount[];

const dir = mkdtempSync(join(tmpdir(), 'acme-delegate-import-'));
t.teardown(() => rmSync(dir, { recursive: true, force: true }));
// The fixture's values are from the day it was made; keep them servable whatever today is.
const env = cleanEnv({ ACME_DELEGATE_STORE_TXT_MAX_AGE_SECONDS: String(10 * 365 * 86400) });

t.test('translates acme-dns config.cfg', async (t) => {
  const { toml } = translateAcmeDnsConfig(readFileSync(new URL('config.cfg', fixture), 'utf8'));
  t.match(toml, 'zone = "auth.example.org"');
  t.match(toml, 'nsname = "ns1.auth.example.org"');
  t.match(toml, 'ns_addresses = ["127.0.0.1"]', 'glue of nsname becomes ns_addresses');
  t.match(toml, 'records = ["auth.example.org. A 127.0.0.1"]', 'apex NS dropped: we generate it');
  t.match(toml, 'registration = "open"');
});

t.test('imports the database; credentials and served values carry over', async (t) => {
  const source = join(dir, 'acme-dns.db');
  copyFileSync(new URL('acme-dns.db', fixture), source);
  const db = join(dir, 'ours.db');
  const dry = await runCli(['import-acme-dns', '--from', source, '--db', db, '--zone', 'auth.example.org', '--dry-run'], { env });
  t.equal(dry.code, 0, dry.stderr);
  t.match(dry.stderr, '5 accounts');
  const first = await runCli(['import-acme-dns', '--from', source, '--db', db, '--zone', 'auth.example.org'], { env });
  t.equal(first.code, 0, first.stderr);
  t.match(first.stderr, 'imported 5, skipped 0');
  const again = await runCli(['import-acme-dns', '--from', source, '--db', db, '--zone', 'auth.example.org'], { env });
  t.match(again.stderr, 'imported 0, skipped 5', 're-running is safe');

  const server = await startServer(t, ['--zone', 'auth.example.org', '--dns-listen', '127.0.0.1:0', '--api-listen', '127.0.0.1:0', '--db', db], env);
  const resolver = new Resolver({ timeout: 2000, tries: 2 });
  resolver.setServers([`127.0.0.1:${server.dnsPort}`]);
  const servedBy = async (a: FixtureAccount): Promise<string[]> => {
    try {
      return (await resolver.resolveTxt(a.fulldomain)).map((r) => r.join('')).sort();
    } catch {
      return [];
    }
  };
  // What acme-dns served: the last two accepted values of each account.
  for (const a of accounts) {
    const accepted = a.updates.filter((u) => u.status === 200).map((u) => u.txt);
    t.same(await servedBy(a), accepted.slice(-2).sort(), `${a.username} serves what acme-dns served`);
  }
  for (const a of accounts) {
    const txt = 'Z'.repeat(43);
    const reply = await fetch(`http://127.0.0.1:${server.apiPort}/update`, {
      method: 'POST',
      headers: { 'X-Api-User': a.username, 'X-Api-Key': a.password },
      body: JSON.stringify({ subdomain: a.subdomain, txt }),
    });
    const allowedHere = a.allowfrom.length === 0 || a.allowfrom.includes('127.0.0.0/8');
    t.equal(reply.status, allowedHere ? 200 : 401, `${a.username}: acme-dns password ${allowedHere ? 'accepted' : 'accepted but allowfrom kept'}`);
  }
});

t.test('a file that is not an acme-dns database is refused', async (t) => {
  const result = await runCli(['import-acme-dns', '--from', join(dir, 'ours.db'), '--db', join(dir, 'x.db')], { env });
  t.equal(result.code, 1, 'a file that cannot be used is a failure, not a usage error');
  t.match(result.stderr, /not an acme-dns database/);
});
