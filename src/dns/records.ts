// The record model served by the zone index and produced by the rules: plain data, no wire
// concerns. Owner names are lower-case without a trailing dot; rdata keeps the case it was given.
import { RRType } from './constants.js';

export type RData =
  | { readonly type: typeof RRType.A; readonly address: string }
  | { readonly type: typeof RRType.AAAA; readonly address: string }
  | { readonly type: typeof RRType.NS; readonly host: string }
  | { readonly type: typeof RRType.CNAME; readonly target: string }
  | { readonly type: typeof RRType.MX; readonly preference: number; readonly exchange: string }
  /** Each entry is one <character-string>; the encoder splits any longer than 255 bytes. */
  | { readonly type: typeof RRType.TXT; readonly strings: readonly Buffer[] }
  | { readonly type: typeof RRType.CAA; readonly flags: number; readonly tag: string; readonly value: string }
  | {
      readonly type: typeof RRType.SOA;
      readonly mname: string;
      readonly rname: string;
      readonly serial: number;
      readonly refresh: number;
      readonly retry: number;
      readonly expire: number;
      readonly minimum: number;
    };

/** All records of one name and type, sharing one TTL (RFC 2181 §5.2). */
export interface RRset {
  readonly name: string;
  readonly type: number;
  readonly ttl: number;
  readonly rdata: readonly RData[];
}

/** A record as it goes into a response; `name` may carry the query's case. */
export interface ResourceRecord {
  readonly name: string;
  readonly ttl: number;
  readonly rdata: RData;
}

export function recordsOf(rrset: RRset, ownerAsAsked: string = rrset.name): ResourceRecord[] {
  return rrset.rdata.map((rdata) => ({ name: ownerAsAsked, ttl: rrset.ttl, rdata }));
}
