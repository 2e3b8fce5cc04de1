// `acme-delegate backup`: a consistent copy of the store while the server runs.
import { AppError } from '../errors.js';
import { backupStore } from '../store/backup.js';
import { openConfiguredStore } from '../store/open-configured.js';
import { configFromOptions, configOptionsHelp, parseCommandFlags } from './config-options.js';
import { actAsStoreOwner } from './run-as-owner.js';

export const backupHelp = `Usage: acme-delegate backup --to FILE [--force] [options]

Copies the database (every account, password hash and served TXT value) into FILE while the
server keeps running: SQLite's online backup, one consistent state even during updates. FILE
gets mode 0600 and appears whole or not at all; an existing FILE is replaced only with --force.
Run by root on the service's database, the command acts as the database's owner (setpriv),
so FILE's folder must be writable by that user.
Put it back with \`acme-delegate restore --from FILE\`.

Options:
  --to FILE                where the copy goes (required)
  --force                  replace FILE if it exists
${configOptionsHelp}
  -h, --help               show this help

Exit status: 0 written, 1 failed (nothing written), 2 bad usage or config.`;

export async function runBackupCommand(argv: string[]): Promise<number> {
  const values = parseCommandFlags(argv, { to: { type: 'string' }, force: { type: 'boolean' } }, backupHelp);
  if (values === undefined) return 0;
  if (!values.to) throw new AppError('usage', 'backup needs --to FILE (see acme-delegate backup --help)');
  const config = configFromOptions(values);
  const asOwner = actAsStoreOwner(config.store.path, process.env);
  if (asOwner !== undefined) return asOwner;
  const store = openConfiguredStore(config, { create: false });
  try {
    const result = await backupStore(store, values.to, { force: values.force ?? false });
    process.stdout.write(`backed up ${config.store.path} to ${result.path}: ${result.accounts} accounts, ${result.bytes} bytes (mode 0600)\n`);
    return 0;
  } finally {
    store.close();
  }
}
