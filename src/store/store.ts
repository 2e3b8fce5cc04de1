// The only owner of the SQLite database: accounts, TXT values, the zone serial and audit events.
// Every write is one transaction; change events are emitted after commit, so the zone index
// (and so DNS) sees an update before the API acknowledges it.
import { EventEmitter } from 'node:events';
import BetterSqlite3, { type Database } from 'better-sqlite3';
import { AppError } from '../errors.js';
import { checkDatabaseIsOurs, prepareDatabaseFile, storeFailure } from './database-file.js';
import { migrate } from './migrations.js';

export type AccountState = 'active' | 'revoked';

export interface Account {
  readonly username: string;
  readonly passwordHash: string;
  readonly subdomain: string;
  readonly allowfrom: readonly string[];
  readonly state: AccountState;
  /** What the account is for, e.g. the certificate name bootstrap made it for. */
  readonly label: string | null;
  readonly createdAt: number;
  readonly revokedAt: number | null;
}

export interface NewAccount {
  readonly username: string;
  readonly passwordHash: string;
  readonly subdomain: string;
  readonly allowfrom: readonly string[];
  readonly label?: string | null;
}

/** A slot's served TXT values after a change; `values: null` means the slot is gone. */
export interface SlotChange {
  readonly subdomain: string;
  readonly values: readonly string[] | null;
  readonly serial: number;
}

export interface Slot {
  readonly subdomain: string;
  readonly values: readonly string[];
}

export interface AuditEvent {
  readonly kind: string;
  readonly username?: string | null;
  readonly subdomain?: string | null;
  readonly remote?: string | null;
  readonly detail?: string | null;
}

export interface StoreOptions {
  /** Database file, or ":memory:". */
  readonly path: string;
  readonly valuesPerSlot: number;
  readonly maxAgeSeconds: number;
  /** Clock in milliseconds; tests move it. */
  readonly now?: () => number;
  /** Create the file (and its folder) when missing; default true. Reading commands say false. */
  readonly create?: boolean;
}

interface AccountRow {
  username: string;
  password_hash: string;
  subdomain: string;
  allowfrom: string;
  state: AccountState;
  label: string | null;
  created_at: number;
  revoked_at: number | null;
}

function toAccount(row: AccountRow): Account {
  return {
    username: row.username,
    passwordHash: row.password_hash,
    subdomain: row.subdomain,
    allowfrom: JSON.parse(row.allowfrom) as string[],
    state: row.state,
    label: row.label,
    createdAt: row.created_at,
    revokedAt: row.revoked_at,
  };
}

export interface StoreEvents {
  change: [SlotChange];
}

export class Store extends EventEmitter<StoreEvents> {
  readonly #db: Database;
  readonly #valuesPerSlot: number;
  readonly #maxAgeMs: number;
  readonly #now: () => number;
  /** The database file, or ":memory:". */
  readonly path: string;
  /** What each slot was last announced to serve, to tell other processes' writes apart. */
  readonly #announced = new Map<string, string>();
  #dataVersion = 0;

  private constructor(db: Database, options: StoreOptions) {
    super();
    this.#db = db;
    this.#valuesPerSlot = options.valuesPerSlot;
    this.#maxAgeMs = options.maxAgeSeconds * 1000;
    this.#now = options.now ?? Date.now;
    this.path = options.path;
  }

  /**
   * Opens (creating unless `create: false`) and migrates the database. Every problem with the
   * file is a StoreFileError naming it; a file that is not ours is left exactly as it was.
   */
  static open(options: StoreOptions): Store {
    const { path } = options;
    if (path !== ':memory:') prepareDatabaseFile(path, options.create ?? true);
    let db: Database | undefined;
    try {
      db = new BetterSqlite3(path, { fileMustExist: path !== ':memory:' });
      db.pragma('busy_timeout = 5000');
      checkDatabaseIsOurs(db, path);
      db.pragma('journal_mode = WAL');
      // FULL: an acknowledged update survives power loss, not only a process crash.
      db.pragma('synchronous = FULL');
      db.pragma('foreign_keys = ON');
      migrate(db);
      const store = new Store(db, options);
      store.#dataVersion = store.#readDataVersion();
      for (const slot of store.listSlots()) store.#announced.set(slot.subdomain, JSON.stringify(slot.values));
      return store;
    } catch (err) {
      db?.close();
      throw storeFailure(path, err);
    }
  }

