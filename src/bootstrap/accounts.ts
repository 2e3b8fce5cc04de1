// One account per certificate name, found again by its label (the bare name). A re-run reuses
// the password kept in --out when it still matches; without it the password cannot be
// recovered (only its bcrypt hash is stored), so the account gets a new one (rotate).
import type { AccountAdministration } from '../accounts/administration.js';
import { fulldomainOf } from '../accounts/fulldomain.js';
import type { StorageEntry } from './credential-files.js';
import type { Account } from '../store/store.js';
import type { CertificateName } from './names.js';

/** What deciding needs to know of a stored account. */
export type StoredAccount = Pick<Account, 'username' | 'passwordHash' | 'subdomain' | 'state' | 'label'> & { readonly kind?: Account['kind'] };

export type AccountDecision =
  | { readonly kind: 'reuse'; readonly bare: string; readonly username: string; readonly subdomain: string; readonly password: string }
  | { readonly kind: 'rotate'; readonly bare: string; readonly username: string; readonly subdomain: string; readonly reason: string }
  | { readonly kind: 'register'; readonly bare: string; readonly accountKind?: 'ddns' }
  /** Left for later: the name's CNAME is blocked by a conflict, so a new account or password would not be used yet. */
  | { readonly kind: 'skip'; readonly bare: string; readonly reason: string };

export interface SlotCredentials {
  readonly username: string;
  readonly password: string;
  readonly subdomain: string;
  readonly fulldomain: string;
}

export async function decideAccounts(
  names: readonly CertificateName[],
  accounts: readonly StoredAccount[],
  stored: ReadonlyMap<string, StorageEntry>,
  compare: (password: string, hash: string) => Promise<boolean>,
): Promise<AccountDecision[]> {
  const decisions: AccountDecision[] = [];
  for (const { bare, kind } of names) {
    // An ACME account and a ddns account may carry the same name: each kind finds its own.
    const mine = accounts.filter((a) => a.state === 'active' && a.label === bare && (a.kind ?? 'acme') === (kind ?? 'acme'));
    if (mine.length === 0) {
      decisions.push(kind === 'ddns' ? { kind: 'register', bare, accountKind: kind } : { kind: 'register', bare });
      continue;
    }
    const entry = stored.get(bare);
    const listed = entry && mine.find((a) => a.username === entry.username && a.subdomain === entry.subdomain);
    if (entry && listed && (await compare(entry.password, listed.passwordHash))) {
      decisions.push({ kind: 'reuse', bare, username: listed.username, subdomain: listed.subdomain, password: entry.password });
      continue;
    }
    // The newest account for the name is the one an earlier run pointed the CNAME at last.
    const newest = mine[mine.length - 1] as StoredAccount;
    const reason = !entry ? 'its password is not in --out' : !listed ? 'the entry in --out is for another account' : 'the password in --out no longer matches';
    decisions.push({ kind: 'rotate', bare, username: newest.username, subdomain: newest.subdomain, reason });
  }
  return decisions;
}

/** The slot each name's CNAME points to; names still to register get none. */
export function slotsOf(decisions: readonly AccountDecision[]): Map<string, string> {
  const slots = new Map<string, string>();
  for (const d of decisions) if (d.kind === 'reuse' || d.kind === 'rotate') slots.set(d.bare, d.subdomain);
  return slots;
}

/**
 * Names whose CNAME cannot be made (a conflict left alone) get no new account and no new
 * password: their clients keep working with whatever they use now (another acme-dns, a
 * provider hook) until a run with --replace moves them over.
 */
export function skipBlocked(decisions: readonly AccountDecision[], blocked: ReadonlySet<string>): AccountDecision[] {
  return decisions.map((d) =>
    (d.kind === 'register' || d.kind === 'rotate') && blocked.has(d.bare) ? { kind: 'skip', bare: d.bare, reason: 'its CNAME is blocked by a conflict' } : d,
  );
}

/**
 * Registers and rotates as decided; returns the credentials of every name. `result` fills as
 * it goes, so that after a failure midway the caller still has the passwords already made
 * (they exist nowhere else) and can save them.
 */
export async function applyAccounts(
  decisions: readonly AccountDecision[],
  admin: Pick<AccountAdministration, 'add' | 'rotate'>,
  options: { readonly allowfrom: readonly string[]; readonly zone: string },
  result: Map<string, SlotCredentials> = new Map(),
): Promise<Map<string, SlotCredentials>> {
  for (const d of decisions) {
    if (d.kind === 'skip') continue;
    if (d.kind === 'reuse') {
      result.set(d.bare, { username: d.username, password: d.password, subdomain: d.subdomain, fulldomain: fulldomainOf(d.subdomain, options.zone) });
    } else {
      // The same doors as `account add` / `account rotate` and the admin API.
      const creds = d.kind === 'register' ? await admin.add({ allowfrom: options.allowfrom, label: d.bare, kind: d.accountKind ?? 'acme' }) : await admin.rotate(d.username);
      result.set(d.bare, { username: creds.username, password: creds.password, subdomain: creds.subdomain, fulldomain: creds.fulldomain });
    }
  }
  return result;
}
