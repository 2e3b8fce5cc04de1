// An acme-dns (v1.1, sqlite3 engine) database of COUNT accounts for scripts/bench-scale.sh, in
// acme-dns's own schema: argv[2] the file to create, argv[3] COUNT, argv[4] where to write the
// first account's credentials (JSON). Only that account's hash is a real bcrypt hash (made once,
// Go-style $2a$10$); the others are distinct strings of the same shape, as acme-dns's UNIQUE
// Password column needs, so a million accounts take seconds, not a day of hashing. Half of the
// slots hold a value updated within the last three days; every slot has acme-dns's two TXT rows.
import { randomBytes, randomUUID } from 'node:crypto';
import { existsSync, writeFileSync } from 'node:fs';
import bcrypt from 'bcryptjs';
import BetterSqlite3 from 'better-sqlite3';
import { newPassword } from '../src/crypto/secrets.js';

const [path, countText, credentialsPath] = process.argv.slice(2);
if (!path || !countText || !credentialsPath) throw new Error('usage: bench-acme-dns-db.ts FILE COUNT CREDENTIALS.json');
if (existsSync(path)) throw new Error(`${path} exists`);
const count = Number(countText);
const bcryptAlphabet = './ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const fakeHash = (): string => `$2a$10$${[...randomBytes(53)].map((b) => bcryptAlphabet[b % 64]).join('')}`;
const txtValue = (): string => randomBytes(32).toString('base64url');

const db = new BetterSqlite3(path);
db.pragma('journal_mode = WAL');
db.pragma('synchronous = OFF');
db.exec(`
  CREATE TABLE acmedns(Name TEXT, Value TEXT);
  CREATE TABLE records(
    Username TEXT UNIQUE NOT NULL PRIMARY KEY,
    Password TEXT UNIQUE NOT NULL,
    Subdomain TEXT UNIQUE NOT NULL,
    AllowFrom TEXT
  );
  CREATE TABLE txt(Subdomain TEXT NOT NULL, Value TEXT NOT NULL DEFAULT '', LastUpdate INT);
  INSERT INTO acmedns VALUES ('db_version', '1');
`);
const record = db.prepare('INSERT INTO records VALUES (?, ?, ?, ?)');
const txt = db.prepare('INSERT INTO txt VALUES (?, ?, ?)');
const now = Math.floor(Date.now() / 1000);
const first = { username: randomUUID(), password: newPassword(), subdomain: randomUUID() };
db.transaction(() => {
  for (let i = 0; i < count; i++) {
    const account = i === 0 ? first : { username: randomUUID(), password: '', subdomain: randomUUID() };
    // acme-dns stores the hash as a BLOB.
    record.run(account.username, Buffer.from(i === 0 ? bcrypt.hashSync(first.password, 10).replace(/^\$2b\$/, '$2a$') : fakeHash()), account.subdomain, '[]');
    const served = i % 2 === 0;
    txt.run(account.subdomain, served ? txtValue() : '', served ? now - Math.floor(Math.random() * 3 * 86400) : 0);
    txt.run(account.subdomain, '', 0);
  }
})();
db.close();
writeFileSync(credentialsPath, JSON.stringify(first));
