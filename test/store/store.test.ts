// The store keeps what DNS must serve: newest N values per slot, expiry, durability, events.
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import BetterSqlite3 from 'better-sqlite3';
import t, { type Test } from 'tap';
import { schemaVersion } from '../../src/store/migrations.js';
import { Store, type SlotChange } from '../../src/store/store.js';

const day = 86_400_000;

function tempDb(t: Test): string {
  const dir = mkdtempSync(join(tmpdir(), 'acme-delegate-store-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return join(dir, 'sub', 'store.db');
}

function account(store: Store, n: number, label: string | null = null): string {
  const subdomain = `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;
  store.createAccount({ username: `10000000-0000-4000-8000-${String(n).padStart(12, '0')}`, passwordHash: '$2a$04$x', subdomain, allowfrom: [], label });
  return subdomain;
}

t.test('serves the newest N values, repeated values not duplicated', async (t) => {
  const store = Store.open({ path: ':memory:', valuesPerSlot: 2, maxAgeSeconds: 3600 });
  t.teardown(() => store.close());
  const slot = account(store, 1);
  t.same(store.slotValues(slot), []);
  store.addTxtValue(slot, 'a');
  store.addTxtValue(slot, 'b');
  t.same(store.slotValues(slot), ['b', 'a']);
  store.addTxtValue(slot, 'c');
  t.same(store.slotValues(slot), ['c', 'b'], 'oldest value rotated out');
  store.addTxtValue(slot, 'b');
  t.same(store.slotValues(slot), ['b', 'c'], 'a repeated value becomes newest once');
});

t.test('values per slot is configurable up to 10', async (t) => {
  const store = Store.open({ path: ':memory:', valuesPerSlot: 10, maxAgeSeconds: 3600 });
  t.teardown(() => store.close());
  const slot = account(store, 1);
  for (let i = 0; i < 12; i++) store.addTxtValue(slot, `v${i}`);
  t.equal(store.slotValues(slot).length, 10);
  t.equal(store.slotValues(slot)[0], 'v11');
});

t.test('values past max age are not served and are purged', async (t) => {
  let now = 1_700_000_000_000;
  const store = Store.open({ path: ':memory:', valuesPerSlot: 2, maxAgeSeconds: 7 * 86400, now: () => now });
  t.teardown(() => store.close());
  const slot = account(store, 1);
  store.addTxtValue(slot, 'old');
  now += 6 * day;
  store.addTxtValue(slot, 'new');
  now += 1.5 * day;
  t.same(store.slotValues(slot), ['new'], 'expired value hidden before the purge');
  const changes: SlotChange[] = [];
  store.on('change', (c) => changes.push(c));
  t.equal(store.purgeExpired(), 1);
  t.same(changes.map((c) => c.values), [['new']], 'purge announces the slot');
  t.equal(store.purgeExpired(), 0);
});

t.test('change events carry served values and a rising serial', async (t) => {
  const store = Store.open({ path: ':memory:', valuesPerSlot: 2, maxAgeSeconds: 3600 });
  t.teardown(() => store.close());
  const changes: SlotChange[] = [];
  store.on('change', (c) => changes.push(c));
  const slot = account(store, 1);
  store.addTxtValue(slot, 'a');
  const [created, updated] = changes;
  t.same(created?.values, [], 'a new slot exists with no value');
  t.same(updated?.values, ['a']);
  t.ok((updated?.serial ?? 0) > (created?.serial ?? 0), 'serial increases');
  t.equal(store.serial(), updated?.serial);
  store.revokeAccount(store.getAccountBySubdomain(slot)?.username as string);
  t.equal(changes.at(-1)?.values, null, 'revocation removes the slot');
  t.throws(() => store.addTxtValue(slot, 'b'), { code: 'slot_not_found' }, 'a revoked slot takes no update');
  t.same([...store.listSlots()], []);
});

t.test('an acknowledged update survives reopening; serial never goes back', async (t) => {
  const path = tempDb(t);
  const first = Store.open({ path, valuesPerSlot: 2, maxAgeSeconds: 3600 });
  const slot = account(first, 1, 'www.example.com');
  first.addTxtValue(slot, 'durable');
  const serial = first.serial();
  first.close();
  const again = Store.open({ path, valuesPerSlot: 2, maxAgeSeconds: 3600, now: () => 0 });
  t.teardown(() => again.close());
  t.same([...again.listSlots()], [{ subdomain: slot, values: ['durable'] }]);
  t.equal(again.findAccountsByLabel('www.example.com').length, 1);
  again.addTxtValue(slot, 'later');
  t.ok(again.serial() > serial, 'serial grows even when the clock goes back');
});

t.test('migrations set user_version, WAL and refuse a newer schema', async (t) => {
  const path = tempDb(t);
  Store.open({ path, valuesPerSlot: 2, maxAgeSeconds: 3600 }).close();
  const db = new BetterSqlite3(path);
  t.equal(db.pragma('user_version', { simple: true }), schemaVersion);
  t.equal(db.pragma('journal_mode', { simple: true }), 'wal');
  db.pragma(`user_version = ${schemaVersion + 1}`);
  db.close();
  t.throws(() => Store.open({ path, valuesPerSlot: 2, maxAgeSeconds: 3600 }), { code: 'store_unusable', message: /database .*store\.db has schema version \d+, newer than this program/ });
  t.throws(() => Store.openReadOnly({ path, valuesPerSlot: 2, maxAgeSeconds: 3600 }), { code: 'store_unusable' });
});

t.test('read-only: nothing written anywhere; a live WAL is read, a missing file reads as empty', async (t) => {
  const path = tempDb(t);
  const options = { path, valuesPerSlot: 2, maxAgeSeconds: 3600 };
  const missing = Store.openReadOnly(options);
  t.same(missing.listAccounts(), []);
  missing.close();
  t.throws(() => statSync(dirname(path)), { code: 'ENOENT' }, 'a missing database is not created, nor its folder');

  const server = Store.open(options);
  t.teardown(() => server.close());
  account(server, 1, 'example.com');
  // The server still holds the file: the row may live in the WAL only.
  const live = Store.openReadOnly(options);
  t.same(live.listAccounts().map((a) => [a.label, a.state]), [['example.com', 'active']]);
  live.close();
  server.close();

  const before = readdirSync(dirname(path)).sort();
  t.same(before, ['store.db'], 'an idle database has no -wal or -shm beside it');
  const idle = Store.openReadOnly(options);
  t.same(idle.listAccounts().map((a) => a.label), ['example.com']);
  account(idle, 2);
  idle.close();
  t.same(readdirSync(dirname(path)).sort(), before, 'reading an idle database leaves no file beside it');
  const again = Store.openReadOnly(options);
  t.equal(again.listAccounts().length, 1, 'a write through the read-only store changed nothing on disk');
  again.close();
  const acmeDns = fileURLToPath(new URL('../fixtures/acme-dns-v1.1/acme-dns.db', import.meta.url));
  t.throws(() => Store.openReadOnly({ ...options, path: acmeDns }), { code: 'store_unusable', message: /is not an acme-delegate database/ }, 'another program\'s database is refused');
});

t.test('account administration: rotate, allowfrom, delete, audit', async (t) => {
  const store = Store.open({ path: ':memory:', valuesPerSlot: 2, maxAgeSeconds: 3600 });
  t.teardown(() => store.close());
  const slot = account(store, 1);
  const username = store.getAccountBySubdomain(slot)?.username as string;
  store.setPasswordHash(username, '$2a$04$new');
  t.equal(store.getAccount(username)?.passwordHash, '$2a$04$new');
  store.setAllowfrom(username, ['10.0.0.0/8']);
  t.same(store.getAccount(username)?.allowfrom, ['10.0.0.0/8']);
  store.addTxtValue(slot, 'a');
  store.deleteAccount(username);
  t.equal(store.getAccount(username), undefined);
  t.throws(() => store.deleteAccount(username), { code: 'account_not_found' });
  t.same(
    store.auditEvents(10).map((e) => e.kind).reverse(),
    ['account.create', 'account.rotate', 'account.allowfrom', 'txt.update', 'account.delete'],
  );
});

t.test("another process's commits are announced by syncExternalChanges", async (t) => {
  const path = tempDb(t);
  const server = Store.open({ path, valuesPerSlot: 2, maxAgeSeconds: 3600 });
  t.teardown(() => server.close());
  const changes: SlotChange[] = [];
  server.on('change', (c) => changes.push(c));
  t.equal(server.syncExternalChanges(), 0, 'nothing to pick up at first');
  const cli = Store.open({ path, valuesPerSlot: 2, maxAgeSeconds: 3600 });
  const slot = account(cli, 7);
  cli.addTxtValue(slot, 'from-cli');
  t.equal(changes.length, 0, 'the server heard nothing yet');
  t.equal(server.syncExternalChanges(), 1);
  t.same(changes.at(-1)?.values, ['from-cli']);
  t.equal(server.syncExternalChanges(), 0, 'no change, no event');
  server.addTxtValue(slot, 'from-server');
  t.equal(server.syncExternalChanges(), 0, 'own commits are not announced twice');
  cli.revokeAccount(cli.getAccountBySubdomain(slot)?.username as string);
  cli.close();
  t.equal(server.syncExternalChanges(), 1);
  t.equal(changes.at(-1)?.values, null, 'revoked elsewhere: slot removed');
});

t.test('a new database and its journal are readable by the owner only', async (t) => {
  const path = tempDb(t);
  const store = Store.open({ path, valuesPerSlot: 2, maxAgeSeconds: 3600 });
  t.teardown(() => store.close());
  account(store, 1);
  t.equal(statSync(path).mode & 0o777, 0o600, 'database 0600');
  t.equal(statSync(`${path}-wal`).mode & 0o777, 0o600, 'WAL 0600');
  t.equal(statSync(dirname(path)).mode & 0o777, 0o700, 'a folder it creates is 0700');
});
