// `bootstrap --tsig`: each name's account gets a TSIG key, written into --out as tsig.json and an
// nsupdate key file; adding --tsig to an existing set-up writes them, a re-run keeps them, and
// the key works with nsupdate against the server on the same database, for its own slot only.
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { startServer } from '../cli/run-cli.js';
import { toolMissing } from '../dns/socket-helpers.js';
import { runUpdateClient } from '../dns/update-helpers.js';
import { configArgs, readStorageJson, runCli, startBootstrapCase, tokenEnv } from './cli-fixture.js';

const skip = toolMissing('nsupdate', 'bind9-dnsutils');

t.test('bootstrap --tsig writes a key per name, keeps it on re-runs, and nsupdate can use it', { skip }, async (t) => {
  const { emulator, dir, out } = await startBootstrapCase(t);
  const names = ['-d', 'www.example.com', '-d', 'api.example.com'];

  const plain = await runCli([...configArgs(dir), ...names, '--out', out, '--yes'], tokenEnv(emulator));
  t.equal(plain.code, 0, plain.stderr);
  const added = await runCli([...configArgs(dir), ...names, '--out', out, '--yes', '--tsig'], tokenEnv(emulator));
  t.equal(added.code, 0, added.stderr);
  t.notMatch(added.stdout, /Nothing to change/, 'adding --tsig to a finished set-up is a change');
  t.match(added.stdout, /wrote the TSIG keys of 2 account\(s\)/);
  const keys = JSON.parse(readFileSync(join(out, 'tsig.json'), 'utf8')) as Record<string, { fulldomain: string; tsig: { name: string; algorithm: string; secret: string } }>;
  const storage = readStorageJson(out);
  t.same(Object.keys(keys).sort(), ['api.example.com', 'www.example.com']);
  t.equal(keys['www.example.com']!.fulldomain, storage['www.example.com']!.fulldomain, 'the key is for the name\u2019s own slot');
  for (const file of ['tsig.json', 'tsig-www.example.com.key', 'tsig-api.example.com.key']) t.equal(statSync(join(out, file)).mode & 0o777, 0o600, `${file} is 0600`);
  t.notMatch(added.stdout + added.stderr, keys['www.example.com']!.tsig.secret, 'the secret is not printed');

  const again = await runCli([...configArgs(dir), ...names, '--out', out, '--yes', '--tsig'], tokenEnv(emulator));
  t.equal(again.code, 0, again.stderr);
  t.match(again.stdout, /Nothing to change/, 'a re-run with the keys in place changes nothing');
  t.same(JSON.parse(readFileSync(join(out, 'tsig.json'), 'utf8')), keys, 'the keys are kept');

  const db = configArgs(dir)[configArgs(dir).indexOf('--db') + 1]!;
  const server = await startServer(t, ['--zone', 'auth.example.org', '--db', db, '--dns-listen', '127.0.0.1:0', '--api-listen', '127.0.0.1:0']);
  const www = keys['www.example.com']!;
  const value = 'B'.repeat(43);
  const send = (target: string): ReturnType<typeof runUpdateClient> =>
    runUpdateClient('nsupdate', ['-k', join(out, 'tsig-www.example.com.key')], [`server 127.0.0.1 ${server.dnsPort}`, 'zone auth.example.org', `update add ${target} 60 TXT ${value}`, 'send']);
  t.equal((await send(www.fulldomain)).code, 0, 'the key file works with nsupdate -k for its slot');
  t.match((await send(keys['api.example.com']!.fulldomain)).output, /REFUSED/, 'and not for the other name\u2019s slot');
});
