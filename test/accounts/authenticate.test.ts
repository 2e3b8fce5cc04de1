// authenticate() with the verification cache over a real store and real bcrypt: repeated success
// skips bcrypt; rotation, revocation and deletion in this process or through another connection
// to the same file refuse the old credential at once.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t, { type Test } from 'tap';
import { createAccountService } from '../../src/accounts/service.js';
import { createBcryptPool, type BcryptPool } from '../../src/crypto/bcrypt-pool.js';
import { Store } from '../../src/store/store.js';

function countingPool(t: Test): { pool: BcryptPool; compares: () => number } {
  const real = createBcryptPool(1);
  t.teardown(() => real.close());
  let compares = 0;
  const pool: BcryptPool = {
    hash: (password, cost) => real.hash(password, cost),
    compare: (password, hash) => {
      compares++;
      return real.compare(password, hash);
    },
    close: () => real.close(),
  };
  return { pool, compares: () => compares };
}

function setup(t: Test): { path: string; store: Store; service: ReturnType<typeof createAccountService>; compares: () => number } {
  const dir = mkdtempSync(join(tmpdir(), 'acme-delegate-auth-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const path = join(dir, 'store.db');
  const store = Store.open({ path, valuesPerSlot: 2, maxAgeSeconds: 3600 });
  t.teardown(() => store.close());
  const { pool, compares } = countingPool(t);
  return { path, store, service: createAccountService(store, pool, { zone: 'auth.example.org', bcryptCost: 4 }), compares };
}

t.test('a second success costs no bcrypt compare; a wrong key always does', async (t) => {
  const { service, compares } = setup(t);
  const c = await service.register();
  t.ok(await service.authenticate(c.username, c.password));
  t.ok(await service.authenticate(c.username, c.password));
  t.equal(compares(), 1);
  t.equal(await service.authenticate(c.username, 'W'.repeat(40)), undefined);
  t.equal(compares(), 2);
});

t.test('rotation, revocation and deletion in this process refuse the old key at once', async (t) => {
  const { store, service } = setup(t);
  const [a, b, c] = [await service.register(), await service.register(), await service.register()];
  for (const x of [a, b, c]) t.ok(await service.authenticate(x.username, x.password), 'warm');
  const fresh = await service.rotate(a.username);
  t.equal(await service.authenticate(a.username, a.password), undefined, 'rotated: old key refused');
  t.ok(await service.authenticate(a.username, fresh.password), 'rotated: new key accepted');
  store.revokeAccount(b.username);
  t.equal(await service.authenticate(b.username, b.password), undefined, 'revoked');
  store.deleteAccount(c.username);
  t.equal(await service.authenticate(c.username, c.password), undefined, 'deleted');
});

t.test('changes through another connection are refused before and after the sync', async (t) => {
  const { path, store, service } = setup(t);
  const [a, b, c] = [await service.register(), await service.register(), await service.register()];
  for (const x of [a, b, c]) t.ok(await service.authenticate(x.username, x.password), 'warm');
  const other = Store.open({ path, valuesPerSlot: 2, maxAgeSeconds: 3600 });
  other.setPasswordHash(a.username, '$2a$04$abcdefghijklmnopqrstuu0123456789abcdefghijklmnopqrstu');
  other.revokeAccount(b.username);
  other.deleteAccount(c.username);
  other.close();
  for (const x of [a, b, c]) t.equal(await service.authenticate(x.username, x.password), undefined, 'refused before the server synced');
  const dropped: (string | null)[] = [];
  store.on('account', ({ username }) => dropped.push(username));
  store.syncExternalChanges();
  t.same(dropped.sort(), [a.username, b.username, c.username].sort(), 'the sync announces each changed account');
  for (const x of [a, b, c]) t.equal(await service.authenticate(x.username, x.password), undefined, 'refused after the sync');
});
