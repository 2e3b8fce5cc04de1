// Rate limits of the API over real HTTP from several loopback source addresses: guesses are
// refused before bcrypt, the real client keeps working, registrations are capped.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Test } from 'tap';
import t from 'tap';
import type { BcryptPool } from '../../src/crypto/bcrypt-pool.js';
import { post, register, update } from './attack-client.js';
import { startApi, txtValue } from './server-fixture.js';

const wrongKey = 'x'.repeat(40);

/** The real API with a bcrypt pool that counts compares, so tests see which guesses reached it. */
async function startCounted(t: Test, overrides: Record<string, string> = {}, storePath?: string) {
  const counter = { compares: 0 };
  const wrapPool = (pool: BcryptPool): BcryptPool => ({
    hash: (p, c) => pool.hash(p, c),
    compare(p, h) {
      counter.compares++;
      return pool.compare(p, h);
    },
    close: () => pool.close(),
  });
  const server = await startApi(t, overrides, { storePath, wrapPool });
  return { ...server, pool: counter };
}

t.test('failed updates from one address get 429 rate_limited with Retry-After, before bcrypt', async (t) => {
  const server = await startCounted(t);
  const account = await register(server.port);
  const before = server.pool.compares;
  const statuses: number[] = [];
  for (let i = 0; i < 12; i++) statuses.push((await update(server.port, account, txtValue('a'), { from: '127.0.0.66', password: wrongKey })).status);
  t.same(statuses, [401, 401, 401, 401, 401, 429, 429, 429, 429, 429, 429, 429], 'five guesses, then refused');
  t.equal(server.pool.compares - before, 5, 'refused guesses never reached bcrypt');
  const limited = await update(server.port, account, txtValue('a'), { from: '127.0.0.66', password: wrongKey });
  t.same(JSON.parse(limited.body), { error: 'rate_limited' });
  t.ok(Number(limited.headers['retry-after']) >= 1 && Number(limited.headers['retry-after']) <= 60, `Retry-After ${limited.headers['retry-after']}`);

  const real = await update(server.port, account, txtValue('b'), { from: '127.0.0.2' });
  t.equal(real.status, 200, 'the real client on another address is served');
  t.same(server.store.slotValues(account.subdomain), [txtValue('b')]);
});

t.test('a distributed guess of one username stops at its budget; the client that succeeded before is unaffected', async (t) => {
  const server = await startCounted(t, { 'limits.update_failures_per_username': '8' });
  const account = await register(server.port);
  t.equal((await update(server.port, account, txtValue('c'), { from: '127.0.0.2' })).status, 200, 'the real client updates once');
  let refused = 0;
  for (let n = 10; n < 20; n++) {
    for (let i = 0; i < 3; i++) {
      const reply = await update(server.port, account, txtValue('d'), { from: `127.0.0.${n}`, password: wrongKey });
      if (reply.status === 429) refused++;
    }
  }
  t.equal(refused, 30 - 8, 'only the username budget of guesses was evaluated');
  t.equal((await update(server.port, account, txtValue('e'), { from: '127.0.0.3', password: account.password })).status, 429, 'a new address for this username waits too');
  const real = await update(server.port, account, txtValue('f'), { from: '127.0.0.2' });
  t.equal(real.status, 200, 'the real client is not throttled by the attackers');
});

t.test('registrations per address: 429 past the window budget, other addresses unaffected', async (t) => {
  const server = await startCounted(t, { 'limits.registrations_per_address': '3' });
  for (let i = 0; i < 3; i++) await register(server.port, '127.0.0.5');
  const refused = await post(server.port, '/register', { from: '127.0.0.5' });
  t.equal(refused.status, 429);
  t.same(JSON.parse(refused.body), { error: 'rate_limited' });
  t.ok(Number(refused.headers['retry-after']) > 3000, `Retry-After ${refused.headers['retry-after']} s (the hour window)`);
  t.equal(refused.headers['x-ratelimit-remaining'], undefined, 'no budget hints for guessers');
  t.equal(server.store.countAccounts(), 3, 'the refused request created nothing');
  t.equal((await post(server.port, '/register', { from: '127.0.0.6' })).status, 201, 'another address registers');
});

t.test('store.max_accounts: a clear 403 once the cap is reached, nothing created', async (t) => {
  const server = await startCounted(t, { 'store.max_accounts': '2' });
  await register(server.port);
  await register(server.port);
  const refused = await post(server.port, '/register');
  t.equal(refused.status, 403);
  t.same(JSON.parse(refused.body), { error: 'account_limit_reached' });
  t.equal(server.store.countAccounts(), 2);
});

t.test('disk guard: registration refuses with 503 when the file system has less free space than the reserve', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'acme-delegate-disk-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  // A reserve larger than any disk here: statfs of the real file system says "too little".
  const server = await startCounted(t, { 'store.min_free_disk_mb': String(1024 * 1024 * 1024) }, join(dir, 'db.sqlite'));
  const refused = await post(server.port, '/register');
  t.equal(refused.status, 503);
  t.same(JSON.parse(refused.body), { error: 'insufficient_storage' });
  t.ok(refused.headers['retry-after'], 'with Retry-After');
  t.equal(server.store.countAccounts(), 0);
});
