// The authoritative rules (RFC 1034 §4.3.2, 2308, 6604, 6891, 8482): a pure function from a
// decoded query and the zone to a response model. No sockets, no encoding, never throws on input.
import { Opcode, RRClass, RRType, Rcode } from './constants.js';
import { asciiLower, isAtOrBelow } from '../names/domain-name.js';
import { parentName } from './names.js';
import type { Edns, Query, Question } from './query-decoder.js';
import { recordsOf, type ResourceRecord, type RRset } from './records.js';
import type { ZoneView } from './zone-index.js';

export interface DnsResponse {
  readonly id: number;
  readonly opcode: number;
  readonly aa: boolean;
  readonly rd: boolean;
  readonly cd: boolean;
  /** Up to 12 bits; above 15 needs the OPT record (BADVERS). */
  readonly rcode: number;
  readonly question: Question | null;
  readonly answer: readonly ResourceRecord[];
  readonly authority: readonly ResourceRecord[];
  readonly additional: readonly ResourceRecord[];
  /** Present when the reply carries our OPT record (the query had one). */
  readonly edns: { readonly dnssecOk: boolean } | null;
}

/** CNAME chains inside the zone are followed at most this far (loops end sooner). */
const MAX_CNAME_STEPS = 8;

export function answerQuery(query: Query, zone: ZoneView): DnsResponse {
  const reply = (rcode: number, parts: Partial<Pick<DnsResponse, 'aa' | 'answer' | 'authority' | 'additional' | 'edns' | 'question'>> = {}): DnsResponse => ({
    id: query.id,
    opcode: query.opcode,
    rd: query.rd,
    cd: query.cd,
    rcode,
    aa: false,
    question: query.question,
    answer: [],
    authority: [],
    additional: [],
    edns: ednsReply(query.edns),
    ...parts,
  });

  // RFC 6891 §6.1.3: an EDNS version we do not implement is BADVERS whatever the opcode (as
  // Knot and BIND answer); a malformed query never has EDNS here.
  if (query.edns && query.edns.version > 0) return reply(Rcode.BADVERS);
  if (query.opcode !== Opcode.QUERY) return reply(Rcode.NOTIMP);
  if (query.problem !== null || query.question === null) return reply(Rcode.FORMERR, { edns: null });

  const q = query.question;
  // A label holding a dot byte is possible on the wire but never in our data, so nothing exists
  // at or below it: the name is placed by the labels after the last such label.
  const dotted = q.labels.findLastIndex((l) => l.includes('.'));
  const name = asciiLower(dotted === -1 ? q.name : q.labels.slice(dotted + 1).join('.'));
  if (q.class !== RRClass.IN || !isAtOrBelow(name, zone.origin)) return reply(Rcode.REFUSED);
  if (q.type === RRType.OPT) return reply(Rcode.FORMERR);
  // Zone transfers come with their own issue; until then nobody may transfer.
  if (q.type === RRType.AXFR || q.type === RRType.IXFR) return reply(Rcode.REFUSED);
  if (dotted !== -1) {
    // Strictly below `name`: a referral under a cut, otherwise a name that does not exist.
    const cut = delegationAbove(name, false, zone);
    if (cut) return reply(Rcode.NOERROR, { authority: recordsOf(cut), additional: addressesFor(cut, zone) });
    return reply(Rcode.NXDOMAIN, { aa: true, authority: negativeSoa(zone) });
  }

  const answer: ResourceRecord[] = [];
  let owner = q.name;
  let current = name;
  const visited = new Set<string>();
  for (let step = 0; step < MAX_CNAME_STEPS; step++) {
    visited.add(current);
    const cut = delegationAbove(current, q.type === RRType.DS, zone);
    if (cut) {
      // Below a zone cut we are not authoritative: a referral (RFC 1034 §4.3.2 step 3b). After a
      // CNAME the step is the same: the chain so far (authoritative, AA) plus the cut's NS and glue.
      const referral = { authority: recordsOf(cut), additional: addressesFor(cut, zone) };
      return reply(Rcode.NOERROR, answer.length > 0 ? { aa: true, answer, ...referral } : referral);
    }
    const node = zone.rrsets(current);
    if (!node) {
      const rcode = zone.exists(current) ? Rcode.NOERROR : Rcode.NXDOMAIN;
      return reply(rcode, { aa: true, answer, authority: negativeSoa(zone) });
    }
    if (q.type === RRType.ANY) {
      // RFC 8482: one RRset is enough; resolvers must not expect "everything".
      const first = [...node.values()].sort((a, b) => a.type - b.type)[0] as RRset;
      return reply(Rcode.NOERROR, { aa: true, answer: [...answer, ...recordsOf(first, owner)], additional: addressesFor(first, zone) });
    }
    const wanted = node.get(q.type);
    if (wanted) {
      return reply(Rcode.NOERROR, { aa: true, answer: [...answer, ...recordsOf(wanted, owner)], additional: addressesFor(wanted, zone) });
    }
    const alias = node.get(RRType.CNAME);
    const target = alias?.rdata[0];
    if (!alias || target?.type !== RRType.CNAME) {
      return reply(Rcode.NOERROR, { aa: true, answer, authority: negativeSoa(zone) });
    }
    answer.push(...recordsOf(alias, owner));
    const next = asciiLower(target.target);
    if (!isAtOrBelow(next, zone.origin) || visited.has(next)) break;
    owner = target.target;
    current = next;
  }
  return reply(Rcode.NOERROR, { aa: true, answer });
}

