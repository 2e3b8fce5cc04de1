// A broken config stops the server with a message that names the file and the key.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { loadConfig, publicApiUrl } from '../../src/config/load.js';

function configFile(t: { teardown(fn: () => void): void }, text: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'acme-delegate-config-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'config.toml');
  writeFileSync(file, text);
  return file;
}

t.test('embedded defaults need no file', async (t) => {
  const config = loadConfig({ baseDir: '/srv' });
  t.equal(config.dns.zone, 'auth.localhost');
  t.equal(config.dns.nsname, 'ns.auth.localhost');
  t.equal(config.dns.nsadmin, 'hostmaster.auth.localhost');
  t.same(config.dns.listen, ['127.0.0.1:5300']);
  t.equal(config.store.path, '/srv/data/acme-delegate.db');
  t.ok(Object.isFrozen(config.dns), 'frozen');
});

t.test('a full file is read, paths resolve against its folder', async (t) => {
  const file = configFile(
    t,
    `[dns]
zone = "Auth.Example.org."
listen = ["127.0.0.1:53", "[::1]:53"]
records = ["auth.example.org. CAA 0 issue \\"letsencrypt.org\\""]
[api]
listen = "[::1]:8443"
registration = "closed"
path_prefix = "/acme/"
[store]
path = "state/db.sqlite"
txt_values_per_slot = 4
[log]
format = "text"
`,
  );
  const config = loadConfig({ file });
  t.equal(config.dns.zone, 'auth.example.org', 'zone normalised');
  t.same(config.dns.listen, ['127.0.0.1:53', '[::1]:53']);
  t.equal(config.api.registration, 'closed');
  t.equal(config.api.path_prefix, '/acme');
  t.equal(config.store.path, join(file, '..', 'state/db.sqlite'));
  t.equal(config.store.txt_values_per_slot, 4);
  t.equal(publicApiUrl(config), 'http://[::1]:8443');
});

t.test('errors name the file and the key', async (t) => {
  const cases: [string, RegExp][] = [
    ['[dns]\nzonee = "x"', /config\.toml: unknown key dns\.zonee/],
    ['[dnss]\nzone = "x"', /unknown section \[dnss\]/],
    ['[store]\ntxt_values_per_slot = 11', /store\.txt_values_per_slot must be at most 10/],
    ['[store]\ntxt_values_per_slot = "2"', /store\.txt_values_per_slot must be an integer/],
    ['[api]\nregistration = "maybe"', /api\.registration must be one of "open", "allowlist", "closed"/],
    ['[dns]\nlisten = "127.0.0.1:53"', /dns\.listen must be an array of strings/],
    ['[dns]\nlisten = ["127.0.0.1"]', /dns\.listen\[0\] "127\.0\.0\.1" is not ADDR:PORT/],
    ['[dns]\nzone = "bad zone"', /dns\.zone "bad zone" is not a domain name/],
    ['[dns]\nns_addresses = ["1.2.3"]', /dns\.ns_addresses\[0\]/],
    ['[api]\ntrusted_proxies = ["10.0.0.0/40"]', /api\.trusted_proxies\[0\]/],
    ['[api]\ntls_cert = "cert.pem"', /api\.tls_cert and api\.tls_key must be set together/],
    ['[api]\npublic_url = "ftp://x"', /api\.public_url/],
    ['[dns\nzone = 1', /config\.toml:1:\d+: invalid TOML/],
  ];
  for (const [text, message] of cases) {
    const file = configFile(t, text);
    t.throws(() => loadConfig({ file }), { code: 'config_invalid', message }, text);
  }
  t.throws(() => loadConfig({ file: '/nonexistent/config.toml' }), /cannot read config file \/nonexistent\/config\.toml/);
});

t.test('environment overrides the file, flags override the environment', async (t) => {
  const file = configFile(t, '[dns]\nzone = "auth.example.org"\n[store]\nbcrypt_cost = 11\n');
  const env = { ACME_DELEGATE_DNS_ZONE: 'auth.example.net', ACME_DELEGATE_DNS_LISTEN: '127.0.0.1:5301, [::1]:5301', ACME_DELEGATE_STORE_BCRYPT_COST: '12' };
  const fromEnv = loadConfig({ file, env });
  t.equal(fromEnv.dns.zone, 'auth.example.net');
  t.same(fromEnv.dns.listen, ['127.0.0.1:5301', '[::1]:5301']);
  t.equal(fromEnv.store.bcrypt_cost, 12);
  const fromFlags = loadConfig({ file, env, overrides: { 'dns.zone': 'auth.example.com' } });
  t.equal(fromFlags.dns.zone, 'auth.example.com');
  t.throws(() => loadConfig({ env: { ACME_DELEGATE_STORE_BCRYPT_COST: 'ten' } }), /environment ACME_DELEGATE_STORE_BCRYPT_COST must be an integer/);
});
