// The fast path for what CAs and floods ask: a slot's TXT (or NODATA at a slot), a name below the
// apex that does not exist (NXDOMAIN), a name outside the zone (REFUSED). Answered straight from
// the query bytes: the question is copied as asked, a slot's records were encoded when the slot
// changed (slot-records.ts), and the SOA of a negative answer is a template per position of the
// apex in the question (its owner and names compress against the question), rebuilt when the
// zone changes. No dns2 and no per-query objects.
//
// Every reply here is byte for byte what the general path (rules.ts + response-encoder.ts, i.e.
// dns2) sends for the same query; test/dns/fast-answers.test.ts proves it shape by shape. Any
// query this module is not sure about (other opcodes, EDNS other than one plain OPT, a dot inside a
// label, the apex, names under static records or the SOA's own names, qtype OPT/AXFR/IXFR) is
// left to the general path by returning undefined.
//
// With RRL (UDP), the kind of reply is known before any byte of it is written, so the limiter
// decides first: a dropped reply of a flood is never built.
import { asciiLower, asciiLowerByte } from '../names/domain-name.js';
import { HEADER_LENGTH, OUR_UDP_PAYLOAD, RRClass, RRType, Rcode } from './constants.js';
import type { QueryTimes } from './query-times.js';
import type { ResourceRecord } from './records.js';
import { applyVerdict, kindOf, type Rrl } from './rrl.js';
import { negativeSoa } from './rules.js';
import { createRecordRun, findRecordRun, wireKey } from './slot-records.js';
import type { ZoneView } from './zone-index.js';

export interface FastAnswers {
  /**
   * The reply; null when RRL dropped it; undefined when the general path must answer.
   * `limit`: the transport's size limit. `rrl` and `peer`: the UDP rate limit and who asked.
   */
  answer(msg: Buffer, limit: (udpSize: number | null) => number, rrl?: Rrl, peer?: string): Buffer | null | undefined;
}

const MAX_NAME = 255;
const MAX_LABEL = 63;
const DOT = 0x2e;
const OPT_LENGTH = 11;
/** dns2 keeps TTLs (and the SOA minimum) below 2^31 (RFC 2181 §8). */
const MAX_TTL = 0x7fffffff;

