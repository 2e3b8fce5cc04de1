// Reads a query off the wire with strict bounds before anything else looks at it. This is the
// guard in front of dns2: its parser loops on the header's section counts even after the data
// ran out (seconds of CPU for one 12-byte packet), so queries are read here and never by dns2.
// Never throws: anything unreadable becomes `problem` (answered FORMERR) or null (dropped).
import { HEADER_LENGTH, Opcode, RRType } from './constants.js';
import { readName, readRecord, type WireRecord } from './wire-reader.js';

export interface Question {
  /** Labels as sent, one latin1 char per byte (case and any byte kept exactly). */
  readonly labels: readonly string[];
  /** Labels joined with dots, as asked ("" for the root). */
  readonly name: string;
  readonly type: number;
  readonly class: number;
  /** The question's wire length (name + type + class). */
  readonly wireLength: number;
}

export interface Edns {
  /** Requester's UDP payload size (the OPT class). */
  readonly udpSize: number;
  readonly version: number;
  readonly dnssecOk: boolean;
}

export interface Query {
  readonly id: number;
  readonly opcode: number;
  readonly rd: boolean;
  readonly cd: boolean;
  readonly question: Question | null;
  readonly edns: Edns | null;
  /** Why the message is malformed (answered FORMERR); null when well-formed. */
  readonly problem: string | null;
}

/** More additional records than a query has reason to carry (OPT, TSIG, a spare) is abuse. */
const MAX_ADDITIONAL = 4;
/** Records walked to find the OPT of a message with another opcode; more and we answer without. */
const MAX_RECORDS_WALKED = 64;

/** null: drop silently (no readable header, or a response rather than a query). */
export function decodeQuery(msg: Buffer): Query | null {
  if (msg.length < HEADER_LENGTH) return null;
  const flags = msg.readUInt16BE(2);
  if (flags & 0x8000) return null; // QR set: a response; answering could start a loop
  const base = {
    id: msg.readUInt16BE(0),
    opcode: (flags >> 11) & 0xf,
    rd: (flags & 0x0100) !== 0,
    cd: (flags & 0x0010) !== 0,
  };
  const qdcount = msg.readUInt16BE(4);
  const ancount = msg.readUInt16BE(6);
  const nscount = msg.readUInt16BE(8);
  const arcount = msg.readUInt16BE(10);
  const malformed = (problem: string, question: Question | null = null): Query => ({ ...base, question, edns: null, problem });

  if (base.opcode !== Opcode.QUERY) {
    // Answered NOTIMP; echo the question when it reads cleanly, and keep its EDNS so the reply
    // carries an OPT (RFC 6891 §6.1.1); anything else about the message is not our business.
    const q = qdcount === 1 ? readQuestion(msg) : null;
    if (q === null || typeof q === 'string') return { ...base, question: null, edns: null, problem: null };
    return { ...base, question: q, edns: findEdns(msg, HEADER_LENGTH + q.wireLength, ancount + nscount, arcount), problem: null };
  }
  if (qdcount !== 1) return malformed(`QDCOUNT is ${qdcount}, not 1`);
  // RFC 1995 §3: an IXFR query carries the client's SOA in the authority section; no other
  // query has answer or authority records.
  if (ancount !== 0 || nscount > 1) return malformed('a query carries answer or authority records');
  if (arcount > MAX_ADDITIONAL) return malformed(`ARCOUNT ${arcount} is above ${MAX_ADDITIONAL}`);
  const question = readQuestion(msg);
  if (typeof question === 'string') return malformed(question);
  if (nscount !== 0 && question.type !== RRType.IXFR) return malformed('a query other than IXFR carries an authority record', question);

  let offset = HEADER_LENGTH + question.wireLength;
  for (let i = 0; i < nscount; i++) {
    const record = readRecord(msg, offset);
    if (typeof record === 'string') return malformed(`authority section: ${record}`, question);
    if (record.type === RRType.OPT) return malformed('OPT record outside the additional section', question);
    offset = record.rdataEnd;
  }
  let edns: Edns | null = null;
  for (let i = 0; i < arcount; i++) {
    const record = readRecord(msg, offset);
    if (typeof record === 'string') return malformed(`additional section: ${record}`, question);
    if (record.type === RRType.OPT) {
      if (edns) return malformed('more than one OPT record', question);
      if (!isRoot(record)) return malformed('OPT owner is not the root', question);
      const optionsProblem = checkOptions(msg, record.rdataStart, record.rdataEnd);
      if (optionsProblem) return malformed(optionsProblem, question);
      edns = ednsOf(record);
    }
    offset = record.rdataEnd;
  }
  if (offset !== msg.length) return malformed(`${msg.length - offset} byte(s) after the last record`, question);
  return { ...base, question, edns, problem: null };
}

/**
 * The EDNS of a message we do not otherwise read (another opcode): skips `skip` records, then
 * looks for exactly one well-formed OPT among the next `additional`. null when there is none or
 * anything is off, or the message has more records than any NOTIFY or small UPDATE needs.
 */
function findEdns(msg: Buffer, start: number, skip: number, additional: number): Edns | null {
  if (skip + additional > MAX_RECORDS_WALKED) return null;
  let offset = start;
  let edns: Edns | null = null;
  for (let i = 0; i < skip + additional; i++) {
    const record = readRecord(msg, offset);
    if (typeof record === 'string') return null;
    offset = record.rdataEnd;
    if (i < skip || record.type !== RRType.OPT) continue;
    if (edns || !isRoot(record) || checkOptions(msg, record.rdataStart, record.rdataEnd)) return null;
    edns = ednsOf(record);
  }
  return edns;
}

function ednsOf(record: WireRecord): Edns {
  return { udpSize: record.class, version: (record.ttl >>> 16) & 0xff, dnssecOk: (record.ttl & 0x8000) !== 0 };
}

/** RFC 6891 §6.1.2: an OPT's owner is the root; an empty label list is the root. */
function isRoot(record: WireRecord): boolean {
  return record.owner.labels.length === 0;
}

/** The single question at offset 12; a string says what is wrong. */
function readQuestion(msg: Buffer): Question | string {
  // Nothing precedes the question but the header, so any pointer here is bogus (or a loop).
  const name = readName(msg, HEADER_LENGTH, false);
  if (typeof name === 'string') return `question: ${name}`;
  if (name.end + 4 > msg.length) return 'question type and class missing';
  return {
    labels: name.labels,
    name: name.labels.join('.'),
    type: msg.readUInt16BE(name.end),
    class: msg.readUInt16BE(name.end + 2),
    wireLength: name.end + 4 - HEADER_LENGTH,
  };
}

/** EDNS options are (code, length, data) triples that must fill the OPT rdata exactly. */
function checkOptions(msg: Buffer, start: number, end: number): string | null {
  let offset = start;
  while (offset < end) {
    if (offset + 4 > end) return 'truncated EDNS option header';
    offset += 4 + msg.readUInt16BE(offset + 2);
  }
  return offset === end ? null : 'EDNS option runs past the OPT record';
}
