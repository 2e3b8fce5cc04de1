// A slot's TXT RRset kept the way it goes on the wire, encoded once when the slot changes rather
// than on every query: the records exactly as dns2 writes them in an answer to a question for the
// slot's own name (owner: a compression pointer to the question at offset 12), held as a latin1
// string (one char per byte: compact in V8, and written into a reply with one call). The zone
// index keys slots by the lower-case wire form of their labels below the apex, which the fast
// path reads straight off the query bytes.
import { RRClass, RRType } from './constants.js';
import type { RRset } from './records.js';
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
  /** The key of a slot's lower-case labels ("a.b" -> "\x01a\x01b"); undefined for a name no query can carry. */
  key(labels: string): string | undefined;
}

/** Per zone index: encodes into one reused buffer, so 100,000 slots load without 200,000 Buffers. */
export function createSlotEncoder(ttl: number): SlotEncoder {
  let scratch = Buffer.allocUnsafe(4096);
  const head = Buffer.alloc(10);
  head.writeUInt16BE(POINTER_TO_QUESTION, 0);
  head.writeUInt16BE(RRType.TXT, 2);
  head.writeUInt16BE(RRClass.IN, 4);
  head.writeUInt32BE(Math.min(ttl >>> 0, MAX_TTL), 6);
  return {
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

/** How many records an encoded slot holds (its answer count). */
export function slotRecordCount(encoded: string): number {
  let count = 0;
  for (let at = 0; at < encoded.length; at += RECORD_HEADER + ((encoded.charCodeAt(at + 10) << 8) | encoded.charCodeAt(at + 11))) count++;
  return count;
}

/** The RRset model of an encoded slot (for the rules and zone transfers); undefined when empty. */
export function decodeSlotRecords(name: string, encoded: string): RRset | undefined {
  if (encoded === '') return undefined;
  const bytes = Buffer.from(encoded, 'latin1');
  const rdata: { type: typeof RRType.TXT; strings: Buffer[] }[] = [];
  let ttl = 0;
  for (let at = 0; at < bytes.length; ) {
    ttl = bytes.readUInt32BE(at + 6);
    const end = at + RECORD_HEADER + bytes.readUInt16BE(at + 10);
    const strings: Buffer[] = [];
    for (let s = at + RECORD_HEADER; s < end; s += 1 + (bytes[s] as number)) strings.push(bytes.subarray(s + 1, s + 1 + (bytes[s] as number)));
    // One value is one string in the model; the encoder splits it again the same way.
    rdata.push({ type: RRType.TXT, strings: [strings.length === 1 ? (strings[0] as Buffer) : Buffer.concat(strings)] });
    at = end;
  }
  return { name, type: RRType.TXT, ttl, rdata };
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
