// `acme-delegate restore`: a backup back in place of the store, with the server stopped.
import { AppError } from '../errors.js';
import { restoreStore } from '../store/restore.js';
import { configFromOptions, configOptionsHelp, parseCommandFlags } from './config-options.js';
import { actAsStoreOwner } from './run-as-owner.js';

export const restoreHelp = `Usage: acme-delegate restore --from FILE [options]

Puts a backup made by \`acme-delegate backup\` in place of the database ([store] path).
FILE is checked first (an SQLite file, an acme-delegate database of this or an older schema
version, SQLite's integrity check) and migrated on a copy; nothing changes if it fails.
Refused while any process has the database open: stop the service first
(systemctl stop acme-delegate), restore, start it again. The database it replaces is kept
beside it as <path>.pre-restore-<UTC time>. The restored file has mode 0600; run by root on
the service's database, the command acts as the database's owner (setpriv), so FILE must be
readable by that user.

Options:
  --from FILE              the backup to restore (required)
${configOptionsHelp}
  -h, --help               show this help

Exit status: 0 restored, 1 failed or the database is in use (nothing changed), 2 bad usage
or config.`;

export async function runRestoreCommand(argv: string[]): Promise<number> {
  const values = parseCommandFlags(argv, { from: { type: 'string' } }, restoreHelp);
  if (values === undefined) return 0;
  if (!values.from) throw new AppError('usage', 'restore needs --from FILE (see acme-delegate restore --help)');
  const config = configFromOptions(values);
  const asOwner = actAsStoreOwner(config.store.path, process.env);
  if (asOwner !== undefined) return asOwner;
  const result = restoreStore(values.from, config.store.path);
  process.stdout.write(`restored ${values.from} into ${config.store.path}: ${result.accounts} accounts\n`);
  if (result.previous) process.stdout.write(`the database it replaced is kept as ${result.previous}\n`);
  return 0;
}
