// The records of a transfer reply, produced lazily: AXFR (RFC 5936 §2.2: SOA, every other
// record, SOA) from one snapshot of the zone, and IXFR (RFC 1995 §4) from journal changes.
import { RRType } from '../constants.js';
import type { RData, RRset } from '../records.js';
import { asciiLower } from '../../names/domain-name.js';
import { addressRRsets, txtRRset } from '../zone-index.js';
import type { JournalSlot, JournalStep } from '../../store/zone-journal.js';
import type { TransferRecord } from './message-stream.js';

export interface JournalSource {
  /** The unbroken chain of steps from `from` to `to`, or undefined when the journal lacks part of it. */
  journalSince(from: number, to: number): readonly JournalStep[] | undefined;
}

export function* axfrRecords(soa: RRset, snapshot: readonly RRset[]): Generator<TransferRecord> {
  const soaRecord = { name: soa.name, ttl: soa.ttl, rdata: soa.rdata[0]! };
  yield soaRecord;
  for (const rrset of snapshot) {
    if (rrset.type === RRType.SOA) continue;
    for (const rdata of rrset.rdata) yield { name: rrset.name, ttl: rrset.ttl, rdata };
  }
  yield soaRecord;
}

/** TTLs of slot records: TXT of ACME slots, A/AAAA of ddns slots. */
export interface SlotTtls {
  readonly txt: number;
  readonly address: number;
}

/** Current SOA; per change: old SOA, removed records, new SOA, added records; current SOA. */
export function* ixfrRecords(soa: RRset, changes: readonly JournalStep[], origin: string, ttls: SlotTtls): Generator<TransferRecord> {
  const current = soa.rdata[0]!;
  const soaAt = (serial: number): TransferRecord => ({ name: soa.name, ttl: soa.ttl, rdata: { ...(current as RData & { type: 6 }), serial } });
  yield soaAt((current as { serial: number }).serial);
  for (const change of changes) {
    yield soaAt(change.from);
    for (const slot of change.slots) yield* slotRecords(slot, origin, ttls, slot.before, slot.after);
    yield soaAt(change.to);
    for (const slot of change.slots) yield* slotRecords(slot, origin, ttls, slot.after, slot.before);
  }
  yield soaAt((current as { serial: number }).serial);
}

/** The records (TXT, or A/AAAA of a ddns slot) of `values` that are not in `other`. */
function slotRecords(slot: JournalSlot, origin: string, ttls: SlotTtls, values: readonly string[], other: readonly string[]): TransferRecord[] {
  const only = values.filter((v) => !other.includes(v));
  if (only.length === 0) return [];
  const name = `${asciiLower(slot.subdomain)}.${origin}`;
  const rrsets = slot.kind === 'ddns' ? addressRRsets(name, only, ttls.address) : [txtRRset(name, only, ttls.txt)];
  return rrsets.flatMap((rrset) => rrset.rdata.map((rdata) => ({ name, ttl: rrset.ttl, rdata })));
}
