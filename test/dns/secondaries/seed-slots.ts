// A database with many slots at once (two values each), in one transaction: the API would take
// minutes for 10,000. For tests and benchmarks of big zones.
import BetterSqlite3 from 'better-sqlite3';
import { Store } from '../../../src/store/store.js';

export function seedSlots(path: string, count: number): void {
  Store.open({ path, valuesPerSlot: 2, maxAgeSeconds: 604800 }).close();
  const db = new BetterSqlite3(path);
  const now = Date.now();
  const account = db.prepare("INSERT INTO accounts (username, password_hash, subdomain, allowfrom, created_at) VALUES (?, 'x', ?, '[]', ?)");
  const value = db.prepare('INSERT INTO txt_values (subdomain, value, updated_at) VALUES (?, ?, ?)');
  db.transaction(() => {
    for (let i = 0; i < count; i++) {
      const subdomain = `seed-${String(i).padStart(5, '0')}`;
      account.run(`user-${i}`, subdomain, now);
      value.run(subdomain, `a-${i}`.padEnd(43, 'a'), now - 1);
      value.run(subdomain, `b-${i}`.padEnd(43, 'b'), now);
    }
  })();
  db.close();
}
