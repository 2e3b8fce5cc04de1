// The first run creates exactly the expected records and files; the second plans only "keep";
// the written credentials work against the real account store and API.
import { statSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { createAccountService } from '../../src/accounts/service.js';
import { buildApi } from '../../src/api/app.js';
import { loadConfig } from '../../src/config/load.js';
import { createBcryptPool } from '../../src/crypto/bcrypt-pool.js';
import { silentLogger } from '../../src/log.js';
import { Store } from '../../src/store/store.js';
import { configArgs, domainArgs, readStorageJson, recordSet, runCli, snapshotDir, startBootstrapCase, tokenEnv } from './cli-fixture.js';

t.test('first run, second run, and the credentials in use', async (t) => {
  const { emulator, dir, out } = await startBootstrapCase(t, [
    ['example.com', { name: 'www.example.com', type: 'A', content: '192.0.2.80', ttl: 1, proxied: true }],
    ['example.org', { name: 'example.org', type: 'MX', content: 'mail.example.org', ttl: 3600 }],
  ]);
  const before = recordSet(emulator);

  const first = await runCli([...configArgs(dir), ...domainArgs, '--out', out, '--yes'], tokenEnv(emulator));
  t.equal(first.code, 0, first.stderr);
  t.match(first.stdout, /register\s+www\.example\.com/);
  t.match(first.stdout, /register\s+\*\.example\.com, example\.com/, 'the wildcard and the bare name share one account');

  const storage = readStorageJson(out);
  t.same(Object.keys(storage).sort(), ['example.com', 'www.example.com'], 'keyed by bare domain');
  const www = storage['www.example.com'];
  const apex = storage['example.com'];
  if (!www || !apex) throw new Error('missing entries');
  t.equal(www.server_url, 'https://auth.example.org');
  t.equal(www.fulldomain, `${www.subdomain}.auth.example.org`);
  t.not(www.subdomain, apex.subdomain);

  const created = recordSet(emulator).filter((r) => !before.includes(r));
  t.same(
    created,
    [
      `example.com _acme-challenge.example.com CNAME ${apex.fulldomain} ttl=60 proxied=false`,
      `example.com _acme-challenge.www.example.com CNAME ${www.fulldomain} ttl=60 proxied=false`,
      'example.org auth.example.org NS ns.auth.example.org ttl=3600 proxied=false',
      'example.org ns.auth.example.org A 203.0.113.5 ttl=3600 proxied=false',
      'example.org ns.auth.example.org AAAA 2001:db8::5 ttl=3600 proxied=false',
    ].sort(),
    'exactly the delegation, the glue and one CNAME per bare name',
  );
  t.same(recordSet(emulator).filter((r) => before.includes(r)), before, 'records that were there are untouched');

  t.equal(statSync(out).mode & 0o777, 0o700, 'out folder 0700');
  for (const file of ['acmedns.json', 'acme.sh-www.example.com.env', 'acme.sh-example.com.env', 'README.txt']) {
    t.equal(statSync(join(out, file)).mode & 0o777, 0o600, `${file} is 0600`);
  }
  const env = readFileSync(join(out, 'acme.sh-www.example.com.env'), 'utf8');
  t.match(env, `export ACMEDNS_BASE_URL='https://auth.example.org'`);
  t.match(env, `export ACMEDNS_USERNAME='${www.username}'`);
  t.match(env, `export ACMEDNS_PASSWORD='${www.password}'`);
  t.match(env, `export ACMEDNS_SUBDOMAIN='${www.subdomain}'`);
  const readme = readFileSync(join(out, 'README.txt'), 'utf8');
  for (const client of ['lego', 'certbot', 'acme.sh', 'cert-manager', 'Caddy']) t.match(readme, client);
  t.notMatch(readme, www.password, 'the README holds no password');

  // ---- second run: nothing but keep ----
  const writes = emulator.writeCount();
  const files = snapshotDir(out);
  const second = await runCli([...configArgs(dir), ...domainArgs, '--out', out, '--yes'], tokenEnv(emulator));
  t.equal(second.code, 0, second.stderr);
  t.match(second.stdout, /Nothing to change/);
  const actions = second.stdout
    .split('\n')
    .map((l) => l.split(/\s+/)[0])
    .filter((a) => ['create', 'update', 'delete', 'conflict', 'register', 'rotate'].includes(a ?? ''));
  t.same(actions, [], 'only keep rows');
  t.equal(emulator.writeCount(), writes, 'no write to Cloudflare');
  t.same(snapshotDir(out), files, 'credential files untouched');

  // ---- the storage JSON is accepted by the account store and the API ----
  const config = loadConfig({ overrides: { 'dns.zone': 'auth.example.org', 'store.path': join(dir, 'db', 'acme-delegate.db') } });
  const store = Store.open({ path: config.store.path, valuesPerSlot: 2, maxAgeSeconds: 3600 });
  const pool = createBcryptPool(1);
  const accounts = createAccountService(store, pool, { zone: config.dns.zone, bcryptCost: 4 });
  const app = await buildApi({ config, store, accounts, logger: silentLogger });
  t.teardown(async () => {
    await app.close();
    await pool.close();
    store.close();
  });
  t.equal(store.listAccounts().length, 2, 'one account per bare name');
  for (const [domain, entry] of Object.entries(storage)) {
    const account = await accounts.authenticate(entry.username, entry.password);
    t.equal(account?.subdomain, entry.subdomain, `${domain}: password authenticates`);
    t.equal(account?.label, domain, `${domain}: account labelled with the bare name`);
    const txt = 'A'.repeat(43);
    const reply = await app.inject({
      method: 'POST',
      url: '/update',
      headers: { 'X-Api-User': entry.username, 'X-Api-Key': entry.password, 'Content-Type': 'application/json' },
      payload: JSON.stringify({ subdomain: entry.subdomain, txt }),
    });
    t.equal(reply.statusCode, 200, `${domain}: update with the stored credentials succeeds`);
    t.same(JSON.parse(reply.body), { txt });
  }
});
