// Valid but risky settings are named at start; the embedded defaults raise none.
import t from 'tap';
import { loadConfig } from '../../src/config/load.js';
import { startupWarnings } from '../../src/config/startup-warnings.js';

t.test('defaults and a proper production config warn about nothing', async (t) => {
  t.same(startupWarnings(loadConfig()), []);
  const production = loadConfig({
    overrides: {
      'dns.zone': 'auth.example.org',
      'dns.listen': ['0.0.0.0:53', '[::]:53'],
      'dns.ns_addresses': ['203.0.113.10'],
      'api.listen': '127.0.0.1:8053',
      'api.registration': 'closed',
    },
  });
  t.same(startupWarnings(production), []);
});

t.test('risky settings are named', async (t) => {
  const risky = loadConfig({ overrides: { 'dns.listen': ['0.0.0.0:53'], 'api.listen': '0.0.0.0:8080', 'api.registration': 'open' } });
  const warnings = startupWarnings(risky);
  t.equal(warnings.length, 4);
  t.match(warnings[0], 'api.registration is "open" on 0.0.0.0:8080');
  t.match(warnings[1], 'plain HTTP');
  t.match(warnings[2], 'dns.ns_addresses holds only loopback');
  t.match(warnings[3], 'dns.zone is "auth.localhost"');
  const mapped = loadConfig({ overrides: { 'api.listen': '[::ffff:127.0.0.1]:8080', 'api.registration': 'open' } });
  t.same(startupWarnings(mapped), [], 'IPv4-mapped loopback is loopback');
});

t.test('a metrics/admin listener off loopback is named', async (t) => {
  t.same(startupWarnings(loadConfig({ overrides: { 'metrics.listen': '127.0.0.1:9153' } })), []);
  t.same(startupWarnings(loadConfig({ overrides: { 'metrics.listen': '[::1]:9153' } })), []);
  const open = startupWarnings(loadConfig({ overrides: { 'metrics.listen': '0.0.0.0:9153' } }));
  t.same(open, ['metrics.listen is 0.0.0.0:9153, not loopback: /metrics are reachable from the network in plain HTTP; keep it on loopback or a private network behind a firewall']);
  const withAdmin = startupWarnings(loadConfig({ overrides: { 'metrics.listen': '192.0.2.1:9153', 'metrics.admin_token_sha256': 'a'.repeat(64) } }));
  t.match(withAdmin[0], '/metrics, the admin API and its dashboard are reachable');
});
