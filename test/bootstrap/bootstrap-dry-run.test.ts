// --dry-run writes nothing anywhere: no record, no database (not even -wal/-shm files), no out
// folder; and without --yes on a non-terminal nothing is applied either.
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { configArgs, domainArgs, recordSet, runCli, runInProcess, snapshotDir, startBootstrapCase, startEmulator, tempDir, tokenEnv } from './cli-fixture.js';

t.test('dry run on a fresh set-up', async (t) => {
  const { emulator, dir, out } = await startBootstrapCase(t);
  const before = recordSet(emulator);
  const run = await runCli([...configArgs(dir), ...domainArgs, '--out', out, '--dry-run'], tokenEnv(emulator));
  t.equal(run.code, 0, run.stderr);
  t.match(run.stdout, /create\s+example\.org\s+NS\s+auth\.example\.org/);
  t.match(run.stdout, /create\s+example\.com\s+CNAME\s+_acme-challenge\.www\.example\.com\s+<new slot>\.auth\.example\.org/);
  t.match(run.stdout, /Dry run: nothing was changed/);
  t.equal(emulator.writeCount(), 0);
  t.same(recordSet(emulator), before);
  t.notOk(existsSync(join(dir, 'db')), 'no database folder');
  t.notOk(existsSync(out), 'no out folder');
  t.ok(emulator.requests().every((r) => r.path.startsWith('/client/v4/') && !['POST', 'PUT', 'PATCH', 'DELETE'].includes(r.method)), 'only reads');
});

t.test('dry run after a real run leaves the database and files byte for byte', async (t) => {
  const { emulator, dir, out } = await startBootstrapCase(t);
  const applied = await runInProcess([...configArgs(dir), ...domainArgs, '--out', out, '--yes'], tokenEnv(emulator));
  t.equal(applied.code, 0, applied.stderr);
  // A change to plan: one more name and a TXT in the way.
  emulator.addRecord('example.com', { name: '_acme-challenge.api.example.com', type: 'TXT', content: '"left by a hook"' });
  const records = recordSet(emulator);
  const files = snapshotDir(dir);
  const writes = emulator.writeCount();
  const run = await runCli([...configArgs(dir), ...domainArgs, '-d', 'api.example.com', '--out', out, '--dry-run', '--replace'], tokenEnv(emulator));
  t.equal(run.code, 0, run.stderr);
  t.match(run.stdout, /register\s+api\.example\.com/);
  t.match(run.stdout, /delete\s+example\.com\s+TXT\s+_acme-challenge\.api\.example\.com/);
  t.equal(emulator.writeCount(), writes);
  t.same(recordSet(emulator), records);
  t.same(snapshotDir(dir), files, 'database, its folder and the out folder unchanged');
});

t.test('dry run with conflicts: exit 3 whether or not other steps are pending', async (t) => {
  // It used to be 3 when the conflicts were all there was, and 0 as soon as anything else
  // was to be created: a script checking the dry run missed the conflicts exactly then.
  const { emulator, dir, out } = await startBootstrapCase(t, [['example.com', { name: '_acme-challenge.www.example.com', type: 'TXT', content: '"left by a hook"' }]]);
  const withChanges = await runInProcess([...configArgs(dir), '-d', 'www.example.com', '-d', 'api.example.com', '--out', out, '--dry-run'], tokenEnv(emulator));
  t.match(withChanges.stdout, /create\s+example\.com\s+CNAME\s+_acme-challenge\.api\.example\.com/);
  t.match(withChanges.stdout, /Dry run: nothing was changed/);
  t.equal(withChanges.code, 3, withChanges.stderr);
  t.match(withChanges.stderr, /1 conflicting record\(s\) left alone/);

  const applied = await runInProcess([...configArgs(dir), '-d', 'www.example.com', '-d', 'api.example.com', '--out', out, '--yes'], tokenEnv(emulator));
  t.equal(applied.code, 3, applied.stderr);
  const onlyConflicts = await runInProcess([...configArgs(dir), '-d', 'www.example.com', '-d', 'api.example.com', '--out', out, '--dry-run'], tokenEnv(emulator));
  t.match(onlyConflicts.stdout, /Nothing to change/);
  t.equal(onlyConflicts.code, 3, 'the same answer when nothing else is pending');
  const clean = await runInProcess([...configArgs(dir), '-d', 'api.example.com', '--out', out, '--dry-run'], tokenEnv(emulator));
  t.equal(clean.code, 0, clean.stderr);
});

t.test('without --yes and without a terminal, the plan is shown and nothing applied', async (t) => {
  const { emulator, dir, out } = await startBootstrapCase(t);
  const run = await runInProcess([...configArgs(dir), ...domainArgs, '--out', out], tokenEnv(emulator));
  t.equal(run.code, 1);
  t.match(run.stderr, /not applied: confirm with --yes/);
  t.match(run.stdout, /create/);
  t.equal(emulator.writeCount(), 0);
  t.notOk(existsSync(join(dir, 'db')));
  t.notOk(existsSync(out));
});

