// How far each configured secondary is behind: the results of our NOTIFYs to it, the serial it
// last transferred from us (AXFR, IXFR, or an IXFR answered with the SOA alone because it was
// current), and how long each serial took to reach it, from the moment the zone took that serial
// to the end of its transfer. Fed by the notifier and the transfer front, read by /metrics.
// Keyed by the NOTIFY target ("host:port"); a transfer counts for the secondary at its address.
import { formatHostPort } from '../net/address.js';
import type { Secondary } from './transfer/settings.js';

export type NotifyResult = 'acknowledged' | 'refused' | 'unanswered';

/** Upper bounds (seconds) of the "change to transfer" histogram. */
export const syncBuckets = [0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 3600];
/** Serials whose start time is remembered; a secondary further behind gets no sample. */
const REMEMBERED_SERIALS = 1024;

export interface SecondaryState {
  readonly secondary: string;
  readonly notify: Record<NotifyResult, number>;
  /** The serial it last transferred, or null when it has not transferred since we started. */
  serial: number | null;
  /** When (ms) it last transferred. */
  transferredAt: number | null;
  /** Cumulative histogram of change-to-transfer seconds over syncBuckets. */
  readonly syncBuckets: number[];
  syncCount: number;
  syncSum: number;
}

export interface SecondarySync {
  /** The zone's serial is now `serial` (called on every change and at start). */
  zoneChanged(serial: number): void;
  notified(secondary: string, result: NotifyResult): void;
  /** A transfer to `address` ended with it holding `serial`. */
  transferred(address: string, serial: number): void;
  states(): readonly SecondaryState[];
}

export function createSecondarySync(secondaries: readonly Secondary[], now: () => number = Date.now): SecondarySync {
  const states = secondaries.map(
    (s): SecondaryState & { readonly host: string } => ({
      host: s.host,
      secondary: formatHostPort(s),
      notify: { acknowledged: 0, refused: 0, unanswered: 0 },
      serial: null,
      transferredAt: null,
      syncBuckets: syncBuckets.map(() => 0),
      syncCount: 0,
      syncSum: 0,
    }),
  );
  /** When the zone took each recent serial (insertion order = age). */
  const serialSince = new Map<number, number>();
  return {
    zoneChanged(serial) {
      if (serialSince.has(serial)) return;
      serialSince.set(serial, now());
      if (serialSince.size > REMEMBERED_SERIALS) serialSince.delete(serialSince.keys().next().value as number);
    },
    notified(secondary, result) {
      const state = states.find((s) => s.secondary === secondary);
      if (state) state.notify[result]++;
    },
    transferred(address, serial) {
      for (const state of states) {
        if (!sameAddress(state.host, address)) continue;
        const since = serialSince.get(serial);
        if (since !== undefined && state.serial !== serial) {
          const seconds = (now() - since) / 1000;
          state.syncCount++;
          state.syncSum += seconds;
          syncBuckets.forEach((le, i) => {
            if (seconds <= le) state.syncBuckets[i]!++;
          });
        }
        state.serial = serial;
        state.transferredAt = now();
      }
    },
    states: () => states,
  };
}

/** RFC 1982 distance from `older` up to `newer` (0 when not older). */
export function serialDistance(newer: number, older: number): number {
  const distance = (newer - older) >>> 0;
  return distance < 0x80000000 ? distance : 0;
}

function sameAddress(configured: string, seen: string): boolean {
  return configured === seen || seen === `::ffff:${configured}`;
}
