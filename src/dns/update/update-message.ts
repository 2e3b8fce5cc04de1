// Reading a DNS UPDATE message (RFC 2136 §2): the zone section, the prerequisite and update
// sections as records with owner names and rdata in canonical form (names inside rdata
// decompressed and lower-cased), so the rules compare bytes. Never throws: a message that does
// not read is a string saying why (answered FORMERR).
import { RRType } from '../constants.js';
import { canonicalWireName, labelsToName, readMessage, readName, type WireMessage, type WireRecord } from '../wire-reader.js';

export interface UpdateRecord {
  /** Lower-case owner name without the trailing dot; null when a label holds a dot (no name of ours). */
  readonly name: string | null;
  readonly type: number;
  readonly class: number;
  readonly ttl: number;
  /** RDATA in canonical form (RFC 4034 §6.2). */
  readonly rdata: Buffer;
}

export interface UpdateMessage {
  readonly parsed: WireMessage;
  /** ZNAME (null as for records), ZTYPE, ZCLASS. */
  readonly zone: { readonly name: string | null; readonly type: number; readonly class: number };
  readonly prerequisites: readonly UpdateRecord[];
  readonly updates: readonly UpdateRecord[];
}

/** Records an UPDATE may carry; an ACME client sends a handful. */
export const MAX_UPDATE_RECORDS = 256;

export function readUpdate(msg: Buffer): UpdateMessage | string {
  const parsed = readMessage(msg, MAX_UPDATE_RECORDS);
  if (typeof parsed === 'string') return parsed;
  if (parsed.question === null) return 'no zone section';
  const prerequisites: UpdateRecord[] = [];
  const updates: UpdateRecord[] = [];
  for (const [records, into] of [
    [parsed.answer, prerequisites],
    [parsed.authority, updates],
  ] as const) {
    for (const record of records) {
      const read = updateRecord(msg, record);
      if (typeof read === 'string') return read;
      into.push(read);
    }
  }
  const { name, type, class: klass } = parsed.question;
  return { parsed, zone: { name: nameOf(name.labels), type, class: klass }, prerequisites, updates };
}

function nameOf(labels: readonly string[]): string | null {
  return labels.some((l) => l.includes('.')) ? null : labelsToName(labels);
}

function updateRecord(msg: Buffer, record: WireRecord): UpdateRecord | string {
  const rdata = canonicalRdata(msg, record);
  if (typeof rdata === 'string') return rdata;
  return { name: nameOf(record.owner.labels), type: record.type, class: record.class, ttl: record.ttl, rdata };
}

/** How the rdata of the types we serve that hold names is laid out: [bytes before, names, bytes after]. */
const nameLayouts: Record<number, readonly [number, number, number]> = {
  [RRType.NS]: [0, 1, 0],
  [RRType.CNAME]: [0, 1, 0],
  [RRType.MX]: [2, 1, 0],
  [RRType.SOA]: [0, 2, 20],
};

function canonicalRdata(msg: Buffer, record: WireRecord): Buffer | string {
  const raw = msg.subarray(record.rdataStart, record.rdataEnd);
  const layout = nameLayouts[record.type];
  if (!layout || raw.length === 0) return Buffer.from(raw);
  const [before, names, after] = layout;
  if (raw.length < before) return 'record data too short';
  const parts: Buffer[] = [Buffer.from(raw.subarray(0, before))];
  let at = record.rdataStart + before;
  for (let i = 0; i < names; i++) {
    const name = readName(msg, at);
    if (typeof name === 'string') return `record data: ${name}`;
    if (name.end > record.rdataEnd) return 'record data: name runs past the record';
    parts.push(canonicalWireName(labelsToName(name.labels)));
    at = name.end;
  }
  if (record.rdataEnd - at !== after) return 'record data has the wrong length';
  parts.push(Buffer.from(msg.subarray(at, record.rdataEnd)));
  return Buffer.concat(parts);
}
