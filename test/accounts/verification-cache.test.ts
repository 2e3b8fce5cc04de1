// The verification cache skips bcrypt only for a key that already passed against the account's
// current hash, recently: wrong keys, changed hashes, forgotten and expired entries all go back
// to a full compare, and the cache never grows past its bound.
import t from 'tap';
import { createVerificationCache } from '../../src/accounts/verification-cache.js';

const user = (n: number): string => `10000000-0000-4000-8000-${String(n).padStart(12, '0')}`;
const key = 'K'.repeat(40);
const hash = '$2a$10$currenthashcurrenthashcurrenthashcurrenthashcurrent';

/** A compare that knows one right key and counts its calls, as bcrypt would be counted. */
function counter(right = key): { compare: (password: string) => () => Promise<boolean>; calls: () => number } {
  let calls = 0;
  return {
    compare: (password) => async () => {
      calls++;
      return password === right;
    },
    calls: () => calls,
  };
}

t.test('a verified key is accepted again without a compare', async (t) => {
  const cache = createVerificationCache({ maxEntries: 10, ttlMs: 60_000 });
  const bcrypt = counter();
  t.equal(await cache.verify(user(1), key, hash, bcrypt.compare(key)), true);
  t.equal(await cache.verify(user(1), key, hash, bcrypt.compare(key)), true);
  t.equal(bcrypt.calls(), 1, 'second check answered from the cache');
});

t.test('a wrong key is never accepted and always costs a full compare', async (t) => {
  const cache = createVerificationCache({ maxEntries: 10, ttlMs: 60_000 });
  const bcrypt = counter();
  await cache.verify(user(1), key, hash, bcrypt.compare(key));
  for (let i = 0; i < 3; i++) t.equal(await cache.verify(user(1), 'W'.repeat(40), hash, bcrypt.compare('W'.repeat(40))), false);
  t.equal(bcrypt.calls(), 4, 'each wrong key was compared; failures are not cached');
  t.equal(await cache.verify(user(2), key, hash, bcrypt.compare(key)), true, 'another user with the same key and hash');
  t.equal(bcrypt.calls(), 5, 'is its own entry: the key is bound to the username');
  t.equal(await cache.verify(user(1), key, hash, bcrypt.compare(key)), true, 'the right key still passes after wrong ones');
  t.equal(bcrypt.calls(), 5);
});

t.test('a changed hash (rotation) is never accepted from the cache', async (t) => {
  const cache = createVerificationCache({ maxEntries: 10, ttlMs: 60_000 });
  const bcrypt = counter();
  await cache.verify(user(1), key, hash, bcrypt.compare(key));
  const rotated = '$2a$10$rotatedhashrotatedhashrotatedhashrotatedhashrotated';
  // The old key against the new hash: the compare (which the new hash would fail) decides.
  t.equal(await cache.verify(user(1), key, rotated, async () => false), false);
  t.equal(cache.size, 0, 'the stale entry is dropped');
});

t.test('forget drops one account or all, and the next check compares again', async (t) => {
  const cache = createVerificationCache({ maxEntries: 10, ttlMs: 60_000 });
  const bcrypt = counter();
  await cache.verify(user(1), key, hash, bcrypt.compare(key));
  await cache.verify(user(2), key, hash, bcrypt.compare(key));
  cache.forget(user(1));
  t.equal(cache.size, 1);
  await cache.verify(user(1), key, hash, bcrypt.compare(key));
  t.equal(bcrypt.calls(), 3, 'forgotten account compared again');
  cache.forget(null);
  t.equal(cache.size, 0, 'forget(null) empties the cache');
  await cache.verify(user(2), key, hash, bcrypt.compare(key));
  t.equal(bcrypt.calls(), 4);
});

t.test('entries expire', async (t) => {
  let clock = 1_000_000;
  const cache = createVerificationCache({ maxEntries: 10, ttlMs: 60_000, now: () => clock });
  const bcrypt = counter();
  await cache.verify(user(1), key, hash, bcrypt.compare(key));
  clock += 59_999;
  await cache.verify(user(1), key, hash, bcrypt.compare(key));
  t.equal(bcrypt.calls(), 1, 'still fresh');
  clock += 1;
  await cache.verify(user(1), key, hash, bcrypt.compare(key));
  t.equal(bcrypt.calls(), 2, 'expired: compared again');
});

t.test('bounded: never more than maxEntries accounts, the oldest go first', async (t) => {
  const cache = createVerificationCache({ maxEntries: 3, ttlMs: 60_000 });
  const bcrypt = counter();
  for (let n = 1; n <= 50; n++) {
    await cache.verify(user(n), key, hash, bcrypt.compare(key));
    t.ok(cache.size <= 3, `size ${cache.size} after ${n}`);
  }
  await cache.verify(user(50), key, hash, bcrypt.compare(key));
  t.equal(bcrypt.calls(), 50, 'the newest is kept');
  await cache.verify(user(1), key, hash, bcrypt.compare(key));
  t.equal(bcrypt.calls(), 51, 'the oldest was evicted');
  const off = createVerificationCache({ maxEntries: 0, ttlMs: 60_000 });
  await off.verify(user(1), key, hash, bcrypt.compare(key));
  t.equal(off.size, 0, 'maxEntries 0 caches nothing');
});

t.test('identical checks in flight share one compare; different keys do not', async (t) => {
  const cache = createVerificationCache({ maxEntries: 10, ttlMs: 60_000 });
  const bcrypt = counter();
  const same = await Promise.all(Array.from({ length: 16 }, () => cache.verify(user(1), key, hash, bcrypt.compare(key))));
  t.same(same, Array(16).fill(true));
  t.equal(bcrypt.calls(), 1, 'sixteen clients with one credential: one compare');
  const mixed = await Promise.all([
    cache.verify(user(2), key, hash, bcrypt.compare(key)),
    cache.verify(user(2), 'W'.repeat(40), hash, bcrypt.compare('W'.repeat(40))),
  ]);
  t.same(mixed, [true, false], 'a wrong key racing a right one is still refused');
  t.equal(bcrypt.calls(), 3);
});

t.test('a failed compare (error) is not cached and reaches the caller', async (t) => {
  const cache = createVerificationCache({ maxEntries: 10, ttlMs: 60_000 });
  await t.rejects(cache.verify(user(1), key, hash, () => Promise.reject(new Error('pool closed'))), /pool closed/);
  t.equal(cache.size, 0);
});
