// Commands that write the store, run by root on the service's database, act as the database's
// owner, so that no file of the store (nor its -wal/-shm) ever becomes root's and locks the
// service out. Node 20's process.setuid() throws ERR_INVALID_STATE (io_uring), so the command
// re-executes itself through setpriv(1) with the same arguments and environment.
import { spawnSync } from 'node:child_process';
import { statSync } from 'node:fs';
import { dirname } from 'node:path';
import { constants } from 'node:os';
import { AppError } from '../errors.js';

export interface Owner {
  readonly uid: number;
  readonly gid: number;
}

/**
 * Whom a command run as `uid` should act as for the database at `path`: the file's owner, or,
 * while the file does not exist, the owner of the nearest existing folder above it (the one a
 * new file is made in). Null when nothing changes: not root, root's own files, or ":memory:".
 */
export function storeOwner(path: string, uid: number | undefined): Owner | null {
  if (uid !== 0 || path === ':memory:') return null;
  let probe = path;
  while (true) {
    try {
      const stat = statSync(probe);
      return stat.uid === 0 ? null : { uid: stat.uid, gid: stat.gid };
    } catch {
      const parent = dirname(probe);
      if (parent === probe) return null;
      probe = parent;
    }
  }
}

/** The setpriv command line that runs this very command again as `owner`. */
export function reexecCommand(owner: Owner, argv: readonly string[] = process.argv, execArgv: readonly string[] = process.execArgv): string[] {
  return ['setpriv', `--reuid=${owner.uid}`, `--regid=${owner.gid}`, '--init-groups', '--', process.execPath, ...execArgv, ...argv.slice(1)];
}

/**
 * Runs the command again as the store's owner when root runs it on someone else's database, and
 * returns that run's exit status; undefined means "go on in this process".
 */
export function actAsStoreOwner(path: string, env: NodeJS.ProcessEnv): number | undefined {
  const owner = storeOwner(path, process.getuid?.());
  if (!owner) return undefined;
  const [command, ...args] = reexecCommand(owner);
  const run = spawnSync(command as string, args, { stdio: 'inherit', env });
  if (run.error) {
    throw new AppError(
      'run_as_owner',
      `database ${path} belongs to uid ${owner.uid}, and root acts as its owner here, but setpriv could not run (${(run.error as NodeJS.ErrnoException).code ?? run.error.message}); run the command as that user instead: runuser -u <user> -- acme-delegate ...`,
    );
  }
  if (run.signal) return 128 + (constants.signals[run.signal] ?? 0);
  return run.status ?? 1;
}
