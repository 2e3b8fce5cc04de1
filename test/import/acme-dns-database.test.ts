// Reading an acme-dns database of many accounts: each account gets exactly its own TXT values,
// and the import is one transaction that skips known usernames and refuses a clash whole.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import t from 'tap';
import { readAcmeDnsDatabase } from '../../src/import/acme-dns-database.js';
import { Store } from '../../src/store/store.js';

const slot = (n: number): string => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;
const user = (n: number): string => `10000000-0000-4000-8000-${String(n).padStart(12, '0')}`;
const dir = mkdtempSync(join(tmpdir(), 'acme-delegate-acmedns-'));
t.teardown(() => rmSync(dir, { recursive: true, force: true }));

/** An acme-dns v1.1 database (its own schema) with `count` accounts, two TXT rows each, interleaved. */
function acmeDnsDatabase(count: number): string {
  const path = join(dir, `acme-dns-${count}.db`);
  const db = new BetterSqlite3(path);
  db.exec(`CREATE TABLE records(Username TEXT UNIQUE NOT NULL PRIMARY KEY, Password TEXT UNIQUE NOT NULL, Subdomain TEXT UNIQUE NOT NULL, AllowFrom TEXT);
           CREATE TABLE txt(Subdomain TEXT NOT NULL, Value TEXT NOT NULL DEFAULT '', LastUpdate INT);`);
  const record = db.prepare('INSERT INTO records VALUES (?, ?, ?, ?)');
  const txt = db.prepare('INSERT INTO txt VALUES (?, ?, ?)');
  db.transaction(() => {
    for (let n = 1; n <= count; n++) record.run(user(n), Buffer.from(`$2a$10$${String(n).padStart(53, 'x')}`), slot(n), n % 2 ? '[]' : '["10.0.0.0/8"]');
    for (const round of [1, 2]) for (let n = count; n >= 1; n--) txt.run(slot(n), n % 3 === 0 && round === 1 ? '' : `value-${n}-${round}`, 1_700_000_000 + round);
  })();
  db.close();
  return path;
}

t.test('every account gets its own values, and only its own', async (t) => {
  const accounts = readAcmeDnsDatabase(acmeDnsDatabase(300));
  t.equal(accounts.length, 300);
  for (const a of accounts) {
    const n = Number(a.subdomain.slice(-12));
    const expected = [1, 2].filter((round) => !(n % 3 === 0 && round === 1)).map((round) => ({ value: `value-${n}-${round}`, updatedAt: (1_700_000_000 + round) * 1000 }));
    t.same(a.values, expected, `slot ${n}`);
    t.same(a.allowfrom, n % 2 ? [] : ['10.0.0.0/8']);
    t.match(a.passwordHash, /^\$2a\$10\$/);
  }
});

t.test('importAccounts: one transaction, skips known usernames, a clash changes nothing', async (t) => {
  const accounts = readAcmeDnsDatabase(acmeDnsDatabase(50)).map((a) => ({ ...a, createdAt: 1 }));
  const store = Store.open({ path: join(dir, 'ours.db'), valuesPerSlot: 2, maxAgeSeconds: 10 * 365 * 86400 });
  t.teardown(() => store.close());
  t.same(store.importAccounts(accounts.slice(0, 10)), { imported: 10, skipped: 0 });
  t.same(store.importAccounts(accounts), { imported: 40, skipped: 10 });
  t.equal([...store.listSlots()].length, 50);
  t.same(store.slotValues(slot(4)), ['value-4-2', 'value-4-1'], 'newest first');
  const before = store.auditEvents(1000).length;
  const clash = { ...accounts[0], username: user(999), subdomain: slot(7) } as (typeof accounts)[number];
  const newcomer = { ...accounts[0], username: user(998), subdomain: slot(998) } as (typeof accounts)[number];
  t.throws(() => store.importAccounts([newcomer, clash]), { code: 'import_failed', message: /already belongs to account/ });
  t.equal(store.getAccount(user(998)), undefined, 'the account before the clash was not kept');
  t.equal(store.auditEvents(1000).length, before, 'nothing written');
});