t.test('usage errors: no names, no --out, a name outside the account, nsname at the apex', async (t) => {
  const { emulator, dir, out } = await startBootstrapCase(t);
  const noNames = await runInProcess([...configArgs(dir), '--out', out, '--yes'], tokenEnv(emulator));
  t.equal(noNames.code, 2);
  t.match(noNames.stderr, /no certificate names/);
  const noOut = await runInProcess([...configArgs(dir), ...domainArgs, '--yes'], tokenEnv(emulator));
  t.equal(noOut.code, 2);
  t.match(noOut.stderr, /--out DIR is required/);
  const outside = await runInProcess([...configArgs(dir), '-d', 'www.example.net', '--dry-run'], tokenEnv(emulator));
  t.equal(outside.code, 1);
  t.match(outside.stderr, /www\.example\.net: no Cloudflare zone of this account holds www\.example\.net/);
  // A name inside our own zone is bad usage (2), said before any request; it used to be 1,
  // after the credential had been verified and the zones listed.
  const requestsBefore = emulator.requests().length;
  const inside = await runInProcess([...configArgs(dir), '-d', 'www.example.com', '-d', '*.x.Auth.Example.org', '--dry-run'], tokenEnv(emulator));
  t.equal(inside.code, 2, inside.stderr);
  t.match(inside.stderr, /\*\.x\.auth\.example\.org: inside our own zone auth\.example\.org/);
  t.equal(emulator.requests().length, requestsBefore, 'the credential was not used');
  const apex = await runInProcess([...configArgs(dir), '--nsname', 'auth.example.org', ...domainArgs, '--dry-run'], tokenEnv(emulator));
  t.equal(apex.code, 2, 'a config error: it used to exit 1, "failed"');
  t.match(apex.stderr, /Cloudflare refuses an NS and an A record on one label/);
  t.equal(emulator.writeCount(), 0);
});

t.test('an out folder that cannot take the files stops the run before any account or record', async (t) => {
  // It used to fail only when writing the files: after the accounts were registered (their
  // passwords lost, so the next run rotated them), with a stack trace for a message.
  const emulator = await startEmulator(t);
  const dir = tempDir(t);
  const file = join(dir, 'a-file');
  writeFileSync(file, 'not a folder');
  const notFolder = await runInProcess([...configArgs(dir), ...domainArgs, '--out', file, '--yes'], tokenEnv(emulator));
  t.equal(notFolder.code, 2, notFolder.stderr);
  t.match(notFolder.stderr, /--out .*a-file is not a folder/);
  t.equal(emulator.requests().length, 0, 'said before the credential is used');

  const below = await runInProcess([...configArgs(dir), ...domainArgs, '--out', join(file, 'creds'), '--yes'], tokenEnv(emulator));
  t.equal(below.code, 1, below.stderr);
  t.match(below.stderr, /cannot write the credential files into .*a-file\/creds \(ENOTDIR\); nothing was changed/);
  t.notMatch(below.stderr, /unexpected error|\n\s+at /, 'no stack trace');
  t.notOk(existsSync(join(dir, 'db')), 'no account registered');
  t.equal(emulator.writeCount(), 0, 'no record made');
});

t.test('a credential file that cannot be written is a message, not a stack trace', async (t) => {
  const { emulator, dir, out } = await startBootstrapCase(t);
  mkdirSync(join(out, 'README.txt'), { recursive: true });
  const run = await runInProcess([...configArgs(dir), ...domainArgs, '--out', out, '--yes'], tokenEnv(emulator));
  t.equal(run.code, 1, run.stderr);
  t.match(run.stderr, /cannot write .*README\.txt \(EISDIR\); no Cloudflare record was changed/);
  t.notMatch(run.stderr, /unexpected error|\n\s+at /, 'no stack trace');
  t.ok(existsSync(join(out, 'acmedns.json')), 'the passwords were written first');
  t.equal(emulator.writeCount(), 0);
});

t.test('--help explains every option', async (t) => {
  const run = await runInProcess(['--help'], {});
  t.equal(run.code, 0);
  for (const flag of ['--domain', '--domains-file', '--out', '--dry-run', '--yes', '--replace', '--allowfrom', '--caa-issuer', '--caa-accounturi', '--config', '--zone', '--nsname', '--ns-address', '--db', '--api-url', 'CLOUDFLARE_API_TOKEN', 'CLOUDFLARE_API_KEY', 'CLOUDFLARE_EMAIL', 'CLOUDFLARE_BASE_URL']) {
    t.match(run.stdout, flag, `mentions ${flag}`);
  }
});
