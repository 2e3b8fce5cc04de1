// RFC 2136 §3.2: the prerequisite section of an UPDATE, evaluated against the zone's data. Pure:
// the data comes in as canonical rdata by name and type, so the same rules run against the zone
// index before anything is queued and against the slot's stored values inside the transaction.
import ipaddr from 'ipaddr.js';
import { isAtOrBelow } from '../../names/domain-name.js';
import { Rcode, RRClass, RRType } from '../constants.js';
import type { RData } from '../records.js';
import { splitCharacterStrings } from '../response-encoder.js';
import { canonicalWireName } from '../wire-reader.js';
import type { UpdateRecord } from './update-message.js';

/** The zone's data as prerequisites see it: canonical rdata of each RRset at a name, by type. */
export type ZoneData = (name: string) => ReadonlyMap<number, readonly Buffer[]> | undefined;

/** Meta types that have no place in a prerequisite or update (RFC 2136 §3.2.1, §3.4.1.2). */
const TRANSFER_TYPES: ReadonlySet<number> = new Set([RRType.AXFR, RRType.IXFR, 253, 254]);

export function inZone(name: string | null, origin: string): name is string {
  return name !== null && isAtOrBelow(name, origin);
}

/** NOERROR (0) when every prerequisite holds, else the rcode RFC 2136 §3.2 gives. */
export function evaluatePrerequisites(prerequisites: readonly UpdateRecord[], origin: string, data: ZoneData): number {
  /** Value-dependent prerequisites (§2.4.2), gathered into RRsets: "name type" -> rdata. */
  const expected = new Map<string, { name: string; type: number; rdata: Buffer[] }>();
  for (const p of prerequisites) {
    if (p.ttl !== 0 || TRANSFER_TYPES.has(p.type)) return Rcode.FORMERR;
    if (!inZone(p.name, origin)) return Rcode.NOTZONE;
    const here = data(p.name);
    if (p.class === RRClass.ANY || p.class === RRClass.NONE) {
      if (p.rdata.length !== 0) return Rcode.FORMERR;
      const present = p.type === RRType.ANY ? here !== undefined && here.size > 0 : (here?.get(p.type)?.length ?? 0) > 0;
      if (p.class === RRClass.ANY && !present) return p.type === RRType.ANY ? Rcode.NXDOMAIN : Rcode.NXRRSET;
      if (p.class === RRClass.NONE && present) return p.type === RRType.ANY ? Rcode.YXDOMAIN : Rcode.YXRRSET;
    } else if (p.class === RRClass.IN) {
      if (p.type === RRType.ANY) return Rcode.FORMERR;
      const key = `${p.name} ${p.type}`;
      const set = expected.get(key) ?? { name: p.name, type: p.type, rdata: [] };
      if (!set.rdata.some((r) => r.equals(p.rdata))) set.rdata.push(p.rdata);
      expected.set(key, set);
    } else {
      return Rcode.FORMERR;
    }
  }
  for (const { name, type, rdata } of expected.values()) {
    const actual = data(name)?.get(type) ?? [];
    if (!sameSet(actual, rdata)) return Rcode.NXRRSET;
  }
  return Rcode.NOERROR;
}

function sameSet(a: readonly Buffer[], b: readonly Buffer[]): boolean {
  const unique = (list: readonly Buffer[]): string[] => [...new Set(list.map((x) => x.toString('latin1')))].sort();
  const x = unique(a);
  const y = unique(b);
  return x.length === y.length && x.every((v, i) => v === y[i]);
}

/** The rdata of a TXT record holding one value, as a slot serves it. */
export function txtRdata(value: string): Buffer {
  return Buffer.concat(splitCharacterStrings(Buffer.from(value, 'utf8')).flatMap((part) => [Buffer.from([part.length]), part]));
}

/** Canonical rdata (RFC 4034 §6.2) of the records the zone index holds. */
export function rdataBytes(rdata: RData): Buffer {
  switch (rdata.type) {
    case RRType.A:
    case RRType.AAAA:
      return Buffer.from(ipaddr.parse(rdata.address).toByteArray());
    case RRType.NS:
      return canonicalWireName(rdata.host);
    case RRType.CNAME:
      return canonicalWireName(rdata.target);
    case RRType.MX:
      return Buffer.concat([u16(rdata.preference), canonicalWireName(rdata.exchange)]);
    case RRType.TXT:
      return Buffer.concat(rdata.strings.flatMap((s) => splitCharacterStrings(s).flatMap((part) => [Buffer.from([part.length]), part])));
    case RRType.CAA: {
      const tag = Buffer.from(rdata.tag, 'latin1');
      return Buffer.concat([Buffer.from([rdata.flags, tag.length]), tag, Buffer.from(rdata.value, 'utf8')]);
    }
    case RRType.SOA: {
      const timers = Buffer.alloc(20);
      [rdata.serial, rdata.refresh, rdata.retry, rdata.expire, rdata.minimum].forEach((n, i) => timers.writeUInt32BE(n >>> 0, i * 4));
      return Buffer.concat([canonicalWireName(rdata.mname), canonicalWireName(rdata.rname), timers]);
    }
  }
}

function u16(n: number): Buffer {
  const out = Buffer.alloc(2);
  out.writeUInt16BE(n, 0);
  return out;
}
