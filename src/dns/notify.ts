// NOTIFY (RFC 1996): tells every configured secondary that the zone changed, so it transfers
// within a second instead of at its next refresh. Per secondary at most one NOTIFY is in flight;
// changes meanwhile are folded into one more NOTIFY after it, carrying the newest SOA. A lost or
// unanswered NOTIFY is retried with backoff; a secondary that never answers delays nobody else.
import { randomInt } from 'node:crypto';
import { createSocket, type Socket } from 'node:dgram';
import { isIPv6 } from 'node:net';
import type { Logger } from '../log.js';
import { formatHostPort } from '../net/address.js';
import { RRType } from './constants.js';
import type { RRset } from './records.js';
import type { NotifyResult } from './secondary-sync.js';
import { MessageWriter } from './transfer/message-writer.js';
import type { Secondary } from './transfer/settings.js';
import { signMessage, verifyReply } from './tsig.js';
import { readMessage } from './wire-reader.js';

export const OPCODE_NOTIFY = 4;

export interface NotifierOptions {
  readonly secondaries: readonly Secondary[];
  /** The current SOA of the zone, read when each NOTIFY is built. */
  readonly soa: () => RRset;
  readonly logger: Logger;
  /** Wait for an answer this long before the first retry; doubled each retry. */
  readonly firstTimeoutMs?: number;
  /** Attempts per NOTIFY before giving up until the next change (Knot: notify-retries 5). */
  readonly attempts?: number;
  /** Seconds since the epoch, for TSIG. */
  readonly now?: () => number;
  /** Told how each NOTIFY ended, per "host:port" (secondary-sync.ts, for /metrics). */
  readonly onResult?: (secondary: string, result: NotifyResult) => void;
}

export interface Notifier {
  /** The zone changed: notify every secondary (coalesced). */
  changed(): void;
  /** NOTIFYs answered so far, per "host:port" (for tests and logs). */
  acknowledged(): ReadonlyMap<string, number>;
  close(): Promise<void>;
}

interface Target {
  readonly secondary: Secondary;
  readonly label: string;
  /** The NOTIFY being waited for. */
  inFlight: { id: number; mac: Buffer | null; serial: number; attempt: number; timer: NodeJS.Timeout } | null;
  /** A change came while one was in flight. */
  again: boolean;
  acknowledged: number;
}

export function createNotifier(options: NotifierOptions): Notifier {
  const { logger } = options;
  const firstTimeoutMs = options.firstTimeoutMs ?? 1000;
  const attempts = options.attempts ?? 5;
  const now = options.now ?? (() => Math.floor(Date.now() / 1000));
  const targets: Target[] = options.secondaries.map((secondary) => ({
    secondary,
    label: formatHostPort(secondary),
    inFlight: null,
    again: false,
    acknowledged: 0,
  }));
  const sockets = new Map<'udp4' | 'udp6', Socket>();
  let closed = false;

  const socketFor = (host: string): Socket => {
    const family = isIPv6(host) ? 'udp6' : 'udp4';
    let socket = sockets.get(family);
    if (!socket) {
      socket = createSocket(family);
      socket.on('message', (msg, rinfo) => onReply(msg, rinfo.address, rinfo.port));
      socket.on('error', (err) => logger.warn('dns: NOTIFY socket error', { err }));
      socket.unref();
      sockets.set(family, socket);
    }
    return socket;
  };

  const currentSerial = (): number => (options.soa().rdata[0] as { serial: number }).serial;

  const send = (target: Target, attempt: number): void => {
    if (closed) return;
    const soa = options.soa();
    const serial = (soa.rdata[0] as { serial: number }).serial;
    const id = randomInt(0, 0x10000);
    let message = buildNotify(id, soa);
    let mac: Buffer | null = null;
    if (target.secondary.key) {
      const signed = signMessage(message, target.secondary.key, { timeSigned: now() });
      message = signed.message;
      mac = signed.mac;
    }
    const timer = setTimeout(() => onTimeout(target), firstTimeoutMs * 2 ** (attempt - 1));
    timer.unref();
    target.inFlight = { id, mac, serial, attempt, timer };
    socketFor(target.secondary.host).send(message, target.secondary.port, target.secondary.host, (err) => {
      if (err) logger.debug('dns: NOTIFY not sent', { secondary: target.label, err });
    });
  };

  const onTimeout = (target: Target): void => {
    const flight = target.inFlight;
    if (!flight) return;
    if (flight.attempt < attempts) {
      send(target, flight.attempt + 1);
      return;
    }
    logger.warn('dns: secondary did not answer NOTIFY', { secondary: target.label, serial: flight.serial, attempts });
    options.onResult?.(target.label, 'unanswered');
    target.inFlight = null;
    if (target.again) {
      target.again = false;
      send(target, 1);
    }
  };

  const onReply = (msg: Buffer, address: string, port: number): void => {
    const target = targets.find((t) => t.inFlight && t.secondary.port === port && sameAddress(t.secondary.host, address));
    const parsed = readMessage(msg);
    if (!target?.inFlight || typeof parsed === 'string' || parsed.id !== target.inFlight.id || (parsed.flags & 0x8000) === 0 || parsed.opcode !== OPCODE_NOTIFY) {
      logger.debug('dns: ignored a datagram that answers no NOTIFY of ours', { from: formatHostPort({ host: address, port }) });
      return;
    }
    const flight = target.inFlight;
    if (target.secondary.key && flight.mac) {
      const verified = verifyReply(msg, target.secondary.key, flight.mac, now());
      if (verified !== true) {
        // Not proof the secondary got it; the retry timer stays.
        logger.warn('dns: NOTIFY reply failed TSIG', { secondary: target.label, problem: verified });
        return;
      }
    }
    clearTimeout(flight.timer);
    target.inFlight = null;
    options.onResult?.(target.label, parsed.rcode === 0 ? 'acknowledged' : 'refused');
    if (parsed.rcode !== 0) logger.warn('dns: secondary refused NOTIFY', { secondary: target.label, rcode: parsed.rcode });
    else {
      target.acknowledged++;
      logger.debug('dns: NOTIFY acknowledged', { secondary: target.label, serial: flight.serial });
    }
    // A change folded in while this one flew: notify again only if the serial moved past it.
    if (target.again) {
      target.again = false;
      if (currentSerial() !== flight.serial) send(target, 1);
    }
  };

  return {
    changed() {
      for (const target of targets) {
        if (target.inFlight) target.again = true;
        else send(target, 1);
      }
    },
    acknowledged: () => new Map(targets.map((t) => [t.label, t.acknowledged])),
    close: async () => {
      closed = true;
      for (const target of targets) if (target.inFlight) clearTimeout(target.inFlight.timer);
      await Promise.all([...sockets.values()].map((s) => new Promise<void>((done) => s.close(() => done()))));
      sockets.clear();
    },
  };
}

/** NOTIFY for the zone with its current SOA in the answer section (RFC 1996 §3.7), AA set. */
export function buildNotify(id: number, soa: RRset): Buffer {
  const writer = new MessageWriter({ id, flags: (OPCODE_NOTIFY << 11) | 0x0400 }, 512);
  writer.question(soa.name.split('.'), RRType.SOA, 1);
  writer.record(1, soa.name, soa.ttl, soa.rdata[0]!);
  return writer.finish();
}

function sameAddress(a: string, b: string): boolean {
  return a === b || b === `::ffff:${a}`;
}
