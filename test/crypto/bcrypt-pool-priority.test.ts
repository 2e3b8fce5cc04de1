// bcrypt threads start when first needed and run below the main thread's priority (Linux), so
// DNS on the main thread wins the CPU from a flood of password checks.
import { readdirSync, readFileSync } from 'node:fs';
import t from 'tap';
import { createBcryptPool } from '../../src/crypto/bcrypt-pool.js';

/** Nice values of this process's threads, from /proc (field 19 of each task's stat). */
function threadNiceValues(): number[] {
  return readdirSync('/proc/self/task').map((tid) => {
    const fields = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
    return Number(fields[16]);
  });
}

t.test('workers start on first use, at the asked nice value', { skip: process.platform !== 'linux' && 'needs /proc' }, async (t) => {
  const base = threadNiceValues()[0] ?? 0;
  const pool = createBcryptPool(2, { nice: 7 });
  t.teardown(() => pool.close());
  t.notOk(threadNiceValues().includes(base + 7), 'no bcrypt thread before any work');
  const hash = await pool.hash('pw', 4);
  await Promise.all([pool.compare('pw', hash), pool.compare('pw', hash)]);
  const lowered = threadNiceValues().filter((n) => n === Math.min(19, base + 7)).length;
  t.ok(lowered >= 1 && lowered <= 2, `${lowered} thread(s) at nice ${base + 7}, at most the pool size`);
  t.equal(threadNiceValues()[0], base, 'the main thread keeps its priority');
});
