// /metrics of a running server: promtool accepts it, and the counters move as real DNS
// queries (dig) and API updates happen. No account name or secret appears in it.
import { execFile, execFileSync } from 'node:child_process';
import { promisify } from 'node:util';
import t from 'tap';
import { freePort } from '../admin/admin-service.js';
import { startTestService } from '../helpers/running-service.js';
import { txtValue } from '../api/server-fixture.js';

// The server runs in this process: dig must not block its event loop.
const run = promisify(execFile);

function sample(text: string, name: string, labels: string): number {
  const line = text.split('\n').find((l) => l.startsWith(`${name}{`) && labels.split(',').every((p) => l.includes(p)));
  return line ? Number(line.split(' ').pop()) : 0;
}

t.test('promtool accepts /metrics and the counters follow queries and updates', async (t) => {
  const metricsPort = await freePort();
  const running = await startTestService(t, { 'metrics.listen': `127.0.0.1:${metricsPort}` });
  const { apiUrl: api, config } = running;
  const dnsPort = String(running.dnsPort);
  const scrape = async (): Promise<string> => {
    const reply = await fetch(`http://127.0.0.1:${metricsPort}/metrics`);
    t.match(reply.headers.get('content-type'), /^text\/plain; version=0\.0\.4/);
    return reply.text();
  };

  const before = await scrape();
  const account = (await (await fetch(`${api}/register`, { method: 'POST', body: '{}' })).json()) as { username: string; password: string; subdomain: string; fulldomain: string };
  const headers = { 'X-Api-User': account.username, 'X-Api-Key': account.password };
  const update = await fetch(`${api}/update`, { method: 'POST', headers, body: JSON.stringify({ subdomain: account.subdomain, txt: txtValue('m') }) });
  t.equal(update.status, 200);
  const refused = await fetch(`${api}/update`, { method: 'POST', headers: { ...headers, 'X-Api-Key': 'z'.repeat(40) }, body: '{}' });
  t.equal(refused.status, 401);
  for (let i = 0; i < 3; i++) await run('dig', ['+short', '+tries=1', '+time=2', '-p', dnsPort, '@127.0.0.1', account.fulldomain, 'TXT']);
  await run('dig', ['+short', '+tries=1', '+time=2', '-p', dnsPort, '@127.0.0.1', `nope.${config.dns.zone}`, 'A']);
  await run('dig', ['+tcp', '+short', '+tries=1', '+time=2', '-p', dnsPort, '@127.0.0.1', config.dns.zone, 'SOA']);
  const after = await scrape();

  // promtool reads stdin; the server is idle here, so a blocking call is fine.
  const check = execFileSync('promtool', ['check', 'metrics'], { input: after, encoding: 'utf8' });
  t.equal(check.trim(), '', 'promtool check metrics: no problem reported');

  const dns = 'acme_delegate_dns_responses_total';
  t.equal(sample(after, dns, 'transport="udp",qtype="TXT",rcode="NOERROR"') - sample(before, dns, 'transport="udp",qtype="TXT",rcode="NOERROR"'), 3);
  t.equal(sample(after, dns, 'transport="udp",qtype="A",rcode="NXDOMAIN"'), 1);
  t.equal(sample(after, dns, 'transport="tcp",qtype="SOA",rcode="NOERROR"'), 1);
  t.equal(sample(after, 'acme_delegate_http_requests_total', 'route="/update",method="POST",status="200"'), 1);
  t.equal(sample(after, 'acme_delegate_http_requests_total', 'route="/update",method="POST",status="401"'), 1);
  t.equal(sample(after, 'acme_delegate_http_requests_total', 'route="/register",method="POST",status="201"'), 1);
  t.match(after, /^acme_delegate_update_seconds_count\{status="200"\} 1$/m);
  t.match(after, /^acme_delegate_accounts\{state="active"\} 1$/m);
  // /register hashed once, each of the two updates (one refused) compared once: three waits.
  t.match(after, /^acme_delegate_bcrypt_wait_seconds_count 3$/m);
  t.match(after, /^acme_delegate_bcrypt_queue_depth 0$/m);
  t.match(after, /^acme_delegate_bcrypt_running 0$/m);
  t.match(after, /^acme_delegate_bcrypt_rejected_total 0$/m);
  t.match(after, /^acme_delegate_account_last_update_age_seconds_bucket\{le="3600"\} 1$/m);
  t.match(after, /^acme_delegate_database_bytes \d+$/m);
  t.match(after, /^acme_delegate_dns_rrl_limited_total\{action="drop"\} 0$/m, 'RRL drops exposed (loopback is exempt)');
  t.match(after, /^acme_delegate_dns_rrl_limited_total\{action="slip"\} 0$/m);
  t.match(after, /^acme_delegate_process_cpu_seconds_total /m);
  for (const secret of [account.username, account.password, account.subdomain]) t.notOk(after.includes(secret), 'no account or secret in the metrics');
});
