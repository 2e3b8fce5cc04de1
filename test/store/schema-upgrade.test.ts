// An install upgraded from any released schema version keeps every account working: today's
// server opens a database written by that version (test/store/fixtures), migrates it, serves
// each slot's values, accepts each password, and keeps revoked accounts revoked.
import { copyFileSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import BetterSqlite3 from 'better-sqlite3';
import t from 'tap';
import { schemaVersion } from '../../src/store/migrations.js';
import { checkAccountWorks, servedValues, updateTxt, type KnownAccount } from '../cli/account-checks.js';
import { cleanEnv, runCli, startServer } from '../cli/run-cli.js';

const fixtures = fileURLToPath(new URL('./fixtures/', import.meta.url));
const zone = 'auth.example.org';

interface FixtureAccount extends KnownAccount {
  readonly state: 'active' | 'revoked';
  readonly served: readonly string[];
}

const versions = readdirSync(fixtures)
  .map((name) => /^schema-v(\d+)\.db$/.exec(name)?.[1])
  .filter((v): v is string => v !== undefined)
  .map(Number)
  .sort((a, b) => a - b);

t.test('there is a database of every released schema version before this one', async (t) => {
  t.ok(versions.includes(1), 'schema version 1');
  for (let version = 1; version < schemaVersion; version++) t.ok(versions.includes(version), `schema version ${version} (see fixtures/README.md)`);
});

for (const version of versions) {
  t.test(`a database of schema version ${version} migrates and every account keeps working`, async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'acme-delegate-upgrade-'));
    t.teardown(() => rmSync(dir, { recursive: true, force: true }));
    // A copy: the server migrates the database it opens, and the fixture must stay as written.
    const db = join(dir, 'acme-delegate.db');
    copyFileSync(join(fixtures, `schema-v${version}.db`), db);
    const old = new BetterSqlite3(db);
    t.equal(old.pragma('user_version', { simple: true }), version);
    old.close();
    const accounts = JSON.parse(readFileSync(join(fixtures, `schema-v${version}.accounts.json`), 'utf8')) as FixtureAccount[];

    // The fixture's values are as old as the fixture: keep serving them.
    const env = cleanEnv({ ACME_DELEGATE_STORE_TXT_MAX_AGE_SECONDS: String(20 * 365 * 86400) });
    const server = await startServer(t, ['--zone', zone, '--dns-listen', '127.0.0.1:0', '--api-listen', '127.0.0.1:0', '--db', db], env);
    for (const account of accounts) {
      if (account.state === 'active') await checkAccountWorks(t, server, account, zone, account.served);
      else {
        t.same(await servedValues(server, account, zone), [], `${account.username} (revoked) serves nothing`);
        t.equal(await updateTxt(server, account, 'r'.repeat(43)), 401, `${account.username} (revoked) cannot update`);
      }
    }
    await server.stop();

    const listed = await runCli(['account', 'list', '--json', '--db', db], { env });
    t.equal(listed.code, 0, listed.stderr);
    const states = (JSON.parse(listed.stdout) as { username: string; state: string }[]).map((a) => [a.username, a.state]);
    t.same(states.sort(), accounts.map((a) => [a.username, a.state]).sort(), 'every account, with its state');
    const migrated = new BetterSqlite3(db, { readonly: true });
    t.equal(migrated.pragma('user_version', { simple: true }), schemaVersion, `migrated to version ${schemaVersion}`);
    migrated.close();
  });
}
