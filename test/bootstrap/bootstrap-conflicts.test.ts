// Records in the way are shown and left alone, or replaced with --replace; a failure midway
// leaves a state the next run completes; a lost --out folder leads to new passwords. The
// command runs in this process here (see bootstrap-first-run and -secrets for subprocesses).
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import t from 'tap';
import { Store } from '../../src/store/store.js';
import { configArgs, domainArgs, readStorageJson, recordSet, runInProcess, startBootstrapCase, tokenEnv } from './cli-fixture.js';

t.test('conflicts without and with --replace', async (t) => {
  const { emulator, dir, out } = await startBootstrapCase(t, [
    ['example.com', { name: '_acme-challenge.www.example.com', type: 'TXT', content: '"from-a-provider-hook"', ttl: 120 }],
    ['example.com', { name: '_acme-challenge.example.com', type: 'CNAME', content: 'abc.auth.acme-dns.io', ttl: 300 }],
  ]);

  const kept = await runInProcess([...configArgs(dir), ...domainArgs, '--out', out, '--yes'], tokenEnv(emulator));
  t.equal(kept.code, 3, 'applied, but conflicts left alone');
  t.match(kept.stdout, /conflict\s+example\.com\s+TXT\s+_acme-challenge\.www\.example\.com\s+"from-a-provider-hook"/);
  t.match(kept.stdout, /conflict\s+example\.com\s+CNAME\s+_acme-challenge\.example\.com\s+abc\.auth\.acme-dns\.io/);
  t.match(kept.stderr, /2 conflicting record\(s\) left alone.*--replace/);
  t.match(kept.stdout, /skip\s+www\.example\.com\s+-\s+no account change/, 'no account for a name whose CNAME cannot be made yet');
  t.notOk(existsSync(join(out, 'acmedns.json')), 'no credentials a client could not use yet');
  const afterKept = recordSet(emulator);
  t.ok(afterKept.includes('example.com _acme-challenge.www.example.com TXT "from-a-provider-hook" ttl=120 proxied=false'), 'TXT left alone');
  t.ok(afterKept.includes('example.com _acme-challenge.example.com CNAME abc.auth.acme-dns.io ttl=300 proxied=false'), 'foreign CNAME left alone');
  t.ok(afterKept.includes('example.org auth.example.org NS ns.auth.example.org ttl=3600 proxied=false'), 'the rest was applied');

  const replaced = await runInProcess([...configArgs(dir), ...domainArgs, '--out', out, '--yes', '--replace'], tokenEnv(emulator));
  t.equal(replaced.code, 0, replaced.stderr);
  t.match(replaced.stdout, /register\s+www\.example\.com/);
  const storage = readStorageJson(out);
  const records = recordSet(emulator);
  t.notOk(records.some((r) => r.includes('from-a-provider-hook')), 'TXT deleted');
  t.ok(records.includes(`example.com _acme-challenge.www.example.com CNAME ${storage['www.example.com']?.fulldomain} ttl=60 proxied=false`));
  t.ok(records.includes(`example.com _acme-challenge.example.com CNAME ${storage['example.com']?.fulldomain} ttl=60 proxied=false`), 'foreign CNAME rewritten');
  t.equal(records.filter((r) => r.includes(' _acme-challenge.example.com ')).length, 1);

  const again = await runInProcess([...configArgs(dir), ...domainArgs, '--out', out, '--yes', '--replace'], tokenEnv(emulator));
  t.equal(again.code, 0);
  t.match(again.stdout, /Nothing to change/);
});

t.test('a failure midway, then a re-run that completes with the same accounts', async (t) => {
  const { emulator, dir, out } = await startBootstrapCase(t);
  emulator.failWritesAfter(3, { status: 500, code: 10001, message: 'injected outage' });
  const failed = await runInProcess([...configArgs(dir), ...domainArgs, '--out', out, '--yes'], tokenEnv(emulator));
  t.equal(failed.code, 1);
  t.match(failed.stderr, /stopped midway.*run the same command again/s);
  t.match(failed.stderr, /Cloudflare had an internal error.*10001 "injected outage"/);
  t.equal(emulator.writeCount(), 3, 'three records made it');
  const firstCredentials = readStorageJson(out);

  emulator.clearFailures();
  const resumed = await runInProcess([...configArgs(dir), ...domainArgs, '--out', out, '--yes'], tokenEnv(emulator));
  t.equal(resumed.code, 0, resumed.stderr);
  t.match(resumed.stdout, /keep\s+example\.org\s+NS/, 'what was done is kept');
  t.notMatch(resumed.stdout, /register|rotate/, 'accounts from the failed run are reused');
  t.same(readStorageJson(out), firstCredentials, 'passwords unchanged');
  const storage = firstCredentials;
  t.same(
    recordSet(emulator),
    [
      `example.com _acme-challenge.example.com CNAME ${storage['example.com']?.fulldomain} ttl=60 proxied=false`,
      `example.com _acme-challenge.www.example.com CNAME ${storage['www.example.com']?.fulldomain} ttl=60 proxied=false`,
      'example.org auth.example.org NS ns.auth.example.org ttl=3600 proxied=false',
      'example.org ns.auth.example.org A 203.0.113.5 ttl=3600 proxied=false',
      'example.org ns.auth.example.org AAAA 2001:db8::5 ttl=3600 proxied=false',
    ].sort(),
  );
});

