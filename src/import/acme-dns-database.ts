// Reads an acme-dns (v0.8-v1.x, SQLite engine) database so its accounts can move to us unchanged:
// same usernames, bcrypt hashes (Go's $2a$ is valid for bcryptjs), subdomains and allowfrom.
// It opens that file itself, read-only: a foreign schema read once is not the store's business
// (the store is the one home for our file; see docs/design.md, "The acme-dns file").
import { accessSync, constants as fsConstants, statSync } from 'node:fs';
import BetterSqlite3 from 'better-sqlite3';
import { AppError } from '../errors.js';
import { fileErrorText } from '../store/database-file.js';

export interface AcmeDnsAccount {
  readonly username: string;
  readonly passwordHash: string;
  readonly subdomain: string;
  readonly allowfrom: readonly string[];
  /** Non-empty TXT values with their last update (ms). */
  readonly values: readonly { value: string; updatedAt: number }[];
}

interface RecordRow {
  Username: string;
  Password: Buffer | string;
  Subdomain: string;
  AllowFrom: string | null;
}

export function readAcmeDnsDatabase(path: string): AcmeDnsAccount[] {
  checkReadableFile(path);
  let db: BetterSqlite3.Database;
  try {
    db = new BetterSqlite3(path, { readonly: true, fileMustExist: true });
  } catch (error) {
    throw new AppError('import_failed', `cannot open acme-dns database ${path}: ${(error as Error).message}`);
  }
  try {
    return readAccounts(db, path);
  } catch (error) {
    if (error instanceof AppError) throw error;
    const code = String((error as { code?: unknown }).code);
    if (code === 'SQLITE_NOTADB') throw new AppError('import_failed', `${path} is not an SQLite database (an acme-dns database with the sqlite3 engine is expected)`);
    if (code.startsWith('SQLITE_')) throw new AppError('import_failed', `cannot read acme-dns database ${path}: ${(error as Error).message}`);
    throw error;
  } finally {
    db.close();
  }
}

function checkReadableFile(path: string): void {
  try {
    if (statSync(path).isDirectory()) throw new AppError('import_failed', `--from ${path} is a folder; give acme-dns's database file (acme-dns.db)`);
    accessSync(path, fsConstants.R_OK);
  } catch (error) {
    if (error instanceof AppError) throw error;
    throw new AppError('import_failed', `cannot read acme-dns database ${path}: ${fileErrorText(error)}`);
  }
}

function readAccounts(db: BetterSqlite3.Database, path: string): AcmeDnsAccount[] {
  const tables = new Set((db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as { name: string }[]).map((r) => r.name));
  if (!tables.has('records') || !tables.has('txt')) {
    throw new AppError('import_failed', `${path} is not an acme-dns database (no records/txt tables)`);
  }
  const records = db.prepare('SELECT Username, Password, Subdomain, AllowFrom FROM records').all() as RecordRow[];
  const valuesBySubdomain = readValues(db);
  return records.map((row) => {
    const hash = Buffer.isBuffer(row.Password) ? row.Password.toString('utf8') : String(row.Password);
    if (!/^\$2[aby]\$\d\d\$/.test(hash)) throw new AppError('import_failed', `account ${row.Username}: password is not a bcrypt hash`);
    let allowfrom: string[] = [];
    try {
      allowfrom = row.AllowFrom ? (JSON.parse(row.AllowFrom) as string[]) : [];
    } catch {
      throw new AppError('import_failed', `account ${row.Username}: AllowFrom is not a JSON list`);
    }
    return {
      username: row.Username,
      passwordHash: hash,
      subdomain: row.Subdomain,
      allowfrom,
      values: valuesBySubdomain.get(row.Subdomain) ?? [],
    };
  });
}

/** Every non-empty TXT value grouped by subdomain, in one pass over the table. */
function readValues(db: BetterSqlite3.Database): Map<string, { value: string; updatedAt: number }[]> {
  const bySubdomain = new Map<string, { value: string; updatedAt: number }[]>();
  const rows = db.prepare("SELECT Subdomain, Value, LastUpdate FROM txt WHERE Value != ''").raw().iterate() as IterableIterator<[string, string, number]>;
  for (const [subdomain, value, lastUpdate] of rows) {
    let values = bySubdomain.get(subdomain);
    if (!values) bySubdomain.set(subdomain, (values = []));
    values.push({ value, updatedAt: lastUpdate * 1000 });
  }
  return bySubdomain;
}
