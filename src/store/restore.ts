// `restore`: puts a backup in place of the store, only when no process has the store open, and
// keeps the previous database beside it. The backup is copied and checked (SQLite file, one of
// ours, integrity, migrated to this version) before the store is touched.
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { AppError } from '../errors.js';
import { fileErrorText, prepareDatabaseFile, StoreFileError } from './database-file.js';
import { commitReplacement, removeTemporaryDatabase, syncPath, temporaryPathBeside } from './file-replace.js';
import { Store } from './store.js';

export interface RestoreResult {
  readonly accounts: number;
  /** Where the replaced database now is; null when there was none. */
  readonly previous: string | null;
}

/** "20261202T031500Z": sortable, and free of ':' that some tools dislike in file names. */
export function restoreStamp(now: Date): string {
  return now.toISOString().replace(/\.\d+Z$/, 'Z').replace(/[-:]/g, '');
}

export function restoreStore(from: string, target: string, now: Date = new Date()): RestoreResult {
  checkBackupFile(from);
  if (existsSync(target) && statSync(target).isDirectory()) throw new StoreFileError(target, `database ${target} is a folder, not a file; point [store] path (or --db) at a file`);
  const fromWal = `${from}-wal`;
  if (existsSync(fromWal) && statSync(fromWal).size > 0) {
    throw new AppError('restore_failed', `${from} has a write-ahead log beside it (${fromWal}): it is a live database, not a backup; make one with acme-delegate backup`);
  }
  const staged = stageCopy(from, target);
  let previous: string | null = null;
  try {
    if (existsSync(target)) {
      takeOver(target);
      previous = `${target}.pre-restore-${restoreStamp(now)}`;
      moveAside(target, previous);
    }
    commitReplacement(staged.path, target);
  } catch (error) {
    removeTemporaryDatabase(staged.path);
    if (error instanceof AppError) throw error;
    throw new AppError('restore_failed', `cannot replace ${target}: ${fileErrorText(error)}`);
  }
  return { accounts: staged.accounts, previous };
}

function checkBackupFile(from: string): void {
  try {
    if (statSync(from).isDirectory()) throw new AppError('restore_failed', `--from ${from} is a folder; give the backup file (made by acme-delegate backup)`);
  } catch (error) {
    if (error instanceof AppError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    throw new AppError('restore_failed', code === 'ENOENT' ? `no backup at ${from}` : `cannot read ${from}: ${fileErrorText(error)}`);
  }
  prepareDatabaseFile(from, false);
}

/** A checked, migrated copy of the backup in the store's folder, mode 0600. */
function stageCopy(from: string, target: string): { path: string; accounts: number } {
  let bytes: Buffer;
  try {
    bytes = readFileSync(from);
  } catch (error) {
    throw new AppError('restore_failed', `cannot read ${from}: ${fileErrorText(error)}`);
  }
  const path = temporaryPathBeside(target, 'restore');
  try {
    mkdirSync(dirname(target), { recursive: true, mode: 0o700 });
    writeFileSync(path, bytes, { mode: 0o600, flag: 'wx' });
  } catch (error) {
    throw new AppError('restore_failed', `cannot write into ${dirname(target)}: ${fileErrorText(error)}`);
  }
  try {
    const store = Store.open({ path, valuesPerSlot: 1, maxAgeSeconds: 1, create: false });
    try {
      const problems = store.integrityCheck();
      if (problems.join() !== 'ok') throw new AppError('restore_failed', `${from} failed SQLite's integrity check: ${problems.slice(0, 3).join('; ')}`);
      return { path, accounts: store.listAccounts().length };
    } finally {
      store.close();
    }
  } catch (error) {
    removeTemporaryDatabase(path);
    // The checks ran on the copy; the operator knows the file by the name they gave.
    if (error instanceof StoreFileError) throw new StoreFileError(from, error.message.replaceAll(path, from));
    throw error;
  }
}

/**
 * Fails unless no other process has the database open. SQLite connections in WAL mode hold a
 * shared lock on the file for as long as they are open, idle or not, and the system drops it
 * when a process dies (even by SIGKILL); so an exclusive lock is granted exactly when neither
 * the server nor another command is using the file. Also folds a leftover -wal (after a crash)
 * into the file, so the copy kept aside is complete on its own.
 */
function takeOver(target: string): void {
  let db: BetterSqlite3.Database | undefined;
  try {
    db = new BetterSqlite3(target, { fileMustExist: true, timeout: 0 });
    db.pragma('locking_mode = EXCLUSIVE');
    db.exec('BEGIN EXCLUSIVE');
    db.exec('COMMIT');
    db.pragma('wal_checkpoint(TRUNCATE)');
  } catch (error) {
    const code = String((error as { code?: unknown }).code);
    if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED')) {
      throw new AppError(
        'store_in_use',
        `database ${target} is open in another process (the running service, or another acme-delegate command): stop the service first (systemctl stop acme-delegate), then restore`,
      );
    }
    // A file SQLite cannot read is no server's database either: it is kept aside as it is.
    if (code !== 'SQLITE_NOTADB' && !code.startsWith('SQLITE_CORRUPT')) {
      throw new AppError('restore_failed', `cannot take over database ${target}: ${(error as Error).message}`);
    }
  } finally {
    db?.close();
  }
}

/** Renames the database, with a -wal that still holds commits, and drops the index file -shm. */
function moveAside(target: string, aside: string): void {
  renameSync(target, aside);
  const wal = `${target}-wal`;
  if (existsSync(wal)) {
    if (statSync(wal).size > 0) renameSync(wal, `${aside}-wal`);
    else rmSync(wal);
  }
  rmSync(`${target}-shm`, { force: true });
  syncPath(dirname(target));
}
