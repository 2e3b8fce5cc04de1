// Writing a file so that readers see the old one or the whole new one, never a half: a temporary
// file beside the target (same file system, so rename is atomic), synced, then renamed over it.
import { closeSync, fsyncSync, openSync, renameSync, rmSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { randomBytes } from 'node:crypto';

/** A fresh name in the target's folder; dot-prefixed so listings and globs pass it by. */
export function temporaryPathBeside(target: string, purpose: string): string {
  return join(dirname(target), `.${basename(target)}.${purpose}-${process.pid}-${randomBytes(4).toString('hex')}`);
}

/** Flushes a file's (or folder's) content and metadata to the disk. */
export function syncPath(path: string): void {
  const fd = openSync(path, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** Moves a finished temporary file over the target and makes the rename itself durable. */
export function commitReplacement(temporary: string, target: string): void {
  syncPath(temporary);
  renameSync(temporary, target);
  syncPath(dirname(target));
}

/** Removes a temporary database and any journal SQLite left beside it. */
export function removeTemporaryDatabase(path: string): void {
  for (const suffix of ['', '-journal', '-wal', '-shm']) rmSync(path + suffix, { force: true });
}
