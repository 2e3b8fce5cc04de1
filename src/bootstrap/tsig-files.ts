// `bootstrap --tsig`: a TSIG key for each name's account (docs/rfc2136.md), for clients that speak
// DNS UPDATE. A re-run reuses the key the account already has (the store keeps it), so the files
// come out the same; only an account without a key gets a new one.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { newTsigKey, tsigCredentials, updateNameserver, type TsigCredentials } from '../accounts/tsig-key.js';
import type { Config } from '../config/schema.js';
import { openConfiguredStore } from '../store/open-configured.js';
import type { SlotCredentials } from './accounts.js';

export const tsigStorageFileName = 'tsig.json';

export function tsigKeyFileName(bare: string): string {
  return `tsig-${bare}.key`;
}

/** Each name's key, made where the account has none. */
export function ensureTsigKeys(config: Config, credentials: ReadonlyMap<string, SlotCredentials>): Map<string, TsigCredentials> {
  const store = openConfiguredStore(config);
  const nameserver = updateNameserver(config.dns.ns_addresses, config.dns.listen);
  const keys = new Map<string, TsigCredentials>();
  try {
    for (const [bare, slot] of credentials) {
      const account = store.getAccount(slot.username);
      if (!account || account.state !== 'active') continue;
      let key = account.tsig;
      if (!key) {
        key = newTsigKey();
        store.setTsigKey(account.username, key);
      }
      keys.set(bare, tsigCredentials(account, key, config.dns.zone, nameserver));
    }
  } finally {
    store.close();
  }
  return keys;
}

/** tsig.json (every name's key, keyed by name) and one nsupdate key file per name. */
export function tsigFileContents(outDir: string, keys: ReadonlyMap<string, TsigCredentials>): Map<string, string> {
  const files = new Map<string, string>();
  files.set(join(outDir, tsigStorageFileName), JSON.stringify(Object.fromEntries(keys), null, 2) + '\n');
  for (const [bare, c] of keys) {
    files.set(join(outDir, tsigKeyFileName(bare)), `key "${c.tsig.name}" {\n\talgorithm ${c.tsig.algorithm};\n\tsecret "${c.tsig.secret}";\n};\n`);
  }
  return files;
}

/** True when tsig.json lacks one of these names (or is missing or unreadable): the keys must be written. */
export function tsigFilesMissing(outDir: string, bares: readonly string[]): boolean {
  const file = join(outDir, tsigStorageFileName);
  if (!existsSync(file)) return bares.length > 0;
  try {
    const stored = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
    return bares.some((bare) => !(bare in stored) || bares.some((b) => !existsSync(join(outDir, tsigKeyFileName(b)))));
  } catch {
    return true;
  }
}
