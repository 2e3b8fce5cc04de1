// TSIG (RFC 8945): HMAC-SHA256/384/512 signatures on DNS messages. Pure functions over bytes:
// find and read the TSIG record of a message, verify a request, sign a reply (the first or a
// later message of a multi-message transfer) or a request of ours (NOTIFY). Secrets never leave
// this module in text form; errors name the key, never its secret.
import { createHmac, timingSafeEqual } from 'node:crypto';
import { isHostName, normalizeName } from '../names/domain-name.js';
import { HEADER_LENGTH } from './constants.js';
import { canonicalWireName, labelsToName, readMessage, readName, type WireMessage, type WireRecord } from './wire-reader.js';

export const TSIG_TYPE = 250;
const CLASS_ANY = 255;

export const tsigAlgorithms = {
  'hmac-sha256': 'sha256',
  'hmac-sha384': 'sha384',
  'hmac-sha512': 'sha512',
} as const;
export type TsigAlgorithm = keyof typeof tsigAlgorithms;

const digestLength: Record<TsigAlgorithm, number> = { 'hmac-sha256': 32, 'hmac-sha384': 48, 'hmac-sha512': 64 };

/** TSIG errors (RFC 8945 §3), carried in the TSIG record; the header rcode is NOTAUTH (9). */
export const TsigError = { NOERROR: 0, BADSIG: 16, BADKEY: 17, BADTIME: 18, BADTRUNC: 22 } as const;
export const RCODE_NOTAUTH = 9;
export const DEFAULT_FUDGE = 300;

export interface TsigKey {
  /** Lower-case key name, no trailing dot. */
  readonly name: string;
  readonly algorithm: TsigAlgorithm;
  readonly secret: Buffer;
}

/** "ALGORITHM:NAME:BASE64SECRET" (as `kdig -y` takes it); the error never repeats the secret. */
export function parseTsigKey(text: string): TsigKey {
  const parts = text.trim().split(':');
  if (parts.length !== 3) throw new Error('a TSIG key is ALGORITHM:NAME:BASE64SECRET');
  const [algorithmText, nameText, secretText] = parts as [string, string, string];
  const algorithm = normalizeName(algorithmText);
  if (!(algorithm in tsigAlgorithms)) throw new Error(`TSIG algorithm "${algorithmText}" is not one of ${Object.keys(tsigAlgorithms).join(', ')}`);
  const name = normalizeName(nameText);
  if (!isHostName(name)) throw new Error(`TSIG key name "${nameText}" is not a domain name`);
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(secretText) || secretText.length % 4 !== 0) throw new Error(`TSIG key ${name}: the secret is not base64`);
  const secret = Buffer.from(secretText, 'base64');
  if (secret.length < 16) throw new Error(`TSIG key ${name}: the secret is shorter than 16 bytes`);
  return { name, algorithm: algorithm as TsigAlgorithm, secret };
}

/** The TSIG record of a message, read but not yet checked. */
export interface TsigRecord {
  readonly keyName: string;
  readonly algorithmName: string;
  /** Seconds since the epoch (48 bits). */
  readonly timeSigned: number;
  readonly fudge: number;
  readonly mac: Buffer;
  readonly originalId: number;
  readonly error: number;
  readonly otherData: Buffer;
  /** Offset of the TSIG record: the message before it is what was signed. */
  readonly start: number;
}

/**
 * The TSIG record of a message: null when there is none, a string when the message is broken or
 * its TSIG is malformed (not last, more than one, wrong class or TTL, rdata that does not add up).
 */
export function findTsig(msg: Buffer): TsigRecord | null | string {
  if (msg.length < HEADER_LENGTH || msg.readUInt16BE(10) === 0) return null;
  const parsed = readMessage(msg);
  if (typeof parsed === 'string') return parsed;
  return findTsigIn(msg, parsed);
}

/** The same for a message already read (an UPDATE): no second walk over its records. */
export function findTsigIn(msg: Buffer, parsed: WireMessage): TsigRecord | null | string {
  if (parsed.additional.length === 0) return null;
  const all = [...parsed.answer, ...parsed.authority, ...parsed.additional];
  const tsigs = all.filter((r) => r.type === TSIG_TYPE);
  if (tsigs.length === 0) return null;
  const last = parsed.additional[parsed.additional.length - 1];
  if (tsigs.length > 1 || tsigs[0] !== last) return 'the TSIG record is not the last record of the message';
  return readTsigRecord(msg, last as WireRecord);
}

