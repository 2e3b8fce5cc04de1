// What the store tests share: numbered slots and usernames, a database file in a temporary folder,
// stores opened on it (two values a slot, an hour's age) and closed at teardown.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Test } from 'tap';
import { Store } from '../../src/store/store.js';

export const slot = (n: number): string => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;
export const user = (n: number): string => `10000000-0000-4000-8000-${String(n).padStart(12, '0')}`;

/** A database path in a fresh temporary folder, removed at teardown. */
export function tempDatabase(t: Pick<Test, 'teardown'>): string {
  const dir = mkdtempSync(join(tmpdir(), 'acme-delegate-store-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return join(dir, 'store.db');
}

/** A store on `path` (another process's view when opened twice), closed at teardown. */
export function openStore(t: Pick<Test, 'teardown'>, path: string): Store {
  const store = Store.open({ path, valuesPerSlot: 2, maxAgeSeconds: 3600 });
  t.teardown(() => store.close());
  return store;
}

/** Accounts user(n) with slot(n), n = 1..count. */
export function addAccounts(store: Store, count: number): void {
  for (let n = 1; n <= count; n++) store.createAccount({ username: user(n), passwordHash: '$2a$04$x', subdomain: slot(n), allowfrom: [] });
}
