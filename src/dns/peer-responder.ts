// What the listeners call: the responder's contract widened with the peer's address (transfers
// are allowed by address) and a reply that may be a stream of messages (a zone transfer over
// TCP) or that comes later (a DNS UPDATE, answered once committed). A plain Responder fits it as
// it is.
import type { Transport } from './responder.js';
import type { Rrl } from './rrl.js';

/** Messages of one reply, pulled one at a time so a slow reader never has them all in memory. */
export interface ReplyStream {
  /** The next message, or null when the reply is complete. */
  next(): Buffer | null;
  /** The peer went away: stop early (logged by the producer). */
  abort(reason: string): void;
}

/** A reply that is ready only after work elsewhere (an UPDATE's commit); never rejects. */
export type PendingReply = Promise<Buffer | null>;

export type PeerReply = Buffer | null | ReplyStream | PendingReply;

export interface PeerResponder {
  /**
   * `rrl`: UDP's response rate limit. A responder that knows the kind of reply before encoding
   * it asks `rrl.decide` first and returns the limited reply; whatever it did not decide on is
   * limited by the UDP listener from its bytes. `peerPort`: the peer's source port, for log
   * lines that name the peer as BIND does (address and port).
   */
  respond(msg: Buffer, transport: Transport, peer: string, rrl?: Rrl, peerPort?: number): PeerReply;
}

export function isReplyStream(reply: PeerReply): reply is ReplyStream {
  return reply !== null && !Buffer.isBuffer(reply) && !(reply instanceof Promise);
}

export function isPendingReply(reply: PeerReply): reply is PendingReply {
  return reply instanceof Promise;
}
