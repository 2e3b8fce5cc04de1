// When each slot was last asked for its TXT (the CA's validation query, or a resolver's on its
// behalf): one Map.set on the answer path, drained by whoever owns the store (at most once a
// minute, see src/service.ts). A DNS worker process drains its own and sends the batch to the
// primary, which merges it.
import { dottedName } from './slot-records.js';

export interface QueryTimes {
  /** The slot with this wire key (slot-records.ts `wireKey`) was asked for its TXT now. */
  record(slotKey: string): void;
  /** Times (ms) recorded elsewhere, e.g. by a worker; the latest per slot wins. */
  merge(times: Iterable<readonly [string, number]>): void;
  /** Everything recorded since the last drain (slot key -> ms); the recorder starts empty again. */
  drain(): Map<string, number>;
  /** What the next drain would return, left in place (to show times not yet flushed). */
  pending(): ReadonlyMap<string, number>;
}

export function createQueryTimes(now: () => number = Date.now): QueryTimes {
  let times = new Map<string, number>();
  return {
    record(slotKey) {
      times.set(slotKey, now());
    },
    merge(entries) {
      for (const [key, at] of entries) if (!(at <= (times.get(key) ?? -Infinity))) times.set(key, at);
    },
    drain() {
      const drained = times;
      times = new Map();
      return drained;
    },
    pending: () => times,
  };
}

/** Flushed times (by subdomain) with the pending ones (by slot key) laid over them: the latest wins. */
export function withPending(flushed: Map<string, number>, pending: ReadonlyMap<string, number>): Map<string, number> {
  for (const [key, at] of pending) {
    const subdomain = dottedName(key);
    if (!(at <= (flushed.get(subdomain) ?? -Infinity))) flushed.set(subdomain, at);
  }
  return flushed;
}
