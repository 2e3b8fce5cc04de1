// The primary's side of the DNS workers (dns.workers > 1): forks them (node:cluster, which shares
// each UDP socket among them), sends every committed change to each, knows which changes every
// answering worker has applied (settled(): the API's 200 waits for it), answers the datagrams
// they hand over with the primary's own responder, adds their answer counts to /metrics, and
// replaces a worker that dies. Workers load from the store, so a new one is never stale.
import cluster, { type Worker } from 'node:cluster';
import { extname } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Config } from '../../config/schema.js';
import { AppError } from '../../errors.js';
import type { Logger } from '../../log.js';
import type { DnsCounters } from '../../metrics/dns-counters.js';
import type { QueryTimes } from '../query-times.js';
import type { HostPort } from '../../net/address.js';
import type { SlotChange } from '../../store/store.js';
import type { DatagramPeer, SendDatagram } from '../udp-listener.js';
import { createAckTracker } from './ack-tracker.js';
import { addCountersGrowth, emptySnapshot } from './counters.js';
import type { CountersSnapshot, FromWorker, ToWorker } from './protocol.js';

export interface DnsWorkerPool {
  /** Resolves once every answering worker has applied every change made before the call. */
  settled(): Promise<void>;
  /** Process ids of the workers now running. */
  pids(): number[];
  close(): Promise<void>;
}

export interface DnsWorkerPoolOptions {
  readonly config: Config;
  readonly count: number;
  /** The UDP addresses to answer on (ports already chosen). */
  readonly listeners: readonly HostPort[];
  /** The store's change events. */
  readonly changes: {
    on(event: 'change', listener: (change: SlotChange) => void): unknown;
    off(event: 'change', listener: (change: SlotChange) => void): unknown;
  };
  /** Answers a handed-over datagram (the primary's DnsServer.datagramHandler). */
  readonly datagramHandler: (send: SendDatagram) => (msg: Buffer, peer: DatagramPeer) => void;
  /** The primary's counters, which /metrics reads: the workers' counts are added to them. */
  readonly counters: DnsCounters;
  /** The primary's record of slot query times: the workers' batches are merged into it. */
  readonly queryTimes?: QueryTimes;
  readonly logger: Logger;
}

/** A worker that owes an acknowledgement this long is stuck: it is killed, and replaced. */
const ACK_TIMEOUT_MS = 3_000;
const ACK_CHECK_INTERVAL_MS = 500;
/** Restart delay after a crash, doubled for each crash in a row, up to the maximum. */
const RESTART_DELAY_MS = 100;
const RESTART_DELAY_MAX_MS = 10_000;
/** A worker that ran this long was healthy: the next crash starts the delay over. */
const HEALTHY_AFTER_MS = 30_000;
const STOP_GRACE_MS = 2_000;

interface Member {
  readonly worker: Worker;
  readonly startedAt: number;
  /** Messages held until the worker listens (its "hello"); null once it does. */
  queue: ToWorker[] | null;
  serving: boolean;
  counters: CountersSnapshot;
}

/** The worker's entry file, beside this module (.js when built, .ts under tsx in tests). */
function workerEntry(): string {
  const here = fileURLToPath(import.meta.url);
  return fileURLToPath(new URL(`./worker-process${extname(here)}`, import.meta.url));
}

