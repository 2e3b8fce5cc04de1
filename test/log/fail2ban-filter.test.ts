// The shipped fail2ban filter, run by Debian's own fail2ban-regex over log lines the API really
// wrote: it finds the address behind each refused update and nothing else.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { createLogger } from '../../src/log.js';
import { rawRequest, startApi, txtValue } from '../api/server-fixture.js';

const filter = join(import.meta.dirname, '../../contrib/fail2ban/filter.d/acme-delegate.conf');

t.test('fail2ban-regex finds each failed update and its client address, and no success', async (t) => {
  const lines: string[] = [];
  const logger = createLogger({ level: 'debug', format: 'json', write: (l) => lines.push(l) });
  // Behind a proxy on loopback: the banned address must be the client's, not the proxy's.
  const api = await startApi(t, { 'api.trusted_proxies': ['127.0.0.1/32'] }, { logger });
  const reg = await rawRequest(api.port, 'POST /register HTTP/1.1', '{}');
  const account = JSON.parse(reg.body) as { username: string; password: string; subdomain: string };
  const body = JSON.stringify({ subdomain: account.subdomain, txt: txtValue('f2b') });
  const send = (from: string, key: string): ReturnType<typeof rawRequest> =>
    rawRequest(api.port, `POST /update HTTP/1.1\nX-Forwarded-For: ${from}\nX-Api-User: ${account.username}\nX-Api-Key: ${key}`, body);
  for (let i = 0; i < 7; i++) await send('198.51.100.7', 'y'.repeat(40)); // 5 refused, then 2 rate limited (debug lines)
  await send('2001:db8::9', 'bad');
  t.equal((await send('203.0.113.5', account.password)).status, 200);

  const dir = mkdtempSync(join(tmpdir(), 'f2b-'));
  const log = join(dir, 'server.log');
  writeFileSync(log, lines.join('\n') + '\n');
  const ips = execFileSync('fail2ban-regex', ['-o', 'ip', log, filter], { encoding: 'utf8' }).trim().split('\n').filter(Boolean);
  t.same(ips, [...Array<string>(5).fill('198.51.100.7'), '2001:db8::9'], 'every failure, with the client address');
  const summary = execFileSync('fail2ban-regex', [log, filter], { encoding: 'utf8' });
  t.match(summary, /Failregex: 6 total/);
  t.notMatch(ips.join(' '), /203\.0\.113\.5|127\.0\.0\.1/, 'a successful update and the proxy are never matched');
});
