// bcrypt off the main thread: a compare costs ~0.1 s of CPU (cost 10) and bcryptjs's async API
// still runs on the event loop, which would stall DNS answers. A few worker threads do it instead.
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import { AppError } from '../errors.js';

export interface BcryptPool {
  hash(password: string, cost: number): Promise<string>;
  compare(password: string, hash: string): Promise<boolean>;
  close(): Promise<void>;
}

/** What /metrics reads from a running pool. */
export interface BcryptPoolStats {
  /** Jobs waiting for a thread. */
  readonly queued: number;
  /** Jobs on a thread now. */
  readonly running: number;
  /** Jobs refused because the queue was full (the API answered 503). */
  readonly rejected: number;
}

export interface MeasuredBcryptPool extends BcryptPool {
  stats(): BcryptPoolStats;
}

type Job = { op: 'hash'; password: string; cost: number } | { op: 'compare'; password: string; hash: string };

interface Pending {
  readonly job: Job;
  /** performance.now() when queued. */
  readonly queuedAt: number;
  resolve(value: string | boolean): void;
  reject(err: Error): void;
}

// The worker's code is inline, loaded by path from bcryptjs's CommonJS build, so it runs the
// same from dist/ and from TypeScript sources under the test runner.
// On Linux each thread has its own nice value: the worker lowers its own (by its thread id, read
// from /proc/thread-self) so that on a small machine DNS answers on the main thread come first
// and bcrypt takes the CPU time left over. Elsewhere it stays at the process's priority.
const workerSource = `
const { parentPort, workerData } = require('node:worker_threads');
const bcrypt = require(workerData.bcryptPath);
if (workerData.nice > 0) {
  try {
    const tid = Number(require('node:fs').readlinkSync('/proc/thread-self').split('/').pop());
    const os = require('node:os');
    os.setPriority(tid, Math.min(19, os.getPriority(tid) + workerData.nice));
  } catch {}
}
parentPort.on('message', ({ id, job }) => {
  try {
    const result = job.op === 'hash'
      ? bcrypt.hashSync(job.password, job.cost)
      : bcrypt.compareSync(job.password, job.hash);
    parentPort.postMessage({ id, result });
  } catch (err) {
    parentPort.postMessage({ id, error: String(err && err.message || err) });
  }
});
`;

/**
 * `maxQueue` bounds the jobs waiting for a worker: a flood of bad passwords then gets a quick
 * "overloaded" error instead of queueing without limit and delaying every honest client.
 * `nice` (0-19) is how far below the process's priority the workers run. `onWait` is told how
 * long (seconds) each job waited for a thread.
 */
export function createBcryptPool(size = 2, options: { maxQueue?: number; nice?: number; onWait?: (seconds: number) => void } = {}): MeasuredBcryptPool {
  const maxQueue = options.maxQueue ?? 256;
  const onWait = options.onWait;
  let rejected = 0;
  const nice = options.nice ?? 0;
  const bcryptPath = createRequire(import.meta.url).resolve('bcryptjs');
  const workers = Math.max(1, size);
  const queue: Pending[] = [];
  const idle: Worker[] = [];
  const busy = new Map<Worker, { id: number; pending: Pending }>();
  let nextId = 0;
  let closed = false;

  const spawn = (): void => {
    const worker = new Worker(workerSource, { eval: true, workerData: { bcryptPath, nice } });
    worker.unref();
    worker.on('message', (msg: { id: number; result?: string | boolean; error?: string }) => {
      const current = busy.get(worker);
      busy.delete(worker);
      if (current && current.id === msg.id) {
        if (msg.error !== undefined) current.pending.reject(new Error(msg.error));
        else current.pending.resolve(msg.result as string | boolean);
      }
      idle.push(worker);
      drain();
    });
    worker.on('error', (err) => {
      const current = busy.get(worker);
      busy.delete(worker);
      current?.pending.reject(err);
      const waiting = idle.indexOf(worker);
      if (waiting >= 0) idle.splice(waiting, 1);
      drain();
    });
    idle.push(worker);
  };

  // Workers start when first needed: a server that checks no password holds no bcrypt thread
  // (each is a V8 isolate of ~12 MB) and starts faster.
  const drain = (): void => {
    while (!closed && queue.length > idle.length && idle.length + busy.size < workers) spawn();
    while (!closed && idle.length > 0 && queue.length > 0) {
      const worker = idle.pop() as Worker;
      const pending = queue.shift() as Pending;
      onWait?.((performance.now() - pending.queuedAt) / 1000);
      const id = nextId++;
      busy.set(worker, { id, pending });
      worker.postMessage({ id, job: pending.job });
    }
  };

  const run = (job: Job): Promise<string | boolean> =>
    new Promise((resolve, reject) => {
      if (closed) return reject(new Error('bcrypt pool is closed'));
      if (queue.length >= maxQueue) {
        rejected++;
        return reject(new AppError('overloaded', 'too many password checks waiting'));
      }
      queue.push({ job, queuedAt: performance.now(), resolve, reject });
      drain();
    });

  return {
    hash: async (password, cost) => (await run({ op: 'hash', password, cost })) as string,
    compare: async (password, hash) => (await run({ op: 'compare', password, hash })) as boolean,
    stats: () => ({ queued: queue.length, running: busy.size, rejected }),
    close: async () => {
      closed = true;
      for (const pending of queue.splice(0)) pending.reject(new Error('bcrypt pool is closed'));
      const running = [...idle, ...busy.keys()];
      for (const { pending } of busy.values()) pending.reject(new Error('bcrypt pool is closed'));
      busy.clear();
      idle.length = 0;
      await Promise.all(running.map((w) => w.terminate()));
    },
  };
}
