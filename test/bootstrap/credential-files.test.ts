// The credential files: merged storage JSON, acme.sh env files, README, modes; and which
// account each name reuses.
import { chmodSync, mkdirSync, readdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { decideAccounts } from '../../src/bootstrap/accounts.js';
import { acmeShEnv, credentialFileContents, readStorage, staleCredentialFiles, writeCredentialFiles, writePrivateFile, type StorageEntry } from '../../src/bootstrap/credential-files.js';
import { certificateNames } from '../../src/bootstrap/names.js';
import { tempDir } from './cli-fixture.js';

const entry: StorageEntry = { fulldomain: 's1.auth.example.org', subdomain: 's1', username: 'u1', password: 'p1-secret', server_url: 'https://auth.example.org' };
const requested = new Map([['example.com', ['example.com', '*.example.com']]]);

t.test('storage JSON: entries merged into what is there, other domains kept, files 0600', async (t) => {
  const out = join(tempDir(t), 'out');
  mkdirSync(out);
  writeFileSync(join(out, 'acmedns.json'), JSON.stringify({ 'other.net': { fulldomain: 'x', subdomain: 'x', username: 'x', password: 'x', server_url: 'https://elsewhere' } }));
  const contents = credentialFileContents(out, new Map([['example.com', entry]]), requested);
  t.same(staleCredentialFiles(contents).length, 3, 'all three differ or are missing');
  const written = writeCredentialFiles(out, contents);
  t.equal(written.files.length, 3);
  t.same(staleCredentialFiles(contents), [], 'up to date once written');
  const json = JSON.parse(readFileSync(join(out, 'acmedns.json'), 'utf8')) as Record<string, unknown>;
  t.same(Object.keys(json), ['other.net', 'example.com']);
  t.same(json['example.com'], entry);
  for (const file of written.files) t.equal(statSync(file).mode & 0o777, 0o600);
  t.same([...readStorage(out).entries.keys()], ['other.net', 'example.com']);
  chmodSync(join(out, 'acmedns.json'), 0o644);
  t.same(staleCredentialFiles(contents), [join(out, 'acmedns.json')], 'a file readable by others is rewritten');
});

t.test('an unreadable storage file is refused, not overwritten', async (t) => {
  const out = tempDir(t);
  writeFileSync(join(out, 'acmedns.json'), '{ not json');
  t.throws(() => readStorage(out), { code: 'out_unreadable' });
  writeFileSync(join(out, 'acmedns.json'), '[]');
  t.throws(() => readStorage(out), { code: 'out_unreadable' });
  // A folder in its place used to surface as a raw EISDIR ("unexpected error" and a stack).
  const other = tempDir(t);
  mkdirSync(join(other, 'acmedns.json'));
  t.throws(() => readStorage(other), { code: 'out_unreadable', message: /cannot read .*acmedns\.json \(EISDIR\)/ });
  mkdirSync(join(other, 'README.txt'));
  t.same(staleCredentialFiles(new Map([[join(other, 'README.txt'), 'x']])), [join(other, 'README.txt')], 'a folder in place of a file is stale, not a crash');
});

t.test('an existing folder open to others is used as it is, with a warning', async (t) => {
  const out = tempDir(t);
  chmodSync(out, 0o755);
  const written = writeCredentialFiles(out, credentialFileContents(out, new Map([['example.com', entry]]), requested));
  t.match(written.warning, /accessible to other users/);
  t.equal(statSync(out).mode & 0o777, 0o755);
});

t.test('a name planted in a shared folder never receives the passwords', async (t) => {
  // The temporary file used to be `<file>.tmp-<pid>`, opened with "w": a symlink planted under
  // that name by someone who can write to the folder was followed, and the passwords landed
  // in a file of theirs.
  const dir = tempDir(t);
  const out = join(dir, 'shared');
  mkdirSync(out);
  chmodSync(out, 0o777);
  const trap = join(dir, 'trap');
  writeFileSync(trap, '');
  chmodSync(trap, 0o666);
  const contents = credentialFileContents(out, new Map([['example.com', entry]]), requested);
  for (const file of contents.keys()) symlinkSync(trap, `${file}.tmp-${process.pid}`);
  const written = writeCredentialFiles(out, contents);
  t.equal(readFileSync(trap, 'utf8'), '', 'nothing written through the planted links');
  t.equal(statSync(trap).mode & 0o777, 0o666, 'the planted target is not touched');
  for (const file of written.files) {
    t.equal(statSync(file).mode & 0o777, 0o600);
    t.equal(readFileSync(file, 'utf8'), contents.get(file));
  }
  t.same(readdirSync(out).filter((name) => name.includes('.tmp-') && !name.endsWith(`.tmp-${process.pid}`)), [], 'no temporary file left behind');
});

t.test('a private file is 0600 whatever the umask, and a failed write leaves no temporary file', async (t) => {
  const out = tempDir(t);
  const previous = process.umask(0);
  t.teardown(() => void process.umask(previous));
  const file = join(out, 'acmedns.json');
  writePrivateFile(file, '{}\n');
  t.equal(statSync(file).mode & 0o777, 0o600);
  t.throws(() => writePrivateFile(join(out, 'missing-folder', 'x.json'), 'x'), { code: 'ENOENT' });
  t.same(readdirSync(out), ['acmedns.json']);
});

t.test('acme.sh env file quotes its values', async (t) => {
  t.equal(
    acmeShEnv({ ...entry, server_url: "https://x/it's" }).split('\n').slice(1).join('\n'),
    "export ACMEDNS_BASE_URL='https://x/it'\\''s'\nexport ACMEDNS_USERNAME='u1'\nexport ACMEDNS_PASSWORD='p1-secret'\nexport ACMEDNS_SUBDOMAIN='s1'\n",
  );
});

t.test('account decisions: reuse with a matching password, rotate without, register when none, ignore revoked', async (t) => {
  const names = certificateNames(['a.example.com', 'b.example.com', 'c.example.com', 'd.example.com']);
  const accounts = [
    { username: 'ua', passwordHash: 'ok', subdomain: 'sa', state: 'active' as const, label: 'a.example.com', createdAt: 1 },
    { username: 'ub', passwordHash: 'ok', subdomain: 'sb', state: 'active' as const, label: 'b.example.com', createdAt: 1 },
    { username: 'uc', passwordHash: 'ok', subdomain: 'sc', state: 'revoked' as const, label: 'c.example.com', createdAt: 1 },
  ];
  const stored = new Map([
    ['a.example.com', { ...entry, username: 'ua', subdomain: 'sa', password: 'right' }],
    ['b.example.com', { ...entry, username: 'ub', subdomain: 'sb', password: 'wrong' }],
  ]);
  const decisions = await decideAccounts(names, accounts, stored, async (pw) => pw === 'right');
  t.same(
    decisions.map((d) => [d.kind, d.bare]),
    [
      ['reuse', 'a.example.com'],
      ['rotate', 'b.example.com'],
      ['register', 'c.example.com'],
      ['register', 'd.example.com'],
    ],
  );
});
