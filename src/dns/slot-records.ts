// A slot's records kept the way they go on the wire, encoded once when the slot changes rather
// than on every query: the records exactly as dns2 writes them in an answer to a question for the
// slot's own name (owner: a compression pointer to the question at offset 12), held as a latin1
// string (one char per byte: compact in V8, and written into a reply with one call). An ACME
// slot holds TXT records; a ddns slot its A record then its AAAA record (docs/ddns.md): records
// of one type are always next to each other, in ascending type order. The zone index keys slots
// by the lower-case wire form of their labels below the apex, which the fast path reads straight
// off the query bytes.
import ipaddr from 'ipaddr.js';
import { RRClass, RRType } from './constants.js';
import type { RData, RRset } from './records.js';
import { splitCharacterStrings } from './response-encoder.js';

/** The owner of every pre-encoded slot record: a pointer to the question name (RFC 1035 §4.1.4). */
const POINTER_TO_QUESTION = 0xc00c;
/** Owner pointer, type, class, TTL, RDLENGTH. */
const RECORD_HEADER = 12;
/** A char a query cannot carry (queries are read one latin1 char per byte). */
// eslint-disable-next-line no-control-regex -- the whole byte range is the point
const BEYOND_ONE_BYTE = /[^\x00-\xff]/;
/** dns2 (and RFC 2181 §8) keep TTLs below 2^31. */
const MAX_TTL = 0x7fffffff;

export interface SlotEncoder {
  /** The records of a slot's answer, newest value first; '' for a slot without values. */
  records(values: readonly string[]): string;
  /** A ddns slot's A and AAAA records (IPv4 first, as the store lists them); '' for none. */
  addresses(addresses: readonly string[]): string;
  /** The key of a slot's lower-case labels ("a.b" -> "\x01a\x01b"); undefined for a name no query can carry. */
  key(labels: string): string | undefined;
}

/** Owner pointer, type, class and TTL of a record as the encoder writes it. */
function recordHead(type: number, ttl: number): Buffer {
  const head = Buffer.alloc(10);
  head.writeUInt16BE(POINTER_TO_QUESTION, 0);
  head.writeUInt16BE(type, 2);
  head.writeUInt16BE(RRClass.IN, 4);
  head.writeUInt32BE(Math.min(ttl >>> 0, MAX_TTL), 6);
  return head;
}

/**
 * Per zone index: encodes into one reused buffer, so 100,000 slots load without 200,000 Buffers.
 * `ttl`: of TXT records; `addressTtl`: of a ddns slot's A/AAAA records.
 */
export function createSlotEncoder(ttl: number, addressTtl = ttl): SlotEncoder {
  let scratch = Buffer.allocUnsafe(4096);
  const head = recordHead(RRType.TXT, ttl);
  const aHead = recordHead(RRType.A, addressTtl);
  const aaaaHead = recordHead(RRType.AAAA, addressTtl);
  return {
    addresses(addresses) {
      let at = 0;
      for (const address of addresses) {
        const bytes = ipaddr.parse(address).toByteArray();
        (bytes.length === 4 ? aHead : aaaaHead).copy(scratch, at);
        scratch.writeUInt16BE(bytes.length, at + 10);
        scratch.set(bytes, at + RECORD_HEADER);
        at += RECORD_HEADER + bytes.length;
      }
      return scratch.toString('latin1', 0, at);
    },
    records(values) {
      let at = 0;
      for (const value of values) {
        const length = Buffer.byteLength(value, 'utf8');
        // Worst case: a record header and one length byte per 255 bytes of value.
        const worst = at + RECORD_HEADER + length + Math.ceil(length / 255) + 1;
        if (worst > scratch.length) scratch = Buffer.concat([scratch.subarray(0, at), Buffer.allocUnsafe(worst * 2)]);
        head.copy(scratch, at);
        let end = at + RECORD_HEADER;
        if (length <= 255) {
          scratch[end] = length;
          end += 1 + scratch.write(value, end + 1, 'utf8');
        } else {
          for (const part of splitCharacterStrings(Buffer.from(value, 'utf8'))) {
            scratch[end] = part.length;
            end += 1 + part.copy(scratch, end + 1);
          }
        }
        scratch.writeUInt16BE(end - at - RECORD_HEADER, at + 10);
        at = end;
      }
      return scratch.toString('latin1', 0, at);
    },
    key(labels) {
      if (labels.length === 0 || labels.length > 253 || BEYOND_ONE_BYTE.test(labels)) return undefined;
      if (labels.length <= 63 && !labels.includes('.')) {
        // The common case, one label (a UUID).
        scratch[0] = labels.length;
        scratch.write(labels, 1, 'latin1');
        return scratch.toString('latin1', 0, labels.length + 1);
      }
      let at = 0;
      for (const label of labels.split('.')) {
        if (label.length === 0 || label.length > 63) return undefined;
        scratch[at] = label.length;
        at += 1 + scratch.write(label, at + 1, 'latin1');
      }
      return scratch.toString('latin1', 0, at);
    },
  };
}

