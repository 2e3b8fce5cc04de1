// Response rate limiting (RRL) for UDP, as BIND and Knot do it: per client network (/24, /56),
// identical answers (same name and type), NXDOMAINs (all of them, per zone) and errors (all of
// them) are limited to a rate; past it most are dropped and every `slip`th is sent truncated, so
// a real resolver retries over TCP (which cannot be spoofed) while a spoofed victim receives
// nothing bigger than the query.
//
// Like BIND (query_rrl, between the lookup and rendering), the responder asks `decide` once it
// knows what kind of reply a query gets and before it encodes one: a dropped reply of a flood
// costs a parse of the question and a bucket, never an encoding. `verdict` classifies a reply
// already encoded, for the replies made elsewhere (signed ones, the answer cache's replays).
import { cidrMatcher, clientNetwork, ipv4ToInt, type Cidr } from '../net/address.js';
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
  /** Where limited replies are counted (the DNS counters /metrics reads). */
  readonly counters?: RrlCounters;
}

/** Replies RRL dropped, and sent truncated (slipped), since start. */
export interface RrlCounters {
  rrlDropped: number;
  rrlSlipped: number;
}

export type RrlVerdict = 'send' | 'drop' | 'slip';

/** What a reply says, as RRL counts it: answers and empty answers per question, the rest together. */
export type RrlKind = 'answer' | 'empty' | 'nxdomain' | 'error';

export interface Rrl {
  /**
   * What to do with a reply of `kind` to this client, decided before the reply is encoded.
   * `message`: the query (or its reply: the question is the same), whose question names the
   * bucket of answers and empty answers.
   */
  decide(address: string, kind: RrlKind, message: Buffer): RrlVerdict;
  /** The same for a reply already encoded. */
  verdict(reply: Buffer, address: string): RrlVerdict;
  /**
   * Whether the last decision was about this message (compared by identity): the responder
   * limited its reply already, and the listener must not count it twice.
   */
  decidedFor(message: Buffer): boolean;
  /** Buckets held now (bounded by tableSize). */
  readonly size: number;
}

const KIND_CODE: Readonly<Record<RrlKind, number>> = { answer: 0, empty: 1, nxdomain: 2, error: 3 };

/** Undefined when RRL is off (rate 0). */
export function createRrl(options: RrlOptions): Rrl | undefined {
  if (options.responsesPerSecond <= 0) return undefined;
  // Buckets are keyed by a number for an IPv4 network's NXDOMAINs and errors (what a flood
  // hits: no string is built per datagram), by a string otherwise.
  const buckets = createTokenBuckets<string | number>({
    capacity: options.responsesPerSecond,
    refillMs: 1000 / options.responsesPerSecond,
    maxEntries: options.tableSize,
    now: options.now,
  });
  const exempt = cidrMatcher(options.exempt);
  const v4Bits = options.ipv4Prefix;
  const v4Mask = v4Bits === 0 ? 0 : (0xffffffff << (32 - v4Bits)) >>> 0;
  const v4Networks = 2 ** (32 - v4Bits);
  const counters: RrlCounters = options.counters ?? { rrlDropped: 0, rrlSlipped: 0 };
  let limited = 0;
  let lastMessage: Buffer | undefined;

  const bucketKey = (address: string, kind: RrlKind, message: Buffer): string | number | undefined => {
    const code = KIND_CODE[kind];
    const v4 = ipv4ToInt(address);
    const perQuestion = code <= KIND_CODE.empty;
    if (v4 !== undefined && !perQuestion) return (((v4 & v4Mask) >>> 0) / v4Networks) * 4 + code;
    const network = clientNetwork(address, v4Bits, options.ipv6Prefix);
    if (network === undefined) return undefined;
    if (!perQuestion) return `${network} ${kind}`;
    const question = questionKey(message);
    // A question we cannot read is counted with the errors.
    return question === undefined ? `${network} error` : `${network} ${kind} ${question}`;
  };

  const decide = (address: string, kind: RrlKind, message: Buffer): RrlVerdict => {
    lastMessage = message;
    if (exempt(address)) return 'send';
    const key = bucketKey(address, kind, message);
    if (key === undefined || buckets.tryTake(key)) return 'send';
    limited++;
    if (options.slip > 0 && limited % options.slip === 0) {
      counters.rrlSlipped++;
      return 'slip';
    }
    counters.rrlDropped++;
    return 'drop';
  };
  return {
    decide,
    verdict(reply, address) {
      const kind = responseKind(reply);
      return kind === undefined ? 'send' : decide(address, kind, reply);
    },
    decidedFor: (message) => lastMessage === message,
    get size() {
      return buckets.size;
    },
  };
}

/** The RRL kind of a reply with this (4-bit or extended) rcode and this many answers. */
export function kindOf(rcode: number, answers: number): RrlKind {
  if (rcode === Rcode.NXDOMAIN) return 'nxdomain';
  if (rcode !== Rcode.NOERROR) return 'error';
  return answers > 0 ? 'answer' : 'empty';
}

/** The RRL kind of an encoded reply; undefined when it is shorter than a header. */
export function responseKind(reply: Buffer): RrlKind | undefined {
  if (reply.length < HEADER_LENGTH) return undefined;
  return kindOf((reply[3] as number) & 0x0f, reply.readUInt16BE(6));
}

/**
 * The first question (name, type, class) as a latin1 string with the name's ASCII letters folded
 * (DNS names compare ignoring ASCII case; a type byte in A-Z, 65 is HTTPS, is not a letter), or
 * undefined when it cannot be read.
 */
function questionKey(message: Buffer): string | undefined {
  const end = questionEnd(message);
  return end === undefined ? undefined : asciiLower(message.toString('latin1', HEADER_LENGTH, end - 4)) + message.toString('latin1', end - 4, end);
}

/** Offset just past the first question (name, type, class), or undefined when malformed. */
function questionEnd(message: Buffer): number | undefined {
  if (message.length < HEADER_LENGTH || message.readUInt16BE(4) < 1) return undefined;
  let at = HEADER_LENGTH;
  for (let labels = 0; labels < 128; labels++) {
    const length = message[at];
    if (length === undefined || length > 63) return undefined;
    at += 1 + length;
    if (length === 0) return at + 4 <= message.length ? at + 4 : undefined;
  }
  return undefined;
}

/** The reply as RRL's verdict has it: itself, nothing, or its bare truncated form. */
export function applyVerdict(verdict: RrlVerdict, reply: Buffer): Buffer | null {
  if (verdict === 'drop') return null;
  return verdict === 'slip' ? truncatedReply(reply) : reply;
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
