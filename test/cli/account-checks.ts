// Does an account still work on a running server: its password is accepted for its slot, and
// DNS serves what the slot should. Shared by the backup/restore and schema-upgrade tests.
import { Resolver } from 'node:dns/promises';
import type { Test } from 'tap';
import type { StartedServer } from './run-cli.js';

export interface KnownAccount {
  readonly username: string;
  readonly password: string;
  readonly subdomain: string;
}

export function resolverFor(port: number): Resolver {
  const resolver = new Resolver({ timeout: 2000, tries: 2 });
  resolver.setServers([`127.0.0.1:${port}`]);
  return resolver;
}

/** POST /update with the account's credentials; the HTTP status. */
export async function updateTxt(server: StartedServer, account: KnownAccount, txt: string): Promise<number> {
  const reply = await fetch(`http://127.0.0.1:${server.apiPort}/update`, {
    method: 'POST',
    headers: { 'X-Api-User': account.username, 'X-Api-Key': account.password },
    body: JSON.stringify({ subdomain: account.subdomain, txt }),
  });
  await reply.arrayBuffer();
  return reply.status;
}

/** The TXT values DNS serves for the account's slot, sorted (none for NXDOMAIN or NODATA). */
export async function servedValues(server: StartedServer, account: KnownAccount, zone: string): Promise<string[]> {
  try {
    return (await resolverFor(server.dnsPort).resolveTxt(`${account.subdomain}.${zone}`)).map((chunks) => chunks.join('')).sort();
  } catch (error) {
    if (['ENOTFOUND', 'ENODATA'].includes(String((error as { code?: unknown }).code))) return [];
    throw error;
  }
}

/** Serves `expected` now, and accepts a new value with its password, which DNS then serves. */
export async function checkAccountWorks(t: Test, server: StartedServer, account: KnownAccount, zone: string, expected: readonly string[]): Promise<void> {
  t.same(await servedValues(server, account, zone), [...expected].sort(), `${account.username} serves its values`);
  const fresh = `${account.subdomain.replace(/-/g, '').slice(0, 32)}fresh${'x'.repeat(6)}`;
  t.equal(await updateTxt(server, account, fresh), 200, `${account.username}: its password is accepted`);
  t.ok((await servedValues(server, account, zone)).includes(fresh), `${account.username}: the new value is served`);
}
