// Remembers recent successful password checks so a client updating again skips bcrypt. It keeps
// an HMAC of the presented key under a random per-process key, never the key itself, and the
// hash the key was checked against: a hit counts only while the account still has that hash,
// so a rotated, revoked or deleted credential cannot pass even before its entry is dropped.
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

export interface VerificationCache {
  /**
   * Whether `password` matches `passwordHash`: true at once for a remembered success against that
   * same hash, otherwise `compare()` decides (a success is remembered). Identical checks already
   * running are shared, so sixteen clients presenting one credential cost one compare.
   */
  verify(username: string, password: string, passwordHash: string, compare: () => Promise<boolean>): Promise<boolean>;
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
  // Checks in flight, by username, MAC and hash; each lives only as long as its compare.
  const running = new Map<string, Promise<boolean>>();
  const macOf = (username: string, password: string): Buffer => createHmac('sha256', macKey).update(username).update('\0').update(password).digest();

  const matches = (entry: Entry, username: string, mac: Buffer, currentHash: string): boolean => {
    if (entry.expiresAt <= now() || entry.passwordHash !== currentHash) {
      entries.delete(username);
      return false;
    }
    return timingSafeEqual(entry.mac, mac);
  };
  const remember = (username: string, mac: Buffer, passwordHash: string): void => {
    if (maxEntries <= 0) return;
    entries.delete(username);
    entries.set(username, { mac, passwordHash, expiresAt: now() + ttlMs });
    while (entries.size > maxEntries) entries.delete(entries.keys().next().value as string);
  };

  return {
    async verify(username, password, passwordHash, compare) {
      const mac = macOf(username, password);
      const entry = entries.get(username);
      if (entry && matches(entry, username, mac, passwordHash)) return true;
      const key = `${username}\0${mac.toString('base64')}\0${passwordHash}`;
      let check = running.get(key);
      if (!check) {
        check = compare().then((ok) => {
          if (ok) remember(username, mac, passwordHash);
          return ok;
        });
        running.set(key, check);
        const done = (): void => void running.delete(key);
        check.then(done, done);
      }
      return check;
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
