// One exit-status convention for every command, and the one line a failure prints.
//   0 done · 1 failed: the command could not do its job (a file it works on is missing,
//   unreadable, corrupt or someone else's; the database is in use; a check failed; Cloudflare
//   refused) · 2 usage: the command line or the config is wrong · 3 bootstrap applied but left
//   conflicting records alone · 70 a bug (EX_SOFTWARE): the stack is printed to report it.
import { AppError } from '../errors.js';

export const exitStatus = { ok: 0, failed: 1, usage: 2, conflicts: 3, bug: 70 } as const;

/** AppError codes that mean "fix the command line or the config", not "the work failed". */
const usageCodes = new Set(['usage', 'config_invalid', 'bad_domain', 'invalid_allowfrom_cidr']);

export interface Failure {
  readonly status: number;
  /** One line for expected failures; the stack for bugs. */
  readonly message: string;
}

export function describeFailure(error: unknown): Failure {
  if (error instanceof AppError) return { status: usageCodes.has(error.code) ? exitStatus.usage : exitStatus.failed, message: error.message };
  // node:util parseArgs: unknown option, missing value, stray argument.
  const code = String((error as { code?: unknown })?.code);
  if (code.startsWith('ERR_PARSE_ARGS')) return { status: exitStatus.usage, message: (error as Error).message };
  // The database or the file system refused (full disk, read-only, locked, a failing trigger):
  // the work failed for a reason outside the program, said in one line.
  if (code.startsWith('SQLITE_')) return { status: exitStatus.failed, message: `the database refused: ${(error as Error).message}` };
  return { status: exitStatus.bug, message: `unexpected error (a bug; please report it): ${(error as Error)?.stack ?? String(error)}` };
}
