import t from 'tap';
import { createBcryptPool } from '../../src/crypto/bcrypt-pool.js';

t.test('hashes and compares in worker threads', async (t) => {
  const pool = createBcryptPool(2);
  t.teardown(() => pool.close());
  const hash = await pool.hash('correct horse', 4);
  t.match(hash, /^\$2[aby]\$04\$/);
  t.equal(await pool.compare('correct horse', hash), true);
  t.equal(await pool.compare('wrong horse', hash), false);
});

t.test('keeps the event loop free while comparing', async (t) => {
  const pool = createBcryptPool(1);
  t.teardown(() => pool.close());
  const hash = await pool.hash('pw', 12);
  let ticks = 0;
  const timer = setInterval(() => ticks++, 5);
  await pool.compare('pw', hash);
  clearInterval(timer);
  // A compare at cost 12 takes hundreds of ms; on the main thread no tick could run meanwhile.
  t.ok(ticks > 3, `timer ran ${ticks} times during the compare`);
});

t.test('rejects jobs after close', async (t) => {
  const pool = createBcryptPool(1);
  await pool.close();
  await t.rejects(pool.hash('x', 4), /closed/);
});

t.test('a full queue refuses more work at once instead of growing, and says so in its stats', async (t) => {
  const waits: number[] = [];
  const pool = createBcryptPool(1, { maxQueue: 2, onWait: (seconds) => waits.push(seconds) });
  t.teardown(() => pool.close());
  const hash = await pool.hash('pw', 8);
  const jobs = [pool.compare('pw', hash), pool.compare('pw', hash), pool.compare('pw', hash)];
  await t.rejects(pool.compare('pw', hash), { code: 'overloaded' }, 'the fourth waits for nobody');
  t.same(pool.stats(), { queued: 2, running: 1, rejected: 1 }, 'two waiting, one on the thread, one refused');
  t.same(await Promise.all(jobs), [true, true, true], 'queued work still completes');
  t.same(pool.stats(), { queued: 0, running: 0, rejected: 1 });
  t.equal(waits.length, 4, 'every job that ran reported its wait');
  t.ok(waits[3]! > waits[1]!, `the last one waited for the two before it (${waits.map((w) => w.toFixed(3)).join(', ')} s)`);
});
