// What can be wrong with the database file before and while SQLite opens it, said in one line
// that names the file: missing, a folder, unreadable, not SQLite, someone else's tables, corrupt.
import { closeSync, existsSync, mkdirSync, openSync, readSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Database } from 'better-sqlite3';
import { AppError } from '../errors.js';
import { schemaVersion } from './migrations.js';

/** The first 16 bytes of every SQLite 3 database file. */
const sqliteMagic = Buffer.from('SQLite format 3\0', 'latin1');

/** The tables every schema version since 1 has; their absence means the file is not ours. */
const ourTables = ['accounts', 'txt_values', 'meta'] as const;

export class StoreFileError extends AppError {
  constructor(
    readonly path: string,
    message: string,
  ) {
    super('store_unusable', message);
    this.name = 'StoreFileError';
  }
}

/** A file-system error as a few words for a message (the path is the caller's to name). */
export function fileErrorText(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied';
  if (code === 'ENOENT') return 'no such file or folder';
  if (code === 'ENOTDIR') return 'a part of the path is not a folder';
  if (code === 'EROFS') return 'read-only file system';
  if (code === 'ENOSPC') return 'no space left on the device';
  return code ?? (error as Error).message;
}

/**
 * Checks the file before SQLite sees it (SQLite's own errors say "unable to open database file"
 * whatever the reason). With `create`, a missing file is created empty, mode 0600, with its
 * folder (0700); without it a missing file is an error.
 */
export function prepareDatabaseFile(path: string, create: boolean): void {
  let size: number;
  try {
    const stat = statSync(path);
    if (stat.isDirectory()) throw new StoreFileError(path, `database ${path} is a folder, not a file; point [store] path (or --db) at a file`);
    if (!stat.isFile()) throw new StoreFileError(path, `database ${path} is not a regular file`);
    size = stat.size;
  } catch (error) {
    if (error instanceof AppError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== 'ENOENT') throw new StoreFileError(path, `cannot reach database ${path}: ${fileErrorText(error)}`);
    if (!create) throw new StoreFileError(path, `no database at ${path} (nothing has created it yet; check [store] path or --db)`);
    createEmpty(path);
    return;
  }
  if (size > 0) readHeader(path);
}

/**
 * For readers that take "no database yet" as no accounts and must write nothing (check,
 * bootstrap's plan): false when missing; else the file checks above and, from the header alone,
 * a newer schema or another program's tables. (A live database's newest schema change may sit
 * in its -wal; the header then shows an older state, which is never refused wrongly.)
 */
export function checkDatabaseFileIfPresent(path: string): boolean {
  if (path === ':memory:' || !existsSync(path)) return false;
  prepareDatabaseFile(path, false);
  if (statSync(path).size === 0) return true;
  const { userVersion, schemaCookie } = readHeader(path);
  if (userVersion > schemaVersion) throw tooNew(path, userVersion);
  if (userVersion === 0 && schemaCookie !== 0) throw notOurs(path, 'it has tables but no acme-delegate schema version');
  return true;
}

function createEmpty(path: string): void {
  try {
    mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  } catch (error) {
    throw new StoreFileError(path, `cannot create the folder of database ${path}: ${fileErrorText(error)}`);
  }
  try {
    // The file holds password hashes: readable by its owner only. SQLite gives its -wal and
    // -shm files the same permissions as the database file.
    closeSync(openSync(path, 'a', 0o600));
  } catch (error) {
    throw new StoreFileError(path, `cannot create database ${path}: ${fileErrorText(error)}`);
  }
}

interface HeaderFacts {
  /** PRAGMA user_version: our schema version. */
  readonly userVersion: number;
  /** Bumped by every schema change; 0 while the file has no tables. */
  readonly schemaCookie: number;
}

/** Reads the 100-byte SQLite header (without SQLite, so nothing is written). */
function readHeader(path: string): HeaderFacts {
  const header = Buffer.alloc(100);
  let read = 0;
  try {
    const fd = openSync(path, 'r');
    try {
      read = readSync(fd, header, 0, header.length, 0);
    } finally {
      closeSync(fd);
    }
  } catch (error) {
    throw new StoreFileError(path, `cannot read database ${path}: ${fileErrorText(error)}`);
  }
  if (read < header.length || !header.subarray(0, sqliteMagic.length).equals(sqliteMagic)) {
    throw new StoreFileError(path, `${path} is not an SQLite database (wrong file? an acme-delegate database starts with "SQLite format 3")`);
  }
  return { schemaCookie: header.readUInt32BE(40), userVersion: header.readUInt32BE(60) };
}

const tooNew = (path: string, version: number): StoreFileError =>
  new StoreFileError(path, `database ${path} has schema version ${version}, newer than this program knows (${schemaVersion}); upgrade acme-delegate`);

const notOurs = (path: string, detail: string): StoreFileError => new StoreFileError(path, `${path} is not an acme-delegate database (${detail})`);

/**
 * Refuses a database this program must not migrate: a newer schema, or another program's
 * tables (migrating would add ours to it). An empty file at version 0 is a new store.
 */
export function checkDatabaseIsOurs(db: Database, path: string): void {
  const version = db.pragma('user_version', { simple: true }) as number;
  if (version > schemaVersion) throw tooNew(path, version);
  const tables = (db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name").all() as { name: string }[]).map((r) => r.name);
  if (version === 0 && tables.length === 0) return;
  const missing = ourTables.filter((t) => !tables.includes(t));
  if (version === 0 || missing.length > 0) {
    throw notOurs(path, `its tables: ${tables.slice(0, 5).join(', ') + (tables.length > 5 ? ', …' : '') || 'none'}; schema version ${version}`);
  }
}

/** SQLite's error as one line naming the file; other errors pass through unchanged. */
export function storeFailure(path: string, error: unknown): unknown {
  if (error instanceof AppError) return error;
  const code = (error as { code?: unknown }).code;
  if (typeof code !== 'string' || !code.startsWith('SQLITE_')) return error;
  const message = (error as Error).message;
  if (code === 'SQLITE_NOTADB') return new StoreFileError(path, `${path} is not an SQLite database`);
  if (code.startsWith('SQLITE_CORRUPT')) return new StoreFileError(path, `database ${path} is corrupt (${message}); restore it from a backup (acme-delegate restore)`);
  if (code.startsWith('SQLITE_CANTOPEN')) return new StoreFileError(path, `cannot open database ${path} or its -wal/-shm files (${message}); check the folder's and files' owner and permissions`);
  if (code.startsWith('SQLITE_READONLY')) return new StoreFileError(path, `database ${path} is read-only for this user (${message}); run as its owner`);
  if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED')) return new StoreFileError(path, `database ${path} is locked by another process (${message})`);
  if (code === 'SQLITE_FULL') return new StoreFileError(path, `cannot write database ${path}: the disk is full`);
  if (code.startsWith('SQLITE_IOERR')) return new StoreFileError(path, `input/output error on database ${path} (${message})`);
  return new StoreFileError(path, `database ${path}: ${message}`);
}
