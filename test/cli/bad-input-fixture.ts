// Broken inputs for the bad-input tables, and the table runner: each case must exit with its
// documented status, say what is wrong in one line naming the file, print no stack, and change
// nothing on disk. The "no permission" cases run as nobody when we are root.
import { chmodSync, chownSync, copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import type { Test } from 'tap';
import { schemaVersion } from '../../src/store/migrations.js';
import { Store } from '../../src/store/store.js';
import { zoneShapeFingerprint } from '../../src/dns/transfer/zone-shape.js';
import { loadConfig } from '../../src/config/load.js';
import { cleanEnv, runCli } from './run-cli.js';

export interface Case {
  readonly args: string[];
  readonly status: 1 | 2;
  /** What the first line must say; it must also name `names`. */
  readonly says: RegExp;
  /** The file (or flag) at fault, as the message must name it. */
  readonly names: string;
  readonly asNobody?: boolean;
  readonly env?: Record<string, string>;
}

export interface BrokenInputs {
  readonly dir: string;
  at(name: string): string;
  /** The one account in ours.db (and its copies). */
  readonly username: string;
}

const isRoot = process.getuid?.() === 0;
const nobody = { uid: 65534, gid: 65534 };

/**
 * random.db (bytes), foreign.db (another program's SQLite), newer.db (a future schema),
 * locked.db (mode 000), folder.db/ (a folder), readonly/ (0555), broken.toml, unknown-key.toml,
 * existing.toml; good inputs: ours.db, backup.db, acme-dns.db, acme-dns.cfg (readable by all)
 * and open/ours.db (nobody's own store).
 */
export function makeBrokenInputs(t: Test): BrokenInputs {
  const dir = mkdtempSync(join(tmpdir(), 'acme-delegate-bad-input-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  chmodSync(dir, 0o755);
  const at = (name: string): string => join(dir, name);
  // Deterministic "random" bytes: the same file every run.
  writeFileSync(at('random.db'), Buffer.from(Array.from({ length: 8192 }, (_, i) => (i * 7919 + 13) % 256)));
  const foreign = new BetterSqlite3(at('foreign.db'));
  foreign.exec("CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT); INSERT INTO users (name) VALUES ('alice')");
  foreign.close();
  const ours = Store.open({ path: at('ours.db'), valuesPerSlot: 2, maxAgeSeconds: 3600 });
  const { username } = ours.createAccount({ username: '10000000-0000-4000-8000-000000000001', passwordHash: '$2a$04$x', subdomain: '00000000-0000-4000-8000-000000000001', allowfrom: [] });
  // A store the server has already served with the default zone: a start that fails later (a
  // port in use) then has nothing to record, as on a deployed server whose restart fails.
  ours.noteZoneShape(zoneShapeFingerprint(loadConfig()));
  ours.close();
  copyFileSync(at('ours.db'), at('newer.db'));
  const newer = new BetterSqlite3(at('newer.db'));
  newer.pragma(`user_version = ${schemaVersion + 1}`);
  newer.close();
  copyFileSync(at('ours.db'), at('locked.db'));
  chmodSync(at('locked.db'), 0o000);
  mkdirSync(at('folder.db'));
  mkdirSync(at('readonly'), { mode: 0o555 });
  writeFileSync(at('broken.toml'), '[dns\nzone = "auth.example.org"\n');
  writeFileSync(at('unknown-key.toml'), '[store]\npaht = "x.db"\n');
  writeFileSync(at('existing.toml'), '# kept\n');
  const acmeDns = new URL('../fixtures/acme-dns-v1.1/', import.meta.url);
  copyFileSync(new URL('acme-dns.db', acmeDns), at('acme-dns.db'));
  copyFileSync(new URL('config.cfg', acmeDns), at('acme-dns.cfg'));
  copyFileSync(at('ours.db'), at('backup.db'));
  for (const name of ['acme-dns.db', 'acme-dns.cfg', 'backup.db']) chmodSync(at(name), 0o644);
  mkdirSync(at('open'), { mode: 0o700 });
  copyFileSync(at('ours.db'), at('open/ours.db'));
  if (isRoot) for (const name of ['open', 'open/ours.db']) chownSync(at(name), nobody.uid, nobody.gid);
  return { dir, at, username };
}

/** Every path below `dir` with its mode, time and content (or the folder's mode). */
function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of readdirSync(dir, { recursive: true, encoding: 'utf8' })) {
    const stat = statSync(join(dir, name));
    out[name] = stat.isDirectory() ? `dir ${stat.mode & 0o777}` : `${stat.mode & 0o777} ${stat.mtimeMs} ${(stat.mode & 0o400) !== 0 || isRoot ? readFileSync(join(dir, name)).toString('base64') : ''}`;
  }
  return out;
}

/**
 * The bad-input checks for each case, `concurrency` at a time. Files a running case may hold
 * for a moment (dot-named temporary files, and SQLite's -wal/-shm/-journal beside a database
 * that the case running beside this one has open) are left out of the per-case comparison and
 * must be gone at the end.
 */
export async function runTable(t: Test, inputs: BrokenInputs, cases: readonly Case[], concurrency = 2): Promise<void> {
  const before = snapshot(inputs.dir);
  const transient = (name: string): boolean => name.split('/').some((part) => part.startsWith('.')) || /-(wal|shm|journal)$/.test(name);
  const settled = (files: Record<string, string>): Record<string, string> => Object.fromEntries(Object.entries(files).filter(([name]) => !transient(name)));
  const queue = [...cases];
  const worker = async (): Promise<void> => {
    for (let c = queue.shift(); c; c = queue.shift()) {
      const label = c.args.join(' ').replaceAll(inputs.dir, '<dir>');
      // Without root, the files made unreadable for nobody are unreadable for us too.
      const run = await runCli(c.args, { env: cleanEnv(c.env), ...(c.asNobody && isRoot ? { user: nobody } : {}), timeoutMs: 90_000 });
      const message = run.stderr.trim();
      const first = message.split('\n')[0] ?? '';
      t.equal(run.code, c.status, `${label}: exit ${c.status}`);
      // A usage error may be followed by the command's usage text; the first line carries it.
      if (c.status === 1) t.equal(message.split('\n').length, 1, `${label}: one line (${message.slice(0, 300)})`);
      t.match(first, c.says, `${label}: says what is wrong`);
      t.ok(first.includes(c.names), `${label}: names ${c.names.replaceAll(inputs.dir, '<dir>')}`);
      t.notMatch(run.stderr, /^\s+at /m, `${label}: no stack`);
      t.same(settled(snapshot(inputs.dir)), settled(before), `${label}: nothing changed`);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  t.same(snapshot(inputs.dir), before, 'nothing changed, no temporary file left');
}

/** The cases every command that opens our database must pass, for `args` (the command and what it needs besides --db). */
export function storeCases(inputs: BrokenInputs, args: readonly string[], missing: 'creates' | 'needs' | 'optional', env?: Record<string, string>): Case[] {
  const { at } = inputs;
  const more = env ? { env } : {};
  const withDb = (db: string): string[] => [...args, '--db', db];
  const cases: Case[] = [
    { args: withDb(at('random.db')), status: 1, says: /is not an SQLite database/, names: at('random.db'), ...more },
    { args: withDb(at('foreign.db')), status: 1, says: /is not an acme-delegate database/, names: at('foreign.db'), ...more },
    { args: withDb(at('newer.db')), status: 1, says: /has schema version \d+, newer than this program knows/, names: at('newer.db'), ...more },
    { args: withDb(at('folder.db')), status: 1, says: /is a folder, not a file/, names: at('folder.db'), ...more },
    { args: withDb(at('locked.db')), status: 1, says: /cannot read database .*: permission denied/, names: at('locked.db'), asNobody: true, ...more },
    { args: [...args, '--config', at('broken.toml')], status: 2, says: /invalid TOML/, names: at('broken.toml'), ...more },
    { args: [...args, '--config', at('unknown-key.toml')], status: 2, says: /unknown key/, names: at('unknown-key.toml'), ...more },
    { args: [...args, '--config', at('missing.toml')], status: 2, says: /cannot read config file/, names: at('missing.toml'), ...more },
    { args: [...args, '--no-such-flag'], status: 2, says: /Unknown option '--no-such-flag'/, names: '--no-such-flag', ...more },
  ];
  if (missing === 'needs') cases.push({ args: withDb(at('missing.db')), status: 1, says: /no database at/, names: at('missing.db'), ...more });
  if (missing === 'creates') {
    const path = join(at('readonly'), 'new.db');
    cases.push({ args: withDb(path), status: 1, says: /cannot create database .*: permission denied/, names: path, asNobody: true, ...more });
  }
  return cases;
}
