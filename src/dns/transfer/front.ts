// The front of the name server for what the plain responder does not do: zone transfers (AXFR,
// IXFR) with access control, and TSIG on any signed request. Everything else goes to the
// responder untouched, so the query fast path pays one header read for it.
import type { Logger } from '../../log.js';
import { asciiLower } from '../../names/domain-name.js';
import { addressInCidrs, formatHostPort } from '../../net/address.js';
import { HEADER_LENGTH, Opcode, Rcode, RRType } from '../constants.js';
import type { PeerResponder, ReplyStream } from '../peer-responder.js';
import type { Responder, Transport } from '../responder.js';
import type { Rrl } from '../rrl.js';
import { findTsig, tsigErrorName, verifyRequest } from '../tsig.js';
import { bareReply, signReply as signWith, tsigErrorReply, type SignedRequest as Signed } from '../tsig-replies.js';
import { readMessage, readName, type WireMessage } from '../wire-reader.js';
import type { ZoneIndex } from '../zone-index.js';
import { createMessageStream, createTransferSigner, type TransferRecord } from './message-stream.js';
import type { TransferSettings } from './settings.js';
import { axfrRecords, ixfrRecords, type JournalSource, type SlotTtls } from './zone-records.js';

export interface TransferFrontOptions {
  readonly responder: Responder;
  readonly zone: ZoneIndex;
  readonly settings: TransferSettings;
  readonly journal: JournalSource | undefined;
  /** TTL of slot TXT records, for IXFR differences. */
  readonly ttls: SlotTtls;
  readonly logger: Logger;
  /** Seconds since the epoch; tests move it. */
  readonly now?: () => number;
  /** A transfer to `address` ended with it holding `serial` (secondary-sync.ts, for /metrics). */
  readonly onTransferred?: (address: string, serial: number) => void;
}

export function createTransferFront(options: TransferFrontOptions): PeerResponder {
  const { responder, zone, settings, logger } = options;
  const now = options.now ?? (() => Math.floor(Date.now() / 1000));

  const respond = (msg: Buffer, transport: Transport, peer: string, rrl?: Rrl, peerPort?: number): Buffer | null | ReplyStream => {
    if (msg.length < HEADER_LENGTH || (msg[2]! & 0x80) !== 0) return responder.respond(msg, transport, peer, rrl);
    const opcode = (msg[2]! >> 3) & 0xf;
    const qtype = opcode === Opcode.QUERY ? questionType(msg) : undefined;
    const transfer = qtype === RRType.AXFR || qtype === RRType.IXFR;
    const additional = msg.readUInt16BE(10);
    if (!transfer && additional === 0) return responder.respond(msg, transport, peer, rrl);

    const tsig = additional === 0 ? null : findTsig(msg);
    if (typeof tsig === 'string') {
      // A broken message or TSIG record: FORMERR, as for any malformed request.
      logger.info('dns: malformed signed or transfer request', { peer: peerLabel(peer, peerPort), problem: tsig });
      return transfer ? errorReply(msg, null, Rcode.FORMERR, null) : responder.respond(msg, transport, peer, rrl);
    }
    if (!transfer && tsig === null) return responder.respond(msg, transport, peer, rrl);

    let signed: Signed | null = null;
    if (tsig) {
      const check = verifyRequest(msg, tsig, settings.keys, now());
      if (!check.ok) {
        logger.info('dns: TSIG check failed', { peer: peerLabel(peer, peerPort), key: tsig.keyName, algorithm: tsig.algorithmName, error: tsigErrorName(check.error) });
        return tsigErrorReply(msg, check.tsig, check.error, check.key, now());
      }
      signed = { key: check.key, tsig: check.tsig };
    }
    if (!transfer) {
      const reply = responder.respond(msg, transport);
      return reply && signReply(reply, signed);
    }

    const parsed = readMessage(msg);
    if (typeof parsed === 'string' || parsed.question === null) return errorReply(msg, null, Rcode.FORMERR, signed);
    const kind = qtype === RRType.AXFR ? 'AXFR' : 'IXFR';
    const refusal = transferRefusal(parsed, transport, peer, signed);
    if (refusal) {
      logger.info('dns: zone transfer refused', { peer: peerLabel(peer, peerPort), kind, transport, reason: refusal, key: signed?.key.name });
      return errorReply(msg, parsed, Rcode.REFUSED, signed);
    }
    if (kind === 'IXFR') {
      const clientSerial = ixfrSerial(msg, parsed);
      if (clientSerial === undefined) return errorReply(msg, parsed, Rcode.FORMERR, signed);
      // Over UDP the SOA alone says "ask over TCP" (RFC 1995 §4); so does an up-to-date serial.
      const soaOnly = transport === 'udp';
      return startTransfer(msg, parsed, peer, peerPort, signed, kind, clientSerial, soaOnly);
    }
    return startTransfer(msg, parsed, peer, peerPort, signed, kind, undefined, false);
  };

  const transferRefusal = (parsed: WireMessage, transport: Transport, peer: string, signed: Signed | null): string | null => {
    const question = parsed.question!;
    if (question.class !== 1) return 'class is not IN';
    if (asciiLower(question.name.labels.join('.')) !== zone.origin) return 'not our zone';
    if (question.type === RRType.AXFR && transport === 'udp') return 'AXFR over UDP';
    if (!addressInCidrs(peer, settings.allow)) return 'address not allowed';
    if (settings.keys.length > 0 && signed === null) return 'not signed with a TSIG key';
    return null;
  };

  const startTransfer = (
    msg: Buffer,
    parsed: WireMessage,
    address: string,
    port: number | undefined,
    signed: Signed | null,
    kind: 'AXFR' | 'IXFR',
    clientSerial: number | undefined,
    soaOnly: boolean,
  ): Buffer | ReplyStream => {
    const started = Date.now();
    const peer = peerLabel(address, port);
    // The snapshot: enumerate() returns the RRsets of one serial; later changes replace RRsets, never mutate them.
    const serial = zone.serial();
    const soa = zone.soa();
    let records: Iterator<TransferRecord>;
    let style = kind === 'AXFR' ? 'full' : 'incremental';
    if (kind === 'IXFR' && (soaOnly || !serialIsOlder(clientSerial!, serial))) {
      records = [{ name: soa.name, ttl: soa.ttl, rdata: soa.rdata[0]! }][Symbol.iterator]();
      style = 'soa only';
    } else {
      const changes = kind === 'IXFR' ? options.journal?.journalSince(clientSerial!, serial) : undefined;
      if (kind === 'IXFR' && changes) records = ixfrRecords(soa, changes, zone.origin, options.ttls);
      else {
        records = axfrRecords(soa, zone.enumerate());
        style = 'full';
      }
    }
    const question = parsed.question!;
    const stream = createMessageStream({
      header: { id: parsed.id, flags: 0x8400 | (parsed.flags & 0x0100) },
      question: { labels: question.name.labels, type: question.type, class: question.class },
      records,
      opt: ednsOf(parsed),
      signer: signed ? createTransferSigner(signed.key, signed.tsig.mac, now) : null,
      onDone: (stats) => {
        logger.info('dns: zone transfer sent', { peer, kind, style, serial, from: clientSerial, ...stats, ms: Date.now() - started, key: signed?.key.name });
        if (style !== 'soa only') options.onTransferred?.(address, serial);
      },
      onAbort: (reason, stats) => logger.info('dns: zone transfer stopped', { peer, kind, serial, reason, ...stats }),
    });
    // The SOA alone is one message: over UDP it must be a plain reply.
    if (style !== 'soa only') return stream;
    // An IXFR from a serial not older than ours: the secondary is current.
    if (clientSerial !== undefined && !serialIsOlder(clientSerial, serial)) options.onTransferred?.(address, serial);
    return stream.next() as Buffer;
  };

  const errorReply = (msg: Buffer, parsed: WireMessage | null, rcode: number, signed: Signed | null): Buffer =>
    signReply(bareReply(msg, parsed, rcode), signed);

  const signReply = (reply: Buffer, signed: Signed | null): Buffer => signWith(reply, signed, now());

  return { respond };
}