function readTsigRecord(msg: Buffer, record: WireRecord): TsigRecord | string {
  if (record.class !== CLASS_ANY || record.ttl !== 0) return 'TSIG record with a class other than ANY or a TTL other than 0';
  const algorithm = readName(msg, record.rdataStart);
  if (typeof algorithm === 'string') return `TSIG algorithm name: ${algorithm}`;
  let at = algorithm.end;
  const need = (n: number): boolean => at + n <= record.rdataEnd;
  if (!need(10)) return 'TSIG record too short';
  const timeSigned = msg.readUIntBE(at, 6);
  const fudge = msg.readUInt16BE(at + 6);
  const macSize = msg.readUInt16BE(at + 8);
  at += 10;
  if (!need(macSize + 6)) return 'TSIG MAC runs past the record';
  const mac = Buffer.from(msg.subarray(at, at + macSize));
  at += macSize;
  const originalId = msg.readUInt16BE(at);
  const error = msg.readUInt16BE(at + 2);
  const otherLength = msg.readUInt16BE(at + 4);
  at += 6;
  if (at + otherLength !== record.rdataEnd) return 'TSIG other data does not fill the record';
  return {
    keyName: labelsToName(record.owner.labels),
    algorithmName: labelsToName(algorithm.labels),
    timeSigned,
    fudge,
    mac,
    originalId,
    error,
    otherData: Buffer.from(msg.subarray(at, record.rdataEnd)),
    start: record.start,
  };
}

export type RequestCheck =
  | { readonly ok: true; readonly key: TsigKey; readonly tsig: TsigRecord }
  /** `key` is set when the reply must be signed (BADTIME); BADKEY and BADSIG replies are not. */
  | { readonly ok: false; readonly error: number; readonly tsig: TsigRecord; readonly key?: TsigKey };

/**
 * RFC 8945 §5.2 in its order: unknown key or algorithm (BADKEY), MAC length and value (BADSIG,
 * BADTRUNC), then the time (BADTIME), so a stale request with a good MAC is told our time.
 */
export function verifyRequest(msg: Buffer, tsig: TsigRecord, keys: readonly TsigKey[], nowSeconds: number): RequestCheck {
  const key = keys.find((k) => k.name === tsig.keyName && k.algorithm === tsig.algorithmName);
  if (!key) return { ok: false, error: TsigError.BADKEY, tsig };
  const full = digestLength[key.algorithm];
  if (tsig.mac.length > full || tsig.mac.length < Math.max(10, full / 2)) return { ok: false, error: TsigError.BADSIG, tsig };
  if (tsig.mac.length < full) return { ok: false, error: TsigError.BADTRUNC, tsig, key };
  const expected = computeMac(key, [unsignedMessage(msg, tsig), variables(key, tsig, 'full')]);
  if (!timingSafeEqual(expected, tsig.mac)) return { ok: false, error: TsigError.BADSIG, tsig };
  if (Math.abs(nowSeconds - tsig.timeSigned) > tsig.fudge) return { ok: false, error: TsigError.BADTIME, tsig, key };
  return { ok: true, key, tsig };
}

/**
 * Checks a reply to a request we signed (a NOTIFY answer): the MAC covers our request's MAC. A
 * string says why it does not verify.
 */
export function verifyReply(msg: Buffer, key: TsigKey, requestMac: Buffer, nowSeconds: number): true | string {
  const tsig = findTsig(msg);
  if (tsig === null) return 'the reply is not signed';
  if (typeof tsig === 'string') return tsig;
  if (tsig.keyName !== key.name || tsig.algorithmName !== key.algorithm) return `the reply is signed with another key (${tsig.keyName})`;
  if (tsig.error !== TsigError.NOERROR) return `the peer answered TSIG error ${tsigErrorName(tsig.error)}`;
  const expected = computeMac(key, [macPrefix(requestMac), unsignedMessage(msg, tsig), variables(key, tsig, 'full')]);
  if (tsig.mac.length !== expected.length || !timingSafeEqual(expected, tsig.mac)) return 'the reply MAC does not verify';
  if (Math.abs(nowSeconds - tsig.timeSigned) > tsig.fudge) return 'the reply was signed outside the time window';
  return true;
}

export function tsigErrorName(error: number): string {
  const name = Object.entries(TsigError).find(([, v]) => v === error)?.[0];
  return name ?? String(error);
}

export interface SignOptions {
  readonly timeSigned: number;
  readonly fudge?: number;
  /** The ID of the message as first sent (the message's own ID unless a forwarder changed it). */
  readonly originalId?: number;
  readonly error?: number;
  readonly otherData?: Buffer;
  /**
   * The request's MAC when signing a reply, or the previous message's MAC when signing a later
   * message of a multi-message reply (then only the timers are digested, RFC 8945 §5.3.1).
   */
  readonly priorMac?: Buffer;
  readonly continuation?: boolean;
}

