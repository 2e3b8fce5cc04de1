// Password checks behind the failed-authentication limits (src/limits/update-guard.ts), shared by
// every route that takes an account's credential: POST /update, /nic/update and /ddns/update.
import type { AccountService } from '../accounts/service.js';
import { passwordPattern, uuidPattern } from '../crypto/secrets.js';
import type { Admission } from '../limits/update-guard.js';
import type { Account } from '../store/store.js';

export type Admitted = Extract<Admission, { ok: true }>;

/**
 * A refused guess is answered after this pause (a timer, no CPU): a guesser waiting for each
 * answer, as HTTP clients do, then sends one guess per connection per second instead of as many
 * as the event loop can refuse, which would crowd out real clients' requests.
 */
export const REFUSAL_DELAY_MS = 1000;

export const refusalPause = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, REFUSAL_DELAY_MS));

/** Malformed credentials cannot match any account (they still cost a compare). */
export function wellFormedCredentials(username: string, password: string): boolean {
  return uuidPattern.test(username) && passwordPattern.test(password);
}

/** The password check; its outcome feeds the rate limits (a success gives the token back). */
export async function authenticateAdmitted(accounts: AccountService, username: string, password: string, admission: Admitted | undefined): Promise<Account | undefined> {
  if (!admission) return accounts.authenticate(username, password);
  try {
    const account = await accounts.authenticate(username, password);
    admission.done(account ? 'success' : 'failure');
    return account;
  } catch (error) {
    admission.done('aborted');
    throw error;
  }
}