/** `queryTimes`: told of every TXT (or ANY) question at a slot, for renewal health. */
export function createFastAnswers(zone: ZoneView, queryTimes?: QueryTimes): FastAnswers {
  const table = zone.slots;
  const reserved = table.reservedTopLabels;
  /** The apex in lower-case wire form, root byte included. */
  const originWire = Buffer.from(`${wireKey(zone.origin)}\0`, 'latin1');
  /** The query name lower-cased (offset 0 = offset 12 of the message), and where its labels start. */
  const name = Buffer.alloc(MAX_NAME + 1);
  /** Where the asked type's records lie in a slot's encoded records (reused by every query). */
  const run = createRecordRun();
  const starts = new Uint8Array(MAX_NAME);
  /** Negative-answer SOA records by the apex's offset in the message, for one zone version. */
  let soaVersion = -1;
  let soaByApexOffset: (Buffer | undefined)[] = [];
  const negativeRecord = (apexOffset: number): Buffer => {
    if (zone.version() !== soaVersion) {
      soaVersion = zone.version();
      soaByApexOffset = [];
    }
    return (soaByApexOffset[apexOffset] ??= encodeNegativeSoa(negativeSoa(zone)[0] as ResourceRecord, zone.origin, apexOffset));
  };

  return {
    answer(msg, limitFor, rrl, peer) {
      const length = msg.length;
      // A query (QR clear), opcode QUERY, QDCOUNT 1, no answer or authority, at most one additional.
      if (length < HEADER_LENGTH + 5 || ((msg[2] as number) & 0xf8) !== 0) return undefined;
      if (msg[4] !== 0 || msg[5] !== 1 || msg[6] !== 0 || msg[7] !== 0 || msg[8] !== 0 || msg[9] !== 0 || msg[10] !== 0) return undefined;
      const additional = msg[11] as number;
      if (additional > 1) return undefined;

      // The name: plain labels (no pointer, no dot inside), lower-cased into `name`.
      let at = HEADER_LENGTH;
      let labels = 0;
      for (let len = msg[at] as number; len !== 0; len = msg[at] as number) {
        const end = at + 1 + len;
        if (len > MAX_LABEL || end - HEADER_LENGTH + 1 > MAX_NAME || end >= length) return undefined;
        starts[labels++] = at - HEADER_LENGTH;
        name[at - HEADER_LENGTH] = len;
        for (let i = at + 1; i < end; i++) {
          const c = msg[i] as number;
          if (c === DOT) return undefined;
          name[i - HEADER_LENGTH] = asciiLowerByte(c);
        }
        at = end;
      }
      const wireLength = at - HEADER_LENGTH + 1;
      name[wireLength - 1] = 0;
      const questionEnd = at + 5;
      if (questionEnd > length) return undefined;
      const qtype = ((msg[at + 1] as number) << 8) | (msg[at + 2] as number);
      const qclass = ((msg[at + 3] as number) << 8) | (msg[at + 4] as number);

      // EDNS: exactly one OPT, root owner, version 0, well-formed options, nothing after it.
      let udpSize: number | null = null;
      let dnssecOk = false;
      if (additional === 1) {
        const o = questionEnd;
        if (o + OPT_LENGTH > length || msg[o] !== 0 || msg[o + 1] !== 0 || msg[o + 2] !== RRType.OPT || msg[o + 6] !== 0) return undefined;
        let option = o + OPT_LENGTH;
        if (option + (((msg[o + 9] as number) << 8) | (msg[o + 10] as number)) !== length) return undefined;
        while (option < length) {
          if (option + 4 > length) return undefined;
          option += 4 + (((msg[option + 2] as number) << 8) | (msg[option + 3] as number));
        }
        if (option !== length) return undefined;
        udpSize = ((msg[o + 3] as number) << 8) | (msg[o + 4] as number);
        dnssecOk = ((msg[o + 7] as number) & 0x80) !== 0;
      } else if (questionEnd !== length) {
        return undefined;
      }
      const limit = limitFor(udpSize);
      const edns = udpSize !== null;

      // Where the apex would start in the name, if the name is at or below it.
      const apex = wireLength - originWire.length;
      let top = -1;
      let inZone = apex === 0;
      for (let i = 1; i < labels && !inZone && apex > 0; i++) {
        if (starts[i] === apex) {
          inZone = true;
          top = starts[i - 1] as number;
        }
      }
      inZone &&= name.compare(originWire, 0, originWire.length, apex, wireLength) === 0;
      let rcode: number = Rcode.REFUSED;
      let answers = 0;
      let answer = '';
      let authority: Buffer | undefined;
      if (qclass === RRClass.IN && inZone) {
        if (qtype === RRType.OPT || qtype === RRType.AXFR || qtype === RRType.IXFR || apex === 0) return undefined;
        for (const label of reserved) {
          if (label.length === apex - top && name.compare(label, 0, label.length, top, apex) === 0) return undefined;
        }
        const key = name.toString('latin1', 0, apex);
        const records = table.records(key);
        if (records !== undefined && (qtype === RRType.TXT || qtype === RRType.ANY)) queryTimes?.record(key);
        // TXT at an ACME slot, A or AAAA at a ddns slot; ANY: the slot's first RRset.
        if (records !== undefined && records !== '') findRecordRun(records, qtype, run);
        if (records !== undefined && records !== '' && run[2] !== 0) {
          rcode = Rcode.NOERROR;
          answers = run[2] as number;
          answer = run[0] === 0 && run[1] === records.length ? records : records.slice(run[0], run[1]);
        } else {
          rcode = records !== undefined || table.hasSlotsBelow(key) ? Rcode.NOERROR : Rcode.NXDOMAIN;
          authority = negativeRecord(HEADER_LENGTH + apex);
        }
      }
      // RRL decides on the kind of reply before a byte of it is written.
      const verdict = rrl && peer !== undefined ? rrl.decide(peer, kindOf(rcode, answers), msg) : 'send';
      if (verdict === 'drop') return null;
      return applyVerdict(verdict, reply(msg, questionEnd, rcode, rcode !== Rcode.REFUSED, answers, answer, authority, edns, dnssecOk, limit));
    },
  };
}

