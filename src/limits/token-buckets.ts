// Token buckets keyed by client (address, username, network): `capacity` tokens, one more every
// `refillMs`. A key with a full bucket is the same as no entry, so idle entries are swept and the
// table stays bounded by count.
import { createBoundedMap } from './bounded-map.js';

export interface TokenBucketOptions {
  readonly capacity: number;
  /** Milliseconds per token refilled. */
  readonly refillMs: number;
  readonly maxEntries: number;
  readonly now?: () => number;
}

export type TakeResult = { readonly ok: true } | { readonly ok: false; readonly retryAfterMs: number };

export interface TokenBuckets {
  /** Takes one token for the key, or says how long until one is there. */
  take(key: string): TakeResult;
  /** Gives back a token taken earlier (the thing it paid for did not happen). */
  refund(key: string): void;
  readonly size: number;
}

interface Bucket {
  tokens: number;
  at: number;
}

/** Entries swept from the least recently used end on each call: amortised cleanup, no timer. */
const SWEEP_PER_CALL = 2;

export function createTokenBuckets(options: TokenBucketOptions): TokenBuckets {
  const { capacity, refillMs, maxEntries } = options;
  const now = options.now ?? Date.now;
  const buckets = createBoundedMap<Bucket>(maxEntries);
  const level = (bucket: Bucket, at: number): number => Math.min(capacity, bucket.tokens + (at - bucket.at) / refillMs);
  const sweep = (at: number): void => buckets.sweep((b) => level(b, at) >= capacity, SWEEP_PER_CALL);

  return {
    take(key) {
      const at = now();
      sweep(at);
      const bucket = buckets.get(key);
      const tokens = bucket ? level(bucket, at) : capacity;
      if (tokens < 1) {
        buckets.set(key, { tokens, at });
        return { ok: false, retryAfterMs: Math.ceil((1 - tokens) * refillMs) };
      }
      buckets.set(key, { tokens: tokens - 1, at });
      return { ok: true };
    },
    refund(key) {
      const bucket = buckets.get(key);
      if (!bucket) return;
      const at = now();
      const tokens = level(bucket, at) + 1;
      if (tokens >= capacity) buckets.delete(key);
      else buckets.set(key, { tokens, at });
    },
    get size() {
      return buckets.size;
    },
  };
}
