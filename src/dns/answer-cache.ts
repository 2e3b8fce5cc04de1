// The fast path: encoded answers kept per (name, type, class, EDNS shape) and replayed with the
// query's ID, RD/CD bits and name case patched in. dns2's encoder is slow (bit by bit), and the
// hot answers (a slot's TXT, NXDOMAIN/NODATA, REFUSED) repeat exactly, so we encode each once
// per zone version. A template is what the general path produced, so replaying it is
// byte-equivalent by construction; a test checks that on every hot case.
import { HEADER_LENGTH } from './constants.js';
import { asciiLower, asciiLowerByte } from '../names/domain-name.js';
import type { Query } from './query-decoder.js';
import type { ZoneView } from './zone-index.js';

export interface AnswerCache {
  /** The cached answer for this query, patched, if it fits in `limit` bytes. */
  lookup(msg: Buffer, query: Query, limit: number): Buffer | undefined;
  /** Remembers what the general path answered to this query. */
  remember(query: Query, response: Buffer): void;
}

const RD = 0x01; // in header byte 2
const TC = 0x02; // in header byte 2
const CD = 0x10; // in header byte 3

export function createAnswerCache(zone: ZoneView, maxEntries: number): AnswerCache {
  // Insertion order is eviction order: a flood of random names pushes out old entries only.
  const entries = new Map<string, Buffer>();
  let version = zone.version();

  const current = (): Map<string, Buffer> => {
    if (zone.version() !== version) {
      entries.clear();
      version = zone.version();
    }
    return entries;
  };

  return {
    lookup(msg, query, limit) {
      const key = cacheKey(query);
      if (key === undefined) return undefined;
      const template = current().get(key);
      if (!template || template.length > limit) return undefined;
      const out = Buffer.from(template);
      out.writeUInt16BE(query.id, 0);
      if (query.rd) out[2] = (out[2] as number) | RD;
      if (query.cd) out[3] = (out[3] as number) | CD;
      const nameLength = (query.question?.wireLength ?? 4) - 4;
      msg.copy(out, HEADER_LENGTH, HEADER_LENGTH, HEADER_LENGTH + nameLength);
      return out;
    },
    remember(query, response) {
      const key = cacheKey(query);
      if (key === undefined || ((response[2] as number) & TC) !== 0) return;
      const map = current();
      if (map.size >= maxEntries) {
        const oldest = map.keys().next();
        if (!oldest.done) map.delete(oldest.value);
      }
      const template = Buffer.from(response);
      template.writeUInt16BE(0, 0);
      template[2] = (template[2] as number) & ~RD;
      template[3] = (template[3] as number) & ~CD;
      lowerNameInPlace(template, HEADER_LENGTH);
      map.set(key, template);
    },
  };
}

/** Only plain, well-formed queries whose answer depends on nothing but the key are cached. */
function cacheKey(query: Query): string | undefined {
  const q = query.question;
  if (query.opcode !== 0 || query.problem !== null || q === null) return undefined;
  if (query.edns && query.edns.version !== 0) return undefined;
  if (q.labels.some((l) => l.includes('.'))) return undefined;
  const edns = query.edns === null ? 0 : query.edns.dnssecOk ? 2 : 1;
  return `${q.type}/${q.class}/${edns}/${asciiLower(q.name)}`;
}

/** Lower-cases the ASCII letters of the uncompressed name at `offset`. */
function lowerNameInPlace(buf: Buffer, offset: number): void {
  let at = offset;
  while (at < buf.length) {
    const len = buf[at] as number;
    if (len === 0 || len > 63) return;
    for (let i = at + 1; i <= at + len && i < buf.length; i++) {
      buf[i] = asciiLowerByte(buf[i] as number);
    }
    at += len + 1;
  }
}
