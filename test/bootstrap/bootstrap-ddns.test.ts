// bootstrap --ddns: NAME CNAME a ddns slot (proxied=false), a ddns account made then reused, an
// existing A/AAAA at NAME a conflict unless --replace, the apex allowed through Cloudflare's CNAME
// flattening, and ddns.json plus ddclient and inadyn snippets written next to the other files.
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { Store } from '../../src/store/store.js';
import { type BootstrapCase, type CliResult, configArgs, recordSet, runCli, snapshotDir, startBootstrapCase, tokenEnv } from './cli-fixture.js';

interface DdnsEntry {
  hostname: string;
  fulldomain: string;
  subdomain: string;
  username: string;
  password: string;
  server_url: string;
}

/** `bootstrap --ddns NAME --yes` (and `more` flags) with the case's config, database and out folder. */
function runDdns(c: BootstrapCase, name: string, ...more: string[]): Promise<CliResult> {
  return runCli([...configArgs(c.dir), '--ddns', name, ...more, '--out', c.out, '--yes'], tokenEnv(c.emulator));
}

function readDdnsJson(out: string): Record<string, DdnsEntry> {
  return JSON.parse(readFileSync(join(out, 'ddns.json'), 'utf8')) as Record<string, DdnsEntry>;
}

t.test('--ddns: the CNAME, a ddns account, the snippets; a re-run keeps everything', async (t) => {
  const c = await startBootstrapCase(t);
  const before = recordSet(c.emulator);
  const first = await runDdns(c, 'home.example.com');
  t.equal(first.code, 0, first.stderr);
  const entries = readDdnsJson(c.out);
  const home = entries['home.example.com'] as DdnsEntry;
  t.equal(home.fulldomain, `${home.subdomain}.auth.example.org`);
  const created = recordSet(c.emulator).filter((r) => !before.includes(r));
  t.ok(created.includes(`example.com home.example.com CNAME ${home.fulldomain} ttl=60 proxied=false`), 'NAME CNAME the slot, not proxied');
  t.notOk(created.some((r) => r.includes('_acme-challenge')), 'no challenge CNAME for a ddns name');
  for (const file of ['ddns.json', 'ddclient-home.example.com.conf', 'inadyn-home.example.com.conf']) t.equal(statSync(join(c.out, file)).mode & 0o777, 0o600, `${file} is 0600`);
  const ddclient = readFileSync(join(c.out, 'ddclient-home.example.com.conf'), 'utf8');
  for (const line of ['protocol=dyndns2', 'server=auth.example.org', 'ssl=yes', `login=${home.username}`, `password='${home.password}'`, 'home.example.com']) t.match(ddclient, line);
  const inadyn = readFileSync(join(c.out, 'inadyn-home.example.com.conf'), 'utf8');
  for (const line of [`username    = "${home.username}"`, 'ddns-path   = "/nic/update?hostname=%h&myip=%i"', 'hostname    = "home.example.com"']) t.match(inadyn, line);

  const store = Store.open({ path: join(c.dir, 'db', 'acme-delegate.db'), valuesPerSlot: 2, maxAgeSeconds: 3600 });
  const account = store.getAccount(home.username);
  store.close();
  t.same([account?.kind, account?.label, account?.subdomain], ['ddns', 'home.example.com', home.subdomain], 'a ddns account labelled with the name');

  const writes = c.emulator.writeCount();
  const files = snapshotDir(c.out);
  const second = await runDdns(c, 'home.example.com');
  t.equal(second.code, 0, second.stderr);
  t.match(second.stdout, /Nothing to change/);
  t.equal(c.emulator.writeCount(), writes);
  t.same(snapshotDir(c.out), files, 'the same account and password: files untouched');
});

t.test('--ddns over an existing A/AAAA: a conflict left alone, then replaced with --replace', async (t) => {
  const c = await startBootstrapCase(t, [
    ['example.com', { name: 'home.example.com', type: 'A', content: '198.51.100.1', ttl: 300 }],
    ['example.com', { name: 'home.example.com', type: 'AAAA', content: '2001:db8::1', ttl: 300 }],
  ]);
  const blocked = await runDdns(c, 'home.example.com');
  t.equal(blocked.code, 3, blocked.stderr);
  t.match(blocked.stdout, /conflict\s+example\.com\s+A\s+home\.example\.com\s+198\.51\.100\.1/);
  t.ok(recordSet(c.emulator).some((r) => r.includes('home.example.com A 198.51.100.1')), 'the A is left alone');
  t.notOk(recordSet(c.emulator).some((r) => r.includes('home.example.com CNAME')));
  const replaced = await runDdns(c, 'home.example.com', '--replace');
  t.equal(replaced.code, 0, replaced.stderr);
  const home = readDdnsJson(c.out)['home.example.com'] as DdnsEntry;
  const now = recordSet(c.emulator).filter((r) => r.includes(' home.example.com '));
  t.same(now, [`example.com home.example.com CNAME ${home.fulldomain} ttl=60 proxied=false`], 'A and AAAA replaced by the CNAME');
});

t.test('--ddns at a zone apex: said plainly, and allowed beside MX and TXT (CNAME flattening)', async (t) => {
  const c = await startBootstrapCase(t, [
    ['example.com', { name: 'example.com', type: 'MX', content: 'mail.example.com', ttl: 3600 }],
    ['example.com', { name: 'example.com', type: 'TXT', content: 'v=spf1 -all', ttl: 3600 }],
  ]);
  const run = await runDdns(c, 'example.com');
  t.equal(run.code, 0, run.stderr);
  t.match(run.stderr, /apex of its zone: most DNS providers cannot put a CNAME there; Cloudflare can \(CNAME flattening/);
  const apex = recordSet(c.emulator).filter((r) => / example\.com (MX|TXT|CNAME) /.test(r));
  t.equal(apex.length, 3, 'MX and TXT kept, the CNAME beside them');
});

t.test('the same name as a certificate name and a ddns name in one run is refused', async (t) => {
  const c = await startBootstrapCase(t);
  const run = await runDdns(c, 'home.example.com', '--domain', 'home.example.com');
  t.equal(run.code, 2);
  t.match(run.stderr, /both a certificate name and a --ddns name/);
  t.equal(c.emulator.writeCount(), 0);
});