  /**
   * A consistent copy of the whole database into `destination` (a new or empty file), taken
   * with SQLite's online backup while other processes keep reading and writing. All pages are
   * copied in one step, inside one read transaction, so a concurrent commit cannot restart it.
   */
  async copyTo(destination: string): Promise<void> {
    await this.#db.backup(destination, { progress: () => 0x7fffffff });
  }

  /** SQLite's own consistency check; "ok" or the problems it found. */
  integrityCheck(): string[] {
    return (this.#db.pragma('integrity_check') as { integrity_check: string }[]).map((r) => r.integrity_check);
  }

  override emit(event: 'change', change: SlotChange): boolean {
    if (change.values === null) this.#announced.delete(change.subdomain);
    else this.#announced.set(change.subdomain, JSON.stringify(change.values));
    return super.emit(event, change);
  }

  #readDataVersion(): number {
    return this.#db.pragma('data_version', { simple: true }) as number;
  }

  /**
   * Picks up commits made by other processes on the same file (the `account` CLI, bootstrap)
   * and announces the slots they changed. Costs one pragma read when nothing changed.
   */
  syncExternalChanges(): number {
    const version = this.#readDataVersion();
    if (version === this.#dataVersion) return 0;
    this.#dataVersion = version;
    const serial = this.serial();
    const current = new Map(this.listSlots().map((s) => [s.subdomain, s.values]));
    let changed = 0;
    for (const [subdomain, values] of current) {
      if (this.#announced.get(subdomain) !== JSON.stringify(values)) {
        this.emit('change', { subdomain, values, serial });
        changed++;
      }
    }
    for (const subdomain of [...this.#announced.keys()]) {
      if (!current.has(subdomain)) {
        this.emit('change', { subdomain, values: null, serial });
        changed++;
      }
    }
    return changed;
  }

  close(): void {
    if (this.#db.open) this.#db.close();
  }

  /** True when the database answers a query (for /health). */
  ping(): boolean {
    try {
      return this.#db.prepare('SELECT 1 AS ok').get() !== undefined;
    } catch {
      return false;
    }
  }

  // ---- accounts -------------------------------------------------------------------------

  createAccount(account: NewAccount): Account {
    const now = this.#now();
    const serial = this.#db.transaction(() => {
      this.#db
        .prepare(
          `INSERT INTO accounts (username, password_hash, subdomain, allowfrom, label, created_at)
           VALUES (?, ?, ?, ?, ?, ?)`,
        )
        .run(account.username, account.passwordHash, account.subdomain, JSON.stringify(account.allowfrom), account.label ?? null, now);
      this.#insertAudit({ kind: 'account.create', username: account.username, subdomain: account.subdomain, detail: account.label ?? null });
      return this.#bumpSerial();
    }).immediate();
    this.emit('change', { subdomain: account.subdomain, values: [], serial });
    return this.getAccount(account.username) as Account;
  }

  /**
   * Adds an account from another system (an acme-dns database) with its own hash, creation time
   * and served values, in one transaction. Returns false when the username already exists.
   */
  importAccount(account: NewAccount & { readonly createdAt: number }, values: readonly { value: string; updatedAt: number }[]): boolean {
    if (this.getAccount(account.username)) return false;
    const serial = this.#db.transaction(() => {
      this.#db
        .prepare(
          `INSERT INTO accounts (username, password_hash, subdomain, allowfrom, label, created_at)
           VALUES (?, ?, ?, ?, ?, ?)`,
        )
        .run(account.username, account.passwordHash, account.subdomain, JSON.stringify(account.allowfrom), account.label ?? null, account.createdAt);
      const insert = this.#db.prepare(
        `INSERT INTO txt_values (subdomain, value, updated_at) VALUES (?, ?, ?)
         ON CONFLICT (subdomain, value) DO UPDATE SET updated_at = MAX(updated_at, excluded.updated_at)`,
      );
      for (const { value, updatedAt } of values) insert.run(account.subdomain, value, updatedAt);
      this.#insertAudit({ kind: 'account.import', username: account.username, subdomain: account.subdomain, detail: account.label ?? null });
      return this.#bumpSerial();
    }).immediate();
    this.emit('change', { subdomain: account.subdomain, values: this.slotValues(account.subdomain), serial });
    return true;
  }

  getAccount(username: string): Account | undefined {
    const row = this.#db.prepare('SELECT * FROM accounts WHERE username = ?').get(username) as AccountRow | undefined;
    return row && toAccount(row);
  }

  getAccountBySubdomain(subdomain: string): Account | undefined {
    const row = this.#db.prepare('SELECT * FROM accounts WHERE subdomain = ?').get(subdomain) as AccountRow | undefined;
    return row && toAccount(row);
  }

  findAccountsByLabel(label: string): Account[] {
    const rows = this.#db.prepare('SELECT * FROM accounts WHERE label = ? ORDER BY created_at').all(label) as AccountRow[];
    return rows.map(toAccount);
  }

  /** Every account row, revoked ones included (registration's cap counts rows on disk). */
  countAccounts(): number {
    return (this.#db.prepare('SELECT COUNT(*) AS n FROM accounts').get() as { n: number }).n;
  }

  listAccounts(): Account[] {
    const rows = this.#db.prepare('SELECT * FROM accounts ORDER BY created_at, username').all() as AccountRow[];
    return rows.map(toAccount);
  }

  /** A revoked account can no longer update, and its slot leaves DNS. */
  revokeAccount(username: string): Account {
    const account = this.#requireAccount(username);
    if (account.state === 'revoked') return account;
    const serial = this.#db.transaction(() => {
      this.#db.prepare("UPDATE accounts SET state = 'revoked', revoked_at = ? WHERE username = ?").run(this.#now(), username);
      this.#db.prepare('DELETE FROM txt_values WHERE subdomain = ?').run(account.subdomain);
      this.#insertAudit({ kind: 'account.revoke', username, subdomain: account.subdomain });
      return this.#bumpSerial();
    }).immediate();
    this.emit('change', { subdomain: account.subdomain, values: null, serial });
    return this.getAccount(username) as Account;
  }

  deleteAccount(username: string): void {
    const account = this.#requireAccount(username);
    const serial = this.#db.transaction(() => {
      this.#db.prepare('DELETE FROM accounts WHERE username = ?').run(username);
      this.#insertAudit({ kind: 'account.delete', username, subdomain: account.subdomain });
      return this.#bumpSerial();
    }).immediate();
    this.emit('change', { subdomain: account.subdomain, values: null, serial });
  }

  setPasswordHash(username: string, passwordHash: string): void {
    const account = this.#requireAccount(username);
    this.#db.transaction(() => {
      this.#db.prepare('UPDATE accounts SET password_hash = ? WHERE username = ?').run(passwordHash, username);
      this.#insertAudit({ kind: 'account.rotate', username, subdomain: account.subdomain });
    }).immediate();
  }

  setAllowfrom(username: string, allowfrom: readonly string[]): void {
    const account = this.#requireAccount(username);
    this.#db.transaction(() => {
      this.#db.prepare('UPDATE accounts SET allowfrom = ? WHERE username = ?').run(JSON.stringify(allowfrom), username);
      this.#insertAudit({ kind: 'account.allowfrom', username, subdomain: account.subdomain, detail: JSON.stringify(allowfrom) });
    }).immediate();
  }

  #requireAccount(username: string): Account {
    const account = this.getAccount(username);
    if (!account) throw new AppError('account_not_found', `no account with username ${username}`);
    return account;
  }

  // ---- TXT values -----------------------------------------------------------------------

  /**
   * Adds a value to a slot (a repeated value only becomes the newest again), keeps the newest
   * `valuesPerSlot`, and returns what the slot now serves. Committed before it returns.
   */
  addTxtValue(subdomain: string, value: string, remote: string | null = null): SlotChange {
    const now = this.#now();
    const change = this.#db.transaction(() => {
      const account = this.#db.prepare("SELECT username FROM accounts WHERE subdomain = ? AND state = 'active'").get(subdomain) as
        | { username: string }
        | undefined;
      if (!account) throw new AppError('slot_not_found', `no active slot ${subdomain}`);
      // Within one millisecond, order by insertion still: never let a new value look older.
      const newest = this.#db.prepare('SELECT MAX(updated_at) AS t FROM txt_values WHERE subdomain = ?').get(subdomain) as { t: number | null };
      const stamp = Math.max(now, (newest.t ?? 0) + 1);
      this.#db
        .prepare(
          `INSERT INTO txt_values (subdomain, value, updated_at) VALUES (?, ?, ?)
           ON CONFLICT (subdomain, value) DO UPDATE SET updated_at = excluded.updated_at`,
        )
        .run(subdomain, value, stamp);
      this.#db
        .prepare(
          `DELETE FROM txt_values WHERE subdomain = ? AND value NOT IN
             (SELECT value FROM txt_values WHERE subdomain = ? ORDER BY updated_at DESC LIMIT ?)`,
        )
        .run(subdomain, subdomain, this.#valuesPerSlot);
      this.#insertAudit({ kind: 'txt.update', username: account.username, subdomain, remote });
      const serial = this.#bumpSerial();
      return { subdomain, values: this.slotValues(subdomain), serial };
    }).immediate();
    this.emit('change', change);
    return change;
  }

  /** The values a slot serves now, newest first. */
  slotValues(subdomain: string): string[] {
    const rows = this.#db
      .prepare('SELECT value FROM txt_values WHERE subdomain = ? AND updated_at > ? ORDER BY updated_at DESC LIMIT ?')
      .all(subdomain, this.#now() - this.#maxAgeMs, this.#valuesPerSlot) as { value: string }[];
    return rows.map((r) => r.value);
  }

  /** Every active slot with what it serves, for building the zone index at start. */
  listSlots(): Slot[] {
    const accounts = this.#db.prepare("SELECT subdomain FROM accounts WHERE state = 'active' ORDER BY subdomain").all() as { subdomain: string }[];
    return accounts.map(({ subdomain }) => ({ subdomain, values: this.slotValues(subdomain) }));
  }

  /** Deletes values past their max age; emits a change for each slot that lost one. */
  purgeExpired(): number {
    const cutoff = this.#now() - this.#maxAgeMs;
    const result = this.#db.transaction(() => {
      const slots = this.#db.prepare('SELECT DISTINCT subdomain FROM txt_values WHERE updated_at <= ?').all(cutoff) as { subdomain: string }[];
      if (slots.length === 0) return { purged: 0, changes: [] as SlotChange[] };
      const purged = this.#db.prepare('DELETE FROM txt_values WHERE updated_at <= ?').run(cutoff).changes;
      const serial = this.#bumpSerial();
      return { purged, changes: slots.map(({ subdomain }) => ({ subdomain, values: this.slotValues(subdomain), serial })) };
    }).immediate();
    for (const change of result.changes) this.emit('change', change);
    return result.purged;
  }

  // ---- zone serial and audit ------------------------------------------------------------

  /** The SOA serial: bumped with every change to served data; time-based, never decreasing. */
  serial(): number {
    const row = this.#db.prepare("SELECT value FROM meta WHERE key = 'serial'").get() as { value: string } | undefined;
    return row ? Number(row.value) : this.#initialSerial();
  }

  #initialSerial(): number {
    return Math.floor(this.#now() / 1000) >>> 0;
  }

  #bumpSerial(): number {
    const row = this.#db.prepare("SELECT value FROM meta WHERE key = 'serial'").get() as { value: string } | undefined;
    const previous = row ? Number(row.value) : 0;
    // Serial arithmetic (RFC 1982) wraps at 2^32; stay below it.
    const next = Math.max(previous + 1, this.#initialSerial()) % 2 ** 32;
    this.#db.prepare("INSERT INTO meta (key, value) VALUES ('serial', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value").run(String(next));
    return next;
  }

  audit(event: AuditEvent): void {
    this.#insertAudit(event);
  }

  #insertAudit(event: AuditEvent): void {
    this.#db
      .prepare('INSERT INTO audit_events (at, kind, username, subdomain, remote, detail) VALUES (?, ?, ?, ?, ?, ?)')
      .run(this.#now(), event.kind, event.username ?? null, event.subdomain ?? null, event.remote ?? null, event.detail ?? null);
  }

  auditEvents(limit = 100): (AuditEvent & { at: number })[] {
    return this.#db.prepare('SELECT at, kind, username, subdomain, remote, detail FROM audit_events ORDER BY id DESC LIMIT ?').all(limit) as (AuditEvent & {
      at: number;
    })[];
  }
}
