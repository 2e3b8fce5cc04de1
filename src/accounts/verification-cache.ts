// Remembers recent successful password checks so a client updating again skips bcrypt. It keeps
// an HMAC of the presented key under a random per-process key, never the key itself, and the
// hash the key was checked against: a hit counts only while the account still has that hash,
// so a rotated, revoked or deleted credential cannot pass even before its entry is dropped.
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

export interface VerificationCache {
  /** True when this key was verified against exactly `currentHash` within the entry's lifetime. */
  verified(username: string, password: string, currentHash: string): boolean;
  /** Records a successful check of `password` against `passwordHash`. */
  remember(username: string, password: string, passwordHash: string): void;
  /** Drops what is known of one account, or of every account when `username` is null. */
  forget(username: string | null): void;
  readonly size: number;
}

export interface VerificationCacheOptions {
  /** At most this many accounts are remembered; the oldest entry goes first. */
  readonly maxEntries: number;
  /** An entry is good for this long after the bcrypt check that made it. */
  readonly ttlMs: number;
  /** Clock in milliseconds; tests move it. */
  readonly now?: () => number;
}

interface Entry {
  readonly mac: Buffer;
  readonly passwordHash: string;
  readonly expiresAt: number;
}

export function createVerificationCache(options: VerificationCacheOptions): VerificationCache {
  const { maxEntries, ttlMs } = options;
  const now = options.now ?? Date.now;
  const macKey = randomBytes(32);
  // One entry per username, in insertion order: Map iteration gives the oldest first.
  const entries = new Map<string, Entry>();
  const macOf = (username: string, password: string): Buffer => createHmac('sha256', macKey).update(username).update('\0').update(password).digest();

  return {
    verified(username, password, currentHash) {
      const entry = entries.get(username);
      if (!entry) return false;
      if (entry.expiresAt <= now() || entry.passwordHash !== currentHash) {
        entries.delete(username);
        return false;
      }
      return timingSafeEqual(entry.mac, macOf(username, password));
    },
    remember(username, password, passwordHash) {
      if (maxEntries <= 0) return;
      entries.delete(username);
      entries.set(username, { mac: macOf(username, password), passwordHash, expiresAt: now() + ttlMs });
      while (entries.size > maxEntries) entries.delete(entries.keys().next().value as string);
    },
    forget(username) {
      if (username === null) entries.clear();
      else entries.delete(username);
    },
    get size() {
      return entries.size;
    },
  };
}