t.test('a lost --out folder: the accounts get new passwords, the CNAMEs stay', async (t) => {
  const { emulator, dir, out } = await startBootstrapCase(t);
  t.equal((await runInProcess([...configArgs(dir), ...domainArgs, '--out', out, '--yes'], tokenEnv(emulator))).code, 0);
  const old = readStorageJson(out);
  const records = recordSet(emulator);
  rmSync(out, { recursive: true });
  const rerun = await runInProcess([...configArgs(dir), ...domainArgs, '--out', out, '--yes'], tokenEnv(emulator));
  t.equal(rerun.code, 0, rerun.stderr);
  t.match(rerun.stdout, /rotate\s+www\.example\.com/);
  const fresh = readStorageJson(out);
  t.equal(fresh['www.example.com']?.username, old['www.example.com']?.username, 'same account');
  t.equal(fresh['www.example.com']?.subdomain, old['www.example.com']?.subdomain, 'same slot');
  t.not(fresh['www.example.com']?.password, old['www.example.com']?.password, 'new password');
  t.same(recordSet(emulator), records, 'no DNS change');
});

t.test('CAA records pinned to an ACME account', async (t) => {
  const { emulator, dir, out } = await startBootstrapCase(t);
  const args = [...configArgs(dir), ...domainArgs, '--out', out, '--yes', '--caa-issuer', 'letsencrypt.org', '--caa-accounturi', 'https://acme-v02.api.letsencrypt.org/acme/acct/123'];
  const run = await runInProcess(args, tokenEnv(emulator));
  t.equal(run.code, 0, run.stderr);
  const caa = recordSet(emulator).filter((r) => r.includes(' CAA '));
  t.same(caa, [
    'example.com example.com CAA 0 issue "letsencrypt.org; accounturi=https://acme-v02.api.letsencrypt.org/acme/acct/123" ttl=3600 proxied=false',
    'example.com example.com CAA 0 issuewild "letsencrypt.org; accounturi=https://acme-v02.api.letsencrypt.org/acme/acct/123" ttl=3600 proxied=false',
    'example.com www.example.com CAA 0 issue "letsencrypt.org; accounturi=https://acme-v02.api.letsencrypt.org/acme/acct/123" ttl=3600 proxied=false',
  ]);
  const again = await runInProcess(args, tokenEnv(emulator));
  t.match(again.stdout, /Nothing to change/);
});

t.test('a blocked name keeps its existing credentials entry and password', async (t) => {
  const { emulator, dir, out } = await startBootstrapCase(t);
  t.equal((await runInProcess([...configArgs(dir), '-d', 'www.example.com', '--out', out, '--yes'], tokenEnv(emulator))).code, 0);
  const before = readStorageJson(out);
  // A new name whose challenge label holds a hook's TXT: it is skipped, the rest stays as it is.
  emulator.addRecord('example.com', { name: '_acme-challenge.api.example.com', type: 'TXT', content: '"hook"' });
  const run = await runInProcess([...configArgs(dir), '-d', 'www.example.com', '-d', 'api.example.com', '--out', out, '--yes'], tokenEnv(emulator));
  t.equal(run.code, 3);
  t.match(run.stdout, /keep\s+www\.example\.com/);
  t.match(run.stdout, /skip\s+api\.example\.com/);
  t.same(readStorageJson(out), before, 'no entry added for the blocked name, the other unchanged');
});

t.test('a failure while registering accounts saves the passwords already made', async (t) => {
  // Accounts were registered one by one and the files written after the last: a failure at
  // the second lost the first one's password, so the next run had to rotate it.
  const { emulator, dir, out } = await startBootstrapCase(t);
  const dbPath = join(dir, 'db', 'acme-delegate.db');
  mkdirSync(join(dir, 'db'));
  Store.open({ path: dbPath, valuesPerSlot: 2, maxAgeSeconds: 86400 }).close();
  const db = new BetterSqlite3(dbPath);
  db.exec("CREATE TRIGGER second_account_fails BEFORE INSERT ON accounts WHEN (SELECT count(*) FROM accounts) >= 1 BEGIN SELECT RAISE(ABORT, 'injected failure'); END");
  db.close();

  const failed = await runInProcess([...configArgs(dir), '-d', 'www.example.com', '-d', 'api.example.com', '--out', out, '--yes'], tokenEnv(emulator));
  t.equal(failed.code, 1);
  t.match(failed.stderr, /stopped while registering accounts: the 1 account\(s\) done so far are saved/);
  t.match(failed.stderr, /injected failure/);
  t.same(Object.keys(readStorageJson(out)), ['www.example.com'], 'the first password is in the file');
  t.equal(emulator.writeCount(), 0, 'no Cloudflare record yet');

  const fix = new BetterSqlite3(dbPath);
  fix.exec('DROP TRIGGER second_account_fails');
  fix.close();
  const resumed = await runInProcess([...configArgs(dir), '-d', 'www.example.com', '-d', 'api.example.com', '--out', out, '--yes'], tokenEnv(emulator));
  t.equal(resumed.code, 0, resumed.stderr);
  t.match(resumed.stdout, /keep\s+www\.example\.com/, 'kept, not rotated');
  t.match(resumed.stdout, /register\s+api\.example\.com/);
});
