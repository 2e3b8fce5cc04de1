// The config flags every command takes (--zone, --db, ...): each sets its key, a list flag
// repeats, a bad value names the key, and --help lists every one with the key it sets.
import { parseArgs } from 'node:util';
import t from 'tap';
import { configFromOptions, configOptionSpecs, configOptionsHelp } from '../../src/cli/config-options.js';
import { configKeys } from '../../src/config/schema.js';

const TSIG = 'hmac-sha256:xfr-key:c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0LXNlY3JldA==';

function configFrom(argv: string[]) {
  const { values } = parseArgs({ args: argv, options: configOptionSpecs, strict: true });
  return configFromOptions(values, {});
}

t.test('each flag sets its key; list flags repeat', async (t) => {
  const config = configFrom([
    ...['--zone', 'auth.example.org', '--nsname', 'ns1.example.org'],
    ...['--ns-address', '192.0.2.10', '--ns-address', '2001:db8::10'],
    ...['--dns-listen', '127.0.0.1:5353', '--dns-listen', '[::1]:5353'],
    ...['--api-listen', '127.0.0.1:9000', '--api-url', 'https://acme.example.org'],
    ...['--secondary', '192.0.2.53:53', '--tsig-key', TSIG],
    ...['--db', '/srv/acme.db', '--registration', 'closed', '--metrics-listen', '127.0.0.1:9153'],
    ...['--log-level', 'warn', '--log-format', 'json'],
  ]);
  t.equal(config.dns.zone, 'auth.example.org');
  t.equal(config.dns.nsname, 'ns1.example.org');
  t.same(config.dns.ns_addresses, ['192.0.2.10', '2001:db8::10']);
  t.same(config.dns.listen, ['127.0.0.1:5353', '[::1]:5353']);
  t.equal(config.api.listen, '127.0.0.1:9000');
  t.equal(config.api.public_url, 'https://acme.example.org');
  t.same(config.dns.secondaries, ['192.0.2.53:53']);
  t.same(config.dns.tsig_keys, [TSIG]);
  t.equal(config.store.path, '/srv/acme.db');
  t.equal(config.api.registration, 'closed');
  t.equal(config.metrics.listen, '127.0.0.1:9153');
  t.equal(config.log.level, 'warn');
  t.equal(config.log.format, 'json');
});

t.test('a flag overrides the environment; a list flag is not split on commas', async (t) => {
  const { values } = parseArgs({ args: ['--zone', 'flag.example.org', '--ns-address', '192.0.2.1,192.0.2.2'], options: configOptionSpecs, strict: true });
  t.throws(() => configFromOptions(values, {}), { message: /dns\.ns_addresses\[0\] "192\.0\.2\.1,192\.0\.2\.2" is not an IP address/ });
  const zone = configFromOptions({ zone: 'flag.example.org' }, { ACME_DELEGATE_DNS_ZONE: 'env.example.org' }).dns.zone;
  t.equal(zone, 'flag.example.org');
});

t.test('a bad value names the key the flag sets', async (t) => {
  t.throws(() => configFrom(['--log-level', 'loud']), { message: 'option for log.level must be one of "debug", "info", "warn", "error", "silent", got "loud"' });
  t.throws(() => configFrom(['--registration', 'sometimes']), { message: /^option for api\.registration must be one of/ });
});

t.test('--help lists every flag with the key it sets, within 100 columns', async (t) => {
  const flagged = configKeys.filter((k) => k.cli !== undefined);
  t.ok(flagged.length >= 13, 'the keys with a flag');
  for (const k of flagged) {
    t.match(configOptionsHelp, new RegExp(`^  --${k.cli} VALUE${k.type === 'string[]' ? '\\.\\.\\.' : ' '}`, 'm'), `--${k.cli} listed`);
    t.ok(configOptionsHelp.includes(`[${k.section}.${k.key}]`), `--${k.cli} names ${k.section}.${k.key}`);
  }
  t.match(configOptionsHelp, /^ {2}-c, --config FILE/m);
  for (const line of configOptionsHelp.split('\n')) t.ok(line.length <= 100, `fits: ${line}`);
});
