// Storage faults for real, under the running server: a full file system (a 2 MB tmpfs filled up)
// and a database locked by another process. Each update during the fault is refused with
// 503 database_unavailable and writes nothing; DNS keeps serving; the server recovers by itself
// when the fault clears; every acknowledged update is on disk afterwards.
import { execFileSync, spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, rmSync, rmdirSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import t from 'tap';
import { silentLogger, type Logger } from '../../src/log.js';
import { Store } from '../../src/store/store.js';
import { isStorageFault } from '../../src/store/storage-faults.js';
import { post, register, update } from '../api/attack-client.js';
import { txtValue } from '../api/server-fixture.js';
import { startTestService } from '../helpers/running-service.js';
import { run, toolMissing } from '../dns/socket-helpers.js';

/** A fresh tmpfs of `size`; undefined (a skip) where mounting is not allowed. */
function mountTmpfs(size: string): string | undefined {
  const dir = mkdtempSync(join(tmpdir(), 'acme-delegate-fault-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${size},mode=0700`, 'tmpfs', dir], { stdio: 'ignore' });
    return dir;
  } catch {
    rmdirSync(dir);
    if (process.env.CI === 'true') throw new Error('storage fault tests need root to mount a tmpfs on CI');
    return undefined;
  }
}

/** Writes zeros until the file system says ENOSPC. */
function fillUp(path: string): void {
  const fd = openSync(path, 'w');
  const chunk = Buffer.alloc(16 * 1024);
  try {
    for (let i = 0; i < 100_000; i++) writeSync(fd, chunk);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOSPC') throw error;
  } finally {
    closeSync(fd);
  }
}

const notRoot = process.getuid?.() === 0 ? false : 'needs root to mount a tmpfs';
const noDig = toolMissing('dig');

t.test('full disk and locked database during updates', { skip: notRoot || noDig }, async (t) => {
  const dir = mountTmpfs('2m');
  if (!dir) return t.comment('skipped: cannot mount a tmpfs here');
  const dbPath = join(dir, 'db.sqlite');
  t.teardown(() => {
    execFileSync('umount', [dir]);
    rmdirSync(dir);
  });
  const { service, apiPort: port, dnsPort } = await startTestService(t, { 'store.path': dbPath, 'store.min_free_disk_mb': '0' });
  const served = async (fulldomain: string): Promise<string[]> => {
    const out = await run('dig', ['@127.0.0.1', '-p', String(dnsPort), '+norec', '+short', '+tries=2', '+time=2', fulldomain, 'TXT']);
    return out.trim().split('\n').filter((l) => l !== '').map((l) => l.replace(/"/g, ''));
  };
  const account = await register(port);
  const fulldomain = `${account.subdomain}.auth.example.org`;
  const [v1, v2, v3, v4, v5] = ['one', 'two', 'three', 'four', 'five'].map((s) => txtValue(s)) as [string, string, string, string, string];
  t.equal((await update(port, account, v1)).status, 200);

  t.test('full disk', async (t) => {
    const filler = join(dir, 'filler');
    fillUp(filler);
    const refused = await update(port, account, v2);
    t.equal(refused.status, 503, 'refused while the disk is full');
    t.same(JSON.parse(refused.body), { error: 'database_unavailable' });
    t.ok(refused.headers['retry-after'], 'with Retry-After');
    t.same(await served(fulldomain), [v1], 'DNS keeps serving what it has');
    t.equal((await post(port, '/register')).status, 503, 'registration is refused too');
    rmSync(filler);
    t.equal((await update(port, account, v3)).status, 200, 'recovers by itself once space is back');
    t.same(await served(fulldomain), [v3, v1]);
  });

  t.test('database locked by another process', async (t) => {
    const other = new BetterSqlite3(dbPath);
    other.exec('BEGIN IMMEDIATE');
    const refused = await update(port, account, v4);
    t.equal(refused.status, 503, 'refused while another process holds the write lock');
    t.same(JSON.parse(refused.body), { error: 'database_unavailable' });
    t.same(await served(fulldomain), [v3, v1], 'DNS keeps serving');
    other.exec('ROLLBACK');
    other.close();
    t.equal((await update(port, account, v5)).status, 200, 'recovers once the lock is gone');
  });

  t.test('nothing refused was written; every acknowledged update is on disk', async (t) => {
    await service.close();
    const store = Store.open({ path: dbPath, valuesPerSlot: 10, maxAgeSeconds: 3600 });
    t.teardown(() => store.close());
    // The slot keeps its newest two (txt_values_per_slot): v1 made way for v5.
    t.same(store.slotValues(account.subdomain), [v5, v3], 'the acknowledged values, newest first; no v2, no v4');
    const updates = store.auditEvents(100).filter((e) => e.kind === 'txt.update');
    t.equal(updates.length, 3, 'one audit event per acknowledged update, none for the refused ones');
  });
});

/** An ext4 image on a loop device, mounted errors=remount-ro at `dir`; the loop device's name. */
function mountExt4(image: string, dir: string): string {
  const device = execFileSync('losetup', ['-f', '--show', image], { encoding: 'utf8' }).trim();
  try {
    // Some hosts attach loop devices read-only by default.
    execFileSync('blockdev', ['--setrw', device]);
    execFileSync('mount', ['-o', 'errors=remount-ro', device, dir], { stdio: 'ignore' });
  } catch (error) {
    spawnSync('losetup', ['-d', device]);
    throw error;
  }
  return device;
}

function unmountExt4(dir: string, device: string): void {
  spawnSync('umount', [dir]);
  spawnSync('losetup', ['-d', device]);
}

/** ext4's own "an error happened" switch: with errors=remount-ro the kernel makes the file system read-only at once. */
const errorTrigger = (device: string): string => `/sys/fs/ext4/${basename(device)}/trigger_fs_error`;

t.test('the file system turns read-only under the running server (ext4 errors=remount-ro)', { skip: notRoot || noDig }, async (t) => {
  const base = mkdtempSync(join(tmpdir(), 'acme-delegate-rofs-'));
  const image = join(base, 'fs.img');
  const dir = join(base, 'mnt');
  mkdirSync(dir);
  let device: string | undefined;
  t.teardown(() => {
    if (device) unmountExt4(dir, device);
    rmSync(base, { recursive: true, force: true });
  });
  try {
    execFileSync('truncate', ['-s', '32m', image]);
    execFileSync('mkfs.ext4', ['-q', image], { stdio: 'ignore' });
    device = mountExt4(image, dir);
  } catch {
    device = undefined;
  }
  if (!device || !existsSync(errorTrigger(device))) return t.comment('skipped: no loop device or ext4 error trigger here');

  const logged: string[] = [];
  const keep = (msg: string): void => void logged.push(msg);
  const logger: Logger = { ...silentLogger, info: keep, warn: keep, error: keep, child: () => logger };
  const dbPath = join(dir, 'db.sqlite');
  const { service, apiPort: port, dnsPort } = await startTestService(t, { 'store.path': dbPath, 'store.min_free_disk_mb': '0' }, logger);
  const account = await register(port);
  const fulldomain = `${account.subdomain}.auth.example.org`;
  const [v1, v2, v3] = ['ro-one', 'ro-two', 'ro-three'].map((s) => txtValue(s)) as [string, string, string];
  t.equal((await update(port, account, v1)).status, 200);

  writeFileSync(errorTrigger(device), 'acme-delegate storage fault test\n');
  t.match(execFileSync('findmnt', ['-n', '-o', 'OPTIONS', dir], { encoding: 'utf8' }).trim(), /(^|,)(ro|emergency_ro)(,|$)/, 'the kernel made the file system read-only');
  const refused = await update(port, account, v2);
  t.equal(refused.status, 503, 'an update is refused');
  t.same(JSON.parse(refused.body), { error: 'database_unavailable' });
  t.equal((await update(port, account, v3)).status, 503, 'and the next one');
  const dig = await run('dig', ['@127.0.0.1', '-p', String(dnsPort), '+norec', '+short', '+tries=2', '+time=2', fulldomain, 'TXT']);
  t.equal(dig.trim().replace(/"/g, ''), v1, 'DNS keeps serving what it has');
  t.equal((await post(port, '/register')).status, 503, 'registration is refused');
  // The once-a-second reading of other processes' changes may fail too: logged once, not per tick.
  await new Promise((r) => setTimeout(r, 3500));
  const background = logged.filter((m) => m.startsWith('reading external changes') || m.startsWith('purging expired'));
  t.ok(background.length <= 1, `background failures logged ${background.length} time(s) in 3.5 s`);
  t.equal((await fetch(`http://127.0.0.1:${port}/health`)).status > 0, true, 'the server is still up');

  // ext4 keeps a file system that went read-only on an error so until it is unmounted and
  // checked (Linux 6.x flags it emergency_ro; a remount read-write is refused), so recovery is
  // the operator's: stop, fsck, mount, start. Nothing acknowledged may be missing then.
  await service.close();
  unmountExt4(dir, device);
  device = undefined;
  spawnSync('e2fsck', ['-fy', image], { stdio: 'ignore' });
  device = mountExt4(image, dir);
  const store = Store.open({ path: dbPath, valuesPerSlot: 10, maxAgeSeconds: 3600 });
  t.teardown(() => store.close());
  t.same(store.slotValues(account.subdomain), [v1], 'the acknowledged value is there; the refused ones are not');
  t.equal(store.auditEvents(100).filter((e) => e.kind === 'txt.update').length, 1, 'one audit event, for the acknowledged update');
});

t.test('which errors are storage faults', async (t) => {
  for (const code of ['SQLITE_FULL', 'SQLITE_READONLY', 'SQLITE_READONLY_DBMOVED', 'SQLITE_BUSY', 'SQLITE_BUSY_SNAPSHOT', 'SQLITE_IOERR_WRITE', 'SQLITE_CANTOPEN', 'ENOSPC', 'EROFS']) {
    t.ok(isStorageFault({ code }), code);
  }
  for (const error of [new Error('SQLITE_FULL: text only'), { code: 'SQLITE_CONSTRAINT_UNIQUE' }, { code: 'SQLITE_ERROR' }, null, 'SQLITE_FULL']) {
    t.notOk(isStorageFault(error), JSON.stringify(error));
  }
});
