// `backup` while the server takes updates, `restore` on a fresh install: every account works,
// with what it had acknowledged before the backup. And both refuse what would lose data.
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t, { type Test } from 'tap';
import { checkAccountWorks, servedValues, updateTxt, type KnownAccount } from './account-checks.js';
import { runCli, startServer, type StartedServer } from './run-cli.js';

const zone = 'auth.example.org';

function tempDir(t: Test): string {
  const dir = mkdtempSync(join(tmpdir(), 'acme-delegate-backup-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

function serve(t: Test, db: string): Promise<StartedServer> {
  return startServer(t, ['--zone', zone, '--dns-listen', '127.0.0.1:0', '--api-listen', '127.0.0.1:0', '--db', db, '--registration', 'closed']);
}

async function addAccount(t: Test, db: string): Promise<KnownAccount> {
  const added = await runCli(['account', 'add', '--db', db, '--zone', zone]);
  t.equal(added.code, 0, added.stderr);
  return JSON.parse(added.stdout) as KnownAccount;
}

/** A valid 43-character TXT value numbered n for an account. */
function token(account: KnownAccount, n: number): string {
  return `${account.subdomain.replace(/-/g, '')}${String(n).padStart(11, '0')}`;
}

const mode = (path: string): number => statSync(path).mode & 0o777;

t.test('a backup taken during updates restores on a fresh install with every account working', async (t) => {
  const dir = tempDir(t);
  const live = join(dir, 'live', 'acme-delegate.db');
  const server = await serve(t, live);
  const accounts = [await addAccount(t, live), await addAccount(t, live), await addAccount(t, live)];
  // Acknowledged before the backup starts: must be in it.
  const before = new Map<string, string[]>();
  for (const a of accounts) {
    let status = 0;
    for (let attempt = 0; attempt < 50 && status !== 200; attempt++) status = await updateTxt(server, a, token(a, 1));
    t.equal(status, 200, 'the server has picked up the new account');
    t.equal(await updateTxt(server, a, token(a, 2)), 200);
    before.set(a.username, [token(a, 1), token(a, 2)]);
  }
  // Updates keep coming while the backup runs.
  let writing = true;
  let acknowledged = 0;
  const writer = (async () => {
    for (let n = 3; writing && n < 100_000; n++) {
      for (const a of accounts) if ((await updateTxt(server, a, token(a, n))) === 200) acknowledged++;
    }
  })();
  await new Promise((r) => setTimeout(r, 200));
  const backupFile = join(dir, 'backups', 'nightly.db');
  mkdirSync(join(dir, 'backups'));
  const backup = await runCli(['backup', '--db', live, '--to', backupFile]);
  writing = false;
  await writer;
  t.equal(backup.code, 0, backup.stderr);
  t.match(backup.stdout, /3 accounts/, 'says what it wrote');
  t.ok(acknowledged > 0, `updates were acknowledged while the backup ran (${acknowledged})`);
  t.equal(mode(backupFile), 0o600, 'the backup is readable by its owner only');
  t.same(readdirSync(join(dir, 'backups')), ['nightly.db'], 'no temporary file left beside it');
  await server.stop();

  // A fresh install: no database yet.
  const fresh = join(dir, 'fresh', 'acme-delegate.db');
  const restored = await runCli(['restore', '--db', fresh, '--from', backupFile]);
  t.equal(restored.code, 0, restored.stderr);
  t.match(restored.stdout, /3 accounts/);
  t.equal(mode(fresh), 0o600);
  const again = await serve(t, fresh);
  for (const a of accounts) {
    // Values acknowledged later may be in the copy too; the two before it certainly are, or newer ones.
    const served = await servedValues(again, a, zone);
    t.equal(served.length, 2, `${a.username} serves two values`);
    const newest = Math.max(...served.map((v) => Number(v.slice(32))));
    t.ok(newest >= 2, `${a.username}: nothing acknowledged before the backup is lost (newest ${newest})`);
    await checkAccountWorks(t, again, a, zone, served);
  }
});

t.test('backup: no overwrite without --force, useful errors, nothing left behind', async (t) => {
  const dir = tempDir(t);
  const db = join(dir, 'store.db');
  await addAccount(t, db);
  const target = join(dir, 'copy.db');
  writeFileSync(target, 'precious');
  const refused = await runCli(['backup', '--db', db, '--to', target]);
  t.equal(refused.code, 1);
  t.match(refused.stderr, /copy\.db already exists; add --force/);
  t.equal(readFileSync(target, 'utf8'), 'precious', 'the existing file is untouched');
  const forced = await runCli(['backup', '--db', db, '--to', target, '--force']);
  t.equal(forced.code, 0, forced.stderr);
  t.match(forced.stdout, /1 accounts/);
  t.equal(mode(target), 0o600);

  const noTo = await runCli(['backup', '--db', db]);
  t.equal(noTo.code, 2, 'a missing --to is a usage error');
  t.match(noTo.stderr, /needs --to FILE/);
  const missingDb = await runCli(['backup', '--db', join(dir, 'none.db'), '--to', join(dir, 'x.db')]);
  t.equal(missingDb.code, 1);
  t.match(missingDb.stderr, /no database at .*none\.db/);
  t.notOk(existsSync(join(dir, 'none.db')), 'backup never creates the database');
  const noFolder = await runCli(['backup', '--db', db, '--to', join(dir, 'missing', 'x.db')]);
  t.equal(noFolder.code, 1);
  t.match(noFolder.stderr, /missing: the folder does not exist/);
  t.same(readdirSync(dir).sort(), ['copy.db', 'store.db'], 'no stray files');
});

t.test('restore: refused while the server runs, the old database kept aside, bad backups refused', async (t) => {
  const dir = tempDir(t);
  const db = join(dir, 'store.db');
  const first = await addAccount(t, db);
  const backupFile = join(dir, 'backup.db');
  t.equal((await runCli(['backup', '--db', db, '--to', backupFile])).code, 0);
  const second = await addAccount(t, db);

  const server = await serve(t, db);
  const busy = await runCli(['restore', '--db', db, '--from', backupFile]);
  t.equal(busy.code, 1);
  t.match(busy.stderr, /store\.db is open in another process .*stop the service first/);
  t.same(readdirSync(dir).filter((f) => f.includes('pre-restore') || f.startsWith('.')), [], 'nothing moved or staged');
  // kill -9 leaves the -wal behind with the server's last commits; restore must keep them.
  server.child.kill('SIGKILL');
  await new Promise((r) => server.child.once('exit', r));

  const restored = await runCli(['restore', '--db', db, '--from', backupFile]);
  t.equal(restored.code, 0, restored.stderr);
  const aside = readdirSync(dir).filter((f) => /^store\.db\.pre-restore-\d{8}T\d{6}Z$/.test(f));
  t.equal(aside.length, 1, 'the replaced database is kept aside');
  t.match(restored.stdout, /kept as .*pre-restore/);
  const listed = await runCli(['account', 'list', '--json', '--db', db]);
  t.same((JSON.parse(listed.stdout) as { username: string }[]).map((a) => a.username), [first.username], 'the backup is in place');
  const old = await runCli(['account', 'list', '--json', '--db', join(dir, aside[0] as string)]);
  t.same((JSON.parse(old.stdout) as { username: string }[]).map((a) => a.username).sort(), [first.username, second.username].sort(), 'the kept copy is complete');

  const before = readFileSync(db);
  const random = join(dir, 'random.bin');
  writeFileSync(random, Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919) % 251)));
  const cases: [string, string, RegExp][] = [
    ['random bytes', random, /random\.bin is not an SQLite database/],
    ['a folder', dir, /--from .* is a folder; give the backup file/],
    ['a missing file', join(dir, 'nope.db'), /no backup at .*nope\.db/],
  ];
  for (const [what, from, message] of cases) {
    const run = await runCli(['restore', '--db', db, '--from', from]);
    t.equal(run.code, 1, what);
    t.match(run.stderr, message, what);
    t.equal(run.stderr.trim().split('\n').length, 1, `${what}: one line`);
  }
  t.same(readFileSync(db), before, 'the database is untouched');
  t.equal(readdirSync(dir).filter((f) => f.startsWith('.')).length, 0, 'no staged copy left');
  const usage = await runCli(['restore', '--db', db]);
  t.equal(usage.code, 2);
});
