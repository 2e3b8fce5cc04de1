// The only owner of the SQLite database: accounts, TXT values, the zone serial and audit events.
// Every write is one transaction; change events are emitted after commit, so the zone index
// (and so DNS) sees an update before the API acknowledges it.
import { EventEmitter } from 'node:events';
import { existsSync, readFileSync, statSync } from 'node:fs';
import BetterSqlite3, { type Database, type Statement } from 'better-sqlite3';
import { isIPv4, isIPv6 } from 'node:net';
import { AppError } from '../errors.js';
import { checkDatabaseFileIfPresent, checkDatabaseIsOurs, prepareDatabaseFile, storeFailure } from './database-file.js';
import { migrate } from './migrations.js';
import { clearJournal, defaultJournalLimits, readJournal, recordJournalStep, type JournalLimits, type JournalSlot, type JournalStep } from './zone-journal.js';
import { createTxtUpdateQueue, type TxtUpdateQueue } from './txt-update-queue.js';

export type AccountState = 'active' | 'revoked';

/**
 * What an account's credential may set: 'acme' the TXT of its challenge slot, 'ddns' the A and
 * AAAA of its dynamic-DNS slot (docs/ddns.md). Never both.
 */
export type AccountKind = 'acme' | 'ddns';

export interface Account {
  readonly username: string;
  readonly passwordHash: string;
  readonly subdomain: string;
  readonly allowfrom: readonly string[];
  readonly state: AccountState;
  readonly kind: AccountKind;
  /** What the account is for, e.g. the certificate name bootstrap made it for. */
  readonly label: string | null;
  readonly createdAt: number;
  readonly revokedAt: number | null;
  /** The account's TSIG key for DNS UPDATE (hmac-sha256/384/512), or null; never shown or logged. */
  readonly tsig: StoredTsigKey | null;
}

export interface StoredTsigKey {
  readonly algorithm: string;
  /** Base64. */
  readonly secret: string;
}

/** An account brought over from another system, with its hash, creation time and served values. */
export interface ImportedAccount extends NewAccount {
  readonly createdAt: number;
  /** TXT values with their last update (ms). */
  readonly values: readonly { readonly value: string; readonly updatedAt: number }[];
}

export interface NewAccount {
  readonly username: string;
  readonly passwordHash: string;
  readonly subdomain: string;
  readonly allowfrom: readonly string[];
  readonly label?: string | null;
  /** Default 'acme'. */
  readonly kind?: AccountKind;
}

/**
 * What a slot serves after a change; `values: null` means the slot is gone. The values are TXT
 * values for an ACME slot and, for a ddns slot (`kind: 'ddns'`), its addresses (IPv4 first).
 */
export interface SlotChange {
  readonly subdomain: string;
  readonly values: readonly string[] | null;
  readonly serial: number;
  /** Absent means 'acme'. */
  readonly kind?: AccountKind;
}

/** One `POST /update`: a value for a slot, and who sent it (for the audit trail). */
export interface TxtUpdate {
  readonly subdomain: string;
  readonly value: string;
  readonly remote?: string | null;
  /** A DNS UPDATE instead: its steps replace `value` (which is then ''). */
  readonly edit?: SlotEdit;
}

/** One step of a DNS UPDATE on a slot's TXT values, applied in order (RFC 2136 §3.4.2). */
export type SlotEditStep = { readonly op: 'add'; readonly value: string } | { readonly op: 'delete'; readonly value: string } | { readonly op: 'clear' };

/**
 * A DNS UPDATE on one slot: `check` sees what the slot serves inside the transaction (its
 * prerequisites) and returns an error to change nothing; then the steps apply.
 */
export interface SlotEdit {
  readonly steps: readonly SlotEditStep[];
  readonly check?: (served: readonly string[]) => AppError | null;
  /** For the audit trail: the TSIG key name. */
  readonly via: string;
}

/** An account's credential or state changed; `username: null` means any account may have. */
export interface AccountChange {
  readonly username: string | null;
}

/** A served slot: TXT values, or addresses for a ddns slot (as in SlotChange). */
export interface Slot {
  readonly subdomain: string;
  readonly values: readonly string[];
  /** Absent means 'acme'. */
  readonly kind?: AccountKind;
}

/**
 * A ddns slot's new addresses: a family left undefined keeps its address, null removes it.
 * Addresses must be in canonical form (src/ddns/address-rules.ts).
 */
export interface AddressUpdate {
  readonly subdomain: string;
  readonly ipv4?: string | null;
  readonly ipv6?: string | null;
  readonly remote?: string | null;
}

export interface SlotAddresses {
  readonly ipv4: string | null;
  readonly ipv6: string | null;
}

/** The outcome of an address update: `changed: false` when it asked for what was served (nothing written). */
export interface AddressOutcome {
  readonly changed: boolean;
  readonly addresses: SlotAddresses;
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
  /** Bounds of the IXFR journal (default: 10,000 rows, 8 MiB). */
  readonly journalLimits?: JournalLimits;
  /** Create the file (and its folder) when missing; default true. Reading commands say false. */
  readonly create?: boolean;
}

