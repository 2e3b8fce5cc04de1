// Replies to signed requests, shared by zone transfers and DNS UPDATE: a bare header-and-question
// reply, the NOTAUTH of a failed TSIG check (RFC 8945 §5.2: unsigned for BADKEY/BADSIG, signed
// for BADTIME and BADTRUNC), and a reply signed with the request's key and MAC.
import { MessageWriter } from './transfer/message-writer.js';
import { appendUnsignedTsig, RCODE_NOTAUTH, signMessage, timeOtherData, TsigError, type TsigKey, type TsigRecord } from './tsig.js';
import { readMessage, type WireMessage } from './wire-reader.js';

/** A signed request that verified: its key and MAC sign our reply. */
export interface SignedRequest {
  readonly key: TsigKey;
  readonly tsig: TsigRecord;
}

/** The header echoed (ID, opcode, RD), the rcode, and the question (zone section) when it could be read. */
export function bareReply(msg: Buffer, parsed: WireMessage | null, rcode: number): Buffer {
  const writer = new MessageWriter({ id: msg.readUInt16BE(0), flags: 0x8000 | (msg.readUInt16BE(2) & 0x7900) | rcode }, 512);
  if (parsed?.question) writer.question(parsed.question.name.labels, parsed.question.type, parsed.question.class);
  return writer.finish();
}

/** NOTAUTH with the TSIG error; `key` set (BADTIME, BADTRUNC) means the reply is signed. */
export function tsigErrorReply(msg: Buffer, tsig: TsigRecord, error: number, key: TsigKey | undefined, nowSeconds: number): Buffer {
  const parsed = readMessage(msg, Number.MAX_SAFE_INTEGER);
  const bare = bareReply(msg, typeof parsed === 'string' ? null : parsed, RCODE_NOTAUTH);
  if (!key) return appendUnsignedTsig(bare, tsig, error, nowSeconds);
  // BADTIME: signed at the request's time, so its sender can verify it; our clock in other data.
  const badTime = error === TsigError.BADTIME;
  const timeSigned = badTime ? tsig.timeSigned : nowSeconds;
  const otherData = badTime ? timeOtherData(nowSeconds) : undefined;
  return signMessage(bare, key, { timeSigned, priorMac: tsig.mac, error, otherData, originalId: tsig.originalId }).message;
}

export function signReply(reply: Buffer, signed: SignedRequest | null, nowSeconds: number): Buffer {
  return signed ? signMessage(reply, signed.key, { timeSigned: nowSeconds, priorMac: signed.tsig.mac }).message : reply;
}
