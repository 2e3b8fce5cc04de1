// Accounts for scripts/bench-api.sh, written straight into a new store (argv[2]) and listed with
// their passwords in a JSON file (argv[3]); argv[4] is how many. They share one password and so
// one bcrypt hash, made once: each account's first update still costs a full compare.
import { writeFileSync } from 'node:fs';
import bcrypt from 'bcryptjs';
import { newPassword, newUuid } from '../src/crypto/secrets.js';
import { Store } from '../src/store/store.js';

const [storePath, listPath, countText = '3000'] = process.argv.slice(2);
if (!storePath || !listPath) throw new Error('usage: bench-api-accounts.ts STORE LIST.json [COUNT]');
const password = newPassword();
const passwordHash = bcrypt.hashSync(password, 10);
const accounts = Array.from({ length: Number(countText) }, () => ({ username: newUuid(), password, subdomain: newUuid() }));
const store = Store.open({ path: storePath, valuesPerSlot: 2, maxAgeSeconds: 604800 });
try {
  const createdAt = Date.now();
  store.importAccounts(accounts.map((a) => ({ username: a.username, passwordHash, subdomain: a.subdomain, allowfrom: [], label: 'bench', createdAt, values: [] })));
} finally {
  store.close();
}
writeFileSync(listPath, JSON.stringify(accounts));
