// `backup`: a consistent copy of the live store in one file, mode 0600, that appears whole or
// not at all, and is checked by opening it before it replaces anything.
import { closeSync, openSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { AppError } from '../errors.js';
import { fileErrorText } from './database-file.js';
import { commitReplacement, removeTemporaryDatabase, temporaryPathBeside } from './file-replace.js';
import { Store } from './store.js';

export interface BackupResult {
  readonly path: string;
  readonly accounts: number;
  readonly bytes: number;
}

/** Where the copy may go: not a folder, not an existing file unless `force`, in a folder that exists. */
function checkDestination(destination: string, force: boolean): void {
  try {
    const stat = statSync(destination);
    if (stat.isDirectory()) throw new AppError('backup_failed', `--to ${destination} is a folder; give the backup's file name, e.g. ${destination.replace(/\/$/, '')}/acme-delegate.db`);
    if (!force) throw new AppError('backup_failed', `${destination} already exists; add --force to replace it`);
    if (!stat.isFile()) throw new AppError('backup_failed', `${destination} is not a regular file; it is not replaced`);
  } catch (error) {
    if (error instanceof AppError) throw error;
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw new AppError('backup_failed', `cannot write ${destination}: ${fileErrorText(error)}`);
  }
  try {
    if (!statSync(dirname(destination)).isDirectory()) throw new AppError('backup_failed', `cannot write ${destination}: ${dirname(destination)} is not a folder`);
  } catch (error) {
    if (error instanceof AppError) throw error;
    const why = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'the folder does not exist' : fileErrorText(error);
    throw new AppError('backup_failed', `cannot write ${destination}: ${dirname(destination)}: ${why}`);
  }
}

/**
 * Copies the open store into `destination`. The server may keep running and writing: the copy
 * is one consistent state. Nothing is left behind on failure.
 */
export async function backupStore(store: Store, destination: string, options: { readonly force: boolean }): Promise<BackupResult> {
  checkDestination(destination, options.force);
  const temporary = temporaryPathBeside(destination, 'backup');
  try {
    // Created here first so that SQLite writes into a file that was never readable by others.
    closeSync(openSync(temporary, 'wx', 0o600));
  } catch (error) {
    throw new AppError('backup_failed', `cannot write into ${dirname(destination)}: ${fileErrorText(error)}`);
  }
  try {
    await store.copyTo(temporary);
    const accounts = countAccounts(temporary);
    commitReplacement(temporary, destination);
    return { path: destination, accounts, bytes: statSync(destination).size };
  } catch (error) {
    removeTemporaryDatabase(temporary);
    if (error instanceof AppError) throw error;
    throw new AppError('backup_failed', `cannot write ${destination}: ${fileErrorText(error)}`);
  }
}

/** Opens the copy as the server would: proves it is readable, and says what it holds. */
function countAccounts(path: string): number {
  const copy = Store.open({ path, valuesPerSlot: 1, maxAgeSeconds: 1, create: false });
  try {
    const problems = copy.integrityCheck();
    if (problems.join() !== 'ok') throw new AppError('backup_failed', `the copy failed SQLite's integrity check: ${problems.slice(0, 3).join('; ')}`);
    return copy.listAccounts().length;
  } finally {
    copy.close();
  }
}
