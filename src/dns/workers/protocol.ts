// The messages between the primary process and its DNS workers (node:cluster IPC with the
// "advanced" serialization, so Buffers and any SlotChange shape pass as they are).
import type { Config } from '../../config/schema.js';
import type { HostPort } from '../../net/address.js';
import type { SlotChange } from '../../store/store.js';

/** A worker's DNS answer counts since it started (src/metrics/dns-counters.ts, as plain data). */
export interface CountersSnapshot {
  readonly answers: [number, number][];
  readonly unanswered: number;
  readonly latencyBuckets: number[];
  readonly latencySum: number;
  readonly latencyCount: number;
  readonly rrlDropped: number;
  readonly rrlSlipped: number;
}

export type ToWorker =
  /** Load the zone from the store and bind these UDP addresses (shared through the primary). */
  | { readonly kind: 'start'; readonly config: Config; readonly listeners: readonly HostPort[] }
  /** A committed change to served data; `seq` counts changes, acknowledged once applied. */
  | { readonly kind: 'change'; readonly seq: number; readonly change: SlotChange }
  /** Every change sent before this one has been sent: start answering. */
  | { readonly kind: 'serve' }
  /** The primary's reply to a handed-over datagram, to send from listener `listener`. */
  | { readonly kind: 'reply'; readonly listener: number; readonly reply: Uint8Array; readonly address: string; readonly port: number };

export type FromWorker =
  /** Listening for messages: the primary may send. */
  | { readonly kind: 'hello' }
  /** The zone index is built (the store's state at `serial`, plus the changes received since). */
  | { readonly kind: 'loaded'; readonly serial: number }
  /** The UDP sockets are bound and answering. */
  | { readonly kind: 'serving' }
  /** Could not start (the store, a socket): the reason, for the primary's log. */
  | { readonly kind: 'failed'; readonly message: string }
  | { readonly kind: 'ack'; readonly seq: number }
  /** A datagram the primary answers (answeredByPrimary), received on listener `listener`. */
  | { readonly kind: 'forward'; readonly listener: number; readonly msg: Uint8Array; readonly address: string; readonly port: number }
  | { readonly kind: 'counters'; readonly counters: CountersSnapshot }
  /** Slots asked for their TXT since the previous batch (slot key, ms), sent with the counters. */
  | { readonly kind: 'query-times'; readonly times: [string, number][] };
