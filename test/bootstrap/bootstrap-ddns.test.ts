// bootstrap --ddns: NAME CNAME a ddns slot (proxied=false), a ddns account made then reused, an
// existing A/AAAA at NAME a conflict unless --replace, the apex allowed through Cloudflare's CNAME
// flattening, and ddns.json plus ddclient and inadyn snippets written next to the other files.
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { Store } from '../../src/store/store.js';
import { configArgs, recordSet, runCli, snapshotDir, startEmulator, tempDir, tokenEnv } from './cli-fixture.js';

interface DdnsEntry {
  hostname: string;
  fulldomain: string;
  subdomain: string;
  username: string;
  password: string;
  server_url: string;
}

t.test('--ddns: the CNAME, a ddns account, the snippets; a re-run keeps everything', async (t) => {
  const emulator = await startEmulator(t);
  const before = recordSet(emulator);
  const dir = tempDir(t);
  const out = join(dir, 'out');
  const first = await runCli([...configArgs(dir), '--ddns', 'home.example.com', '--out', out, '--yes'], tokenEnv(emulator));
  t.equal(first.code, 0, first.stderr);
  const entries = JSON.parse(readFileSync(join(out, 'ddns.json'), 'utf8')) as Record<string, DdnsEntry>;
  const home = entries['home.example.com'] as DdnsEntry;
  t.equal(home.fulldomain, `${home.subdomain}.auth.example.org`);
  const created = recordSet(emulator).filter((r) => !before.includes(r));
  t.ok(created.includes(`example.com home.example.com CNAME ${home.fulldomain} ttl=60 proxied=false`), 'NAME CNAME the slot, not proxied');
  t.notOk(created.some((r) => r.includes('_acme-challenge')), 'no challenge CNAME for a ddns name');
  for (const file of ['ddns.json', 'ddclient-home.example.com.conf', 'inadyn-home.example.com.conf']) t.equal(statSync(join(out, file)).mode & 0o777, 0o600, `${file} is 0600`);
  const ddclient = readFileSync(join(out, 'ddclient-home.example.com.conf'), 'utf8');
  for (const line of ['protocol=dyndns2', 'server=auth.example.org', 'ssl=yes', `login=${home.username}`, `password='${home.password}'`, 'home.example.com']) t.match(ddclient, line);
  const inadyn = readFileSync(join(out, 'inadyn-home.example.com.conf'), 'utf8');
  for (const line of [`username    = "${home.username}"`, 'ddns-path   = "/nic/update?hostname=%h&myip=%i"', 'hostname    = "home.example.com"']) t.match(inadyn, line);

  const store = Store.open({ path: join(dir, 'db', 'acme-delegate.db'), valuesPerSlot: 2, maxAgeSeconds: 3600 });
  const account = store.getAccount(home.username);
  store.close();
  t.same([account?.kind, account?.label, account?.subdomain], ['ddns', 'home.example.com', home.subdomain], 'a ddns account labelled with the name');

  const writes = emulator.writeCount();
  const files = snapshotDir(out);
  const second = await runCli([...configArgs(dir), '--ddns', 'home.example.com', '--out', out, '--yes'], tokenEnv(emulator));
  t.equal(second.code, 0, second.stderr);
  t.match(second.stdout, /Nothing to change/);
  t.equal(emulator.writeCount(), writes);
  t.same(snapshotDir(out), files, 'the same account and password: files untouched');
});

t.test('--ddns over an existing A/AAAA: a conflict left alone, then replaced with --replace', async (t) => {
  const emulator = await startEmulator(t);
  emulator.addRecord('example.com', { name: 'home.example.com', type: 'A', content: '198.51.100.1', ttl: 300 });
  emulator.addRecord('example.com', { name: 'home.example.com', type: 'AAAA', content: '2001:db8::1', ttl: 300 });
  const dir = tempDir(t);
  const out = join(dir, 'out');
  const blocked = await runCli([...configArgs(dir), '--ddns', 'home.example.com', '--out', out, '--yes'], tokenEnv(emulator));
  t.equal(blocked.code, 3, blocked.stderr);
  t.match(blocked.stdout, /conflict\s+example\.com\s+A\s+home\.example\.com\s+198\.51\.100\.1/);
  t.ok(recordSet(emulator).some((r) => r.includes('home.example.com A 198.51.100.1')), 'the A is left alone');
  t.notOk(recordSet(emulator).some((r) => r.includes('home.example.com CNAME')));
  const replaced = await runCli([...configArgs(dir), '--ddns', 'home.example.com', '--out', out, '--yes', '--replace'], tokenEnv(emulator));
  t.equal(replaced.code, 0, replaced.stderr);
  const home = (JSON.parse(readFileSync(join(out, 'ddns.json'), 'utf8')) as Record<string, DdnsEntry>)['home.example.com'] as DdnsEntry;
  const now = recordSet(emulator).filter((r) => r.includes(' home.example.com '));
  t.same(now, [`example.com home.example.com CNAME ${home.fulldomain} ttl=60 proxied=false`], 'A and AAAA replaced by the CNAME');
});

t.test('--ddns at a zone apex: said plainly, and allowed beside MX and TXT (CNAME flattening)', async (t) => {
  const emulator = await startEmulator(t);
  emulator.addRecord('example.com', { name: 'example.com', type: 'MX', content: 'mail.example.com', ttl: 3600 });
  emulator.addRecord('example.com', { name: 'example.com', type: 'TXT', content: 'v=spf1 -all', ttl: 3600 });
  const dir = tempDir(t);
  const run = await runCli([...configArgs(dir), '--ddns', 'example.com', '--out', join(dir, 'out'), '--yes'], tokenEnv(emulator));
  t.equal(run.code, 0, run.stderr);
  t.match(run.stderr, /apex of its zone: most DNS providers cannot put a CNAME there; Cloudflare can \(CNAME flattening/);
  const apex = recordSet(emulator).filter((r) => / example\.com (MX|TXT|CNAME) /.test(r));
  t.equal(apex.length, 3, 'MX and TXT kept, the CNAME beside them');
});

t.test('the same name as a certificate name and a ddns name in one run is refused', async (t) => {
  const emulator = await startEmulator(t);
  const dir = tempDir(t);
  const run = await runCli([...configArgs(dir), '--domain', 'home.example.com', '--ddns', 'home.example.com', '--out', join(dir, 'out'), '--yes'], tokenEnv(emulator));
  t.equal(run.code, 2);
  t.match(run.stderr, /both a certificate name and a --ddns name/);
  t.equal(emulator.writeCount(), 0);
});
