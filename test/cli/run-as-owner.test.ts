// Root running the CLI on the service's database acts as the database's owner: every command
// that writes the store, run by root, leaves every file of the store (and what it writes) the
// service user's. Runs for real with a temporary system user; needs root (skipped otherwise).
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, chownSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import bcrypt from 'bcryptjs';
import BetterSqlite3 from 'better-sqlite3';
import t, { type Test } from 'tap';
import { storeOwner } from '../../src/cli/run-as-owner.js';
import { runCli as runBootstrap, startEmulator, tokenEnv } from '../bootstrap/cli-fixture.js';
import { runCli } from './run-cli.js';

const isRoot = process.getuid?.() === 0;
const hasTools = ['useradd', 'userdel', 'setpriv'].every((tool) => {
  try {
    execFileSync('sh', ['-c', `command -v ${tool}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
});

interface SystemUser {
  readonly name: string;
  readonly uid: number;
  readonly gid: number;
}

/** A system user that exists for this test only. */
function temporaryUser(t: Test): SystemUser {
  const name = `acmedt${randomBytes(4).toString('hex')}`;
  execFileSync('useradd', ['--system', '--user-group', '--no-create-home', '--home-dir', '/nonexistent', '--shell', '/usr/sbin/nologin', name]);
  t.teardown(() => execFileSync('userdel', [name]));
  const uid = Number(execFileSync('id', ['-u', name], { encoding: 'utf8' }).trim());
  const gid = Number(execFileSync('id', ['-g', name], { encoding: 'utf8' }).trim());
  return { name, uid, gid };
}

/** A folder others may enter, with `state/` owned by the user (as StateDirectory= makes it). */
function serviceLayout(t: Test, user: SystemUser): { dir: string; state: string } {
  const dir = mkdtempSync(join(tmpdir(), 'acme-delegate-owner-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  chmodSync(dir, 0o755);
  const state = join(dir, 'state');
  mkdirSync(state, { mode: 0o700 });
  chownSync(state, user.uid, user.gid);
  return { dir, state };
}

/** Every file and folder below `dir` whose owner is not `uid`. */
function notOwnedBy(dir: string, uid: number): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .map((name) => join(dir, name))
    .filter((path) => statSync(path).uid !== uid);
}

t.test('who root acts as', { skip: !isRoot && 'needs root' }, async (t) => {
  const user = temporaryUser(t);
  const { dir, state } = serviceLayout(t, user);
  t.same(storeOwner(join(state, 'acme-delegate.db'), 0), { uid: user.uid, gid: user.gid }, 'a new file: the owner of its folder');
  t.same(storeOwner(join(state, 'deeper', 'x.db'), 0), { uid: user.uid, gid: user.gid }, 'a new folder too: the nearest existing folder');
  t.equal(storeOwner(join(dir, 'x.db'), 0), null, "root's own folder: root stays root");
  t.equal(storeOwner(join(state, 'acme-delegate.db'), 1000), null, 'not root: nobody to become');
  t.equal(storeOwner(':memory:', 0), null);
});

t.test('account, import, backup, restore and bootstrap run by root keep the store the service user\'s', { skip: (!isRoot && 'needs root') || (!hasTools && 'needs useradd and setpriv') }, async (t) => {
  const user = temporaryUser(t);
  const { dir, state } = serviceLayout(t, user);
  const db = join(state, 'acme-delegate.db');

  const added = await runCli(['account', 'add', '--db', db, '--label', 'first']);
  t.equal(added.code, 0, added.stderr);
  t.equal(statSync(db).uid, user.uid, 'the database root made belongs to the service user');
  t.equal(statSync(db).mode & 0o777, 0o600);
  const listed = await runCli(['account', 'list', '--db', db]);
  t.equal(listed.code, 0, listed.stderr);
  t.match(listed.stdout, /first/);
  t.same(notOwnedBy(state, user.uid), [], 'no file of the store is root\'s after account');

  // An acme-dns database the service user can read, imported by root.
  const acmeDns = join(dir, 'acme-dns.db');
  const source = new BetterSqlite3(acmeDns);
  source.exec('CREATE TABLE records (Username TEXT UNIQUE NOT NULL PRIMARY KEY, Password TEXT UNIQUE NOT NULL, Subdomain TEXT UNIQUE NOT NULL, AllowFrom TEXT); CREATE TABLE txt (Subdomain TEXT NOT NULL, Value TEXT NOT NULL DEFAULT \'\', LastUpdate INT)');
  source.prepare('INSERT INTO records VALUES (?, ?, ?, ?)').run('c36f4f3e-8e2e-4d2e-9b1e-8e1a5b1e7c01', bcrypt.hashSync('x'.repeat(40), 4), 'd1b4c2a0-5f7e-4a43-8a3c-2b9f0e6d7a11', '[]');
  source.close();
  chmodSync(acmeDns, 0o644);
  const imported = await runCli(['import-acme-dns', '--from', acmeDns, '--db', db]);
  t.equal(imported.code, 0, imported.stderr);
  t.match(imported.stderr, /imported 1/);
  t.same(notOwnedBy(state, user.uid), [], 'nor after import-acme-dns');

  const backups = join(dir, 'backups');
  mkdirSync(backups);
  chownSync(backups, user.uid, user.gid);
  const backupFile = join(backups, 'b.db');
  const backup = await runCli(['backup', '--db', db, '--to', backupFile]);
  t.equal(backup.code, 0, backup.stderr);
  t.match(backup.stdout, /2 accounts/);
  t.equal(statSync(backupFile).uid, user.uid, 'the backup is the service user\'s');
  t.equal(statSync(backupFile).mode & 0o777, 0o600);

  const restored = await runCli(['restore', '--db', db, '--from', backupFile]);
  t.equal(restored.code, 0, restored.stderr);
  t.equal(statSync(db).uid, user.uid, 'the restored database is the service user\'s');
  t.same(notOwnedBy(state, user.uid), [], 'nor after restore (the kept copy included)');

  // Bootstrap reads its Cloudflare credential from the environment: the re-run keeps it.
  const emulator = await startEmulator(t);
  const out = join(state, 'clients');
  const bootstrap = await runBootstrap(
    ['--zone', 'auth.example.org', '--ns-address', '203.0.113.5', '--api-url', 'https://auth.example.org', '--db', db, '-d', 'www.example.com', '--out', out, '--yes'],
    tokenEnv(emulator),
  );
  t.equal(bootstrap.code, 0, bootstrap.stderr);
  t.ok(emulator.writeCount() > 0, 'the credential reached Cloudflare');
  t.same(notOwnedBy(state, user.uid), [], 'the database and the credential files are the service user\'s after bootstrap');
  const after = await runCli(['account', 'list', '--db', db]);
  t.match(after.stdout, /www\.example\.com/);
});

t.test("root's own database stays root's (no re-execution)", { skip: !isRoot && 'needs root' }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'acme-delegate-owner-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const db = join(dir, 'a.db');
  writeFileSync(join(dir, 'marker'), '');
  const added = await runCli(['account', 'add', '--db', db]);
  t.equal(added.code, 0, added.stderr);
  t.equal(statSync(db).uid, 0);
});
