// Schema versions, applied in order and recorded in PRAGMA user_version.
import type { Database } from 'better-sqlite3';

const migrations: readonly string[] = [
  // 1: accounts, their TXT values, audit events, zone metadata (serial).
  `
  CREATE TABLE accounts (
    username      TEXT PRIMARY KEY,
    password_hash TEXT NOT NULL,
    subdomain     TEXT NOT NULL UNIQUE,
    allowfrom     TEXT NOT NULL DEFAULT '[]',
    state         TEXT NOT NULL DEFAULT 'active' CHECK (state IN ('active', 'revoked')),
    label         TEXT,
    created_at    INTEGER NOT NULL,
    revoked_at    INTEGER
  );
  CREATE INDEX accounts_label ON accounts(label);
  CREATE TABLE txt_values (
    subdomain  TEXT NOT NULL REFERENCES accounts(subdomain) ON DELETE CASCADE,
    value      TEXT NOT NULL,
    updated_at INTEGER NOT NULL,
    PRIMARY KEY (subdomain, value)
  );
  CREATE INDEX txt_values_age ON txt_values(updated_at);
  CREATE TABLE audit_events (
    id        INTEGER PRIMARY KEY AUTOINCREMENT,
    at        INTEGER NOT NULL,
    kind      TEXT NOT NULL,
    username  TEXT,
    subdomain TEXT,
    remote    TEXT,
    detail    TEXT
  );
  CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
  );
  `,
  // 2: the journal of zone changes by serial, for IXFR (src/store/zone-journal.ts).
  `
  CREATE TABLE zone_journal (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    serial_from INTEGER NOT NULL,
    serial_to   INTEGER NOT NULL,
    subdomain   TEXT,
    before      TEXT NOT NULL,
    after       TEXT NOT NULL
  );
  CREATE INDEX zone_journal_from ON zone_journal(serial_from);
  `,
  // 3: account kinds (docs/ddns.md): an 'acme' slot serves TXT, a 'ddns' slot one IPv4 and one
  // IPv6 address, kept in their own table (they never expire, unlike TXT values); the journal
  // says which kind of records a row's values are.
  `
  ALTER TABLE accounts ADD COLUMN kind TEXT NOT NULL DEFAULT 'acme' CHECK (kind IN ('acme', 'ddns'));
  CREATE TABLE slot_addresses (
    subdomain  TEXT NOT NULL REFERENCES accounts(subdomain) ON DELETE CASCADE,
    family     INTEGER NOT NULL CHECK (family IN (4, 6)),
    address    TEXT NOT NULL,
    updated_at INTEGER NOT NULL,
    PRIMARY KEY (subdomain, family)
  );
  ALTER TABLE zone_journal ADD COLUMN kind TEXT NOT NULL DEFAULT 'acme';
  `,
  // 4: an optional TSIG key per account, for RFC 2136 UPDATE (docs/rfc2136.md). The secret is
  // needed in clear to verify HMACs; the file is the service user's alone (0600 in a 0700 folder).
  `
  ALTER TABLE accounts ADD COLUMN tsig_algorithm TEXT;
  ALTER TABLE accounts ADD COLUMN tsig_secret TEXT;
  `,
  // 5: when each slot was last asked for its TXT (renewal health), flushed from memory at most
  // once a minute; its own table so that a flush touches no account row.
  `
  CREATE TABLE slot_queries (
    subdomain     TEXT PRIMARY KEY,
    last_query_at INTEGER NOT NULL
  ) WITHOUT ROWID;
  `,
];

export const schemaVersion = migrations.length;

export function migrate(db: Database): void {
  const current = db.pragma('user_version', { simple: true }) as number;
  if (current > migrations.length) {
    throw new Error(`database schema version ${current} is newer than this program knows (${migrations.length}); upgrade acme-delegate`);
  }
  for (let version = current; version < migrations.length; version++) {
    db.transaction(() => {
      db.exec(migrations[version] as string);
      db.pragma(`user_version = ${version + 1}`);
    }).immediate();
  }
}
