// A compact DNS message encoder for zone transfers and NOTIFY: header, question and records of
// the types we serve, with name compression, filling one message up to a byte limit. dns2 is far
// too slow for 100,000 records and cannot stream; this writer never exceeds its limit and rolls
// back a record that does not fit, so the caller starts the next message with it.
import { RRType } from '../constants.js';
import { asciiLower } from '../../names/domain-name.js';
import type { RData } from '../records.js';

/** Compression pointers reach 14 bits of offset. */
const POINTER_LIMIT = 0x3fff;

export interface WriterHeader {
  readonly id: number;
  /** The 16 flag bits (QR, opcode, AA, ..., rcode). */
  readonly flags: number;
}

export class MessageWriter {
  readonly #buffer: Buffer;
  /** Where records stop; `raw` may use the reserved room up to the buffer's end. */
  #limit: number;
  #length = 12;
  /** Lower-cased name suffix ("b.c") -> where it was written. */
  readonly #names = new Map<string, number>();
  readonly #counts = [0, 0, 0, 0];

  constructor(header: WriterHeader, limit: number, reserved = 0) {
    this.#limit = limit - reserved;
    this.#buffer = Buffer.alloc(limit);
    this.#buffer.writeUInt16BE(header.id, 0);
    this.#buffer.writeUInt16BE(header.flags, 2);
  }

  get length(): number {
    return this.#length;
  }

  /** Records in the answer, authority and additional sections so far. */
  get recordCount(): number {
    return this.#counts[1]! + this.#counts[2]! + this.#counts[3]!;
  }

  /** The question, its name written as given (the asker's case, labels as latin1). */
  question(labels: readonly string[], type: number, klass: number): boolean {
    return this.#attempt(0, () => {
      this.#labels(labels, false);
      this.#u16(type);
      this.#u16(klass);
    });
  }

  /** One record in a section (1 answer, 2 authority, 3 additional); false when it does not fit. */
  record(section: 1 | 2 | 3, name: string, ttl: number, rdata: RData, klass = 1): boolean {
    return this.#attempt(section, () => {
      this.#name(name);
      this.#u16(rdata.type);
      this.#u16(klass);
      this.#u32(ttl);
      const lengthAt = this.#length;
      this.#u16(0);
      this.#rdata(rdata);
      this.#buffer.writeUInt16BE(this.#length - lengthAt - 2, lengthAt);
    });
  }

  /** A raw record (OPT) whose bytes are ready; it may use the reserved room. */
  raw(section: 1 | 2 | 3, bytes: Buffer): boolean {
    this.#limit = this.#buffer.length;
    return this.#attempt(section, () => this.#bytes(bytes));
  }

  finish(): Buffer {
    for (let i = 0; i < 4; i++) this.#buffer.writeUInt16BE(this.#counts[i]!, 4 + 2 * i);
    return Buffer.from(this.#buffer.subarray(0, this.#length));
  }

  #attempt(section: number, write: () => void): boolean {
    const before = this.#length;
    const names = [...this.#pendingNames];
    try {
      write();
    } catch (err) {
      if (!(err instanceof RangeError)) throw err;
      this.#length = before;
      for (const key of this.#pendingNames) if (!names.includes(key)) this.#names.delete(key);
      this.#pendingNames = names;
      return false;
    }
    this.#pendingNames = [];
    this.#counts[section]!++;
    return true;
  }

  /** Names added to the compression table by the record being written (removed on rollback). */
  #pendingNames: string[] = [];

  #ensure(n: number): void {
    if (this.#length + n > this.#limit) throw new RangeError('message full');
  }

  #u16(value: number): void {
    this.#ensure(2);
    this.#length = this.#buffer.writeUInt16BE(value, this.#length);
  }

  #u32(value: number): void {
    this.#ensure(4);
    this.#length = this.#buffer.writeUInt32BE(value >>> 0, this.#length);
  }

  #u8(value: number): void {
    this.#ensure(1);
    this.#length = this.#buffer.writeUInt8(value, this.#length);
  }

  #bytes(bytes: Buffer): void {
    this.#ensure(bytes.length);
    this.#length += bytes.copy(this.#buffer, this.#length);
  }

  /** A domain name in text (no trailing dot), compressed against names already written. */
  #name(name: string): void {
    this.#labels(name === '' ? [] : name.split('.'), true);
  }

  #labels(labels: readonly string[], compress: boolean): void {
    for (let i = 0; i < labels.length; i++) {
      const suffix = asciiLower(labels.slice(i).join('.'));
      const known = compress ? this.#names.get(suffix) : undefined;
      if (known !== undefined) {
        this.#u16(0xc000 | known);
        return;
      }
      if (this.#length <= POINTER_LIMIT && !this.#names.has(suffix)) {
        this.#names.set(suffix, this.#length);
        this.#pendingNames.push(suffix);
      }
      const label = Buffer.from(labels[i]!, 'latin1');
      if (label.length === 0 || label.length > 63) throw new Error(`label of ${labels.join('.')} is empty or longer than 63 bytes`);
      this.#u8(label.length);
      this.#bytes(label);
    }
    this.#u8(0);
  }

  #rdata(rdata: RData): void {
    switch (rdata.type) {
      case RRType.A:
        this.#bytes(Buffer.from(rdata.address.split('.').map(Number)));
        return;
      case RRType.AAAA:
        this.#bytes(ipv6Bytes(rdata.address));
        return;
      case RRType.NS:
        this.#name(rdata.host);
        return;
      case RRType.CNAME:
        this.#name(rdata.target);
        return;
      case RRType.MX:
        this.#u16(rdata.preference);
        this.#name(rdata.exchange);
        return;
      case RRType.TXT:
        for (const part of rdata.strings.flatMap(characterStrings)) {
          this.#u8(part.length);
          this.#bytes(part);
        }
        return;
      case RRType.CAA: {
        const tag = Buffer.from(rdata.tag, 'latin1');
        this.#u8(rdata.flags);
        this.#u8(tag.length);
        this.#bytes(tag);
        this.#bytes(Buffer.from(rdata.value, 'utf8'));
        return;
      }
      case RRType.SOA:
        this.#name(rdata.mname);
        this.#name(rdata.rname);
        for (const n of [rdata.serial, rdata.refresh, rdata.retry, rdata.expire, rdata.minimum]) this.#u32(n);
        return;
    }
  }
}

function ipv6Bytes(address: string): Buffer {
  const [head = '', tail] = address.split('::') as [string, string | undefined];
  const groups = (s: string): number[] => (s === '' ? [] : s.split(':').map((g) => parseInt(g, 16)));
  const left = groups(head);
  const right = tail === undefined ? [] : groups(tail);
  const all = tail === undefined ? left : [...left, ...new Array<number>(8 - left.length - right.length).fill(0), ...right];
  const out = Buffer.alloc(16);
  all.forEach((g, i) => out.writeUInt16BE(g, 2 * i));
  return out;
}

/** A <character-string> holds at most 255 bytes (RFC 1035 §3.3); longer content spans several. */
function characterStrings(value: Buffer): Buffer[] {
  const parts: Buffer[] = [];
  for (let i = 0; i < value.length; i += 255) parts.push(value.subarray(i, i + 255));
  return parts.length === 0 ? [value] : parts;
}