/** The question's type, read without decoding the message; undefined when unreadable. */
export function questionType(msg: Buffer): number | undefined {
  if (msg.readUInt16BE(4) !== 1) return undefined;
  let offset = HEADER_LENGTH;
  while (offset < msg.length) {
    const len = msg[offset]!;
    if (len === 0) return offset + 3 <= msg.length ? msg.readUInt16BE(offset + 1) : undefined;
    if ((len & 0xc0) !== 0) return undefined;
    offset += 1 + len;
  }
  return undefined;
}

/** The serial of the SOA an IXFR request carries in its authority section (RFC 1995 §3). */
function ixfrSerial(msg: Buffer, parsed: WireMessage): number | undefined {
  const soa = parsed.authority[0];
  if (parsed.authority.length !== 1 || !soa || soa.type !== RRType.SOA) return undefined;
  const mname = readName(msg, soa.rdataStart);
  if (typeof mname === 'string') return undefined;
  const rname = readName(msg, mname.end);
  if (typeof rname === 'string' || rname.end + 20 !== soa.rdataEnd) return undefined;
  return msg.readUInt32BE(rname.end);
}

/** The peer as log lines name it: "192.0.2.1:53", "[2001:db8::1]:53" (the address alone when the port is unknown). */
function peerLabel(address: string, port: number | undefined): string {
  return port === undefined ? address : formatHostPort({ host: address, port });
}

/** RFC 1982 serial arithmetic: a is older than b. */
export function serialIsOlder(a: number, b: number): boolean {
  return a !== b && ((b - a) >>> 0) < 2 ** 31;
}

/** Our OPT record for replies to a request that had one: payload 1232, version 0. */
function ednsOf(parsed: WireMessage): Buffer | null {
  if (!parsed.additional.some((r) => r.type === RRType.OPT)) return null;
  const opt = Buffer.alloc(11);
  opt.writeUInt16BE(RRType.OPT, 1);
  opt.writeUInt16BE(1232, 3);
  return opt;
}