export async function startDnsWorkers(options: DnsWorkerPoolOptions): Promise<DnsWorkerPool> {
  const { config, logger } = options;
  const tracker = createAckTracker();
  const members = new Map<number, Member>();
  let seq = 0;
  let closing = false;
  let crashesInRow = 0;
  const timers = new Set<NodeJS.Timeout>();
  let startup: { resolve: () => void; reject: (error: Error) => void } | null = null;

  const post = (member: Member, message: ToWorker): void => {
    if (member.queue) member.queue.push(message);
    else if (member.worker.isConnected()) member.worker.send(message);
  };

  const onChange = (change: SlotChange): void => {
    seq++;
    for (const member of members.values()) post(member, { kind: 'change', seq, change });
    tracker.sent(seq);
  };
  options.changes.on('change', onChange);

  const startupFailed = (reason: string): void => {
    if (!startup) return;
    const { reject } = startup;
    startup = null;
    reject(new AppError('dns_listen_failed', `DNS worker could not start: ${reason}`));
  };

  const onMessage = (member: Member, message: FromWorker): void => {
    const id = member.worker.id;
    switch (message.kind) {
      case 'hello': {
        const held = member.queue ?? [];
        member.queue = null;
        post(member, { kind: 'start', config, listeners: options.listeners });
        for (const m of held) post(member, m);
        break;
      }
      case 'loaded':
        // Everything sent so far precedes "serve" in its pipe: from here on, updates wait for it.
        tracker.track(id);
        post(member, { kind: 'serve' });
        break;
      case 'serving':
        member.serving = true;
        logger.debug('dns: worker answering', { pid: member.worker.process.pid });
        if (startup && [...members.values()].filter((m) => m.serving).length >= options.count) {
          startup.resolve();
          startup = null;
        }
        break;
      case 'failed':
        logger.error('dns: worker could not start', { pid: member.worker.process.pid, reason: message.message });
        startupFailed(message.message);
        break;
      case 'ack':
        tracker.acked(id, message.seq);
        break;
      case 'forward': {
        const msg = Buffer.from(message.msg.buffer, message.msg.byteOffset, message.msg.byteLength);
        // The reply leaves once every worker has what the request may have changed (an UPDATE).
        const send: SendDatagram = (reply, port, address) =>
          void tracker.settled().then(() => post(member, { kind: 'reply', listener: message.listener, reply, address, port }));
        options.datagramHandler(send)(msg, { address: message.address, port: message.port });
        break;
      }
      case 'counters':
        addCountersGrowth(options.counters, member.counters, message.counters);
        member.counters = message.counters;
        break;
      case 'query-times':
        options.queryTimes?.merge(message.times);
        break;
    }
  };

  const fork = (): void => {
    const worker = cluster.fork();
    const member: Member = { worker, startedAt: Date.now(), queue: [], serving: false, counters: emptySnapshot };
    members.set(worker.id, member);
    worker.on('message', (message: FromWorker) => onMessage(member, message));
    worker.on('error', (error: Error) => logger.debug('dns: worker channel error', { error }));
    worker.on('exit', (code: number | null, signal: string | null) => {
      members.delete(worker.id);
      tracker.untrack(worker.id);
      if (closing) return;
      logger.warn('dns: worker ended', { pid: worker.process.pid, code, signal });
      if (startup) return startupFailed(`exited (${signal ?? `code ${code}`})`);
      crashesInRow = Date.now() - member.startedAt > HEALTHY_AFTER_MS ? 1 : crashesInRow + 1;
      const delay = Math.min(RESTART_DELAY_MAX_MS, RESTART_DELAY_MS * 2 ** (crashesInRow - 1));
      const timer = setTimeout(() => {
        timers.delete(timer);
        if (!closing) fork();
      }, delay);
      timers.add(timer);
    });
  };

  // A stuck worker would answer with data older than an acknowledged update: it goes.
  const watchdog = setInterval(() => {
    for (const id of tracker.overdue(ACK_TIMEOUT_MS)) {
      const member = members.get(id);
      logger.error('dns: worker stopped acknowledging changes; restarting it', { pid: member?.worker.process.pid });
      member?.worker.process.kill('SIGKILL');
    }
  }, ACK_CHECK_INTERVAL_MS);
  watchdog.unref();

  const close = async (): Promise<void> => {
    closing = true;
    clearInterval(watchdog);
    for (const timer of timers) clearTimeout(timer);
    options.changes.off('change', onChange);
    await Promise.all(
      [...members.values()].map(
        ({ worker }) =>
          new Promise<void>((done) => {
            if (worker.isDead()) return done();
            const kill = setTimeout(() => worker.process.kill('SIGKILL'), STOP_GRACE_MS);
            worker.once('exit', () => (clearTimeout(kill), done()));
            // A worker ends when its channel closes.
            if (worker.isConnected()) worker.disconnect();
            else worker.process.kill('SIGKILL');
          }),
      ),
    );
  };

  // --expose-gc: a worker collects the garbage of its load at once (worker-process.ts).
  cluster.setupPrimary({ exec: workerEntry(), args: [], execArgv: [...process.execArgv, '--expose-gc'], serialization: 'advanced' });
  const started = new Promise<void>((resolve, reject) => (startup = { resolve, reject }));
  for (let i = 0; i < options.count; i++) fork();
  try {
    await started;
  } catch (error) {
    await close();
    throw error;
  }
  logger.info('dns: workers answering UDP', { workers: options.count });
  return { settled: () => tracker.settled(), pids: () => [...members.values()].map((m) => m.worker.process.pid ?? 0), close };
}
