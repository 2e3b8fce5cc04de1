// Bounds-checked reading of names and records anywhere in a DNS message: the one name walker, for
// the query decoder's records after the question (OPT, TSIG, an IXFR's SOA) as for TSIG, transfer
// and NOTIFY replies. Never throws: a problem comes back as a string that says what is wrong.
import { HEADER_LENGTH } from './constants.js';
import { asciiLower } from '../names/domain-name.js';

const MAX_POINTER_HOPS = 64;

export interface WireName {
  /** Labels as sent, latin1 (one char a byte). */
  readonly labels: readonly string[];
  /** Offset just after the name where it was found (after a pointer, not its target). */
  readonly end: number;
}

export interface WireRecord {
  readonly owner: WireName;
  readonly type: number;
  readonly class: number;
  readonly ttl: number;
  /** Offset of the record's first byte (its owner name). */
  readonly start: number;
  readonly rdataStart: number;
  readonly rdataEnd: number;
}

export interface WireMessage {
  readonly id: number;
  readonly flags: number;
  readonly opcode: number;
  readonly rcode: number;
  readonly question: { readonly name: WireName; readonly type: number; readonly class: number } | null;
  readonly answer: readonly WireRecord[];
  readonly authority: readonly WireRecord[];
  readonly additional: readonly WireRecord[];
}

/**
 * Reads a possibly compressed name; pointers must go strictly backwards, so no loops. Where
 * nothing can precede the name but the header (a query's question), `pointers` false refuses any.
 */
export function readName(msg: Buffer, start: number, pointers = true): WireName | string {
  const labels: string[] = [];
  let offset = start;
  let end = -1;
  let hops = 0;
  let length = 1;
  while (true) {
    const len = msg[offset];
    if (len === undefined) return 'name runs past the end';
    if (len === 0) break;
    if ((len & 0xc0) === 0xc0) {
      if (!pointers) return 'compression pointer where none can point back';
      const next = msg[offset + 1];
      if (next === undefined) return 'compression pointer runs past the end';
      const target = ((len & 0x3f) << 8) | next;
      if (target >= offset || ++hops > MAX_POINTER_HOPS) return 'compression pointer loops or points forward';
      if (end === -1) end = offset + 2;
      offset = target;
      continue;
    }
    if ((len & 0xc0) !== 0) return 'reserved label type';
    length += len + 1;
    if (length > 255) return 'name longer than 255 bytes';
    if (offset + 1 + len > msg.length) return 'label runs past the end';
    labels.push(msg.toString('latin1', offset + 1, offset + 1 + len));
    offset += 1 + len;
  }
  return { labels, end: end === -1 ? offset + 1 : end };
}

export function readRecord(msg: Buffer, start: number): WireRecord | string {
  const owner = readName(msg, start);
  if (typeof owner === 'string') return owner;
  const at = owner.end;
  if (at + 10 > msg.length) return 'record header runs past the end';
  const rdlength = msg.readUInt16BE(at + 8);
  if (at + 10 + rdlength > msg.length) return 'record data runs past the end';
  return {
    owner,
    type: msg.readUInt16BE(at),
    class: msg.readUInt16BE(at + 2),
    ttl: msg.readUInt32BE(at + 4),
    start,
    rdataStart: at + 10,
    rdataEnd: at + 10 + rdlength,
  };
}

/** Most records we read in one message (queries, NOTIFY replies); more is not ours to walk. */
const MAX_RECORDS = 64;

/** A whole small message: header, at most one question, every record; no trailing bytes. */
export function readMessage(msg: Buffer, maxRecords = MAX_RECORDS): WireMessage | string {
  if (msg.length < HEADER_LENGTH) return 'shorter than a header';
  const flags = msg.readUInt16BE(2);
  const qdcount = msg.readUInt16BE(4);
  const counts = [msg.readUInt16BE(6), msg.readUInt16BE(8), msg.readUInt16BE(10)] as const;
  if (qdcount > 1) return `QDCOUNT is ${qdcount}`;
  if (counts[0] + counts[1] + counts[2] > maxRecords) return 'more records than a message of this kind carries';
  let offset = HEADER_LENGTH;
  let question: WireMessage['question'] = null;
  if (qdcount === 1) {
    const name = readName(msg, offset);
    if (typeof name === 'string') return `question: ${name}`;
    if (name.end + 4 > msg.length) return 'question type and class missing';
    question = { name, type: msg.readUInt16BE(name.end), class: msg.readUInt16BE(name.end + 2) };
    offset = name.end + 4;
  }
  const sections: WireRecord[][] = [[], [], []];
  for (let s = 0; s < 3; s++) {
    for (let i = 0; i < counts[s]!; i++) {
      const record = readRecord(msg, offset);
      if (typeof record === 'string') return record;
      sections[s]!.push(record);
      offset = record.rdataEnd;
    }
  }
  if (offset !== msg.length) return `${msg.length - offset} byte(s) after the last record`;
  return {
    id: msg.readUInt16BE(0),
    flags,
    opcode: (flags >> 11) & 0xf,
    rcode: flags & 0xf,
    question,
    answer: sections[0]!,
    authority: sections[1]!,
    additional: sections[2]!,
  };
}

/** A name in canonical wire form (lower-case, uncompressed), as TSIG digests it. */
export function canonicalWireName(name: string): Buffer {
  const labels = name === '' || name === '.' ? [] : name.replace(/\.$/, '').split('.');
  const parts: Buffer[] = [];
  for (const label of labels) {
    const bytes = Buffer.from(asciiLower(label), 'latin1');
    parts.push(Buffer.from([bytes.length]), bytes);
  }
  parts.push(Buffer.from([0]));
  return Buffer.concat(parts);
}

export function labelsToName(labels: readonly string[]): string {
  return asciiLower(labels.join('.'));
}