function ednsReply(edns: Edns | null): DnsResponse['edns'] {
  // RFC 3225 §3: the DO bit of the query is copied into the response.
  return edns ? { dnssecOk: edns.dnssecOk } : null;
}

/** RFC 2308 §3: the SOA in a negative answer carries min(SOA TTL, SOA minimum). */
export function negativeSoa(zone: ZoneView): ResourceRecord[] {
  const soa = zone.soa();
  const rdata = soa.rdata[0];
  const minimum = rdata?.type === RRType.SOA ? rdata.minimum : soa.ttl;
  return recordsOf({ ...soa, ttl: Math.min(soa.ttl, minimum) });
}

/**
 * The NS RRset of the highest zone cut at or above `name` and below our apex (the one that
 * occludes everything under it). At the cut itself a DS query (`dsQuery`) belongs to the parent
 * side (us), so it is not referred.
 */
function delegationAbove(name: string, dsQuery: boolean, zone: ZoneView): RRset | undefined {
  let found: RRset | undefined;
  for (let n: string | undefined = name; n !== undefined && n !== zone.origin && isAtOrBelow(n, zone.origin); n = parentName(n)) {
    const ns = zone.rrsets(n)?.get(RRType.NS);
    if (ns && !(n === name && dsQuery)) found = ns;
  }
  return found;
}

/**
 * Additional-section addresses for NS and MX targets we hold (RFC 1034 §4.3.2 step 6). In a
 * referral that is the glue below the cut, and also the addresses of name servers elsewhere in
 * our zone: our own data, or sibling glue below another cut (RFC 9471), as Knot and BIND do.
 */
function addressesFor(rrset: RRset, zone: ZoneView): ResourceRecord[] {
  const hosts = rrset.rdata.flatMap((r) => (r.type === RRType.NS ? [r.host] : r.type === RRType.MX ? [r.exchange] : []));
  const out: ResourceRecord[] = [];
  for (const host of hosts) {
    const key = asciiLower(host);
    if (!isAtOrBelow(key, zone.origin)) continue;
    const node = zone.rrsets(key);
    for (const type of [RRType.A, RRType.AAAA]) {
      const set = node?.get(type);
      if (set) out.push(...recordsOf(set));
    }
  }
  return out;
}
