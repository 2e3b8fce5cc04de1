// Account operations shared by the API, the CLI and bootstrap: registration with a fresh
// secret, authentication that takes the same time for unknown users, rotation.
import type { BcryptPool } from '../crypto/bcrypt-pool.js';
import { newPassword, newUuid } from '../crypto/secrets.js';
import { AppError } from '../errors.js';
import { addressInCidrs, formatCidr, parseCidr } from '../net/address.js';
import type { Account, AccountKind, Store } from '../store/store.js';
import { fulldomainOf } from './fulldomain.js';
import { createVerificationCache } from './verification-cache.js';

/**
 * Successful checks remembered for warm updates: a client's repeated updates (several names of
 * one certificate, retries) skip bcrypt. Small and short-lived; a wrong key is never cached.
 */
const verificationCacheEntries = 10_000;
const verificationCacheTtlMs = 10 * 60_000;

/** What a client is told once at registration: the only time the password exists in clear. */
export interface Credentials {
  readonly username: string;
  readonly password: string;
  readonly fulldomain: string;
  readonly subdomain: string;
  readonly allowfrom: readonly string[];
  /** Present for a ddns account only, so acme-dns clients see exactly the fields they know. */
  readonly kind?: 'ddns';
}

export interface AccountService {
  /** A new account; `kind: 'ddns'` makes a dynamic-DNS slot (A/AAAA only, docs/ddns.md). */
  register(options?: { allowfrom?: readonly string[]; label?: string | null; kind?: AccountKind }): Promise<Credentials>;
  /** The active account whose password matches, or undefined; same cost whether or not it exists. */
  authenticate(username: string, password: string): Promise<Account | undefined>;
  /** New password for an account; returns the new credentials. */
  rotate(username: string): Promise<Credentials>;
  fulldomain(subdomain: string): string;
}

/** Parses and canonicalises an allowfrom list; throws AppError('invalid_allowfrom_cidr'). */
export function normalizeAllowfrom(list: readonly unknown[]): string[] {
  return list.map((item) => {
    if (typeof item !== 'string') throw new AppError('invalid_allowfrom_cidr', 'allowfrom entries must be strings');
    try {
      return formatCidr(parseCidr(item));
    } catch {
      throw new AppError('invalid_allowfrom_cidr', `"${item}" is not a CIDR`);
    }
  });
}

/** True when the account accepts updates from this address (an empty list allows all). */
export function allowedFrom(account: Account, address: string): boolean {
  if (account.allowfrom.length === 0) return true;
  return addressInCidrs(address, account.allowfrom.map((c) => parseCidr(c)));
}

export function createAccountService(store: Store, pool: BcryptPool, options: { zone: string; bcryptCost: number }): AccountService {
  // Compared against when the username is unknown, so both paths cost one bcrypt compare.
  let dummyHash: Promise<string> | undefined;
  const verifications = createVerificationCache({ maxEntries: verificationCacheEntries, ttlMs: verificationCacheTtlMs });
  // Rotation, revocation and deletion, here or in another process, drop the account's entry.
  store.on('account', ({ username }) => verifications.forget(username));
  const fulldomain = (subdomain: string): string => fulldomainOf(subdomain, options.zone);

  const credentialsOf = (account: Account, password: string): Credentials => ({
    username: account.username,
    password,
    fulldomain: fulldomain(account.subdomain),
    subdomain: account.subdomain,
    allowfrom: account.allowfrom,
    ...(account.kind === 'ddns' ? { kind: account.kind } : {}),
  });

  return {
    fulldomain,
    async register({ allowfrom = [], label = null, kind = 'acme' } = {}) {
      const cidrs = normalizeAllowfrom(allowfrom);
      const password = newPassword();
      const passwordHash = await pool.hash(password, options.bcryptCost);
      const account = store.createAccount({ username: newUuid(), passwordHash, subdomain: newUuid(), allowfrom: cidrs, label, kind });
      return credentialsOf(account, password);
    },
    async authenticate(username, password) {
      const account = store.getAccount(username);
      if (!account) {
        dummyHash ??= pool.hash(newPassword(), options.bcryptCost);
        await pool.compare(password, await dummyHash);
        return undefined;
      }
      if (account.state !== 'active') {
        await pool.compare(password, account.passwordHash);
        return undefined;
      }
      const matches = await verifications.verify(username, password, account.passwordHash, () => pool.compare(password, account.passwordHash));
      return matches ? account : undefined;
    },
    async rotate(username) {
      const account = store.getAccount(username);
      if (!account) throw new AppError('account_not_found', `no account with username ${username}`);
      const password = newPassword();
      store.setPasswordHash(username, await pool.hash(password, options.bcryptCost));
      return credentialsOf(account, password);
    },
  };
}
