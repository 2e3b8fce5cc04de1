// A credential that was just used (and so sits in the server's verification cache) stops working
// the moment the `account` command rotates, revokes or deletes it from another process: no wait
// for the server to notice, and a wrong key never passes.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { cleanEnv, runCli, startServer } from '../cli/run-cli.js';

interface Credentials {
  username: string;
  password: string;
  subdomain: string;
}

const dir = mkdtempSync(join(tmpdir(), 'acme-delegate-credentials-'));
t.teardown(() => rmSync(dir, { recursive: true, force: true }));
const db = join(dir, 'store.db');
// Room for this test's deliberate failures before the failure rate limit (429) would answer.
const env = cleanEnv({ ACME_DELEGATE_STORE_BCRYPT_COST: '4', ACME_DELEGATE_LIMITS_UPDATE_FAILURES_PER_ADDRESS: '100' });
const txt = (c: string): string => c.repeat(43);

t.test('rotate, revoke and delete from the CLI take effect at once on a warm server', async (t) => {
  const server = await startServer(t, ['--zone', 'auth.example.org', '--dns-listen', '127.0.0.1:0', '--api-listen', '127.0.0.1:0', '--db', db], env);
  const base = `http://127.0.0.1:${server.apiPort}`;
  const register = async (): Promise<Credentials> => (await (await fetch(`${base}/register`, { method: 'POST', body: '{}' })).json()) as Credentials;
  const update = async (c: Credentials, key = c.password, value = 'a'): Promise<number> =>
    (await fetch(`${base}/update`, { method: 'POST', headers: { 'X-Api-User': c.username, 'X-Api-Key': key }, body: JSON.stringify({ subdomain: c.subdomain, txt: txt(value) }) })).status;
  const cli = async (...args: string[]): Promise<string> => {
    const result = await runCli(['account', ...args, '--db', db, '--zone', 'auth.example.org'], { env });
    t.equal(result.code, 0, result.stderr);
    return result.stdout;
  };

  const [rotated, revoked, deleted] = [await register(), await register(), await register()];
  for (const c of [rotated, revoked, deleted]) {
    t.equal(await update(c), 200, 'first update: a full compare');
    t.equal(await update(c, c.password, 'b'), 200, 'second update: from the cache');
    t.equal(await update(c, 'W'.repeat(40)), 401, 'a wrong key is refused even while the right one is cached');
  }

  const fresh = JSON.parse(await cli('rotate', rotated.username)) as Credentials;
  await cli('revoke', revoked.username);
  await cli('delete', deleted.username);
  // No pause: the server has not yet read data_version, and must refuse anyway.
  t.equal(await update(rotated), 401, 'the old key of a rotated account is refused at once');
  t.equal(await update(revoked), 401, 'a revoked account is refused at once');
  t.equal(await update(deleted), 401, 'a deleted account is refused at once');
  t.equal(await update(fresh), 200, 'the new key works');
  t.equal(await update(rotated), 401, 'and the old one still does not');
  await new Promise((resolve) => setTimeout(resolve, 1500));
  t.equal(await update(rotated), 401, 'after the server noticed the change, too');
  t.equal(await update(fresh, fresh.password, 'c'), 200);
});
