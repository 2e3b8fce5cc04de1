// Turns a response model into wire bytes with dns2's codec, adding what dns2 leaves out or gets
// wrong: TXT strings over 255 bytes are split here, the OPT record (our 1232 payload size, DO
// copied, extended rcode for BADVERS) is built here, and an answer too big for the requester's
// limit is replaced by a truncated one (TC) so it retries over TCP.
import { Packet } from 'dns2';
import { HEADER_LENGTH, OUR_UDP_PAYLOAD, RRClass, RRType } from './constants.js';
import type { RData, ResourceRecord } from './records.js';
import type { DnsResponse } from './rules.js';

/** The record shape dns2's encoders read; typed here so nothing untyped crosses the boundary. */
interface WireRecord {
  name: string;
  type: number;
  class: number;
  ttl: number;
  [field: string]: unknown;
}

/** Encodes; over `limit` bytes the answer becomes header + question + OPT with TC set. */
export function encodeResponse(response: DnsResponse, limit: number): Buffer {
  const full = encode(response, false);
  if (full.length <= limit) return full;
  return encode({ ...response, answer: [], authority: [], additional: [] }, true);
}

function encode(response: DnsResponse, truncated: boolean): Buffer {
  const packet = new Packet();
  packet.header = new Packet.Header({
    id: response.id,
    qr: 1,
    opcode: response.opcode,
    aa: response.aa ? 1 : 0,
    tc: truncated ? 1 : 0,
    rd: response.rd ? 1 : 0,
    ra: 0,
    rcode: response.rcode & 0xf,
  });
  // dns2's header type omits AD/CD although its encoder writes them.
  Object.assign(packet.header, { ad: 0, cd: response.cd ? 1 : 0 });
  const question = response.question;
  const dotted = question !== null && question.labels.some((l) => l.includes('.'));
  if (question) {
    // A plain object, not `new Packet.Question`: its constructor turns type 0 and class 0 into
    // ANY, and the question must be echoed as asked (RFC 1035 §4.1.1).
    const echoed = { name: dotted ? placeholderName(question.labels) : question.name, type: question.type, class: question.class };
    packet.questions = [echoed as unknown as (typeof packet.questions)[number]];
  }
  packet.answers = response.answer.map(toWire) as unknown as typeof packet.answers;
  packet.authorities = response.authority.map(toWire) as unknown as typeof packet.answers;
  const additional: WireRecord[] = response.additional.map(toWire);
  if (response.edns) additional.push(optRecord(response.rcode, response.edns.dnssecOk));
  packet.additionals = additional as unknown as typeof packet.answers;
  const bytes = packet.toBuffer();
  if (question && dotted) writeLabels(bytes, HEADER_LENGTH, question.labels);
  return bytes;
}

/**
 * dns2 splits names on dots, so a label that itself holds a dot cannot go through it: such a
 * label goes in as NUL bytes of the same length, and the asked bytes are written over them once
 * encoded. Offsets do not move, and as no name of ours holds a NUL byte, no later name is
 * compressed against the placeholder; the labels after it are the asked ones.
 */
function placeholderName(labels: readonly string[]): string {
  return labels.map((l) => (l.includes('.') ? '\0'.repeat(l.length) : l)).join('.');
}

function writeLabels(bytes: Buffer, offset: number, labels: readonly string[]): void {
  let at = offset;
  for (const label of labels) {
    bytes[at] = label.length;
    bytes.write(label, at + 1, 'latin1');
    at += 1 + label.length;
  }
}

/** RFC 6891 §6.1.3: OPT TTL = extended rcode (8 bits) | version (8) | DO | zero. */
function optRecord(rcode: number, dnssecOk: boolean): WireRecord {
  const ttl = (((rcode >>> 4) & 0xff) << 24) | (dnssecOk ? 0x8000 : 0);
  return { name: '', type: RRType.OPT, class: OUR_UDP_PAYLOAD, ttl: ttl >>> 0, rdata: [] };
}

function toWire(record: ResourceRecord): WireRecord {
  const base = { name: record.name, type: record.rdata.type, class: RRClass.IN, ttl: record.ttl };
  return { ...base, ...rdataFields(record.rdata) };
}

function rdataFields(rdata: RData): Record<string, unknown> {
  switch (rdata.type) {
    case RRType.A:
    case RRType.AAAA:
      return { address: rdata.address };
    case RRType.NS:
      return { ns: rdata.host };
    case RRType.CNAME:
      return { domain: rdata.target };
    case RRType.MX:
      return { priority: rdata.preference, exchange: rdata.exchange };
    case RRType.TXT:
      return { data: rdata.strings.flatMap(splitCharacterStrings) };
    case RRType.CAA:
      return { flags: rdata.flags, tag: rdata.tag, value: rdata.value };
    case RRType.SOA:
      return {
        primary: rdata.mname,
        admin: rdata.rname,
        serial: rdata.serial,
        refresh: rdata.refresh,
        retry: rdata.retry,
        expiration: rdata.expire,
        minimum: rdata.minimum,
      };
  }
}

/** A <character-string> holds at most 255 bytes (RFC 1035 §3.3); longer content spans several. */
export function splitCharacterStrings(value: Buffer): Buffer[] {
  if (value.length <= 255) return [value];
  const parts: Buffer[] = [];
  for (let i = 0; i < value.length; i += 255) parts.push(value.subarray(i, i + 255));
  return parts;
}
