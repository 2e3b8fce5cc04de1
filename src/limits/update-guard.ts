// Rate limits on password guessing for POST /update, decided before bcrypt runs.
//
// Failures are counted per client address (IPv6: per /64) and per username. A token is taken
// before the compare and given back when the password matched, so concurrent guesses cannot
// overshoot the limit and honest clients spend nothing. The per-username limit is soft: a
// client that recently authenticated for that username from the same address is trusted and
// passes both limits, so an attacker guessing one username cannot lock its real client out
// (the trust ends at its first failure, so it buys an attacker on the same address one guess).
import { clientNetwork } from '../net/address.js';
import { createBoundedMap } from './bounded-map.js';
import { createTokenBuckets } from './token-buckets.js';

export interface UpdateGuardOptions {
  readonly failuresPerAddress: number;
  readonly failuresPerUsername: number;
  readonly refillSeconds: number;
  readonly maxEntries: number;
  /** How long a success from an address keeps that (username, address) trusted. */
  readonly trustMs?: number;
  readonly now?: () => number;
}

export type AuthOutcome = 'success' | 'failure' | 'aborted';

export type Admission =
  | { readonly ok: true; done(outcome: AuthOutcome): void }
  | { readonly ok: false; readonly retryAfterSeconds: number; readonly limit: 'address' | 'username' };

export interface UpdateGuard {
  /** Called before the password is checked; `username` is '' when it is not well-formed. */
  admit(username: string, address: string): Admission;
}

/** ACME clients renew every 60 days or so; trust outlives one renewal cycle. */
const DEFAULT_TRUST_MS = 90 * 24 * 3600 * 1000;

export function createUpdateGuard(options: UpdateGuardOptions): UpdateGuard {
  const now = options.now ?? Date.now;
  const refillMs = options.refillSeconds * 1000;
  const trustMs = options.trustMs ?? DEFAULT_TRUST_MS;
  const byAddress = createTokenBuckets({ capacity: options.failuresPerAddress, refillMs, maxEntries: options.maxEntries, now });
  const byUsername = createTokenBuckets({ capacity: options.failuresPerUsername, refillMs, maxEntries: options.maxEntries, now });
  const trusted = createBoundedMap<number>(options.maxEntries);
  const seconds = (ms: number): number => Math.max(1, Math.ceil(ms / 1000));

  return {
    admit(username, address) {
      const network = clientNetwork(address, 32, 64) ?? address;
      const pair = `${username} ${network}`;
      trusted.sweep((expires) => expires <= now(), 2);
      const trustedUntil = username === '' ? undefined : trusted.get(pair);
      if (trustedUntil !== undefined && trustedUntil > now()) {
        return {
          ok: true,
          done(outcome) {
            if (outcome === 'success') trusted.set(pair, now() + trustMs);
            if (outcome !== 'failure') return;
            trusted.delete(pair);
            byAddress.take(network);
          },
        };
      }
      const fromAddress = byAddress.take(network);
      if (!fromAddress.ok) return { ok: false, retryAfterSeconds: seconds(fromAddress.retryAfterMs), limit: 'address' };
      if (username !== '') {
        const forUsername = byUsername.take(username);
        if (!forUsername.ok) {
          byAddress.refund(network);
          return { ok: false, retryAfterSeconds: seconds(forUsername.retryAfterMs), limit: 'username' };
        }
      }
      return {
        ok: true,
        done(outcome) {
          // Only a matching password gives the tokens back. A check that never ran (bcrypt queue
          // full) keeps them spent, or a flood would retry against the full queue for free.
          if (outcome !== 'success') return;
          byAddress.refund(network);
          if (username !== '') byUsername.refund(username);
          if (username !== '') trusted.set(pair, now() + trustMs);
        },
      };
    },
  };
}
