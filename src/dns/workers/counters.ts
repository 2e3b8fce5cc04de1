// DNS answer counts of a worker process, carried to the primary (whose /metrics serves them) as
// snapshots; the primary adds what grew since the worker's previous snapshot.
import type { DnsCounters } from '../../metrics/dns-counters.js';
import type { CountersSnapshot } from './protocol.js';

export function snapshotCounters(counters: DnsCounters): CountersSnapshot {
  return {
    answers: [...counters.answers],
    unanswered: counters.unanswered,
    latencyBuckets: [...counters.latencyBuckets],
    latencySum: counters.latencySum,
    latencyCount: counters.latencyCount,
    rrlDropped: counters.rrlDropped,
    rrlSlipped: counters.rrlSlipped,
  };
}

export const emptySnapshot: CountersSnapshot = { answers: [], unanswered: 0, latencyBuckets: [], latencySum: 0, latencyCount: 0, rrlDropped: 0, rrlSlipped: 0 };

/** Adds `next - previous` (two snapshots of one worker) to `into`. */
export function addCountersGrowth(into: DnsCounters, previous: CountersSnapshot, next: CountersSnapshot): void {
  const before = new Map(previous.answers);
  for (const [key, count] of next.answers) {
    const grown = count - (before.get(key) ?? 0);
    if (grown > 0) into.answers.set(key, (into.answers.get(key) ?? 0) + grown);
  }
  into.unanswered += next.unanswered - previous.unanswered;
  next.latencyBuckets.forEach((count, i) => {
    if (i < into.latencyBuckets.length) into.latencyBuckets[i]! += count - (previous.latencyBuckets[i] ?? 0);
  });
  into.latencySum += next.latencySum - previous.latencySum;
  into.latencyCount += next.latencyCount - previous.latencyCount;
  into.rrlDropped += next.rrlDropped - previous.rrlDropped;
  into.rrlSlipped += next.rrlSlipped - previous.rrlSlipped;
}