interface AccountRow {
  username: string;
  password_hash: string;
  subdomain: string;
  allowfrom: string;
  state: AccountState;
  kind: AccountKind;
  label: string | null;
  created_at: number;
  revoked_at: number | null;
  tsig_algorithm: string | null;
  tsig_secret: string | null;
}

/** `kind` for change events and journal rows: absent for 'acme', the kind every older reader knows. */
function kindField(kind: AccountKind | undefined): { kind?: 'ddns' } {
  return kind === 'ddns' ? { kind } : {};
}

/** The newest `limit` values of a slot's (value, updated_at) pairs. */
function newestFirst(list: [string, number][], limit: number): string[] {
  return list
    .sort((a, b) => b[1] - a[1])
    .slice(0, limit)
    .map(([value]) => value);
}

function toAccount(row: AccountRow): Account {
  return {
    username: row.username,
    passwordHash: row.password_hash,
    subdomain: row.subdomain,
    allowfrom: JSON.parse(row.allowfrom) as string[],
    state: row.state,
    kind: row.kind,
    label: row.label,
    createdAt: row.created_at,
    revokedAt: row.revoked_at,
    tsig: row.tsig_algorithm !== null && row.tsig_secret !== null ? { algorithm: row.tsig_algorithm, secret: row.tsig_secret } : null,
  };
}

/** The bytes of an idle database file, readable in memory. */
function idleImage(path: string): Buffer {
  const image = readFileSync(path);
  // Header bytes 18-19 say "WAL mode", which SQLite cannot open from memory; 1 (rollback
  // journal) describes the same content, since an idle database has nothing in a WAL.
  if (image.length >= 20) image.fill(1, 18, 20);
  return image;
}

export interface StoreEvents {
  change: [SlotChange];
  /** Rotation, revocation, deletion or allowfrom change, here or (via syncExternalChanges) elsewhere. */
  account: [AccountChange];
}

export class Store extends EventEmitter<StoreEvents> {
  readonly #db: Database;
  readonly #valuesPerSlot: number;
  readonly #maxAgeMs: number;
  readonly #now: () => number;
  readonly #journalLimits: JournalLimits;
  /** The database file, or ":memory:". */
  readonly path: string;
  #dataVersion = 0;
  /** The newest audit event this process has seen: other processes' writes come after it. */
  #lastAuditId = 0;
  /** Audit ids written by the transaction in progress. */
  readonly #ownAuditIds: number[] = [];
  /** Prepared statements by SQL text: preparing costs more than running a point query. */
  readonly #statements = new Map<string, Statement>();
  readonly #txtQueue: TxtUpdateQueue;

  private constructor(db: Database, options: StoreOptions) {
    super();
    this.#db = db;
    this.#valuesPerSlot = options.valuesPerSlot;
    this.#maxAgeMs = options.maxAgeSeconds * 1000;
    this.#now = options.now ?? Date.now;
    this.#journalLimits = options.journalLimits ?? defaultJournalLimits;
    this.path = options.path;
    this.#txtQueue = createTxtUpdateQueue((updates) => this.addTxtValues(updates));
  }

