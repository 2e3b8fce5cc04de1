// The IXFR journal: every serial step is recorded with what each slot served before and after,
// the chain survives a restart, pruning drops whole old steps, and a config change that the
// journal cannot express moves the serial and empties it; a journal that contradicts itself is
// not read as a difference.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import t from 'tap';
import { Store } from '../../src/store/store.js';
import { readJournal, recordJournalStep } from '../../src/store/zone-journal.js';

function open(path: string, maxRows = 10_000): Store {
  return Store.open({ path, valuesPerSlot: 2, maxAgeSeconds: 3600, journalLimits: { maxRows, maxBytes: 1 << 20 } });
}

function account(store: Store, n: number): string {
  const subdomain = `slot-${n}`;
  store.createAccount({ username: `user-${n}`, passwordHash: '$2a$04$x', subdomain, allowfrom: [], label: null });
  return subdomain;
}

t.test('each step records before and after; the chain from any serial to now, also after a restart', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'acme-delegate-journal-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const path = join(dir, 'db.sqlite');
  let store = open(path);
  const slot = account(store, 1);
  const s0 = store.serial();
  store.addTxtValue(slot, 'a');
  store.addTxtValue(slot, 'b');
  store.addTxtValue(slot, 'c'); // two values per slot: "a" leaves
  const s3 = store.serial();
  t.same(store.journalSince(s0, s3), [
    { from: s0, to: s0 + 1, slots: [{ subdomain: slot, before: [], after: ['a'] }] },
    { from: s0 + 1, to: s0 + 2, slots: [{ subdomain: slot, before: ['a'], after: ['b', 'a'] }] },
    { from: s0 + 2, to: s3, slots: [{ subdomain: slot, before: ['b', 'a'], after: ['c', 'b'] }] },
  ]);
  store.close();
  store = open(path);
  t.teardown(() => store.close());
  t.equal(store.journalSince(s0 + 1, s3)?.length, 2, 'kept across a restart');
  t.equal(store.journalSince(s3, s3), undefined, 'no steps from now to now: the caller answers the SOA alone');
  t.equal(store.journalSince(12345, s3), undefined, 'a serial we never had: full transfer');
  account(store, 2);
  const step = store.journalSince(s3, store.serial());
  t.same(step, [{ from: s3, to: s3 + 1, slots: [] }], 'a step that changed no served value is still in the chain');
});

t.test('pruning drops the oldest whole steps', async (t) => {
  const store = open(':memory:', 20);
  t.teardown(() => store.close());
  const slots = Array.from({ length: 5 }, (_, i) => account(store, i));
  const start = store.serial();
  for (let round = 0; round < 200; round++) store.addTxtValue(slots[round % 5]!, `v${round}`);
  const now = store.serial();
  t.equal(store.journalSince(start, now), undefined, 'the start is gone');
  let oldest = now;
  while (store.journalSince(oldest - 1, now)) oldest--;
  t.ok(now - oldest >= 20 && now - oldest < 20 + 64, `about the last 20 steps kept (${now - oldest})`);
});

t.test('a purge of many slots is one step with every slot', async (t) => {
  let clock = 1_800_000_000_000;
  const store = Store.open({ path: ':memory:', valuesPerSlot: 2, maxAgeSeconds: 60, now: () => clock });
  t.teardown(() => store.close());
  const slots = Array.from({ length: 3 }, (_, i) => account(store, i));
  for (const s of slots) store.addTxtValue(s, `old-${s}`);
  const before = store.serial();
  clock += 120_000;
  store.purgeExpired();
  const steps = store.journalSince(before, store.serial());
  t.equal(steps?.length, 1);
  t.same(steps?.[0]?.slots.map((s) => [s.subdomain, s.before, s.after]), slots.map((s) => [s, [`old-${s}`], []]));
});

t.test('a changed zone shape moves the serial on and empties the journal', async (t) => {
  const store = open(':memory:');
  t.teardown(() => store.close());
  t.equal(store.noteZoneShape('shape-1'), false, 'first start: recorded');
  const slot = account(store, 1);
  store.addTxtValue(slot, 'x');
  const serial = store.serial();
  t.equal(store.noteZoneShape('shape-1'), false, 'same config: nothing happens');
  t.equal(store.serial(), serial);
  t.equal(store.noteZoneShape('shape-2'), true, 'another config');
  t.ok(store.serial() > serial, 'the serial moved on');
  t.equal(store.journalSince(serial - 1, serial), undefined, 'older serials get the full zone');
});

t.test('a journal that contradicts itself on the way gives the whole zone, not a wrong difference', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'acme-delegate-journal-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const path = join(dir, 'db.sqlite');
  open(path).close();
  const db = new BetterSqlite3(path);
  t.teardown(() => db.close());
  const limits = { maxRows: 10_000, maxBytes: 1 << 20 };
  recordJournalStep(db, { from: 10, to: 11, slots: [{ subdomain: 'slot', before: [], after: ['a'] }] }, limits);
  recordJournalStep(db, { from: 11, to: 12, slots: [{ subdomain: 'other', before: [], after: ['o'] }] }, limits);
  // "b" was never announced for this slot: a secondary at serial 11 has "a" alone.
  recordJournalStep(db, { from: 12, to: 13, slots: [{ subdomain: 'slot', before: ['b', 'a'], after: ['c', 'a'] }] }, limits);
  t.equal(readJournal(db, 10, 13), undefined, 'from 10: the way contradicts itself, so the whole zone');
  t.equal(readJournal(db, 11, 12)?.length, 1, 'a part of the way that agrees with itself still reads');
  recordJournalStep(db, { from: 13, to: 14, slots: [{ subdomain: 'slot', before: ['a', 'c'], after: ['c'] }] }, limits);
  t.equal(readJournal(db, 12, 14)?.length, 2, 'the same values in another order agree');
});
