// The server learns other processes' writes from the audit trail: the slots they touched are
// announced with what they now serve, and the accounts they touched are announced so cached
// verifications are dropped.
import t from 'tap';
import { Store, type AccountChange, type SlotChange } from '../../src/store/store.js';
import { addAccounts, openStore, slot, tempDatabase, user } from './store-fixture.js';

t.test('imports, rotations and allowfrom changes elsewhere are announced', async (t) => {
  const path = tempDatabase(t);
  const server = openStore(t, path);
  const slots: SlotChange[] = [];
  const accounts: AccountChange[] = [];
  server.on('change', (c) => slots.push(c));
  server.on('account', (a) => accounts.push(a));

  const cli = Store.open({ path, valuesPerSlot: 2, maxAgeSeconds: 3600 });
  const now = Date.now();
  cli.importAccounts([
    { username: user(1), passwordHash: '$2a$10$a', subdomain: slot(1), allowfrom: [], createdAt: now, values: [{ value: 'old', updatedAt: now - 10 }, { value: 'new', updatedAt: now }] },
    { username: user(2), passwordHash: '$2a$10$b', subdomain: slot(2), allowfrom: [], createdAt: now, values: [] },
  ]);
  t.equal(server.syncExternalChanges(), 2);
  t.same(slots.map((c) => [c.subdomain, c.values]), [[slot(1), ['new', 'old']], [slot(2), []]]);

  cli.setPasswordHash(user(1), '$2a$10$c');
  cli.setAllowfrom(user(2), ['10.0.0.0/8']);
  accounts.length = 0;
  server.syncExternalChanges();
  t.same(accounts.map((a) => a.username).sort(), [user(1), user(2)].sort());
  t.equal(server.syncExternalChanges(), 0, 'nothing new, nothing announced');
  cli.close();
});

t.test('a replaced file (audit trail went back) re-announces every slot and every account', async (t) => {
  const path = tempDatabase(t);
  const server = openStore(t, path);
  addAccounts(server, 3);
  const accounts: AccountChange[] = [];
  const slots: SlotChange[] = [];
  server.on('account', (a) => accounts.push(a));
  server.on('change', (c) => slots.push(c));
  const other = Store.open({ path, valuesPerSlot: 2, maxAgeSeconds: 3600 });
  // What a restore of an older copy looks like from here: fewer audit events than we have seen.
  other.deleteAccount(user(3));
  other.close();
  const raw = (await import('better-sqlite3')).default;
  const db = new raw(path);
  db.exec('DELETE FROM audit_events');
  db.close();
  server.syncExternalChanges();
  t.same(accounts, [{ username: null }], 'every cached verification is dropped');
  t.same(slots.map((c) => c.subdomain), [slot(1), slot(2)], 'every slot is announced again');
});
