// Turns a sequence of records into the messages of one transfer reply: each message as full as
// the limit allows (64 KiB less room for TSIG), the question in the first only, an OPT in each
// when the request had EDNS, and every message signed when the request was (RFC 8945 §5.3.1).
import type { RData } from '../records.js';
import type { ReplyStream } from '../peer-responder.js';
import { signMessage, type TsigKey } from '../tsig.js';
import { MessageWriter, type WriterHeader } from './message-writer.js';

export interface TransferRecord {
  readonly name: string;
  readonly ttl: number;
  readonly rdata: RData;
}

/** Room kept in each message for the TSIG record (longest key name, algorithm name, 64-byte MAC). */
const TSIG_ROOM = 400;
export const TRANSFER_MESSAGE_LIMIT = 65535 - TSIG_ROOM;

export interface TransferSigner {
  /** Signs the next message of the reply, chaining each MAC into the next. */
  sign(message: Buffer): Buffer;
}

/** Signs the messages of one reply: the first over the request MAC, later ones over the previous MAC (timers only). */
export function createTransferSigner(key: TsigKey, requestMac: Buffer, now: () => number): TransferSigner {
  let priorMac = requestMac;
  let first = true;
  return {
    sign(message) {
      const signed = signMessage(message, key, { timeSigned: now(), priorMac, continuation: !first });
      priorMac = signed.mac;
      first = false;
      return signed.message;
    },
  };
}

export interface StreamStats {
  readonly messages: number;
  readonly records: number;
  readonly bytes: number;
}

export interface MessageStreamOptions {
  readonly header: WriterHeader;
  readonly question: { readonly labels: readonly string[]; readonly type: number; readonly class: number } | null;
  readonly records: Iterator<TransferRecord>;
  /** OPT record bytes to put in every message's additional section. */
  readonly opt: Buffer | null;
  readonly signer: TransferSigner | null;
  readonly limit?: number;
  readonly onDone: (stats: StreamStats) => void;
  readonly onAbort: (reason: string, stats: StreamStats) => void;
}

export function createMessageStream(options: MessageStreamOptions): ReplyStream {
  const limit = options.limit ?? TRANSFER_MESSAGE_LIMIT;
  let carried: TransferRecord | undefined;
  let finished = false;
  let messages = 0;
  let records = 0;
  let bytes = 0;
  const stats = (): StreamStats => ({ messages, records, bytes });
  const nextRecord = (): TransferRecord | undefined => {
    if (carried) {
      const record = carried;
      carried = undefined;
      return record;
    }
    const step = options.records.next();
    return step.done ? undefined : step.value;
  };
  return {
    next() {
      if (finished) return null;
      // Room for the OPT is kept back from the records and given to it at the end.
      const writer = new MessageWriter(options.header, limit, options.opt ? options.opt.length : 0);
      if (messages === 0 && options.question) writer.question(options.question.labels, options.question.type, options.question.class);
      let record: TransferRecord | undefined;
      while ((record = nextRecord()) !== undefined) {
        if (!writer.record(1, record.name, record.ttl, record.rdata)) {
          if (writer.recordCount === 0) throw new Error(`record ${record.name} does not fit in one message`);
          carried = record;
          break;
        }
        records++;
      }
      if (options.opt) writer.raw(3, options.opt);
      if (record === undefined) {
        finished = true;
        if (writer.recordCount === 0 && messages > 0) {
          options.onDone(stats());
          return null;
        }
      }
      let message = writer.finish();
      if (options.signer) message = options.signer.sign(message);
      messages++;
      bytes += message.length;
      if (finished) options.onDone(stats());
      return message;
    },
    abort(reason) {
      if (finished) return;
      finished = true;
      options.onAbort(reason, stats());
    },
  };
}
