// The record of when each slot was last asked for its TXT: the latest time wins however times
// arrive (recorded here, merged from a worker, already flushed), draining empties it, and the
// store keeps the latest across flushes and forgets a deleted account's slot.
import t from 'tap';
import { createQueryTimes, withPending } from '../../src/dns/query-times.js';
import { wireKey } from '../../src/dns/slot-records.js';
import { Store } from '../../src/store/store.js';

t.test('record, merge, pending and drain', async (t) => {
  let clock = 1000;
  const times = createQueryTimes(() => clock);
  const a = wireKey('slot-a');
  const b = wireKey('x.slot-b');
  times.record(a);
  clock = 2000;
  times.record(a);
  times.merge([
    [a, 1500],
    [b, 1700],
  ]);
  t.same([...times.pending()], [
    [a, 2000],
    [b, 1700],
  ], 'an older time from a worker does not replace a newer one');
  t.same(withPending(new Map([['slot-a', 2500]]), times.pending()), new Map([['slot-a', 2500], ['x.slot-b', 1700]]), 'pending times laid over flushed ones, the latest wins, by subdomain');
  const drained = times.drain();
  t.equal(drained.size, 2);
  t.equal(times.pending().size, 0, 'drained: empty again');
  t.equal(times.drain().size, 0);
});

t.test('the store keeps the latest query time and forgets a deleted slot', async (t) => {
  const store = Store.open({ path: ':memory:', valuesPerSlot: 2, maxAgeSeconds: 3600 });
  t.teardown(() => store.close());
  store.createAccount({ username: 'u1', passwordHash: '$2a$04$x', subdomain: 'slot-a', allowfrom: [] });
  store.recordQueryTimes([['slot-a', 2000]]);
  store.recordQueryTimes([['slot-a', 1000]]);
  t.same(store.lastQueryTimes(), new Map([['slot-a', 2000]]), 'a late flush of an older time changes nothing');
  store.recordQueryTimes([['slot-a', 3000]]);
  t.same(store.lastQueryTimes(), new Map([['slot-a', 3000]]));
  store.deleteAccount('u1');
  t.same(store.lastQueryTimes(), new Map(), 'deleted with its account');
});
