// Account administration shared by the CLI (`acme-delegate account`) and the admin API: the same
// operations give the same answers, whichever door the operator uses.
import { AppError } from '../errors.js';
import type { Account, AccountKind, Store } from '../store/store.js';
import { fulldomainOf } from './fulldomain.js';
import { daysSince, staleAccounts } from './renewal-health.js';
import { normalizeAllowfrom, type AccountService, type Credentials } from './service.js';
import { newTsigKey, tsigCredentials, tsigKeyName, type TsigCredentials } from './tsig-key.js';
import type { TsigAlgorithm } from '../dns/tsig.js';
import { asciiLower } from '../names/domain-name.js';

/** An account as operators see it: no password hash. */
export type AccountView = Record<string, unknown>;

export function describeAccount(account: Account, zone: string): AccountView {
  return {
    username: account.username,
    subdomain: account.subdomain,
    fulldomain: fulldomainOf(account.subdomain, zone),
    allowfrom: account.allowfrom,
    state: account.state,
    kind: account.kind,
    label: account.label,
    created: new Date(account.createdAt).toISOString(),
    revoked: account.revokedAt === null ? null : new Date(account.revokedAt).toISOString(),
    tsig_key: account.tsig ? `${tsigKeyName(account, zone)}.` : null,
    tsig_algorithm: account.tsig?.algorithm ?? null,
  };
}

/** When the account's slot was last updated and by how many whole days (since creation if never). */
function renewalFields(account: Account, lastUpdateAt: number | undefined, lastQueryAt: number | undefined, now: number): AccountView {
  const since = lastUpdateAt ?? account.createdAt;
  return {
    last_update: lastUpdateAt === undefined ? null : new Date(lastUpdateAt).toISOString(),
    days_since_update: daysSince({ account, lastUpdateAt: since, updated: lastUpdateAt !== undefined }, now),
    last_query: lastQueryAt === undefined ? null : new Date(lastQueryAt).toISOString(),
  };
}

export interface AccountAdministration {
  /** Every account, with when its slot was last updated. */
  list(now?: number): AccountView[];
  show(username: string, now?: number): AccountView;
  add(options: { allowfrom?: readonly string[]; label?: string | null; kind?: AccountKind }): Promise<Credentials & { server_url: string }>;
  revoke(username: string): AccountView;
  rotate(username: string): Promise<Credentials & { server_url: string }>;
  setAllowfrom(username: string, allowfrom: readonly unknown[]): AccountView;
  remove(username: string): void;
  /** Adds or replaces the account's TSIG key; the secret is in the answer and nowhere else shown. */
  setTsig(username: string, algorithm?: TsigAlgorithm): TsigCredentials;
  removeTsig(username: string): AccountView;
  audit(limit: number): Record<string, unknown>[];
  /** Active accounts with no update for more than `days` days, the longest silent first. */
  stale(days: number, now?: number): AccountView[];
}

export interface AdministrationDeps {
  readonly store: Store;
  readonly accounts: AccountService;
  readonly zone: string;
  readonly serverUrl: string;
  /** host:port clients send DNS UPDATEs to (tsig-key.ts updateNameserver). */
  readonly nameserver?: string;
  /** When each slot (lower-case subdomain) was last asked for its TXT; default: as flushed to the store. */
  readonly lastQueryTimes?: () => Map<string, number>;
}

export function createAccountAdministration(deps: AdministrationDeps): AccountAdministration {
  const { store, accounts, zone, serverUrl } = deps;
  const nameserver = deps.nameserver ?? '127.0.0.1:53';
  const lastQueryTimes = deps.lastQueryTimes ?? (() => store.lastQueryTimes());
  const lastQuery = (times: Map<string, number>, account: Account): number | undefined => times.get(asciiLower(account.subdomain));
  const find = (username: string): Account => {
    const account = store.getAccount(username);
    if (!account) throw new AppError('account_not_found', `no account with username ${username}`);
    return account;
  };
  return {
    list(now = Date.now()) {
      const updates = store.lastUpdateTimes();
      const queries = lastQueryTimes();
      return store.listAccounts().map((a) => ({ ...describeAccount(a, zone), ...renewalFields(a, updates.get(a.subdomain), lastQuery(queries, a), now) }));
    },
    show(username, now = Date.now()) {
      const account = find(username);
      return { ...describeAccount(account, zone), ...renewalFields(account, store.lastUpdateTimes().get(account.subdomain), lastQuery(lastQueryTimes(), account), now) };
    },
    add: async (options) => ({ ...(await accounts.register({ allowfrom: options.allowfrom ?? [], label: options.label ?? null, kind: options.kind ?? 'acme' })), server_url: serverUrl }),
    revoke: (username) => describeAccount(store.revokeAccount(username), zone),
    rotate: async (username) => ({ ...(await accounts.rotate(username)), server_url: serverUrl }),
    setAllowfrom(username, allowfrom) {
      store.setAllowfrom(username, normalizeAllowfrom(allowfrom));
      return describeAccount(find(username), zone);
    },
    remove: (username) => store.deleteAccount(username),
    setTsig(username, algorithm) {
      const account = find(username);
      if (account.state !== 'active') throw new AppError('account_revoked', `account ${username} is revoked`);
      const key = newTsigKey(algorithm);
      store.setTsigKey(username, key);
      return tsigCredentials(account, key, zone, nameserver);
    },
    removeTsig(username) {
      store.setTsigKey(username, null);
      return describeAccount(find(username), zone);
    },
    audit: (limit) => store.auditEvents(limit).map((event) => ({ ...event, at: new Date(event.at).toISOString() })),
    stale(days, now = Date.now()) {
      const queries = lastQueryTimes();
      return staleAccounts(store.lastUpdates().values(), days, now).map((u) => ({
        ...describeAccount(u.account, zone),
        ...renewalFields(u.account, u.updated ? u.lastUpdateAt : undefined, lastQuery(queries, u.account), now),
      }));
    },
  };
}
