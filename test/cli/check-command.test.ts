// `check` asks a resolver what the world sees. Here our own server plays the whole DNS tree:
// its zone holds the delegation data and static CNAMEs standing in for the customer's records.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { checkDelegation, type DnsLookup } from '../../src/check/delegation-check.js';
import { loadConfig } from '../../src/config/load.js';
import { runCli, startServer } from './run-cli.js';

const dir = mkdtempSync(join(tmpdir(), 'acme-delegate-check-'));
t.teardown(() => rmSync(dir, { recursive: true, force: true }));

t.test('pure rules: a delegation that is not there fails with a reason', async (t) => {
  const config = loadConfig({ overrides: { 'dns.zone': 'auth.example.org', 'dns.ns_addresses': ['203.0.113.5'] } });
  const nothing: DnsLookup = { ns: async () => [], addresses: async () => [], cname: async () => [], soaMname: async () => undefined, soaSerialAt: async () => undefined };
  const results = await checkDelegation(config, ['www.example.com'], [{ label: 'www.example.com', subdomain: 'abc' }], nothing);
  t.same(results.map((r) => r.ok), [false, false, false, false]);
  t.match(results[0]?.detail, 'not delegated');
  t.match(results[3]?.detail, 'missing (expected abc.auth.example.org)');
  const partial: DnsLookup = { ...nothing, addresses: async () => ['198.51.100.1'] };
  const [, address] = await checkDelegation(config, [], [], partial);
  t.match(address?.detail, 'missing 203.0.113.5');
});

t.test('pure rules: a ddns name is checked at the name itself, against its ddns slot', async (t) => {
  const config = loadConfig({ overrides: { 'dns.zone': 'auth.example.org', 'dns.ns_addresses': ['203.0.113.5'] } });
  const cnames: Record<string, string[]> = { 'home.example.com': ['DDNS.auth.example.org.'], 'office.example.com': ['acme.auth.example.org.'] };
  const lookup: DnsLookup = { ns: async () => [], addresses: async () => [], cname: async (name) => cnames[name] ?? [], soaMname: async () => undefined, soaSerialAt: async () => undefined };
  const slots = [
    { label: 'home.example.com', subdomain: 'ddns', kind: 'ddns' as const },
    { label: 'office.example.com', subdomain: 'acme' },
    { label: 'office.example.com', subdomain: 'office', kind: 'ddns' as const },
  ];
  const results = await checkDelegation(config, [], slots, lookup, undefined, ['home.example.com', 'office.example.com', 'nas.example.com']);
  const row = (check: string) => results.find((r) => r.check === check);
  t.match(row('CNAME home.example.com'), { ok: true, detail: 'ddns.auth.example.org' }, 'the CNAME at the name, folded, reaches the slot');
  t.match(row('CNAME office.example.com'), { ok: false, detail: 'acme.auth.example.org (expected office.auth.example.org)' }, 'the ACME slot of the same name is not the ddns slot');
  t.match(row('CNAME nas.example.com'), { ok: false, detail: 'no ddns account' });
});

t.test('pure rules: every listed name server is in the NS set and is asked for its serial', async (t) => {
  const config = loadConfig({
    overrides: {
      'dns.zone': 'auth.example.org',
      'dns.ns_addresses': ['203.0.113.5'],
      'dns.nameservers': ['ns2.example.net', 'ns3.auth.example.org 198.51.100.3'],
    },
  });
  const serials: Record<string, number> = { '192.0.2.2': 1000, '198.51.100.3': 997 };
  const lookup: DnsLookup = {
    ns: async () => ['ns.auth.example.org', 'ns2.example.net'],
    addresses: async (name) => ({ 'ns.auth.example.org': ['203.0.113.5'], 'ns2.example.net': ['192.0.2.2'], 'ns3.auth.example.org': ['198.51.100.3'] })[name] ?? [],
    cname: async () => [],
    soaMname: async () => 'ns.auth.example.org',
    soaSerialAt: async (address) => serials[address],
  };
  const results = await checkDelegation(config, [], [], lookup, 1000);
  const row = (prefix: string) => results.find((r) => r.check.startsWith(prefix));
  t.equal(row('NS ')?.ok, false);
  t.match(row('NS ')?.detail, '(expected ns3.auth.example.org)');
  t.equal(row('serial at ns2.example.net (192.0.2.2)')?.ok, true);
  t.match(row('serial at ns2.example.net')?.detail, '1000, up to date');
  t.equal(row('serial at ns3.auth.example.org (198.51.100.3)')?.ok, false);
  t.match(row('serial at ns3.auth.example.org')?.detail, "997, 3 behind the primary's 1000");
});