/** Header, the question as asked, the records, our OPT; the truncated form when over `limit`. */
function reply(
  msg: Buffer,
  questionEnd: number,
  rcode: number,
  aa: boolean,
  answers: number,
  answer: string,
  authority: Buffer | undefined,
  edns: boolean,
  dnssecOk: boolean,
  limit: number,
): Buffer {
  const optLength = edns ? OPT_LENGTH : 0;
  const full = questionEnd + answer.length + (authority?.length ?? 0) + optLength;
  const truncated = full > limit;
  const out = Buffer.allocUnsafe(truncated ? questionEnd + optLength : full);
  out[0] = msg[0] as number;
  out[1] = msg[1] as number;
  out[2] = 0x80 | (aa ? 0x04 : 0) | (truncated ? 0x02 : 0) | ((msg[2] as number) & 0x01); // QR, AA, TC, RD
  out[3] = ((msg[3] as number) & 0x10) | rcode; // CD copied; RA, Z, AD clear
  out.writeUInt32BE(0x00010000 | (truncated ? 0 : answers), 4);
  out.writeUInt32BE((truncated || !authority ? 0 : 0x00010000) | (edns ? 1 : 0), 8);
  msg.copy(out, HEADER_LENGTH, HEADER_LENGTH, questionEnd);
  let at = questionEnd;
  if (!truncated) {
    at += out.write(answer, at, 'latin1');
    if (authority) at += authority.copy(out, at);
  }
  if (edns) {
    // Root owner, OPT, our payload size, extended rcode 0, version 0, DO copied, no options.
    out[at] = 0;
    out.writeUInt16BE(RRType.OPT, at + 1);
    out.writeUInt16BE(OUR_UDP_PAYLOAD, at + 3);
    out.writeUInt32BE(dnssecOk ? 0x8000 : 0, at + 5);
    out.writeUInt16BE(0, at + 9);
  }
  return out;
}

/**
 * The SOA record of a negative answer as dns2 writes it after a question whose apex labels start
 * at `apexOffset`: dns2 compresses each name against every lower-cased suffix already written
 * (first occurrence wins), so the owner is a pointer to the apex in the question, and mname and
 * rname compress against the apex's ancestors there and against each other. Names of the question
 * below the apex cannot take part: the fast path leaves names under the SOA's own names alone.
 */
export function encodeNegativeSoa(record: ResourceRecord, origin: string, apexOffset: number): Buffer {
  const rdata = record.rdata;
  if (rdata.type !== RRType.SOA) throw new Error('negative answer without an SOA');
  const names = new Map<string, number>();
  const originLabels = origin.split('.');
  let offset = apexOffset;
  originLabels.forEach((label, i) => {
    names.set(originLabels.slice(i).join('.'), offset);
    offset += 1 + label.length;
  });
  const start = offset + 1 + 4; // after the root byte, QTYPE and QCLASS
  const bytes: number[] = [];
  const u16 = (v: number): void => void bytes.push((v >>> 8) & 0xff, v & 0xff);
  const u32 = (v: number): void => (u16((v >>> 16) & 0xffff), u16(v & 0xffff));
  const writeName = (text: string): void => {
    const parts = text.split('.').filter((p) => p !== '');
    for (let i = 0; i < parts.length; i++) {
      const suffix = asciiLower(parts.slice(i).join('.'));
      const known = names.get(suffix);
      if (known !== undefined) return u16(0xc000 | known);
      if (start + bytes.length < 0x4000) names.set(suffix, start + bytes.length);
      const part = parts[i] as string;
      bytes.push(part.length);
      for (let j = 0; j < part.length; j++) bytes.push(part.charCodeAt(j) & 0xff);
    }
    bytes.push(0);
  };
  writeName(record.name);
  u16(RRType.SOA);
  u16(RRClass.IN);
  u32(Math.min(record.ttl >>> 0, MAX_TTL));
  const rdlengthAt = bytes.length;
  u16(0);
  writeName(rdata.mname);
  writeName(rdata.rname);
  for (const v of [rdata.serial, rdata.refresh, rdata.retry, rdata.expire]) u32(v >>> 0);
  u32(Math.min(rdata.minimum >>> 0, MAX_TTL));
  const rdlength = bytes.length - rdlengthAt - 2;
  bytes[rdlengthAt] = rdlength >>> 8;
  bytes[rdlengthAt + 1] = rdlength & 0xff;
  return Buffer.from(bytes);
}