/** Appends a TSIG record to an unsigned message; returns the signed bytes and the MAC. */
export function signMessage(msg: Buffer, key: TsigKey, options: SignOptions): { message: Buffer; mac: Buffer } {
  const fields: TsigFields = {
    keyName: key.name,
    algorithmName: key.algorithm,
    timeSigned: options.timeSigned,
    fudge: options.fudge ?? DEFAULT_FUDGE,
    originalId: options.originalId ?? msg.readUInt16BE(0),
    error: options.error ?? TsigError.NOERROR,
    otherData: options.otherData ?? Buffer.alloc(0),
  };
  const parts: Buffer[] = [];
  if (options.priorMac) parts.push(macPrefix(options.priorMac));
  parts.push(msg, variables(key, fields, options.continuation ? 'timers' : 'full'));
  const mac = computeMac(key, parts);
  return { message: appendTsig(msg, fields, mac), mac };
}

/**
 * The error reply TSIG of RFC 8945 §5.2.3 for BADKEY and BADSIG: same key name and algorithm as
 * the request, no MAC. (BADTIME replies are signed with signMessage and our time as other data.)
 */
export function appendUnsignedTsig(msg: Buffer, tsig: TsigRecord, error: number, timeSigned: number): Buffer {
  return appendTsig(msg, { ...tsig, timeSigned, error, otherData: Buffer.alloc(0) }, Buffer.alloc(0));
}

/** Our clock as the 48-bit "other data" of a BADTIME reply. */
export function timeOtherData(nowSeconds: number): Buffer {
  const out = Buffer.alloc(6);
  out.writeUIntBE(nowSeconds, 0, 6);
  return out;
}

type TsigFields = Omit<TsigRecord, 'mac' | 'start'>;

function appendTsig(msg: Buffer, fields: TsigFields, mac: Buffer): Buffer {
  const owner = canonicalWireName(fields.keyName);
  const algorithm = canonicalWireName(fields.algorithmName);
  const rdataLength = algorithm.length + 10 + mac.length + 6 + fields.otherData.length;
  const record = Buffer.alloc(owner.length + 10 + rdataLength);
  let at = owner.copy(record, 0);
  at = record.writeUInt16BE(TSIG_TYPE, at);
  at = record.writeUInt16BE(CLASS_ANY, at);
  at = record.writeUInt32BE(0, at);
  at = record.writeUInt16BE(rdataLength, at);
  at += algorithm.copy(record, at);
  at = record.writeUIntBE(fields.timeSigned, at, 6);
  at = record.writeUInt16BE(fields.fudge, at);
  at = record.writeUInt16BE(mac.length, at);
  at += mac.copy(record, at);
  at = record.writeUInt16BE(fields.originalId, at);
  at = record.writeUInt16BE(fields.error, at);
  at = record.writeUInt16BE(fields.otherData.length, at);
  fields.otherData.copy(record, at);
  const out = Buffer.concat([msg, record]);
  out.writeUInt16BE(msg.readUInt16BE(10) + 1, 10);
  return out;
}

/** The message as it was before signing: TSIG removed, ARCOUNT one less, the original ID. */
function unsignedMessage(msg: Buffer, tsig: TsigRecord): Buffer {
  const out = Buffer.from(msg.subarray(0, tsig.start));
  out.writeUInt16BE(tsig.originalId, 0);
  out.writeUInt16BE(out.readUInt16BE(10) - 1, 10);
  return out;
}

function macPrefix(mac: Buffer): Buffer {
  const length = Buffer.alloc(2);
  length.writeUInt16BE(mac.length, 0);
  return Buffer.concat([length, mac]);
}

/** RFC 8945 §4.3.3: the TSIG variables digested after the message ("timers" only for later messages). */
function variables(key: TsigKey, fields: TsigFields, which: 'full' | 'timers'): Buffer {
  const timers = Buffer.alloc(8);
  timers.writeUIntBE(fields.timeSigned, 0, 6);
  timers.writeUInt16BE(fields.fudge, 6);
  if (which === 'timers') return timers;
  const classTtl = Buffer.alloc(6);
  classTtl.writeUInt16BE(CLASS_ANY, 0);
  const tail = Buffer.alloc(4);
  tail.writeUInt16BE(fields.error, 0);
  tail.writeUInt16BE(fields.otherData.length, 2);
  return Buffer.concat([canonicalWireName(key.name), classTtl, canonicalWireName(key.algorithm), timers, tail, fields.otherData]);
}

function computeMac(key: TsigKey, parts: readonly Buffer[]): Buffer {
  const hmac = createHmac(tsigAlgorithms[key.algorithm], key.secret);
  for (const part of parts) hmac.update(part);
  return hmac.digest();
}
