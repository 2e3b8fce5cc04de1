// `account add --tsig` and `account tsig` as operators run them, against a running `serve` in
// another process: the key is printed once in the forms clients take, nsupdate can use it at
// once, `show` never repeats the secret, revoke and rotate apply to the next UPDATE, and the
// server's log never holds the secret.
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t, { type Test } from 'tap';
import { runUpdateClient } from '../dns/update-helpers.js';
import { run, toolMissing } from '../dns/socket-helpers.js';
import { cleanEnv, runCli, startServer } from './run-cli.js';

const skip = toolMissing('nsupdate', 'bind9-dnsutils');
const zone = 'auth.example.org';

function tempDir(t: Test): string {
  const dir = mkdtempSync(join(tmpdir(), 'acme-delegate-tsig-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

t.test('a TSIG key from the CLI works at once against a running server; revoke and rotate apply at once', { skip }, async (t) => {
  const dir = tempDir(t);
  const db = join(dir, 'store.db');
  const common = ['--zone', zone, '--db', db, '--ns-address', '127.0.0.1'];
  const server = await startServer(t, [...common, '--dns-listen', '127.0.0.1:0', '--api-listen', '127.0.0.1:0']);
  const value = 'A'.repeat(20) + '_' + 'b'.repeat(22);

  const added = await runCli(['account', 'add', '--tsig', '--json', ...common]);
  t.equal(added.code, 0, added.stderr);
  const creds = JSON.parse(added.stdout) as { username: string; password: string; fulldomain: string; tsig: { name: string; algorithm: string; secret: string } };
  t.equal(creds.tsig.name, `${creds.fulldomain}.`, 'the key is named after the slot');
  t.equal(creds.tsig.algorithm, 'hmac-sha256');
  t.equal(Buffer.from(creds.tsig.secret, 'base64').length, 32, '256 random bits');
  t.match(creds.password, /^[A-Za-z0-9_-]{40}$/, 'the acme-dns credentials come with it');
  t.equal(statSync(db).mode & 0o777, 0o600, 'the store holding the secret is the owner\u2019s alone');

  const keyFile = join(dir, 'key.conf');
  const send = (args: string[], ...commands: string[]): ReturnType<typeof runUpdateClient> =>
    runUpdateClient('nsupdate', args, [`server 127.0.0.1 ${server.dnsPort}`, `zone ${zone}`, ...commands, 'send']);

  // The text form: the nsupdate key block works as a -k file as printed.
  const text = await runCli(['account', 'tsig', creds.username, '--tsig-algorithm', '512', ...common]);
  t.equal(text.code, 0, text.stderr);
  t.match(text.stdout, /key "[^"]+\." \{\n\talgorithm hmac-sha512;\n\tsecret "[^"]+";\n\};/);
  t.match(text.stdout, /RFC2136_NAMESERVER=127\.0\.0\.1:\d+\nRFC2136_TSIG_KEY=\S+\.\nRFC2136_TSIG_ALGORITHM=hmac-sha512\.\nRFC2136_TSIG_SECRET=\S+/);
  t.match(text.stdout, /tsigAlgorithm: HMACSHA512/);
  writeFileSync(keyFile, /key "[^]*?\n\};/.exec(text.stdout)![0] + '\n');
  const secret = /secret "([^"]+)"/.exec(text.stdout)![1]!;
  const ok = await send(['-k', keyFile], `update add ${creds.fulldomain} 60 TXT ${value}`);
  t.equal(ok.code, 0, `the new key works at once: ${ok.output}`);
  const old = await send(['-y', `hmac-sha256:${creds.tsig.name}:${creds.tsig.secret}`], `update add ${creds.fulldomain} 60 TXT ${value}`);
  t.match(old.output, /NOTAUTH\(BADKEY\)/, 'the replaced key (other algorithm) is refused');

  const shown = await runCli(['account', 'show', creds.username, ...common]);
  t.match(shown.stdout, `"tsig_key": "${creds.tsig.name}"`);
  t.match(shown.stdout, '"tsig_algorithm": "hmac-sha512"');
  t.notMatch(shown.stdout, secret, 'show never prints the secret');
  const listed = await runCli(['account', 'list', '--json', ...common]);
  t.notMatch(listed.stdout, secret);

  const revoked = await runCli(['account', 'revoke', creds.username, ...common]);
  t.equal(revoked.code, 0);
  const after = await send(['-k', keyFile], `update add ${creds.fulldomain} 60 TXT ${value}`);
  t.match(after.output, /NOTAUTH\(BADKEY\)/, 'revoked: the key is refused at once');
  const again = await runCli(['account', 'tsig', creds.username, ...common]);
  t.equal(again.code, 1);
  t.match(again.stderr, /revoked/);

  const logs = JSON.stringify(server.logs);
  t.notMatch(logs, secret, 'the server log never holds the secret');
  t.notMatch(logs, creds.tsig.secret);
  t.match(logs, /dns update refused: TSIG/);
});

t.test('bad --tsig-algorithm is a usage error that creates nothing', async (t) => {
  const dir = tempDir(t);
  const result = await runCli(['account', 'add', '--tsig', '--tsig-algorithm', 'md5', '--zone', zone, '--db', join(dir, 'store.db')]);
  t.equal(result.code, 2);
  t.match(result.stderr, /TSIG algorithm "md5" is not one of hmac-sha256, hmac-sha384, hmac-sha512/);
  const list = await runCli(['account', 'list', '--json', '--zone', zone, '--db', join(dir, 'store.db')]);
  t.same(list.code === 0 ? JSON.parse(list.stdout) : [], [], 'no account was made');
});

t.test('with DNS workers, an UPDATE is answered only once the workers serve it', { skip }, async (t) => {
  const dir = tempDir(t);
  const db = join(dir, 'store.db');
  const common = ['--zone', zone, '--db', db, '--ns-address', '127.0.0.1'];
  const added = await runCli(['account', 'add', '--tsig', '--json', ...common]);
  const creds = JSON.parse(added.stdout) as { fulldomain: string; tsig: { name: string; algorithm: string; secret: string } };
  const server = await startServer(t, [...common, '--dns-listen', '127.0.0.1:0', '--api-listen', '127.0.0.1:0'], cleanEnv({ ACME_DELEGATE_DNS_WORKERS: '2' }));
  const spec = `${creds.tsig.algorithm}:${creds.tsig.name}:${creds.tsig.secret}`;
  for (let i = 0; i < 5; i++) {
    const value = `round${i}`.padEnd(43, String.fromCharCode(65 + i));
    const out = await runUpdateClient('nsupdate', ['-y', spec], [`server 127.0.0.1 ${server.dnsPort}`, `zone ${zone}`, `update add ${creds.fulldomain} 60 TXT ${value}`, 'send']);
    t.equal(out.code, 0, out.output);
    // UDP queries are answered by the workers: the value must be there the moment NOERROR came.
    const served = await run('dig', ['+short', '+tries=1', '@127.0.0.1', '-p', String(server.dnsPort), 'TXT', creds.fulldomain]);
    t.match(served, value, `update ${i} served by the workers at once`);
  }
});

t.test('a ddns account key is printed for what it may change: A and AAAA, no ACME client settings', async (t) => {
  const dir = tempDir(t);
  const common = ['--zone', zone, '--db', join(dir, 'store.db')];
  const result = await runCli(['account', 'add', '--ddns', '--tsig', ...common]);
  t.equal(result.code, 0, result.stderr);
  t.match(result.stdout, /it may change only the A and AAAA records of [0-9a-f-]+\.auth\.example\.org\./);
  t.match(result.stdout, /key "[0-9a-f-]+\.auth\.example\.org\." \{\n\talgorithm hmac-sha256;\n\tsecret "[A-Za-z0-9+/=]+";\n\};/);
  t.notMatch(result.stdout, /TXT records|RFC2136_|cert-manager/, 'no ACME wording or settings');
  const json = await runCli(['account', 'tsig', JSON.parse((await runCli(['account', 'list', '--json', ...common])).stdout)[0].username, '--json', ...common]);
  t.equal(JSON.parse(json.stdout).kind, 'ddns', 'the JSON form names the kind');
});
