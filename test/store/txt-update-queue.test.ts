// Group commit: updates submitted together share one transaction, each caller hears back only
// after commit (with the change already announced), and one bad update fails alone.
import t from 'tap';
import type { SlotChange, TxtUpdate } from '../../src/store/store.js';
import { createTxtUpdateQueue } from '../../src/store/txt-update-queue.js';
import { addAccounts, openStore, slot, tempDatabase, user } from './store-fixture.js';

t.test('updates submitted in one turn are one batch; later ones a new batch', async (t) => {
  const batches: number[] = [];
  const queue = createTxtUpdateQueue((updates: readonly TxtUpdate[]) => {
    batches.push(updates.length);
    return updates.map((u) => ({ subdomain: u.subdomain, values: [u.value], serial: 1 }));
  });
  const first = await Promise.all(Array.from({ length: 16 }, (_, i) => queue.submit({ subdomain: slot(i), value: `v${i}` })));
  t.same(first.map((c) => c.values?.[0]), Array.from({ length: 16 }, (_, i) => `v${i}`), 'each caller gets its own outcome');
  await queue.submit({ subdomain: slot(1), value: 'later' });
  t.same(batches, [16, 1]);
});

t.test('a database error fails every update of its batch', async (t) => {
  const queue = createTxtUpdateQueue(() => {
    throw new Error('SQLITE_FULL');
  });
  const results = await Promise.allSettled([queue.submit({ subdomain: slot(1), value: 'a' }), queue.submit({ subdomain: slot(2), value: 'b' })]);
  t.same(results.map((r) => r.status), ['rejected', 'rejected']);
});

t.test('on a real store: all committed and announced before resolving; a revoked slot fails alone', async (t) => {
  const path = tempDatabase(t);
  const store = openStore(t, path);
  addAccounts(store, 3);
  store.revokeAccount(user(3));
  const announced: SlotChange[] = [];
  store.on('change', (c) => announced.push(c));
  const pending = [
    store.submitTxtValue(slot(1), 'one'),
    store.submitTxtValue(slot(2), 'two'),
    store.submitTxtValue(slot(3), 'revoked'),
    store.submitTxtValue(slot(1), 'one-again'),
  ];
  const [a, b, c, d] = await Promise.allSettled(pending);
  t.equal(a?.status, 'fulfilled');
  t.equal(b?.status, 'fulfilled');
  t.match(c, { status: 'rejected', reason: { code: 'slot_not_found' } }, 'the revoked slot fails alone');
  t.match(d, { status: 'fulfilled', value: { values: ['one-again', 'one'] } });
  t.equal(announced.length, 3, 'every committed update was announced');
  const reopened = openStore(t, path);
  t.same([...reopened.listSlots()].sort((a, b) => a.subdomain.localeCompare(b.subdomain)), [
    { subdomain: slot(1), values: ['one-again', 'one'] },
    { subdomain: slot(2), values: ['two'] },
  ], 'committed to the file, and the revoked slot is not listed');
});
