// Token buckets keyed by client (address, username, network): `capacity` tokens, one more every
// `refillMs`. A key with a full bucket is the same as no entry, so idle entries are swept and the
// table stays bounded by count. RRL takes a token per UDP reply, so a take allocates nothing
// once its key has a bucket.
import { createBoundedMap } from './bounded-map.js';

export interface TokenBucketOptions {
  readonly capacity: number;
  /** Milliseconds per token refilled. */
  readonly refillMs: number;
  readonly maxEntries: number;
  readonly now?: () => number;
}

export type TakeResult = { readonly ok: true } | { readonly ok: false; readonly retryAfterMs: number };

export interface TokenBuckets<K extends string | number = string> {
  /** Takes one token for the key, or says how long until one is there. */
  take(key: K): TakeResult;
  /** The same without the wait: true when a token was taken. */
  tryTake(key: K): boolean;
  /** Gives back a token taken earlier (the thing it paid for did not happen). */
  refund(key: K): void;
  readonly size: number;
}

interface Bucket {
  tokens: number;
  /** When `tokens` was last brought up to date. */
  at: number;
  /** When the bucket was last moved to the recent end of the table. */
  touched: number;
}

/** Every SWEEP_EVERY takes, up to SWEEP_COUNT full buckets are dropped from the least recently used end: amortised cleanup, no timer. */
const SWEEP_EVERY = 16;
const SWEEP_COUNT = 32;
/**
 * A bucket in use is moved to the recent end at most this often: the order is least recently
 * used to within a second, and a flood hitting one bucket costs no Map re-insertion per take.
 */
const TOUCH_MS = 1000;
const TAKEN: TakeResult = { ok: true };

export function createTokenBuckets<K extends string | number = string>(options: TokenBucketOptions): TokenBuckets<K> {
  const { capacity, refillMs, maxEntries } = options;
  const now = options.now ?? Date.now;
  const buckets = createBoundedMap<Bucket, K>(maxEntries);
  const level = (bucket: Bucket, at: number): number => Math.min(capacity, bucket.tokens + (at - bucket.at) / refillMs);
  let calls = 0;
  /** The key's bucket brought up to `at` (created full when missing). */
  const current = (key: K, at: number): Bucket => {
    if (++calls % SWEEP_EVERY === 0) buckets.sweep((b) => level(b, at) >= capacity, SWEEP_COUNT);
    let bucket = buckets.get(key);
    if (!bucket) {
      bucket = { tokens: capacity, at, touched: at };
      buckets.set(key, bucket);
      return bucket;
    }
    bucket.tokens = level(bucket, at);
    bucket.at = at;
    if (at - bucket.touched >= TOUCH_MS) {
      bucket.touched = at;
      buckets.set(key, bucket);
    }
    return bucket;
  };

  const tryTake = (key: K): boolean => {
    const bucket = current(key, now());
    if (bucket.tokens < 1) return false;
    bucket.tokens -= 1;
    return true;
  };
  return {
    tryTake,
    take(key) {
      const bucket = current(key, now());
      if (bucket.tokens < 1) return { ok: false, retryAfterMs: Math.ceil((1 - bucket.tokens) * refillMs) };
      bucket.tokens -= 1;
      return TAKEN;
    },
    refund(key) {
      const bucket = buckets.get(key);
      if (!bucket) return;
      const at = now();
      bucket.tokens = level(bucket, at) + 1;
      bucket.at = at;
      if (bucket.tokens >= capacity) buckets.delete(key);
    },
    get size() {
      return buckets.size;
    },
  };
}
