// Logging for a task that runs on a timer (reading other processes' changes every second,
// purging every minute) while the storage is at fault: one error line when the failures start,
// one summary line a minute while they go on (how many, the last error), one line when the task
// works again. A full disk that lasts an hour is then ~60 lines, not 3,600 identical ones.
// startRecurringTask is the timer itself, so each background task is one line of wiring.
import type { Logger } from '../log.js';

export interface RecurringFailureLog {
  /** The task failed this time. */
  failed(error: unknown): void;
  /** The task worked this time. */
  succeeded(): void;
}

export interface RecurringFailureLogOptions {
  /** How often a summary is logged while the failures go on (default 60 s). */
  readonly summaryMs?: number;
  readonly now?: () => number;
}

const DEFAULT_SUMMARY_MS = 60_000;

export function createRecurringFailureLog(logger: Logger, task: string, options: RecurringFailureLogOptions = {}): RecurringFailureLog {
  const now = options.now ?? Date.now;
  const summaryMs = options.summaryMs ?? DEFAULT_SUMMARY_MS;
  /** When the current run of failures started; undefined while the task works. */
  let since: number | undefined;
  let total = 0;
  let sinceSummary = 0;
  let summaryAt = 0;
  return {
    failed(error) {
      const at = now();
      total++;
      if (since === undefined) {
        since = at;
        summaryAt = at;
        sinceSummary = 0;
        logger.error(`${task} failed; retrying, a summary follows every ${Math.round(summaryMs / 1000)} s while it fails`, { error });
        return;
      }
      sinceSummary++;
      if (at - summaryAt < summaryMs) return;
      logger.error(`${task} still failing`, { failures: sinceSummary, failing_for_seconds: Math.round((at - since) / 1000), error });
      summaryAt = at;
      sinceSummary = 0;
    },
    succeeded() {
      if (since === undefined) return;
      logger.info(`${task} works again`, { failures: total, failed_for_seconds: Math.round((now() - since) / 1000) });
      since = undefined;
      total = 0;
    },
  };
}

/**
 * Runs `task` every `intervalMs`, its failures logged as a recurring failure under `what`.
 * The timer never keeps the process alive (unref); the function returned stops it.
 */
export function startRecurringTask(logger: Logger, what: string, intervalMs: number, task: () => void, options: RecurringFailureLogOptions = {}): () => void {
  const log = createRecurringFailureLog(logger, what, options);
  const timer = setInterval(() => {
    try {
      task();
      log.succeeded();
    } catch (error) {
      log.failed(error);
    }
  }, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
