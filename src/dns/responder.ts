// One DNS message in, one out (or nothing): the byte-level fast path for slots, NXDOMAIN and
// REFUSED (fast-answers.ts), else decode with guards, replay a cached answer, or run the rules and
// encode with dns2. The listeners call only this. It never throws: a bug becomes
// SERVFAIL for that query, never an unhandled exception that ends the process.
// Given a UDP rate limit (RRL), each path asks it as soon as the kind of reply is known and
// before encoding: the fast path and the rules' result are classified, only a cached replay or a
// SERVFAIL is classified from its bytes.
import type { Logger } from '../log.js';
import { createAnswerCache } from './answer-cache.js';
import { createFastAnswers } from './fast-answers.js';
import { CLASSIC_UDP_LIMIT, HEADER_LENGTH, OUR_UDP_PAYLOAD, Rcode, TCP_MESSAGE_LIMIT } from './constants.js';
import { decodeQuery, type Query } from './query-decoder.js';
import type { QueryTimes } from './query-times.js';
import { encodeResponse } from './response-encoder.js';
import { answerQuery } from './rules.js';
import { applyVerdict, kindOf, responseKind, type Rrl } from './rrl.js';
import type { ZoneView } from './zone-index.js';

export type Transport = 'udp' | 'tcp';

export interface Responder {
  /**
   * The reply to send, or null to stay silent (unreadable header, not a query, or dropped by
   * `rrl`). `peer` (the client's address) is read only with `rrl`.
   */
  respond(msg: Buffer, transport: Transport, peer?: string, rrl?: Rrl): Buffer | null;
}

export interface ResponderOptions {
  readonly zone: ZoneView;
  readonly logger: Logger;
  /** Encoded answers kept for replay; 0 turns the cache off. */
  readonly cacheEntries?: number | undefined;
  /** false: every query takes the general path (benchmarks and equivalence tests compare). */
  readonly fastAnswers?: boolean | undefined;
  /** Told of the TXT questions at slots the fast path answers (all a CA asks). */
  readonly queryTimes?: QueryTimes | undefined;
}

export function createResponder(options: ResponderOptions): Responder {
  const { zone, logger } = options;
  const cacheEntries = options.cacheEntries ?? 10000;
  const cache = cacheEntries > 0 ? createAnswerCache(zone, cacheEntries) : undefined;
  const fast = options.fastAnswers === false ? undefined : createFastAnswers(zone, options.queryTimes);
  const tcpLimit = (): number => TCP_MESSAGE_LIMIT;

  return {
    respond(msg, transport, peer, rrl) {
      const limiter = rrl && peer !== undefined ? rrl : undefined;
      const address = peer ?? '';
      let query: Query | null = null;
      try {
        const quick = fast?.answer(msg, transport === 'tcp' ? tcpLimit : udpPayloadLimit, limiter, address);
        if (quick !== undefined) return quick;
        query = decodeQuery(msg);
        if (!query) return null;
        const limit = transport === 'tcp' ? TCP_MESSAGE_LIMIT : udpLimit(query);
        const cached = cache?.lookup(msg, query, limit);
        if (cached) return limiter ? applyVerdict(limiter.decide(address, responseKind(cached) ?? 'error', msg), cached) : cached;
        const response = answerQuery(query, zone);
        const verdict = limiter ? limiter.decide(address, kindOf(response.rcode, response.answer.length), msg) : 'send';
        if (verdict === 'drop') return null;
        const bytes = encodeResponse(response, limit);
        cache?.remember(query, bytes);
        return applyVerdict(verdict, bytes);
      } catch (err) {
        logger.error('dns: failed to answer a query', { err, transport, bytes: msg.length });
        const failure = serverFailure(msg);
        return failure && limiter ? applyVerdict(limiter.decide(address, 'error', msg), failure) : failure;
      }
    },
  };
}

/** What a UDP reply may weigh: the requester's EDNS size, never below 512 nor above ours. */
export function udpLimit(query: Query): number {
  return udpPayloadLimit(query.edns ? query.edns.udpSize : null);
}

/** The same from the EDNS payload size alone (null: no EDNS). */
export function udpPayloadLimit(udpSize: number | null): number {
  return udpSize === null ? CLASSIC_UDP_LIMIT : Math.min(Math.max(udpSize, CLASSIC_UDP_LIMIT), OUR_UDP_PAYLOAD);
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
