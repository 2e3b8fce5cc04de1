// Response rate limiting (RRL) for UDP, as BIND and Knot do it: per client network (/24, /56),
// identical answers (same name and type), NXDOMAINs (all of them, per zone) and errors (all of
// them) are limited to a rate; past it most are dropped and every `slip`th is sent truncated, so
// a real resolver retries over TCP (which cannot be spoofed) while a spoofed victim receives
// nothing bigger than the query. It classifies the reply bytes the responder produced, so it
// works the same for the fast path and the general path.
import { cidrMatcher, clientNetwork, type Cidr } from '../net/address.js';
import { createTokenBuckets } from '../limits/token-buckets.js';
import { HEADER_LENGTH, Rcode } from './constants.js';
import { asciiLower } from '../names/domain-name.js';

export interface RrlOptions {
  /** Responses per second per (network, class); the burst is one second's worth. */
  readonly responsesPerSecond: number;
  /** Every slip-th limited response is sent truncated; 0 drops them all. */
  readonly slip: number;
  readonly ipv4Prefix: number;
  readonly ipv6Prefix: number;
  readonly exempt: readonly Cidr[];
  readonly tableSize: number;
  readonly now?: () => number;
}

export type RrlVerdict = 'send' | 'drop' | 'slip';

export interface Rrl {
  /** What to do with this reply to this client. */
  verdict(reply: Buffer, address: string): RrlVerdict;
  /** Buckets held now (bounded by tableSize). */
  readonly size: number;
}

/** Undefined when RRL is off (rate 0). */
export function createRrl(options: RrlOptions): Rrl | undefined {
  if (options.responsesPerSecond <= 0) return undefined;
  const buckets = createTokenBuckets({
    capacity: options.responsesPerSecond,
    refillMs: 1000 / options.responsesPerSecond,
    maxEntries: options.tableSize,
    now: options.now,
  });
  const exempt = cidrMatcher(options.exempt);
  let limited = 0;
  return {
    verdict(reply, address) {
      if (exempt(address)) return 'send';
      const network = clientNetwork(address, options.ipv4Prefix, options.ipv6Prefix);
      const kind = responseKind(reply);
      if (network === undefined || kind === undefined) return 'send';
      if (buckets.take(`${network} ${kind}`).ok) return 'send';
      limited++;
      return options.slip > 0 && limited % options.slip === 0 ? 'slip' : 'drop';
    },
    get size() {
      return buckets.size;
    },
  };
}

/**
 * The RRL class of a reply: NXDOMAIN and errors share one bucket each (a random-subdomain flood
 * never repeats a name); answers and empty answers count per query name and type.
 */
export function responseKind(reply: Buffer): string | undefined {
  if (reply.length < HEADER_LENGTH) return undefined;
  const rcode = (reply[3] as number) & 0x0f;
  if (rcode === Rcode.NXDOMAIN) return 'nxdomain';
  if (rcode !== Rcode.NOERROR) return 'error';
  const end = questionEnd(reply);
  if (end === undefined) return 'error';
  const answers = reply.readUInt16BE(6);
  // DNS names compare ignoring ASCII case; the bytes are the question as asked. Only the name is
  // folded: a type byte in A-Z (65 is HTTPS) is not a letter.
  const name = asciiLower(reply.toString('latin1', HEADER_LENGTH, end - 4));
  return `${answers > 0 ? 'answer' : 'empty'} ${name}${reply.toString('latin1', end - 4, end)}`;
}

/** Offset just past the first question (name, type, class), or undefined when malformed. */
function questionEnd(reply: Buffer): number | undefined {
  if (reply.readUInt16BE(4) < 1) return undefined;
  let at = HEADER_LENGTH;
  for (let labels = 0; labels < 128; labels++) {
    const length = reply[at];
    if (length === undefined || length > 63) return undefined;
    at += 1 + length;
    if (length === 0) return at + 4 <= reply.length ? at + 4 : undefined;
  }
  return undefined;
}

/** The reply cut to its header and question with TC set: "ask again over TCP". */
export function truncatedReply(reply: Buffer): Buffer {
  const end = questionEnd(reply) ?? HEADER_LENGTH;
  const out = Buffer.from(reply.subarray(0, end));
  out[2] = (out[2] as number) | 0x02;
  if (end === HEADER_LENGTH) out.writeUInt16BE(0, 4);
  out.writeUInt16BE(0, 6);
  out.writeUInt16BE(0, 8);
  out.writeUInt16BE(0, 10);
  return out;
}
