// Renewal health: an active account with no TXT update for longer than a certificate's renewal
// interval is the sign that its client stopped renewing, before the certificate expires.
import { AppError } from '../errors.js';
import type { Account } from '../store/store.js';

export interface LastUpdate {
  readonly account: Account;
  /** Last TXT update (ms); the creation time when never updated. */
  readonly lastUpdateAt: number;
  readonly updated: boolean;
}

const dayMs = 86_400_000;

/** Parses the DAYS of `--stale DAYS`: a whole number of at least 1. */
export function parseStaleDays(text: string): number {
  const days = /^\d{1,5}$/.test(text) ? Number(text) : NaN;
  if (!(days >= 1)) throw new AppError('usage', `--stale needs a whole number of days (at least 1), not "${text}"`);
  return days;
}

/** Accounts whose last update is more than `days` old, the longest silent first. */
export function staleAccounts(lastUpdates: Iterable<LastUpdate>, days: number, now: number): LastUpdate[] {
  return [...lastUpdates].filter((u) => now - u.lastUpdateAt > days * dayMs).sort((a, b) => a.lastUpdateAt - b.lastUpdateAt);
}

/** Whole days since the last update. */
export function daysSince(update: LastUpdate, now: number): number {
  return Math.floor((now - update.lastUpdateAt) / dayMs);
}