t.test('check against a live server: good, wrong and missing CNAMEs', async (t) => {
  const db = join(dir, 'store.db');
  const add = async (label: string): Promise<string> => {
    const result = await runCli(['account', 'add', '--db', db, '--zone', 'example.test', '--label', label]);
    t.equal(result.code, 0, result.stderr);
    return (JSON.parse(result.stdout) as { subdomain: string }).subdomain;
  };
  const www = await add('www.example.test');
  await add('bad.example.test');
  const addDdns = async (label: string): Promise<string> => {
    const result = await runCli(['account', 'add', '--ddns', '--db', db, '--zone', 'example.test', '--label', label]);
    t.equal(result.code, 0, result.stderr);
    return (JSON.parse(result.stdout) as { subdomain: string }).subdomain;
  };
  const home = await addDdns('home.example.test');
  await addDdns('nas.example.test');
  await addDdns('the router in the hall');
  const config = join(dir, 'config.toml');
  writeFileSync(
    config,
    `[dns]
zone = "example.test"
ns_addresses = ["127.0.0.1"]
listen = ["127.0.0.1:0"]
records = ["_acme-challenge.www.example.test. CNAME ${www}.example.test.", "_acme-challenge.bad.example.test. CNAME elsewhere.example.org.", "home.example.test. CNAME ${home}.example.test."]
[api]
listen = "127.0.0.1:0"
[store]
path = "store.db"
`,
  );
  const server = await startServer(t, ['--config', config]);
  const resolver = `127.0.0.1:${server.dnsPort}`;

  const good = await runCli(['check', '--config', config, '--resolver', resolver, '-d', 'www.example.test']);
  t.equal(good.code, 0, good.stdout + good.stderr);
  t.match(good.stdout, /ok\s+NS example\.test\s+ns\.example\.test/);
  t.match(good.stdout, `ok    CNAME _acme-challenge.www.example.test  ${www}.example.test`);
  t.match(good.stdout, 'all 4 checks passed');

  const mixed = await runCli(['check', '--config', config, '--resolver', resolver, '-d', '*.www.example.test', '-d', 'bad.example.test', '-d', 'none.example.test']);
  t.equal(mixed.code, 1);
  t.match(mixed.stdout, /FAIL\s+CNAME _acme-challenge\.bad\.example\.test\s+elsewhere\.example\.org \(expected [0-9a-f-]{36}\.example\.test\)/);
  t.match(mixed.stdout, /FAIL\s+CNAME _acme-challenge\.none\.example\.test\s+no account/);
  t.match(mixed.stdout, '2 of 6 checks failed');

  const fromStore = await runCli(['check', '--config', config, '--resolver', resolver]);
  t.match(fromStore.stdout, '_acme-challenge.bad.example.test', 'without --domain every labelled account is checked');
  t.match(fromStore.stdout, new RegExp(`ok\\s+CNAME home\\.example\\.test\\s+${home}\\.example\\.test\\n`), 'and each ddns name bootstrap would delegate');
  t.match(fromStore.stdout, /FAIL\s+CNAME nas\.example\.test\s+missing \(expected [0-9a-f-]{36}\.example\.test\)/);
  t.notMatch(fromStore.stdout, 'router', 'a free-text label names no CNAME');
  t.match(fromStore.stdout, '2 of 7 checks failed');

  const ddnsOnly = await runCli(['check', '--config', config, '--resolver', resolver, '-d', 'home.example.test']);
  t.equal(ddnsOnly.code, 0, ddnsOnly.stdout + ddnsOnly.stderr);
  t.notMatch(ddnsOnly.stdout, '_acme-challenge', 'a ddns name given with --domain is checked as a ddns name only');
  t.match(ddnsOnly.stdout, 'all 4 checks passed');
});