  #prepare(sql: string): Statement {
    let statement = this.#statements.get(sql);
    if (!statement) this.#statements.set(sql, (statement = this.#db.prepare(sql)));
    return statement;
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
      // A lock held by another process is waited for on the event loop (better-sqlite3 is
      // synchronous): one second, then the write fails as 503 database_unavailable, so DNS on
      // this thread stalls at most that long per batch of updates.
      db.pragma('busy_timeout = 1000');
      checkDatabaseIsOurs(db, path);
      db.pragma('journal_mode = WAL');
      // FULL: an acknowledged update survives power loss, not only a process crash.
      db.pragma('synchronous = FULL');
      db.pragma('foreign_keys = ON');
      migrate(db);
      const store = Store.#wrap(db, options);
      store.#fixFirstSerial();
      return store;
    } catch (err) {
      db?.close();
      throw storeFailure(path, err);
    }
  }

  /**
   * The database for reading only, for planning, --dry-run and `check`: writes nothing anywhere,
   * not even the -wal/-shm files a read-only SQLite connection creates beside an idle WAL
   * database. A missing file reads as empty; a file that cannot be ours is refused as open()
   * refuses it. Writes through the returned store change nothing on disk.
   */
  static openReadOnly(options: StoreOptions): Store {
    const { path } = options;
    const present = checkDatabaseFileIfPresent(path);
    let db: Database | undefined;
    try {
      if (present && existsSync(`${path}-wal`) && statSync(`${path}-wal`).size > 0) {
        // A running server holds the database: its -wal and -shm exist already, and recent
        // commits may live only there, so read through SQLite itself.
        db = new BetterSqlite3(path, { readonly: true, fileMustExist: true });
        checkDatabaseIsOurs(db, path);
      } else {
        // Idle (or absent): everything is in the main file; work on a copy in memory.
        db = new BetterSqlite3(present ? idleImage(path) : ':memory:');
        checkDatabaseIsOurs(db, path);
        migrate(db);
      }
      return Store.#wrap(db, options);
    } catch (err) {
      db?.close();
      throw storeFailure(path, err);
    }
  }

  /**
   * A reading connection to the database a running server holds (a DNS worker process loading
   * its zone index): SQLite's own read-only mode, so it sees the server's recent commits in the
   * WAL, writes nothing and never migrates. Read the serial and the slots in `readSnapshot`.
   */
  static openServingReader(options: StoreOptions): Store {
    const { path } = options;
    let db: Database | undefined;
    try {
      db = new BetterSqlite3(path, { readonly: true, fileMustExist: true });
      db.pragma('busy_timeout = 1000');
      checkDatabaseIsOurs(db, path);
      return Store.#wrap(db, options);
    } catch (err) {
      db?.close();
      throw storeFailure(path, err);
    }
  }

  /** Runs `read` in one read transaction: everything it reads is one commit's state. */
  readSnapshot<T>(read: () => T): T {
    return this.#db.transaction(read).deferred();
  }

  static #wrap(db: Database, options: StoreOptions): Store {
    const store = new Store(db, options);
    store.#dataVersion = store.#readDataVersion();
    store.#lastAuditId = store.#newestAuditId();
    return store;
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

  #newestAuditId(): number {
    return (this.#prepare('SELECT COALESCE(MAX(id), 0) AS id FROM audit_events').get() as { id: number }).id;
  }

  #readDataVersion(): number {
    return this.#db.pragma('data_version', { simple: true }) as number;
  }

  /**
   * Picks up commits made by other processes on the same file (the `account` CLI, bootstrap,
   * import) from the audit events they wrote, and announces the slots and accounts they touched.
   * Costs one pragma read when nothing changed, and work in the number of changes, not of
   * accounts, when something did.
   */
  syncExternalChanges(): number {
    const version = this.#readDataVersion();
    if (version === this.#dataVersion) return 0;
    this.#dataVersion = version;
    const events = this.#prepare('SELECT id, username, subdomain FROM audit_events WHERE id > ? ORDER BY id').all(this.#lastAuditId) as {
      id: number;
      username: string | null;
      subdomain: string | null;
    }[];
    if (events.length === 0 && this.#newestAuditId() < this.#lastAuditId) return this.#announceEverything();
    const subdomains = new Set<string>();
    const usernames = new Set<string>();
    for (const event of events) {
      this.#lastAuditId = event.id;
      if (event.subdomain !== null) subdomains.add(event.subdomain);
      if (event.username !== null) usernames.add(event.username);
    }
    for (const username of usernames) this.emit('account', { username });
    const serial = this.serial();
    for (const subdomain of subdomains) this.emit('change', { ...this.#served(subdomain), serial });
    return subdomains.size;
  }

  /** The audit trail went backwards (the file was replaced): announce every slot and account again. */
  #announceEverything(): number {
    this.#lastAuditId = this.#newestAuditId();
    this.emit('account', { username: null });
    const serial = this.serial();
    const slots = [...this.listSlots()];
    for (const slot of slots) this.emit('change', { ...slot, serial });
    return slots.length;
  }

  /** What a slot serves now: its values (or addresses), or null when no active account owns it. */
  #served(subdomain: string): { subdomain: string; values: string[] | null; kind?: AccountKind } {
    const kind = this.#prepare("SELECT kind FROM accounts WHERE subdomain = ? AND state = 'active'").pluck().get(subdomain) as AccountKind | undefined;
    if (kind === undefined) return { subdomain, values: null };
    return kind === 'ddns' ? { subdomain, values: this.#addressList(subdomain), kind } : { subdomain, values: this.slotValues(subdomain) };
  }

  close(): void {
    if (this.#db.open) this.#db.close();
  }

  /** True when the database answers a query (for /health). */
  ping(): boolean {
    try {
      return this.#prepare('SELECT 1 AS ok').get() !== undefined;
    } catch {
      return false;
    }
  }

  // ---- accounts -------------------------------------------------------------------------

  createAccount(account: NewAccount): Account {
    const now = this.#now();
    const serial = this.#write(() => {
      this.#prepare(
          `INSERT INTO accounts (username, password_hash, subdomain, allowfrom, label, created_at, kind)
           VALUES (?, ?, ?, ?, ?, ?, ?)`,
        )
        .run(account.username, account.passwordHash, account.subdomain, JSON.stringify(account.allowfrom), account.label ?? null, now, account.kind ?? 'acme');
      this.#insertAudit({ kind: 'account.create', username: account.username, subdomain: account.subdomain, detail: account.label ?? null });
      return this.#bumpSerial([{ subdomain: account.subdomain, before: [], after: [] }]);
    });
    this.emit('change', { subdomain: account.subdomain, values: [], serial, ...kindField(account.kind) });
    return this.getAccount(account.username) as Account;
  }

  /**
   * Adds accounts from another system (an acme-dns database) with their own hashes, creation
   * times and served values, all in one transaction: a clash anywhere changes nothing. An
   * account whose username exists is skipped; a subdomain owned by another username is refused.
   */
  importAccounts(accounts: Iterable<ImportedAccount>): { imported: number; skipped: number } {
    // A big import touches most index pages; with SQLite's default 2 MB page cache they would be
    // spilled to the WAL and read back again and again. 256 MB for this transaction only.
    const cacheSize = this.#db.pragma('cache_size', { simple: true }) as number;
    this.#db.pragma('cache_size = -262144');
    try {
      return this.#importInOneTransaction(accounts);
    } finally {
      this.#db.pragma(`cache_size = ${cacheSize}`);
    }
  }

  #importInOneTransaction(accounts: Iterable<ImportedAccount>): { imported: number; skipped: number } {
    const imported: string[] = [];
    let skipped = 0;
    const serial = this.#write(() => {
      const insertAccount = this.#prepare(
        `INSERT INTO accounts (username, password_hash, subdomain, allowfrom, label, created_at) VALUES (?, ?, ?, ?, ?, ?)`,
      );
      const insertValue = this.#prepare(
        `INSERT INTO txt_values (subdomain, value, updated_at) VALUES (?, ?, ?)
         ON CONFLICT (subdomain, value) DO UPDATE SET updated_at = MAX(updated_at, excluded.updated_at)`,
      );
      const owner = this.#prepare('SELECT username FROM accounts WHERE subdomain = ?').pluck();
      const exists = this.#prepare('SELECT 1 FROM accounts WHERE username = ?').pluck();
      for (const account of accounts) {
        if (exists.get(account.username) !== undefined) {
          skipped++;
          continue;
        }
        const clash = owner.get(account.subdomain) as string | undefined;
        if (clash !== undefined) throw new AppError('import_failed', `subdomain ${account.subdomain} already belongs to account ${clash}`);
        insertAccount.run(account.username, account.passwordHash, account.subdomain, JSON.stringify(account.allowfrom), account.label ?? null, account.createdAt);
        for (const { value, updatedAt } of account.values) insertValue.run(account.subdomain, value, updatedAt);
        this.#dropExpired(account.subdomain);
        this.#insertAudit({ kind: 'account.import', username: account.username, subdomain: account.subdomain, detail: account.label ?? null });
        imported.push(account.subdomain);
      }
      return imported.length > 0 ? this.#bumpSerial(imported.map((subdomain) => ({ subdomain, before: [], after: this.slotValues(subdomain) }))) : this.serial();
    });
    // The import command has no listener; a server importing into itself would.
    if (this.listenerCount('change') > 0) {
      for (const subdomain of imported) this.emit('change', { subdomain, values: this.slotValues(subdomain), serial });
    }
    return { imported: imported.length, skipped };
  }

  getAccount(username: string): Account | undefined {
    const row = this.#prepare('SELECT * FROM accounts WHERE username = ?').get(username) as AccountRow | undefined;
    return row && toAccount(row);
  }

  getAccountBySubdomain(subdomain: string): Account | undefined {
    const row = this.#prepare('SELECT * FROM accounts WHERE subdomain = ?').get(subdomain) as AccountRow | undefined;
    return row && toAccount(row);
  }

  findAccountsByLabel(label: string): Account[] {
    const rows = this.#prepare('SELECT * FROM accounts WHERE label = ? ORDER BY created_at').all(label) as AccountRow[];
    return rows.map(toAccount);
  }

  /** Every account row, revoked ones included (registration's cap counts rows on disk). */
  countAccounts(): number {
    return (this.#prepare('SELECT COUNT(*) AS n FROM accounts').get() as { n: number }).n;
  }

  /** How many accounts are in each state (for metrics). */
  countAccountsByState(): Record<string, number> {
    const rows = this.#prepare('SELECT state, COUNT(*) FROM accounts GROUP BY state').raw().all() as [string, number][];
    return Object.fromEntries(rows);
  }

  /**
   * When each active account last had its TXT updated (ms), from the audit trail (every update
   * writes a "txt.update" event and events are kept); an account never updated counts from its
   * creation. One scan of the audit table.
   */
  lastUpdates(): Map<string, { account: Account; lastUpdateAt: number; updated: boolean }> {
    const latest = this.lastUpdateTimes();
    const out = new Map<string, { account: Account; lastUpdateAt: number; updated: boolean }>();
    for (const account of this.listAccounts()) {
      if (account.state !== 'active') continue;
      const at = latest.get(account.subdomain);
      out.set(account.username, { account, lastUpdateAt: at ?? account.createdAt, updated: at !== undefined });
    }
    return out;
  }

  /** When each slot last had its TXT updated (ms), by subdomain: one scan of the audit table. */
  lastUpdateTimes(): Map<string, number> {
    return new Map(this.#prepare("SELECT subdomain, MAX(at) FROM audit_events WHERE kind IN ('txt.update', 'address.update') GROUP BY subdomain").raw().all() as [string, number][]);
  }

  /** Notes when slots were last asked for their TXT (subdomain -> ms), keeping the latest; one transaction. */
  recordQueryTimes(times: Iterable<readonly [string, number]>): void {
    const upsert = this.#prepare(
      'INSERT INTO slot_queries (subdomain, last_query_at) VALUES (?, ?) ON CONFLICT (subdomain) DO UPDATE SET last_query_at = MAX(last_query_at, excluded.last_query_at)',
    );
    this.#db.transaction(() => {
      for (const [subdomain, at] of times) upsert.run(subdomain, at);
    }).immediate();
  }

  /** When each slot was last asked for its TXT (ms), by lower-case subdomain, as last flushed. */
  lastQueryTimes(): Map<string, number> {
    return new Map(this.#prepare('SELECT subdomain, last_query_at FROM slot_queries').raw().all() as [string, number][]);
  }

  /** Bytes the database occupies (pages in use and free). */
  databaseBytes(): number {
    const pages = this.#db.pragma('page_count', { simple: true }) as number;
    const size = this.#db.pragma('page_size', { simple: true }) as number;
    return pages * size;
  }

  listAccounts(): Account[] {
    const rows = this.#prepare('SELECT * FROM accounts ORDER BY created_at, username').all() as AccountRow[];
    return rows.map(toAccount);
  }

  /** A revoked account can no longer update, and its slot leaves DNS. */
  revokeAccount(username: string): Account {
    const account = this.#requireAccount(username);
    if (account.state === 'revoked') return account;
    const serial = this.#write(() => {
      const before = this.#storedServed(account);
      this.#prepare("UPDATE accounts SET state = 'revoked', revoked_at = ? WHERE username = ?").run(this.#now(), username);
      this.#prepare('DELETE FROM txt_values WHERE subdomain = ?').run(account.subdomain);
      this.#prepare('DELETE FROM slot_addresses WHERE subdomain = ?').run(account.subdomain);
      this.#insertAudit({ kind: 'account.revoke', username, subdomain: account.subdomain });
      return this.#bumpSerial([{ subdomain: account.subdomain, before, after: [], ...kindField(account.kind) }]);
    });
    this.emit('account', { username });
    this.emit('change', { subdomain: account.subdomain, values: null, serial });
    return this.getAccount(username) as Account;
  }

  deleteAccount(username: string): void {
    const account = this.#requireAccount(username);
    const serial = this.#write(() => {
      const before = account.state === 'active' ? this.#storedServed(account) : [];
      this.#prepare('DELETE FROM accounts WHERE username = ?').run(username);
      this.#prepare('DELETE FROM slot_queries WHERE subdomain = ?').run(account.subdomain);
      this.#insertAudit({ kind: 'account.delete', username, subdomain: account.subdomain });
      return this.#bumpSerial([{ subdomain: account.subdomain, before, after: [], ...kindField(account.kind) }]);
    });
    this.emit('account', { username });
    this.emit('change', { subdomain: account.subdomain, values: null, serial });
  }

  setPasswordHash(username: string, passwordHash: string): void {
    const account = this.#requireAccount(username);
    this.#write(() => {
      this.#prepare('UPDATE accounts SET password_hash = ? WHERE username = ?').run(passwordHash, username);
      this.#insertAudit({ kind: 'account.rotate', username, subdomain: account.subdomain });
    });
    this.emit('account', { username });
  }

  /** Adds, replaces (`key`) or removes (null) the account's TSIG key; applies to the next UPDATE. */
  setTsigKey(username: string, key: StoredTsigKey | null): void {
    const account = this.#requireAccount(username);
    this.#write(() => {
      this.#prepare('UPDATE accounts SET tsig_algorithm = ?, tsig_secret = ? WHERE username = ?').run(key?.algorithm ?? null, key?.secret ?? null, username);
      this.#insertAudit({ kind: key ? 'account.tsig' : 'account.tsig_remove', username, subdomain: account.subdomain, detail: key?.algorithm ?? null });
    });
    this.emit('account', { username });
  }

  setAllowfrom(username: string, allowfrom: readonly string[]): void {
    const account = this.#requireAccount(username);
    this.#write(() => {
      this.#prepare('UPDATE accounts SET allowfrom = ? WHERE username = ?').run(JSON.stringify(allowfrom), username);
      this.#insertAudit({ kind: 'account.allowfrom', username, subdomain: account.subdomain, detail: JSON.stringify(allowfrom) });
    });
    this.emit('account', { username });
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
    const [outcome] = this.addTxtValues([{ subdomain, value, remote }]);
    if (outcome instanceof Error) throw outcome;
    return outcome as SlotChange;
  }

  /**
   * The same as addTxtValue, but updates arriving in the same turn of the event loop share one
   * transaction and so one fsync: many clients' updates cost about one disk flush. Resolves once
   * committed and announced.
   */
  submitTxtValue(subdomain: string, value: string, remote: string | null = null): Promise<SlotChange> {
    return this.#txtQueue.submit({ subdomain, value, remote });
  }

  /**
   * A DNS UPDATE's steps on a slot, through the same queue and transaction as POST /update (same
   * fsync, retention and journal); rejects with the edit's own error when its check fails.
   */
  submitSlotEdit(subdomain: string, edit: SlotEdit, remote: string | null = null): Promise<SlotChange> {
    return this.#txtQueue.submit({ subdomain, value: '', remote, edit });
  }

  /**
   * Several updates in one transaction. Each gets its own outcome: a slot that is not active
   * fails alone (AppError 'slot_not_found') and changes nothing; a database error fails them all.
   */
  addTxtValues(updates: readonly TxtUpdate[]): (SlotChange | AppError)[] {
    const outcomes = this.#write(() => updates.map((update) => this.#addTxtValueInTransaction(update)));
    for (const outcome of outcomes) if (!(outcome instanceof Error)) this.emit('change', outcome);
    return outcomes;
  }

  #addTxtValueInTransaction({ subdomain, value, remote, edit }: TxtUpdate): SlotChange | AppError {
    // A ddns slot serves addresses only: its credential can never set a TXT.
    const username = this.#prepare("SELECT username FROM accounts WHERE subdomain = ? AND state = 'active' AND kind = 'acme'").pluck().get(subdomain) as string | undefined;
    if (username === undefined) return new AppError('slot_not_found', `no active slot ${subdomain}`);
    const before = this.#storedValues(subdomain);
    if (edit) {
      const refusal = edit.check?.(this.slotValues(subdomain)) ?? null;
      if (refusal) return refusal;
    }
    this.#dropExpired(subdomain);
    if (edit) {
      for (const step of edit.steps) this.#applyStep(subdomain, step, username, remote ?? null, edit.via);
    } else {
      this.#applyStep(subdomain, { op: 'add', value }, username, remote ?? null, null);
    }
    const values = this.slotValues(subdomain);
    const serial = this.#bumpSerial([{ subdomain, before, after: values }]);
    return { subdomain, values, serial };
  }

  #applyStep(subdomain: string, step: SlotEditStep, username: string, remote: string | null, via: string | null): void {
    if (step.op === 'clear' || step.op === 'delete') {
      const removed =
        step.op === 'clear'
          ? this.#prepare('DELETE FROM txt_values WHERE subdomain = ?').run(subdomain).changes
          : this.#prepare('DELETE FROM txt_values WHERE subdomain = ? AND value = ?').run(subdomain, step.value).changes;
      if (removed > 0) this.#insertAudit({ kind: 'txt.delete', username, subdomain, remote, detail: via });
      return;
    }
    // Within one millisecond, order by insertion still: never let a new value look older.
    const newest = this.#prepare('SELECT MAX(updated_at) FROM txt_values WHERE subdomain = ?').pluck().get(subdomain) as number | null;
    const stamp = Math.max(this.#now(), (newest ?? 0) + 1);
    this.#prepare(
      `INSERT INTO txt_values (subdomain, value, updated_at) VALUES (?, ?, ?)
       ON CONFLICT (subdomain, value) DO UPDATE SET updated_at = excluded.updated_at`,
    ).run(subdomain, step.value, stamp);
    this.#prepare(
      `DELETE FROM txt_values WHERE subdomain = ? AND value NOT IN
         (SELECT value FROM txt_values WHERE subdomain = ? ORDER BY updated_at DESC LIMIT ?)`,
    ).run(subdomain, subdomain, this.#valuesPerSlot);
    this.#insertAudit({ kind: 'txt.update', username, subdomain, remote, detail: via });
  }

  /**
   * Deletes a slot's values past their max age as the slot changes: the change leaves them out
   * of DNS (`slotValues`), and what is stored must stay what is served, or the next change would
   * journal them as "before" and an IXFR would delete records its client no longer has.
   */
  #dropExpired(subdomain: string): void {
    this.#prepare('DELETE FROM txt_values WHERE subdomain = ? AND updated_at <= ?').run(subdomain, this.#now() - this.#maxAgeMs);
  }

  /** The values a slot serves now, newest first. */
  slotValues(subdomain: string): string[] {
    return this.#prepare('SELECT value FROM txt_values WHERE subdomain = ? AND updated_at > ? ORDER BY updated_at DESC LIMIT ?')
      .pluck()
      .all(subdomain, this.#now() - this.#maxAgeMs, this.#valuesPerSlot) as string[];
  }

  /**
   * Every active slot with what it serves, for building the zone index at start, in no
   * particular order, one at a time: no list of every slot is ever built. The caller must not
   * use the store until it has read them all (the accounts scan is still open). Two sequential
   * scans (values, then accounts): at a million accounts, index order would cost a random page
   * read per row.
   */
  *listSlots(): Generator<Slot> {
    const values = new Map<string, [string, number][]>();
    const rows = this.#prepare('SELECT subdomain, value, updated_at FROM txt_values NOT INDEXED WHERE updated_at > ?')
      .raw()
      .iterate(this.#now() - this.#maxAgeMs) as IterableIterator<[string, string, number]>;
    for (const [subdomain, value, updatedAt] of rows) {
      const list = values.get(subdomain);
      if (list) list.push([value, updatedAt]);
      else values.set(subdomain, [[value, updatedAt]]);
    }
    // ddns slots are few next to ACME slots: their addresses fit in memory as one map.
    const addresses = new Map<string, string[]>();
    const addressRows = this.#prepare('SELECT subdomain, address FROM slot_addresses ORDER BY subdomain, family').raw().iterate() as IterableIterator<[string, string]>;
    for (const [subdomain, address] of addressRows) {
      const list = addresses.get(subdomain);
      if (list) list.push(address);
      else addresses.set(subdomain, [address]);
    }
    const accounts = this.#prepare("SELECT subdomain, kind FROM accounts WHERE state = 'active'").raw().iterate() as IterableIterator<[string, AccountKind]>;
    for (const [subdomain, kind] of accounts) {
      if (kind === 'ddns') {
        yield { subdomain, values: addresses.get(subdomain) ?? [], kind };
        continue;
      }
      const list = values.get(subdomain);
      yield { subdomain, values: list ? newestFirst(list, this.#valuesPerSlot) : [] };
    }
  }

  // ---- ddns addresses -------------------------------------------------------------------

  /** A ddns slot's addresses now (null: none for that family). */
  slotAddresses(subdomain: string): SlotAddresses {
    const rows = this.#prepare('SELECT family, address FROM slot_addresses WHERE subdomain = ?').raw().all(subdomain) as [number, string][];
    return { ipv4: rows.find(([f]) => f === 4)?.[1] ?? null, ipv6: rows.find(([f]) => f === 6)?.[1] ?? null };
  }

  /** The addresses a ddns slot serves, IPv4 first (as SlotChange carries them). */
  #addressList(subdomain: string): string[] {
    return this.#prepare('SELECT address FROM slot_addresses WHERE subdomain = ? ORDER BY family').pluck().all(subdomain) as string[];
  }

  /**
   * Sets a ddns slot's addresses (docs/ddns.md). An update that asks for what is served already
   * writes nothing (dyndns2's "nochg"). Committed and announced before it returns; a slot that is
   * not an active ddns slot is AppError 'slot_not_found' and changes nothing.
   */
  setAddresses(update: AddressUpdate): AddressOutcome {
    const { subdomain } = update;
    if (update.ipv4 != null && !isIPv4(update.ipv4)) throw new AppError('bad_address', 'ipv4 is not an IPv4 address');
    if (update.ipv6 != null && !isIPv6(update.ipv6)) throw new AppError('bad_address', 'ipv6 is not an IPv6 address');
    const wanted = (now: SlotAddresses): SlotAddresses => ({
      ipv4: update.ipv4 === undefined ? now.ipv4 : update.ipv4,
      ipv6: update.ipv6 === undefined ? now.ipv6 : update.ipv6,
    });
    const requireSlot = (): string => {
      const username = this.#prepare("SELECT username FROM accounts WHERE subdomain = ? AND state = 'active' AND kind = 'ddns'").pluck().get(subdomain) as string | undefined;
      if (username === undefined) throw new AppError('slot_not_found', `no active ddns slot ${subdomain}`);
      return username;
    };
    requireSlot();
    const current = this.slotAddresses(subdomain);
    const target = wanted(current);
    if (target.ipv4 === current.ipv4 && target.ipv6 === current.ipv6) return { changed: false, addresses: current };
    const change = this.#write(() => {
      const username = requireSlot();
      const before = this.#addressList(subdomain);
      const next = wanted(this.slotAddresses(subdomain));
      const at = this.#now();
      for (const [family, address] of [[4, next.ipv4], [6, next.ipv6]] as const) {
        if (address === null) this.#prepare('DELETE FROM slot_addresses WHERE subdomain = ? AND family = ?').run(subdomain, family);
        else {
          this.#prepare(
            `INSERT INTO slot_addresses (subdomain, family, address, updated_at) VALUES (?, ?, ?, ?)
             ON CONFLICT (subdomain, family) DO UPDATE SET address = excluded.address, updated_at = excluded.updated_at
             WHERE address <> excluded.address`,
          ).run(subdomain, family, address, at);
        }
      }
      const after = this.#addressList(subdomain);
      this.#insertAudit({ kind: 'address.update', username, subdomain, remote: update.remote ?? null, detail: after.join(',') });
      const serial = this.#bumpSerial([{ subdomain, before, after, kind: 'ddns' }]);
      return { subdomain, values: after, serial, kind: 'ddns' as const };
    });
    this.emit('change', change);
    return { changed: true, addresses: this.slotAddresses(subdomain) };
  }

  /** Deletes values past their max age; emits a change for each slot that lost one. */
  purgeExpired(): number {
    const cutoff = this.#now() - this.#maxAgeMs;
    const result = this.#write(() => {
      // Through the age index, deduplicated here: DISTINCT would make SQLite walk every row.
      const expired = this.#prepare('SELECT subdomain FROM txt_values WHERE updated_at <= ?').pluck().all(cutoff) as string[];
      if (expired.length === 0) return { purged: 0, changes: [] as SlotChange[] };
      const slots = [...new Set(expired)];
      const before = slots.map((subdomain) => this.#storedValues(subdomain));
      const purged = this.#prepare('DELETE FROM txt_values WHERE updated_at <= ?').run(cutoff).changes;
      const steps = slots.map((subdomain, i) => ({ subdomain, before: before[i] ?? [], after: this.slotValues(subdomain) }));
      const serial = this.#bumpSerial(steps);
      return { purged, changes: steps.map(({ subdomain, after }) => ({ subdomain, values: after, serial })) };
    });
    for (const change of result.changes) this.emit('change', change);
    return result.purged;
  }

  // ---- zone serial and audit ------------------------------------------------------------

  /** The SOA serial: bumped with every change to served data; time-based, never decreasing. */
  serial(): number {
    const row = this.#prepare("SELECT value FROM meta WHERE key = 'serial'").get() as { value: string } | undefined;
    return row ? Number(row.value) : this.#initialSerial();
  }

  #initialSerial(): number {
    return Math.floor(this.#now() / 1000) >>> 0;
  }

  /** Bumps the serial and journals, for IXFR, what each changed slot served before and after. */
  #bumpSerial(slots: readonly JournalSlot[]): number {
    const previous = this.serial();
    // Serial arithmetic (RFC 1982) wraps at 2^32; stay below it.
    const next = Math.max(previous + 1, this.#initialSerial()) % 2 ** 32;
    this.#prepare("INSERT INTO meta (key, value) VALUES ('serial', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value").run(String(next));
    recordJournalStep(this.#db, { from: previous, to: next, slots }, this.#journalLimits);
    return next;
  }

  /**
   * A new database fixes its first serial at open: read from the clock each time, it would drift
   * between starts and break the IXFR journal's chain before the first change.
   */
  #fixFirstSerial(): void {
    if (this.#prepare("SELECT 1 FROM meta WHERE key = 'serial'").get() !== undefined) return;
    this.#prepare("INSERT INTO meta (key, value) VALUES ('serial', ?) ON CONFLICT (key) DO NOTHING").run(String(this.#initialSerial()));
  }

  /** What an account's slot served before a change: its stored values, or its addresses. */
  #storedServed(account: Account): string[] {
    return account.kind === 'ddns' ? this.#addressList(account.subdomain) : this.#storedValues(account.subdomain);
  }

  /**
   * A slot's newest values regardless of age: what DNS served before a change (an expired value
   * stays served until the purge that removes it).
   */
  #storedValues(subdomain: string): string[] {
    return this.#prepare('SELECT value FROM txt_values WHERE subdomain = ? ORDER BY updated_at DESC LIMIT ?').pluck().all(subdomain, this.#valuesPerSlot) as string[];
  }

  /** The journal steps from serial `from` to `to` (for IXFR), or undefined when part is missing. */
  journalSince(from: number, to: number): JournalStep[] | undefined {
    return readJournal(this.#db, from, to);
  }

  /**
   * Served data that is not in the journal (static records, NS set, SOA timers: the config) is
   * fingerprinted. When the fingerprint differs from the last start, the serial moves on and the
   * journal is emptied, so secondaries transfer the whole zone instead of keeping stale records.
   * Returns true when that happened.
   */
  noteZoneShape(fingerprint: string): boolean {
    return this.#write(() => {
      const known = this.#prepare("SELECT value FROM meta WHERE key = 'zone_shape'").pluck().get() as string | undefined;
      if (known === fingerprint) return false;
      this.#prepare("INSERT INTO meta (key, value) VALUES ('zone_shape', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value").run(fingerprint);
      if (known !== undefined) this.#bumpSerial([]);
      clearJournal(this.#db);
      return known !== undefined;
    });
  }

  audit(event: AuditEvent): void {
    this.#insertAudit(event);
  }

  #insertAudit(event: AuditEvent): void {
    const { lastInsertRowid } = this.#prepare('INSERT INTO audit_events (at, kind, username, subdomain, remote, detail) VALUES (?, ?, ?, ?, ?, ?)')
      .run(this.#now(), event.kind, event.username ?? null, event.subdomain ?? null, event.remote ?? null, event.detail ?? null);
    this.#ownAuditIds.push(Number(lastInsertRowid));
    if (!this.#db.inTransaction) this.#passOwnAuditEvents();
  }

  /** One transaction (BEGIN IMMEDIATE); afterwards our own audit events need no announcing. */
  #write<T>(work: () => T): T {
    this.#ownAuditIds.length = 0;
    try {
      const result = this.#db.transaction(work).immediate();
      this.#passOwnAuditEvents();
      return result;
    } finally {
      this.#ownAuditIds.length = 0;
    }
  }

  /** Moves past our own committed audit events when nothing from elsewhere came before them. */
  #passOwnAuditEvents(): void {
    for (const id of this.#ownAuditIds) if (id === this.#lastAuditId + 1) this.#lastAuditId = id;
    this.#ownAuditIds.length = 0;
  }

  auditEvents(limit = 100): (AuditEvent & { at: number })[] {
    return this.#prepare('SELECT at, kind, username, subdomain, remote, detail FROM audit_events ORDER BY id DESC LIMIT ?').all(limit) as (AuditEvent & {
      at: number;
    })[];
  }
}
