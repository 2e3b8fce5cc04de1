// The shipped unit is valid for systemd and stays hardened (systemd's own exposure score).
import { execFile, execFileSync } from 'node:child_process';
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

function haveSystemdAnalyze(): boolean {
  try {
    execFileSync('systemd-analyze', ['--version'], { stdio: 'ignore', timeout: 10_000 });
    return true;
  } catch {
    return false;
  }
}

const skip = haveSystemdAnalyze() ? false : 'systemd-analyze is not installed';

t.test('systemd accepts the unit and rates it well hardened', { skip }, async (t) => {
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
