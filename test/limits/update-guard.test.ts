// The failure limits of POST /update: who is throttled, who is not, and that tables stay bounded.
import t from 'tap';
import { createUpdateGuard, type Admission, type AuthOutcome } from '../../src/limits/update-guard.js';
import { createTokenBuckets } from '../../src/limits/token-buckets.js';

const user = '7f1c7ab1-1d8e-4d0e-9d55-2f4a4b6e3c11';

function clock(): { now: () => number; advance(ms: number): void } {
  let at = 1_000_000;
  return { now: () => at, advance: (ms) => (at += ms) };
}

function guardWith(now: () => number, overrides: Partial<Parameters<typeof createUpdateGuard>[0]> = {}) {
  return createUpdateGuard({ failuresPerAddress: 5, failuresPerUsername: 20, refillSeconds: 60, maxEntries: 1000, now, ...overrides });
}

/** `times` checks of `user` from `address`; each one admitted ends in `outcome`. */
function checks(guard: ReturnType<typeof guardWith>, address: string, times: number, outcome: AuthOutcome): void {
  for (let i = 0; i < times; i++) {
    const a = guard.admit(user, address);
    if (a.ok) a.done(outcome);
  }
}

function fail(admission: Admission): void {
  if (!admission.ok) throw new Error('expected admission');
  admission.done('failure');
}

t.test('an address is limited after its burst of failures, with the wait until the next token', async (t) => {
  const c = clock();
  const guard = guardWith(c.now);
  for (let i = 0; i < 5; i++) fail(guard.admit(user, '192.0.2.7'));
  const limited = guard.admit(user, '192.0.2.7');
  t.match(limited, { ok: false, limit: 'address', retryAfterSeconds: 60 });
  c.advance(30_000);
  t.match(guard.admit(user, '192.0.2.7'), { ok: false, retryAfterSeconds: 30 }, 'the wait shrinks as the bucket refills');
  c.advance(30_000);
  t.equal(guard.admit(user, '192.0.2.7').ok, true, 'one more guess after the refill time');
  t.equal(guard.admit('', '192.0.2.7').ok, false, 'malformed usernames count against the address too');
});

t.test('concurrent guesses reserve their token before the compare: no overshoot', async (t) => {
  const guard = guardWith(clock().now);
  const inFlight = Array.from({ length: 5 }, () => guard.admit(user, '192.0.2.8'));
  t.ok(inFlight.every((a) => a.ok));
  t.equal(guard.admit(user, '192.0.2.8').ok, false, 'the sixth concurrent guess waits');
});

t.test('successes cost nothing: a client updating often is never limited', async (t) => {
  const guard = guardWith(clock().now);
  for (let i = 0; i < 100; i++) {
    const a = guard.admit(user, '192.0.2.9');
    t.equal(a.ok, true);
    if (a.ok) a.done('success');
  }
});

t.test('a check that never ran (bcrypt queue full) keeps its token spent', async (t) => {
  const guard = guardWith(clock().now);
  checks(guard, '192.0.2.10', 5, 'aborted');
  t.equal(guard.admit(user, '192.0.2.10').ok, false, 'retrying into a full queue is limited like guessing');
});

t.test('one attacking address does not lock the real client out from another address', async (t) => {
  const guard = guardWith(clock().now);
  checks(guard, '203.0.113.66', 50, 'failure');
  t.equal(guard.admit(user, '203.0.113.66').ok, false, 'the attacker is limited');
  t.equal(guard.admit(user, '198.51.100.1').ok, true, 'the real client, never seen before, still gets its check');
});

t.test('many addresses exhaust the username budget; a client that succeeded before still passes', async (t) => {
  const guard = guardWith(clock().now);
  const real = guard.admit(user, '198.51.100.1');
  if (real.ok) real.done('success');
  for (let n = 10; n < 60; n++) checks(guard, `203.0.113.${n}`, 5, 'failure');
  t.match(guard.admit(user, '192.0.2.200'), { ok: false, limit: 'username' }, 'a new address guessing this username waits');
  const again = guard.admit(user, '198.51.100.1');
  t.equal(again.ok, true, 'the client with a recent success is not throttled by others');
  t.equal(guard.admit('0d3c5c6e-0000-4000-8000-000000000000', '192.0.2.200').ok, true, 'other usernames are unaffected');
});

t.test('trust ends at the first failure from that address', async (t) => {
  const guard = guardWith(clock().now, { failuresPerAddress: 1, failuresPerUsername: 1 });
  const first = guard.admit(user, '198.51.100.2');
  if (first.ok) first.done('success');
  const wrong = guard.admit(user, '198.51.100.2');
  t.equal(wrong.ok, true, 'trusted');
  if (wrong.ok) wrong.done('failure');
  t.equal(guard.admit(user, '198.51.100.2').ok, false, 'no longer trusted, and its failure was counted');
});

t.test('IPv6 clients are counted per /64', async (t) => {
  const guard = guardWith(clock().now);
  for (let i = 0; i < 5; i++) fail(guard.admit(user, `2001:db8:1:2::${i + 1}`));
  t.equal(guard.admit(user, '2001:db8:1:2:ffff::9').ok, false, 'another address of the same /64');
  t.equal(guard.admit(user, '2001:db8:1:3::1').ok, true, 'the next /64 is another client');
});

t.test('token tables stay bounded and forget idle full buckets', async (t) => {
  const c = clock();
  const buckets = createTokenBuckets({ capacity: 2, refillMs: 1000, maxEntries: 100, now: c.now });
  for (let i = 0; i < 10_000; i++) buckets.take(`client-${i}`);
  t.equal(buckets.size, 100, 'never more than maxEntries');
  c.advance(5_000);
  for (let i = 0; i < 60; i++) buckets.take('busy');
  t.ok(buckets.size < 10, `idle entries were swept as traffic went on (${buckets.size} left)`);
});
