// A DNS worker process (node:cluster worker; dns.workers > 1): answers plain queries over UDP
// from its own zone index and hands everything else to the primary (request-route.ts). It loads
// the index from the store read-only, then follows the changes the primary sends, acknowledging
// each; it answers only after the primary says every earlier change has been sent ("serve").
// It never writes. Signals are the primary's business: a worker ends when its primary goes.
import { EventEmitter } from 'node:events';
import { createLogger, type Logger } from '../../log.js';
import { createDnsCounters } from '../../metrics/dns-counters.js';
import { openConfiguredServingReader } from '../../store/open-configured.js';
import type { SlotChange } from '../../store/store.js';
import { startDnsServer, type DnsServer } from '../server.js';
import { createQueryTimes } from '../query-times.js';
import { createZoneIndex, type ZoneIndex } from '../zone-index.js';
import { snapshotCounters } from './counters.js';
import type { FromWorker, ToWorker } from './protocol.js';
import { answeredByPrimary } from './request-route.js';

/** How often answer counts (for /metrics) and slot query times go to the primary. */
const COUNTERS_INTERVAL_MS = 5_000;

function runDnsWorker(): void {
  const send = (message: FromWorker): void => void process.send?.(message);
  const changes = new EventEmitter<{ change: [SlotChange] }>();
  const counters = createDnsCounters();
  const queryTimes = createQueryTimes();
  let zone: ZoneIndex | undefined;
  /** The store's serial the index was loaded at: changes up to it are in the index already. */
  let loadedSerial = 0;
  let start: Extract<ToWorker, { kind: 'start' }> | undefined;
  let logger: Logger | undefined;
  let server: DnsServer | undefined;

  const load = (message: Extract<ToWorker, { kind: 'start' }>): void => {
    start = message;
    const { config } = message;
    logger = createLogger({ level: config.log.level, format: config.log.format }).child({ dns_worker: process.pid });
    const store = openConfiguredServingReader(config);
    try {
      // One read transaction: the serial and every slot are the same commit's state.
      zone = store.readSnapshot(() => {
        loadedSerial = store.serial();
        return createZoneIndex(config, { listSlots: () => store.listSlots(), serial: () => loadedSerial, on: changes.on.bind(changes), off: changes.off.bind(changes) });
      });
    } finally {
      store.close();
    }
    // Reading every slot left garbage several times the index's size; left to V8, the heap it
    // grew stays resident. One full collection now, before any query, gives most of it back.
    globalThis.gc?.();
    send({ kind: 'loaded', serial: loadedSerial });
  };

  const serve = async (): Promise<void> => {
    if (!start || !zone || !logger) throw new Error('told to serve before the zone was loaded');
    const divert = (listener: number, msg: Buffer, peer: { address: string; port: number }): boolean => {
      if (!answeredByPrimary(msg)) return false;
      send({ kind: 'forward', listener, msg, address: peer.address, port: peer.port });
      return true;
    };
    // The same answer pipeline as the primary's (fast path, cache, rules, RRL, counters), without
    // the transfer front: what it would handle is diverted to the primary.
    server = await startDnsServer({ config: start.config, zone, logger, counters, queryTimes, worker: { listeners: start.listeners, divert } });
    setInterval(() => {
      send({ kind: 'counters', counters: snapshotCounters(counters) });
      const times = queryTimes.drain();
      if (times.size > 0) send({ kind: 'query-times', times: [...times] });
    }, COUNTERS_INTERVAL_MS).unref();
    send({ kind: 'serving' });
  };

  const fail = (error: unknown): void => {
    send({ kind: 'failed', message: (error as Error).message });
    process.exitCode = 1;
    process.disconnect();
  };

  process.on('message', (message: ToWorker) => {
    try {
      switch (message.kind) {
        case 'start':
          load(message);
          break;
        case 'change':
          if (message.change.serial > loadedSerial) changes.emit('change', message.change);
          send({ kind: 'ack', seq: message.seq });
          break;
        case 'serve':
          serve().catch(fail);
          break;
        case 'reply':
          server?.sendFrom(message.listener, message.reply, message.port, message.address);
          break;
      }
    } catch (error) {
      fail(error);
    }
  });
  // The primary stops its workers (and systemd signals the whole group): ignore the signals.
  process.on('SIGTERM', () => undefined);
  process.on('SIGINT', () => undefined);
  process.on('SIGHUP', () => undefined);
  // No primary, no updates: a worker left alone would serve stale data.
  process.on('disconnect', () => process.exit());
  send({ kind: 'hello' });
}

runDnsWorker();
