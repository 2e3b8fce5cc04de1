// A Map that keeps at most `maxEntries` keys, dropping the least recently used: every table kept
// per client (rate-limit buckets, trusted clients, RRL buckets) stays bounded under a flood of
// new addresses or names.

export interface BoundedMap<V, K extends string | number = string> {
  get(key: K): V | undefined;
  /** Stores the value as the most recently used entry, dropping the oldest past the bound. */
  set(key: K, value: V): void;
  delete(key: K): void;
  /** Drops up to `count` of the least recently used entries for which `stale` is true. */
  sweep(stale: (value: V) => boolean, count: number): void;
  readonly size: number;
}

export function createBoundedMap<V, K extends string | number = string>(maxEntries: number): BoundedMap<V, K> {
  const entries = new Map<K, V>();
  return {
    get: (key) => entries.get(key),
    set(key, value) {
      // Re-insert so Map order is least to most recently used.
      entries.delete(key);
      entries.set(key, value);
      if (entries.size > maxEntries) entries.delete(entries.keys().next().value as K);
    },
    delete: (key) => void entries.delete(key),
    sweep(stale, count) {
      for (const [key, value] of entries) {
        if (count-- <= 0 || !stale(value)) return;
        entries.delete(key);
      }
    },
    get size() {
      return entries.size;
    },
  };
}
