// The journal of zone changes, keyed by serial, that IXFR (RFC 1995) answers from: one row per
// slot a serial step changed, with what the slot served before and after (a step that changed no
// served value still gets a row, so the chain of serials has no gaps). Lives in the store's
// database and is written in the same transaction as the change, so it survives restarts.
// Bounded: the oldest whole serial steps go once it holds more than its rows or bytes.
import type { Database } from 'better-sqlite3';
import type { AccountKind } from './store.js';

export interface JournalSlot {
  readonly subdomain: string;
  /** TXT values, or for a ddns slot its addresses (SlotChange). */
  readonly before: readonly string[];
  readonly after: readonly string[];
  /** Absent means 'acme' (TXT). */
  readonly kind?: AccountKind;
}

export interface JournalStep {
  readonly from: number;
  readonly to: number;
  readonly slots: readonly JournalSlot[];
}

export interface JournalLimits {
  readonly maxRows: number;
  readonly maxBytes: number;
}

/** Knot keeps 20 changesets by default; ours are a few hundred bytes each, so keep many more. */
export const defaultJournalLimits: JournalLimits = { maxRows: 10_000, maxBytes: 8 * 1024 * 1024 };

/** Pruning walks the table; doing it every this many rows keeps writes cheap. */
const PRUNE_EVERY = 64;

export function recordJournalStep(db: Database, step: JournalStep, limits: JournalLimits): void {
  const insert = db.prepare('INSERT INTO zone_journal (serial_from, serial_to, subdomain, before, after, kind) VALUES (?, ?, ?, ?, ?, ?)');
  const slots = step.slots.filter((s) => !sameValues(s.before, s.after));
  let id = 0;
  if (slots.length === 0) id = Number(insert.run(step.from, step.to, null, '[]', '[]', 'acme').lastInsertRowid);
  for (const slot of slots) id = Number(insert.run(step.from, step.to, slot.subdomain, JSON.stringify(slot.before), JSON.stringify(slot.after), slot.kind ?? 'acme').lastInsertRowid);
  if (id % PRUNE_EVERY < slots.length + 1) pruneJournal(db, limits);
}

/** Drops the oldest whole serial steps beyond the row and byte limits. */
export function pruneJournal(db: Database, limits: JournalLimits): void {
  const byRows = db.prepare('SELECT id FROM zone_journal ORDER BY id DESC LIMIT 1 OFFSET ?').get(limits.maxRows) as { id: number } | undefined;
  const byBytes = db
    .prepare(
      `SELECT id FROM (SELECT id, SUM(length(before) + length(after) + 32) OVER (ORDER BY id DESC) AS total FROM zone_journal)
       WHERE total > ? ORDER BY id DESC LIMIT 1`,
    )
    .get(limits.maxBytes) as { id: number } | undefined;
  const boundary = Math.max(byRows?.id ?? 0, byBytes?.id ?? 0);
  if (boundary === 0) return;
  // The step the boundary row belongs to goes entirely: a half step would be a wrong difference.
  db.prepare(
    `DELETE FROM zone_journal WHERE id <= (SELECT MAX(id) FROM zone_journal WHERE serial_to = (SELECT serial_to FROM zone_journal WHERE id = ?))`,
  ).run(boundary);
}

export function clearJournal(db: Database): void {
  db.prepare('DELETE FROM zone_journal').run();
}

/**
 * The unbroken steps from serial `from` to `to`, or undefined when the journal lacks part of the
 * way or contradicts itself (a slot's "before" that is not what an earlier step on the way left):
 * then the client gets the whole zone rather than a difference that would be wrong.
 */
export function readJournal(db: Database, from: number, to: number): JournalStep[] | undefined {
  const first = db.prepare('SELECT MIN(id) AS id FROM zone_journal WHERE serial_from = ?').get(from) as { id: number | null };
  if (first.id === null) return undefined;
  const rows = db.prepare('SELECT serial_from, serial_to, subdomain, before, after, kind FROM zone_journal WHERE id >= ? ORDER BY id').iterate(first.id) as IterableIterator<{
    serial_from: number;
    serial_to: number;
    subdomain: string | null;
    before: string;
    after: string;
    kind: AccountKind;
  }>;
  const steps: { from: number; to: number; slots: JournalSlot[] }[] = [];
  const left = new Map<string, readonly string[]>();
  for (const row of rows) {
    let step = steps[steps.length - 1];
    if (!step || step.from !== row.serial_from || step.to !== row.serial_to) {
      if (step?.to === to) break;
      if (step && step.to !== row.serial_from) return undefined;
      step = { from: row.serial_from, to: row.serial_to, slots: [] };
      steps.push(step);
    }
    if (row.subdomain === null) continue;
    const slot = { subdomain: row.subdomain, before: JSON.parse(row.before) as string[], after: JSON.parse(row.after) as string[] };
    const earlier = left.get(slot.subdomain);
    if (earlier !== undefined && !sameValues(earlier, slot.before)) return undefined;
    left.set(slot.subdomain, slot.after);
    step.slots.push(row.kind === 'ddns' ? { ...slot, kind: row.kind } : slot);
  }
  return steps.length > 0 && steps[steps.length - 1]!.to === to ? steps : undefined;
}

function sameValues(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((v) => b.includes(v));
}
