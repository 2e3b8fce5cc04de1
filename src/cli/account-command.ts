// `acme-delegate account ...`: administration on the store file, for operators (and for
// registration = "closed"). A running server picks the changes up within a second.
import { parseArgs } from 'node:util';
import { createAccountAdministration } from '../accounts/administration.js';
import { parseStaleDays } from '../accounts/renewal-health.js';
import { createAccountService, type Credentials } from '../accounts/service.js';
import { publicApiUrl } from '../config/load.js';
import { createBcryptPool } from '../crypto/bcrypt-pool.js';
import { AppError } from '../errors.js';
import { configFromOptions, configOptionSpecs, configOptionsHelp } from './config-options.js';
import { openConfiguredStore } from '../store/open-configured.js';
import { storeFailure } from '../store/database-file.js';
import { actAsStoreOwner } from './run-as-owner.js';
import { formatTsigCredentials, parseTsigAlgorithm, updateNameserver, type TsigCredentials } from '../accounts/tsig-key.js';

export const accountHelp = `Usage: acme-delegate account <action> [arguments] [options]

Actions:
  add [--allowfrom CIDR]... [--label TEXT] [--ddns] [--tsig [--tsig-algorithm A]]
                                             create an account; prints its credentials once (JSON);
                                             --ddns: a dynamic-DNS slot that can set only its own
                                             A/AAAA (docs/ddns.md), not an ACME TXT slot;
                                             --tsig: with a TSIG key for DNS UPDATE (RFC 2136), printed
                                             as an nsupdate key block and lego/cert-manager settings
                                             (JSON with --json)
  tsig USERNAME [--tsig-algorithm A] [--remove]
                                             add or replace the account's TSIG key (printed once as
                                             above), or remove it; A: hmac-sha256 (default), 384, 512
  list [--stale DAYS] [--kind acme|ddns]     list accounts (no secrets) with their last update and
                                             last CA query; --stale: only active ones
                                             with no update for more than DAYS days
  show USERNAME                              one account (no secrets)
  revoke USERNAME                            stop accepting updates and remove its records from DNS
  rotate USERNAME                            new password; prints the new credentials once
  allowfrom USERNAME [CIDR...]               replace the allowed source networks (none: any)
  delete USERNAME                            remove the account and its slot
  audit [--limit N]                          recent account and TXT events, newest first (JSON lines)

Options:
${configOptionsHelp}
  --json                   machine-readable output for list, show and TSIG keys (add
                           without --tsig, and rotate, always print JSON)
  -h, --help               show this help`;

export async function runAccountCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    options: {
      ...configOptionSpecs,
      allowfrom: { type: 'string', multiple: true },
      label: { type: 'string' },
      ddns: { type: 'boolean' },
      kind: { type: 'string' },
      json: { type: 'boolean' },
      limit: { type: 'string' },
      stale: { type: 'string' },
      tsig: { type: 'boolean' },
      'tsig-algorithm': { type: 'string' },
      remove: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
    allowPositionals: true,
    strict: true,
  });
  const [action, username, ...rest] = positionals;
  if (values.help || action === undefined) {
    process.stdout.write(accountHelp + '\n');
    return values.help ? 0 : 2;
  }
  const config = configFromOptions(values);
  const asOwner = actAsStoreOwner(config.store.path, process.env);
  if (asOwner !== undefined) return asOwner;
  // Only "add" may create the database; the other actions need one to exist.
  const store = openConfiguredStore(config, { create: action === 'add' });
  const pool = createBcryptPool(1);
  const accounts = createAccountService(store, pool, { zone: config.dns.zone, bcryptCost: config.store.bcrypt_cost });
  const print = (value: unknown): void => void process.stdout.write(JSON.stringify(value, null, 2) + '\n');
  const need = (): string => {
    if (!username) throw new AppError('usage', `account ${action} needs a USERNAME`);
    return username;
  };
  const admin = createAccountAdministration({
    store,
    accounts,
    zone: config.dns.zone,
    serverUrl: publicApiUrl(config),
    nameserver: updateNameserver(config.dns.ns_addresses, config.dns.listen),
  });
  const algorithm = values['tsig-algorithm'] === undefined ? undefined : parseTsigAlgorithm(values['tsig-algorithm']);
  const printTsig = (credentials: TsigCredentials, added?: Credentials & { server_url: string }): void => {
    if (values.json) return print({ ...added, ...credentials });
    // The password too: the account also works with acme-dns clients, and it is shown only now.
    if (added) process.stdout.write(`# acme-dns API: server_url ${added.server_url} username ${added.username} password ${added.password}\n`);
    process.stdout.write(formatTsigCredentials(credentials));
  };
  try {
    switch (action) {
      case 'add': {
        const added = await admin.add({ allowfrom: values.allowfrom ?? [], label: values.label ?? null, kind: values.ddns ? 'ddns' : 'acme' });
        if (values.tsig || algorithm) printTsig(admin.setTsig(added.username, algorithm), added);
        else print(added);
        return 0;
      }
      case 'tsig':
        if (values.remove) print(admin.removeTsig(need()));
        else printTsig(admin.setTsig(need(), algorithm));
        return 0;
      case 'list': {
        if (values.stale !== undefined) {
          const stale = admin.stale(parseStaleDays(values.stale));
          if (values.json) print(stale);
          else for (const a of stale) process.stdout.write(`${String(a.username)}  ${String(a.days_since_update).padStart(4)} days  ${String(a.fulldomain)}  ${String(a.last_update ?? 'never updated')}  ${a.label === null ? '' : String(a.label)}\n`);
          return 0;
        }
        const kind = values.kind;
        if (kind !== undefined && kind !== 'acme' && kind !== 'ddns') throw new AppError('usage', `--kind must be acme or ddns, got "${kind}"`);
        const list = admin.list().filter((a) => kind === undefined || a.kind === kind);
        if (values.json) print(list);
        else for (const a of list) process.stdout.write(`${a.username}  ${String(a.kind).padEnd(4)}  ${String(a.state).padEnd(7)}  ${String(a.fulldomain)}  updated ${String(a.last_update ?? 'never')}  queried ${String(a.last_query ?? 'never')}  ${a.label === null ? '' : String(a.label)}\n`);
        return 0;
      }
      case 'show': {
        print(admin.show(need()));
        return 0;
      }
      case 'revoke':
        print(admin.revoke(need()));
        return 0;
      case 'rotate':
        print(await admin.rotate(need()));
        return 0;
      case 'allowfrom':
        print(admin.setAllowfrom(need(), rest));
        return 0;
      case 'audit': {
        const limit = Number(values.limit ?? '100');
        if (!Number.isInteger(limit) || limit < 1) throw new AppError('usage', `--limit must be a positive integer, got "${values.limit}"`);
        for (const event of admin.audit(limit)) process.stdout.write(JSON.stringify(event) + '\n');
        return 0;
      }
      case 'delete':
        admin.remove(need());
        return 0;
      default:
        throw new AppError('usage', `unknown account action "${action}" (see acme-delegate account --help)`);
    }
  } catch (error) {
    throw storeFailure(config.store.path, error);
  } finally {
    await pool.close();
    store.close();
  }
}
