// DNS answers counted on the hot path at the cost of one Map update: plain integers keyed by
// transport, query type and rcode, read by the Prometheus collector only when scraped. One
// answer in LATENCY_SAMPLE_EVERY is timed for the latency histogram.
import { isPendingReply, isReplyStream, type PeerResponder, type ReplyStream } from '../dns/peer-responder.js';
import type { Transport } from '../dns/responder.js';
import type { RrlCounters } from '../dns/rrl.js';

export const LATENCY_SAMPLE_EVERY = 64;
/** Upper bounds (seconds) of the sampled answer latency histogram. */
export const dnsLatencyBuckets = [0.00001, 0.000025, 0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.01, 0.1];

export interface DnsCounters extends RrlCounters {
  /** Key: transport bit | rcode << 1 | qtype << 5 (qtype -1 when the query had no question). */
  readonly answers: Map<number, number>;
  /** Queries that got no reply (unparseable, or nothing to say). */
  unanswered: number;
  readonly latencyBuckets: number[];
  latencySum: number;
  latencyCount: number;
  seen: number;
}

export function createDnsCounters(): DnsCounters {
  return { answers: new Map(), unanswered: 0, latencyBuckets: dnsLatencyBuckets.map(() => 0), latencySum: 0, latencyCount: 0, seen: 0, rrlDropped: 0, rrlSlipped: 0 };
}

/**
 * Query types above CAA (257) are counted together, as 65535 (/metrics names them "other"
 * anyway): a flood of random types cannot grow the table past ~8,000 keys.
 */
const LAST_COUNTED_QTYPE = 257;
export const OTHER_QTYPE = 0xffff;

export function answerKey(transport: Transport, rcode: number, qtype: number): number {
  const type = qtype > LAST_COUNTED_QTYPE ? OTHER_QTYPE : qtype;
  return (transport === 'tcp' ? 1 : 0) | (rcode << 1) | ((type + 1) << 5);
}

export function splitAnswerKey(key: number): { transport: Transport; rcode: number; qtype: number } {
  return { transport: key & 1 ? 'tcp' : 'udp', rcode: (key >> 1) & 0xf, qtype: (key >> 5) - 1 };
}

/** The QTYPE of a message's first question, or -1. */
export function questionType(msg: Buffer): number {
  if (msg.length < 12 || msg.readUInt16BE(4) === 0) return -1;
  let at = 12;
  while (at < msg.length) {
    const len = msg[at]!;
    if (len === 0) return at + 3 <= msg.length ? msg.readUInt16BE(at + 1) : -1;
    if (len >= 0xc0) return -1;
    at += len + 1;
  }
  return -1;
}

/** The responder, counting what it answers. */
export function countingResponder(responder: PeerResponder, counters: DnsCounters): PeerResponder {
  return {
    respond(msg, transport, peer, rrl, peerPort) {
      const timed = ++counters.seen % LATENCY_SAMPLE_EVERY === 0;
      const start = timed ? process.hrtime.bigint() : 0n;
      const reply = responder.respond(msg, transport, peer, rrl, peerPort);
      if (timed) {
        const seconds = Number(process.hrtime.bigint() - start) / 1e9;
        counters.latencySum += seconds;
        counters.latencyCount++;
        for (let i = 0; i < dnsLatencyBuckets.length; i++) if (seconds <= dnsLatencyBuckets[i]!) counters.latencyBuckets[i]!++;
      }
      if (isPendingReply(reply)) return reply.then((ready) => count(ready, msg, transport));
      return count(reply, msg, transport);
    },
  };

  function count<R extends Buffer | ReplyStream | null>(reply: R, msg: Buffer, transport: Transport): R {
    if (reply === null) {
      counters.unanswered++;
      return reply;
    }
    // A zone transfer stream counts as one NOERROR answer.
    const rcode = isReplyStream(reply) || reply.length < 4 ? 0 : reply[3]! & 0xf;
    const key = answerKey(transport, rcode, questionType(msg));
    counters.answers.set(key, (counters.answers.get(key) ?? 0) + 1);
    return reply;
  }
}
