// Which changes every answering DNS worker has applied: the rule behind "an update is visible
// before its 200" once several processes answer. Changes are numbered as they are sent to the
// workers; each worker acknowledges the number it applied; settled() waits until every worker
// that answers queries has acknowledged everything sent before the call. Pure: no processes.

export interface AckTracker {
  /** Change `seq` (1, 2, 3, ...) was sent to every worker. */
  sent(seq: number): void;
  /**
   * Wait for this worker from now on. Everything sent so far is already in its pipe ahead of
   * the message that lets it answer, so it is counted as acknowledged.
   */
  track(id: number): void;
  /** The worker is gone: nothing waits for it any more. */
  untrack(id: number): void;
  acked(id: number, seq: number): void;
  /** Resolves once every tracked worker acknowledged every change sent before this call. */
  settled(): Promise<void>;
  /** Tracked workers that have owed an acknowledgement for longer than `ms`. */
  overdue(ms: number): number[];
}

interface Tracked {
  acked: number;
  /** When it first owed an acknowledgement it has not sent yet; null when it owes none. */
  owedSince: number | null;
}

export function createAckTracker(now: () => number = Date.now): AckTracker {
  let latest = 0;
  const workers = new Map<number, Tracked>();
  /** Waiting callers by the change number they wait for, ascending (numbers only grow). */
  const waits: { seq: number; resolve: () => void }[] = [];

  const lowestAck = (): number => {
    let lowest = Number.POSITIVE_INFINITY;
    for (const worker of workers.values()) lowest = Math.min(lowest, worker.acked);
    return lowest;
  };
  const release = (): void => {
    const lowest = lowestAck();
    let done = 0;
    while (done < waits.length && waits[done]!.seq <= lowest) waits[done++]!.resolve();
    waits.splice(0, done);
  };

  return {
    sent(seq) {
      latest = seq;
      const at = now();
      for (const worker of workers.values()) if (worker.acked < seq && worker.owedSince === null) worker.owedSince = at;
    },
    track(id) {
      workers.set(id, { acked: latest, owedSince: null });
    },
    untrack(id) {
      if (workers.delete(id)) release();
    },
    acked(id, seq) {
      const worker = workers.get(id);
      if (!worker || seq <= worker.acked) return;
      worker.acked = seq;
      // Still owing later changes: the clock restarts from this acknowledgement.
      worker.owedSince = seq >= latest ? null : now();
      release();
    },
    settled() {
      if (lowestAck() >= latest) return Promise.resolve();
      return new Promise((resolve) => waits.push({ seq: latest, resolve }));
    },
    overdue(ms) {
      const at = now();
      return [...workers].filter(([, w]) => w.owedSince !== null && at - w.owedSince > ms).map(([id]) => id);
    },
  };
}
