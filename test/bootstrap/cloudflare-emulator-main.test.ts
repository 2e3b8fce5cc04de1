// The standalone emulator's contract, which scripts/e2e.sh relies on: one line with the base
// URL on stdout, the seeded zones, tokens from the command line, GET /__emulator/records.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import t from 'tap';
import { repoRoot } from './cli-fixture.js';

t.test('standalone emulator', async (t) => {
  const child = spawn(process.execPath, ['--import', 'tsx', join(repoRoot, 'test/helpers/cloudflare-emulator-main.ts'), '--token', 'e2e-token-1', 'example.com', 'example.org'], {
    cwd: repoRoot,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  t.teardown(() => {
    if (child.exitCode === null) child.kill('SIGTERM');
  });
  const line = await new Promise<string>((resolve, reject) => {
    let text = '';
    child.stdout.on('data', (c: Buffer) => {
      text += c.toString();
      if (text.includes('\n')) resolve(text);
    });
    child.on('exit', (code) => reject(new Error(`emulator exited with ${code}`)));
  });
  const match = /^CLOUDFLARE_BASE_URL=(http:\/\/127\.0\.0\.1:\d+\/client\/v4)\n$/.exec(line);
  t.ok(match, `one line with the base URL: ${JSON.stringify(line)}`);
  const base = match?.[1] as string;
  const origin = base.replace(/\/client\/v4$/, '');

  const unauthorized = await fetch(`${base}/zones`, { headers: { Authorization: 'Bearer not-the-token' } });
  t.equal(unauthorized.status, 403);
  const zones = (await (await fetch(`${base}/zones?name=example.org`, { headers: { Authorization: 'Bearer e2e-token-1' } })).json()) as {
    success: boolean;
    result: { id: string; name: string }[];
    result_info: { page: number; per_page: number; count: number; total_count: number; total_pages: number };
  };
  t.equal(zones.success, true);
  t.same(zones.result.map((z) => z.name), ['example.org']);
  t.same(zones.result_info, { page: 1, per_page: 20, count: 1, total_count: 1, total_pages: 1 });

  const zoneId = zones.result[0]?.id as string;
  const created = await fetch(`${base}/zones/${zoneId}/dns_records`, {
    method: 'POST',
    headers: { Authorization: 'Bearer e2e-token-1', 'Content-Type': 'application/json' },
    body: JSON.stringify({ type: 'CNAME', name: '_acme-challenge.example.org', content: 'slot.auth.example.org', ttl: 60, proxied: false }),
  });
  t.equal(created.status, 200);
  const records = (await (await fetch(`${origin}/__emulator/records`)).json()) as Record<string, unknown>[];
  t.match(records, [{ zone_name: 'example.org', name: '_acme-challenge.example.org', type: 'CNAME', content: 'slot.auth.example.org', ttl: 60, proxied: false }]);

  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  child.kill('SIGTERM');
  t.equal(await exited, 0, 'stops cleanly on SIGTERM');
});