/** Where a run of records lies in an encoded slot: `run[0]` start, `run[1]` end, `run[2]` count. */
export type RecordRun = Int32Array;

export function createRecordRun(): RecordRun {
  return new Int32Array(3);
}

/**
 * Finds the records of `type` in an encoded slot (for ANY, those of its first type: one RRset,
 * RFC 8482, the lowest type as the rules pick) and writes where they are into `run` (count 0:
 * none). Reuses `run`, so the fast path allocates nothing per query.
 */
export function findRecordRun(encoded: string, type: number, run: RecordRun): void {
  run[0] = run[1] = run[2] = 0;
  if (encoded === '') return;
  const wanted = type === RRType.ANY ? (encoded.charCodeAt(2) << 8) | encoded.charCodeAt(3) : type;
  for (let at = 0; at < encoded.length; ) {
    const end = at + RECORD_HEADER + ((encoded.charCodeAt(at + 10) << 8) | encoded.charCodeAt(at + 11));
    if (((encoded.charCodeAt(at + 2) << 8) | encoded.charCodeAt(at + 3)) === wanted) {
      if (run[2] === 0) run[0] = at;
      run[1] = end;
      run[2]!++;
    } else if (run[2] !== 0) {
      return;
    }
    at = end;
  }
}

/** The RRset models of an encoded slot (for the rules and zone transfers), by ascending type; none when empty. */
export function decodeSlotRecords(name: string, encoded: string): RRset[] {
  const out: RRset[] = [];
  if (encoded === '') return out;
  const bytes = Buffer.from(encoded, 'latin1');
  for (let at = 0; at < bytes.length; ) {
    const type = bytes.readUInt16BE(at + 2);
    const ttl = bytes.readUInt32BE(at + 6);
    const end = at + RECORD_HEADER + bytes.readUInt16BE(at + 10);
    const rdata = decodeRdata(type, bytes.subarray(at + RECORD_HEADER, end));
    const last = out[out.length - 1];
    if (last?.type === type) out[out.length - 1] = { ...last, rdata: [...last.rdata, rdata] };
    else out.push({ name, type, ttl, rdata: [rdata] });
    at = end;
  }
  return out;
}

function decodeRdata(type: number, rdata: Buffer): RData {
  if (type === RRType.A) return { type: RRType.A, address: ipaddr.fromByteArray([...rdata]).toString() };
  // Eight explicit groups: the form dns2's AAAA encoder handles for every input.
  if (type === RRType.AAAA) return { type: RRType.AAAA, address: (ipaddr.fromByteArray([...rdata]) as ipaddr.IPv6).toNormalizedString() };
  const strings: Buffer[] = [];
  for (let s = 0; s < rdata.length; s += 1 + (rdata[s] as number)) strings.push(rdata.subarray(s + 1, s + 1 + (rdata[s] as number)));
  // One value is one string in the model; the encoder splits it again the same way.
  return { type: RRType.TXT, strings: [strings.length === 1 ? (strings[0] as Buffer) : Buffer.concat(strings)] };
}

/** "a.b" -> "\x01a\x01b": the wire form of labels (no root byte), as a latin1 string. */
export function wireKey(labels: string): string {
  if (labels === '') return '';
  let key = '';
  for (const label of labels.split('.')) key += String.fromCharCode(label.length & 0xff) + label;
  return key;
}

/** The dotted form of a wire key: "\x01a\x01b" -> "a.b". */
export function dottedName(key: string): string {
  const labels: string[] = [];
  for (let at = 0; at < key.length; at += 1 + key.charCodeAt(at)) labels.push(key.slice(at + 1, at + 1 + key.charCodeAt(at)));
  return labels.join('.');
}
