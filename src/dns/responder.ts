// One DNS message in, one out (or nothing): decode with guards, try the fast path, otherwise run
// the rules and encode with dns2. The listeners call only this. It never throws: a bug becomes
// SERVFAIL for that query, never an unhandled exception that ends the process.
import type { Logger } from '../log.js';
import { createAnswerCache } from './answer-cache.js';
import { CLASSIC_UDP_LIMIT, HEADER_LENGTH, OUR_UDP_PAYLOAD, Rcode, TCP_MESSAGE_LIMIT } from './constants.js';
import { decodeQuery, type Query } from './query-decoder.js';
import { encodeResponse } from './response-encoder.js';
import { answerQuery } from './rules.js';
import type { ZoneView } from './zone-index.js';

export type Transport = 'udp' | 'tcp';

export interface Responder {
  /** The reply to send, or null to stay silent (unreadable header, or not a query). */
  respond(msg: Buffer, transport: Transport): Buffer | null;
}

export interface ResponderOptions {
  readonly zone: ZoneView;
  readonly logger: Logger;
  /** Encoded answers kept for the fast path; 0 turns it off. */
  readonly cacheEntries?: number | undefined;
}

export function createResponder(options: ResponderOptions): Responder {
  const { zone, logger } = options;
  const cacheEntries = options.cacheEntries ?? 10000;
  const cache = cacheEntries > 0 ? createAnswerCache(zone, cacheEntries) : undefined;

  return {
    respond(msg, transport) {
      let query: Query | null = null;
      try {
        query = decodeQuery(msg);
        if (!query) return null;
        const limit = transport === 'tcp' ? TCP_MESSAGE_LIMIT : udpLimit(query);
        const cached = cache?.lookup(msg, query, limit);
        if (cached) return cached;
        const bytes = encodeResponse(answerQuery(query, zone), limit);
        cache?.remember(query, bytes);
        return bytes;
      } catch (err) {
        logger.error('dns: failed to answer a query', { err, transport, bytes: msg.length });
        return serverFailure(msg);
      }
    },
  };
}

/** What a UDP reply may weigh: the requester's EDNS size, never below 512 nor above ours. */
export function udpLimit(query: Query): number {
  const asked = query.edns ? Math.max(query.edns.udpSize, CLASSIC_UDP_LIMIT) : CLASSIC_UDP_LIMIT;
  return Math.min(asked, OUR_UDP_PAYLOAD);
}

/** A bare SERVFAIL header echoing ID, opcode and RD; null when even that cannot be read. */
function serverFailure(msg: Buffer): Buffer | null {
  if (msg.length < HEADER_LENGTH || ((msg[2] as number) & 0x80) !== 0) return null;
  const out = Buffer.alloc(HEADER_LENGTH);
  msg.copy(out, 0, 0, 2);
  out[2] = 0x80 | ((msg[2] as number) & 0x79); // QR, opcode, RD
  out[3] = Rcode.SERVFAIL;
  return out;
}
