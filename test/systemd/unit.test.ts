// The shipped unit is valid for systemd and stays hardened (systemd's own exposure score).
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import t from 'tap';

const unit = fileURLToPath(new URL('../../systemd/acme-delegate.service', import.meta.url));

function run(args: string[]): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    execFile('systemd-analyze', args, { timeout: 60_000 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : -1) : 0;
      resolve({ code, output: stdout + stderr });
    });
  });
}

t.test('systemd accepts the unit and rates it well hardened', async (t) => {
  const probe = await run(['--version']);
  if (probe.code !== 0) {
    t.skip('systemd-analyze is not installed');
    return;
  }
  const verify = await run(['verify', unit]);
  t.equal(verify.code, 0, verify.output);
  t.notMatch(verify.output, /Unknown (key|section)|Invalid|Failed to parse/, 'no unknown or invalid settings');
  const security = await run(['security', '--offline=true', '--threshold=20', unit]);
  t.equal(security.code, 0, 'exposure at most 2.0 (systemd-analyze --threshold=20)');
  const score = /Overall exposure level for [^:]+: ([\d.]+)/.exec(security.output)?.[1];
  t.ok(score !== undefined && Number(score) <= 2, `exposure ${score}`);
  const text = readFileSync(unit, 'utf8');
  for (const setting of ['CapabilityBoundingSet=CAP_NET_BIND_SERVICE', 'StateDirectory=acme-delegate', 'ProtectSystem=strict', 'PrivateTmp=yes', 'NoNewPrivileges=yes']) {
    t.match(text, setting, setting);
  }
});
