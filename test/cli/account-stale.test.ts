// `account list --stale DAYS`: active accounts whose client stopped updating, the longest
// silent first; an account never updated counts from its creation.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { staleAccounts } from '../../src/accounts/renewal-health.js';
import { Store } from '../../src/store/store.js';
import { runCli } from './run-cli.js';

const day = 86_400_000;
const account = (n: number): { username: string; passwordHash: string; subdomain: string; allowfrom: string[] } => ({
  username: `10000000-0000-4000-8000-00000000000${n}`,
  passwordHash: '$2a$04$x',
  subdomain: `00000000-0000-4000-8000-00000000000${n}`,
  allowfrom: [],
});
const txt = 'a'.repeat(43);

t.test('list --stale shows only active accounts silent for longer than DAYS', async (t) => {
  const db = join(mkdtempSync(join(tmpdir(), 'stale-')), 'db.sqlite');
  const real = Date.now();
  let clock = real - 50 * day;
  const open = (): Store => Store.open({ path: db, valuesPerSlot: 2, maxAgeSeconds: 604800, now: () => clock });
  let store = open();
  store.createAccount(account(1)); // created 50 days ago, never updated
  store.createAccount(account(2)); // updated 40 days ago
  store.createAccount(account(3)); // updated 40 days ago and again today
  store.createAccount(account(4)); // silent, but revoked
  clock = real - 40 * day;
  store.addTxtValue(account(2).subdomain, txt);
  store.addTxtValue(account(3).subdomain, txt);
  store.revokeAccount(account(4).username);
  store.close();
  clock = real;
  store = open();
  store.addTxtValue(account(3).subdomain, 'b'.repeat(43));
  store.createAccount(account(5)); // new today
  store.close();

  const json = await runCli(['account', 'list', '--stale', '30', '--json', '--db', db]);
  t.equal(json.code, 0, json.stderr);
  const rows = JSON.parse(json.stdout) as { username: string; last_update: string | null; days_since_update: number; state: string }[];
  t.same(
    rows.map((r) => [r.username, r.days_since_update, r.last_update === null]),
    [
      [account(1).username, 50, true],
      [account(2).username, 40, false],
    ],
  );
  const text = await runCli(['account', 'list', '--stale', '45', '--db', db]);
  t.match(text.stdout, new RegExp(`^${account(1).username}\\s+50 days .* never updated`));
  t.equal(text.stdout.trim().split('\n').length, 1);
  const bad = await runCli(['account', 'list', '--stale', 'soon', '--db', db]);
  t.equal(bad.code, 2);
  t.match(bad.stderr, /--stale needs a whole number of days/);
});

t.test('staleAccounts: the boundary is "more than DAYS"', async (t) => {
  const acc = { username: 'u', passwordHash: '', subdomain: 's', allowfrom: [], state: 'active' as const, kind: 'acme' as const, label: null, createdAt: 0, revokedAt: null, tsig: null };
  const now = 10 * day;
  t.same(staleAccounts([{ account: acc, lastUpdateAt: now - 3 * day, updated: true }], 3, now), []);
  t.equal(staleAccounts([{ account: acc, lastUpdateAt: now - 3 * day - 1, updated: true }], 3, now).length, 1);
});
