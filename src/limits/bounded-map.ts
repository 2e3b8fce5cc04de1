// A Map that keeps at most `maxEntries` keys, dropping the least recently used: every table kept
// per client (rate-limit buckets, trusted clients, RRL buckets) stays bounded under a flood of
// new addresses or names.

export interface BoundedMap<V> {
  get(key: string): V | undefined;
  /** Stores the value as the most recently used entry, dropping the oldest past the bound. */
  set(key: string, value: V): void;
  delete(key: string): void;
  /** Drops up to `count` of the least recently used entries for which `stale` is true. */
  sweep(stale: (value: V) => boolean, count: number): void;
  readonly size: number;
}

export function createBoundedMap<V>(maxEntries: number): BoundedMap<V> {
  const entries = new Map<string, V>();
  return {
    get: (key) => entries.get(key),
    set(key, value) {
      // Re-insert so Map order is least to most recently used.
      entries.delete(key);
      entries.set(key, value);
      if (entries.size > maxEntries) entries.delete(entries.keys().next().value as string);
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
