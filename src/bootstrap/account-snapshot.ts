// A read-only look at the accounts in the SQLite file, for planning. Planning (and --dry-run)
// must not write anywhere, and even a read-only SQLite connection to a WAL database creates
// -wal/-shm files; so an idle database is read from a copy in memory instead.
import { existsSync, readFileSync, statSync } from 'node:fs';
import BetterSqlite3, { type Database } from 'better-sqlite3';
import { AppError } from '../errors.js';
import { schemaVersion } from '../store/migrations.js';

export interface AccountSnapshot {
  readonly username: string;
  readonly passwordHash: string;
  readonly subdomain: string;
  readonly active: boolean;
  readonly label: string | null;
  readonly createdAt: number;
}

interface Row {
  username: string;
  password_hash: string;
  subdomain: string;
  state: string;
  label: string | null;
  created_at: number;
}

/** Accounts in the database file, oldest first; none when the file does not exist yet. */
export function readAccountSnapshot(path: string): AccountSnapshot[] {
  if (path === ':memory:' || !existsSync(path)) return [];
  let db: Database;
  const wal = `${path}-wal`;
  if (existsSync(wal) && statSync(wal).size > 0) {
    // A running server holds the database: its -wal and -shm already exist, and recent
    // commits may live only there, so read through SQLite itself.
    db = new BetterSqlite3(path, { readonly: true, fileMustExist: true });
  } else {
    const image = readFileSync(path);
    // Bytes 18-19 mark WAL mode, which an in-memory copy cannot open; 1 is the rollback
    // journal, the same content.
    if (image.length >= 20) {
      image[18] = 1;
      image[19] = 1;
    }
    db = new BetterSqlite3(image, { readonly: true });
  }
  try {
    const version = db.pragma('user_version', { simple: true }) as number;
    if (version > schemaVersion) {
      throw new AppError('store_too_new', `database ${path} has schema version ${version}, newer than this program (${schemaVersion}); upgrade acme-delegate`);
    }
    if (version === 0) return [];
    const rows = db.prepare('SELECT username, password_hash, subdomain, state, label, created_at FROM accounts ORDER BY created_at, username').all() as Row[];
    return rows.map((r) => ({ username: r.username, passwordHash: r.password_hash, subdomain: r.subdomain, active: r.state === 'active', label: r.label, createdAt: r.created_at }));
  } finally {
    db.close();
  }
}
