// Group commit for TXT updates: what arrives in one turn of the event loop is written in one
// transaction, so sixteen clients' updates cost one fsync instead of sixteen, and each caller
// still hears back only after its own update is committed and announced.
import type { AppError } from '../errors.js';
import type { SlotChange, TxtUpdate } from './store.js';

export interface TxtUpdateQueue {
  submit(update: TxtUpdate): Promise<SlotChange>;
}

interface Waiting {
  readonly update: TxtUpdate;
  resolve(change: SlotChange): void;
  reject(error: Error): void;
}

/**
 * `commitBatch` writes the updates in one transaction and returns one outcome each (a change, or
 * the error of that update alone); when it throws, every update of the batch fails with it.
 */
export function createTxtUpdateQueue(commitBatch: (updates: readonly TxtUpdate[]) => (SlotChange | AppError)[]): TxtUpdateQueue {
  let waiting: Waiting[] = [];

  const flush = (): void => {
    const batch = waiting;
    waiting = [];
    let outcomes: (SlotChange | AppError)[];
    try {
      outcomes = commitBatch(batch.map((w) => w.update));
    } catch (error) {
      for (const w of batch) w.reject(error as Error);
      return;
    }
    batch.forEach((w, i) => {
      const outcome = outcomes[i] as SlotChange | AppError;
      if (outcome instanceof Error) w.reject(outcome);
      else w.resolve(outcome);
    });
  };

  return {
    submit: (update) =>
      new Promise((resolve, reject) => {
        // After the I/O callbacks of this turn: every request already read joins the batch.
        if (waiting.length === 0) setImmediate(flush);
        waiting.push({ update, resolve, reject });
      }),
  };
}
