// `acme-delegate import-acme-dns`: moves an acme-dns installation over with every existing
// client credential still valid, and translates its config.
import { readFileSync, writeFileSync } from 'node:fs';
import { fulldomainOf } from '../accounts/fulldomain.js';
import { AppError } from '../errors.js';
import { readAcmeDnsDatabase } from '../import/acme-dns-database.js';
import { translateAcmeDnsConfig } from '../import/acme-dns-config.js';
import { configFromOptions, configOptionsHelp, parseCommandFlags } from './config-options.js';
import { openConfiguredStore } from '../store/open-configured.js';
import { storeFailure } from '../store/database-file.js';
import { actAsStoreOwner } from './run-as-owner.js';

export const importHelp = `Usage: acme-delegate import-acme-dns --from ACME_DNS_DB [options]

Copies every account of an acme-dns SQLite database (usernames, bcrypt password hashes,
subdomains, allowfrom, current TXT values) into our store, so existing clients keep working
without new credentials. Accounts already present are skipped; re-running is safe.
Our zone must be acme-dns's "domain": clients' CNAMEs point at <subdomain>.<that domain>.

Options:
  --from FILE              the acme-dns database (records and txt tables)
  --acme-dns-config FILE   also translate acme-dns's config.cfg into our TOML
  --write-config FILE      where to write the translated config (default: print it)
  --dry-run                read and report, write nothing
${configOptionsHelp}
  -h, --help               show this help`;

export async function runImportCommand(argv: string[]): Promise<number> {
  const values = parseCommandFlags(
    argv,
    {
      from: { type: 'string' },
      'acme-dns-config': { type: 'string' },
      'write-config': { type: 'string' },
      'dry-run': { type: 'boolean' },
    },
    importHelp,
  );
  if (values === undefined) return 0;
  const say = (line: string): void => void process.stderr.write(line + '\n');
  // Root acts as the store's owner before doing anything, so that the whole run happens once.
  const config = configFromOptions(values);
  const asOwner = values.from && !values['dry-run'] ? actAsStoreOwner(config.store.path, process.env) : undefined;
  if (asOwner !== undefined) return asOwner;
  // Both databases are read (and so checked) before anything is printed or written.
  const accounts = values.from ? readAcmeDnsDatabase(values.from) : [];
  const store = values.from && !values['dry-run'] ? openConfiguredStore(config) : undefined;
  try {
    if (values['acme-dns-config']) translateConfig(values['acme-dns-config'], values['dry-run'] ? undefined : values['write-config'], say);
    if (!values.from) {
      if (values['acme-dns-config']) return 0;
      throw new AppError('usage', 'import-acme-dns needs --from ACME_DNS_DB');
    }
    say(`${values.from}: ${accounts.length} accounts, ${accounts.reduce((n, a) => n + a.values.length, 0)} TXT values`);
    if (!store) {
      for (const a of accounts) say(`  would import ${a.username} -> ${fulldomainOf(a.subdomain, config.dns.zone)}`);
      return 0;
    }
    try {
      // One transaction for the lot: one fsync, and a clash anywhere leaves the store unchanged.
      const createdAt = Date.now();
      const { imported, skipped } = store.importAccounts(accounts.map((a) => ({ ...a, label: null, createdAt })));
      say(`imported ${imported}, skipped ${skipped} already present, into ${config.store.path} (zone ${config.dns.zone})`);
    } catch (error) {
      throw storeFailure(config.store.path, error);
    }
    return 0;
  } finally {
    store?.close();
  }
}

/** acme-dns's config.cfg as our TOML: into `target` (a new file), or printed. */
function translateConfig(source: string, target: string | undefined, say: (line: string) => void): void {
  let text: string;
  try {
    text = readFileSync(source, 'utf8');
  } catch (error) {
    throw new AppError('import_failed', `cannot read ${source}: ${(error as Error).message}`);
  }
  const { toml, notes } = translateAcmeDnsConfig(text, source);
  for (const note of notes) say(`note: ${note}`);
  if (target) {
    writeNewFile(target, toml);
    say(`config written to ${target}`);
  } else process.stdout.write(toml);
}

function writeNewFile(path: string, text: string): void {
  try {
    writeFileSync(path, text, { mode: 0o640, flag: 'wx' });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why = code === 'EEXIST' ? 'it already exists (it is not overwritten)' : code === 'EACCES' ? 'permission denied' : code === 'EISDIR' ? 'it is a folder' : (code ?? (error as Error).message);
    throw new AppError('import_failed', `cannot write --write-config ${path}: ${why}`);
  }
}
