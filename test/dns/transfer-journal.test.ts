// The IXFR journal's edge cases, checked the way a secondary would: take the zone by AXFR at an
// old serial, ask kdig for IXFR from it, apply the answer strictly (every record it deletes must be
// there, every record it adds must not) and compare with a fresh AXFR. An answer in AXFR form (the
// whole zone) must equal that AXFR. Either way the client ends with the right zone, never with a
// wrong incremental.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t, { type Test } from 'tap';
import { zoneShapeFingerprint } from '../../src/dns/transfer/zone-shape.js';
import { Store, type ImportedAccount } from '../../src/store/store.js';
import { addSlot, testConfig, ZONE } from './helpers.js';
import { run, toolMissing } from './socket-helpers.js';
import { startTransferPrimary } from './transfer-helpers.js';

const keySpec = `hmac-sha256:journal-key:${Buffer.from('journal test secret of 32 bytes!').toString('base64')}`;
const skip = toolMissing('kdig');
const MAX_AGE_SECONDS = 60;

async function startPrimary(t: Test, store: Store) {
  const { zone, port, stop } = await startTransferPrimary(t, store, keySpec);
  const records = async (qtype: string): Promise<string[]> =>
    (await run('kdig', ['@127.0.0.1', '-p', String(port), qtype, ZONE, '-y', keySpec]))
      .split('\n')
      .filter((l) => l !== '' && !l.startsWith(';') && !/\tTSIG\t/.test(l))
      .map((l) => l.split(/\s+/).join(' ').toLowerCase());
  return { zone, stop, axfr: () => records('AXFR'), ixfr: (from: number) => records(`IXFR=${from}`) };
}

const isSoa = (record: string): boolean => record.split(' ')[3] === 'soa';

/** The zone an AXFR carries: every record once (the closing SOA repeats the first). */
function zoneOf(axfr: readonly string[]): Set<string> {
  return new Set(axfr.slice(0, -1));
}

type Outcome =
  | { kind: 'incremental'; steps: number; zone: Set<string> }
  | { kind: 'full' | 'up to date'; zone: Set<string> }
  | { kind: 'wrong'; reason: string };

/** What a strict secondary holding `old` makes of an IXFR answer (RFC 1995 §4). */
function applyIxfr(old: Set<string>, answer: readonly string[]): Outcome {
  if (answer.length === 0 || !isSoa(answer[0]!)) return { kind: 'wrong', reason: `no SOA first: ${answer[0]}` };
  if (answer.length === 1) return old.has(answer[0]!) ? { kind: 'up to date', zone: old } : { kind: 'wrong', reason: `a lone SOA that is not the client's: ${answer[0]}` };
  if (!isSoa(answer[1]!)) return { kind: 'full', zone: zoneOf(answer) };
  const zone = new Set(old);
  let steps = 0;
  let i = 1;
  while (i < answer.length - 1) {
    const oldSoa = answer[i++]!;
    if (!zone.delete(oldSoa)) return { kind: 'wrong', reason: `step ${steps + 1} starts from ${oldSoa}, not the client's SOA` };
    while (!isSoa(answer[i]!)) {
      if (!zone.delete(answer[i]!)) return { kind: 'wrong', reason: `deletes a record the client does not have: ${answer[i]}` };
      i++;
    }
    zone.add(answer[i++]!);
    while (i < answer.length - 1 && !isSoa(answer[i]!)) {
      if (zone.has(answer[i]!)) return { kind: 'wrong', reason: `adds a record the client already has: ${answer[i]}` };
      zone.add(answer[i++]!);
    }
    steps++;
  }
  if (answer[answer.length - 1] !== answer[0]) return { kind: 'wrong', reason: 'does not end with the new SOA' };
  return { kind: 'incremental', steps, zone };
}

function sameZone(t: Test, got: Set<string>, want: Set<string>, what: string): void {
  const missing = [...want].filter((r) => !got.has(r));
  const extra = [...got].filter((r) => !want.has(r));
  t.same({ missing, extra }, { missing: [], extra: [] }, what);
}

const value = (text: string): string => text.padEnd(43, '-');

t.test('an expired value still stored (not yet purged) never becomes a wrong "before"', { skip }, async (t) => {
  let clock = Date.now();
  const store = Store.open({ path: ':memory:', valuesPerSlot: 2, maxAgeSeconds: MAX_AGE_SECONDS, now: () => clock });
  addSlot(store, 'kept', [value('kept-1')]);
  addSlot(store, 'aging', [value('aging-old')]);
  addSlot(store, 'idle', [value('idle-old')]);
  const { zone, axfr, ixfr } = await startPrimary(t, store);
  const s1 = zone.serial();
  const atS1 = zoneOf(await axfr());
  t.ok(atS1.has(`aging.${ZONE}. 1 in txt "${value('aging-old')}"`), 'the aging value is served at S1');

  // Every value is now past its max age but not purged; the slot "aging" changes first, so its
  // old value leaves DNS while still stored. Then the purge removes what is left.
  clock += (MAX_AGE_SECONDS + 1) * 1000;
  store.addTxtValue('aging', value('aging-new'));
  const s2 = zone.serial();
  const atS2 = zoneOf(await axfr());
  t.notOk(atS2.has(`aging.${ZONE}. 1 in txt "${value('aging-old')}"`), 'after its slot changed, the expired value is no longer served');
  store.addTxtValue('kept', value('kept-2'));
  t.ok(store.purgeExpired() > 0, 'the purge removed the other expired values');
  store.addTxtValue('aging', value('aging-newer'));
  const now = zoneOf(await axfr());

  for (const [from, atFrom] of [[s1, atS1], [s2, atS2]] as const) {
    const outcome = applyIxfr(atFrom, await ixfr(from));
    if (outcome.kind === 'wrong') t.fail(`IXFR from ${from}: ${outcome.reason}`);
    else sameZone(t, outcome.zone, now, `IXFR from ${from === s1 ? 'S1' : 'S2'} (${outcome.kind}${outcome.kind === 'incremental' ? `, ${outcome.steps} steps` : ''}) ends with the current zone`);
  }
});

t.test('one import of more than the journal holds (10,001 slots) is pruned at once: older serials get the whole zone', { skip }, async (t) => {
  const store = Store.open({ path: ':memory:', valuesPerSlot: 2, maxAgeSeconds: 604800 });
  addSlot(store, 'before-import', [value('before')]);
  const { zone, axfr, ixfr } = await startPrimary(t, store);
  const s1 = zone.serial();
  const atS1 = zoneOf(await axfr());
  const now = Date.now();
  const accounts: ImportedAccount[] = Array.from({ length: 10_001 }, (_, i) => ({
    username: `imported-${i}`,
    passwordHash: 'x',
    subdomain: `imported-${String(i).padStart(5, '0')}`,
    allowfrom: [],
    label: null,
    createdAt: now,
    values: [{ value: value(`imported-${i}`), updatedAt: now }],
  }));
  t.equal(store.importAccounts(accounts).imported, 10_001, '10,001 accounts imported in one transaction, one serial step');
  const s2 = zone.serial();
  t.equal(store.journalSince(s1, s2), undefined, 'the import step did not fit in the journal: it is gone whole');
  const atS2 = zoneOf(await axfr());
  t.equal([...atS2].filter((r) => r.includes(' txt ')).length, 10_002, 'the zone holds every imported value');
  store.addTxtValue('before-import', value('after'));
  const current = zoneOf(await axfr());

  const fromS1 = applyIxfr(atS1, await ixfr(s1));
  t.equal(fromS1.kind, 'full', 'IXFR from before the import: the whole zone (AXFR form)');
  if (fromS1.kind !== 'wrong') sameZone(t, fromS1.zone, current, 'and it is the current zone');
  const fromS2 = applyIxfr(atS2, await ixfr(s2));
  t.equal(fromS2.kind, 'incremental', 'IXFR from the import serial: the one later step');
  if (fromS2.kind !== 'wrong') sameZone(t, fromS2.zone, current, 'and it ends with the current zone');
});

t.test('a restart that serves fewer values per slot moves the serial: secondaries take the whole zone', { skip }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'acme-delegate-journal-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const path = join(dir, 'store.db');
  const open = (valuesPerSlot: number): Store => {
    const store = Store.open({ path, valuesPerSlot, maxAgeSeconds: 604800 });
    store.noteZoneShape(zoneShapeFingerprint(testConfig({ 'store.txt_values_per_slot': String(valuesPerSlot) })));
    return store;
  };
  const first = open(2);
  addSlot(first, 'two-values', [value('older'), value('newer')]);
  const before = await startPrimary(t, first);
  const s1 = before.zone.serial();
  const atS1 = zoneOf(await before.axfr());
  t.equal([...atS1].filter((r) => r.includes(' txt ')).length, 2, 'two values served');
  await before.stop();

  const after = await startPrimary(t, open(1));
  const current = zoneOf(await after.axfr());
  t.equal([...current].filter((r) => r.includes(' txt ')).length, 1, 'one value served after the restart');
  t.not(after.zone.serial(), s1, 'the serial moved');
  const outcome = applyIxfr(atS1, await after.ixfr(s1));
  if (outcome.kind === 'wrong') t.fail(`IXFR from the old serial: ${outcome.reason}`);
  else sameZone(t, outcome.zone, current, `IXFR from the old serial (${outcome.kind}) ends with the current zone`);
});
