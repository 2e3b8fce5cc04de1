// The shipped units are valid for systemd and stay hardened (systemd's own exposure score). Whether
// they work under a real systemd is proven by scripts/deploy-test.sh, which boots Debian 13.
import { execFile, execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import t from 'tap';

const unitPath = (name: string): string => fileURLToPath(new URL(`../../systemd/${name}`, import.meta.url));
const unit = unitPath('acme-delegate.service');
const backupService = unitPath('acme-delegate-backup.service');
const backupTimer = unitPath('acme-delegate-backup.timer');

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
  // @pkey: Node 20 calls pkey_alloc at start; without it the kernel kills it with SIGSYS.
  const settings = ['CapabilityBoundingSet=CAP_NET_BIND_SERVICE', 'StateDirectory=acme-delegate', 'ProtectSystem=strict', 'PrivateTmp=yes', 'NoNewPrivileges=yes', 'SystemCallFilter=@system-service @pkey', 'SystemCallErrorNumber=EPERM'];
  for (const setting of settings) {
    t.match(text, setting, setting);
  }
});

t.test('the nightly backup service and timer are valid, and the service is sandboxed like the server', { skip }, async (t) => {
  const verify = await run(['verify', backupService, backupTimer]);
  t.equal(verify.code, 0, verify.output);
  t.notMatch(verify.output, /Unknown (key|section)|Invalid|Failed to parse/, 'no unknown or invalid settings');
  const security = await run(['security', '--offline=true', '--threshold=20', backupService]);
  const score = /Overall exposure level for [^:]+: ([\d.]+)/.exec(security.output)?.[1];
  t.ok(score !== undefined && Number(score) <= 2, `exposure ${score}`);
  const text = readFileSync(backupService, 'utf8');
  t.match(text, /^User=acme-delegate$/m, 'runs as the service user, so the copy is never root\'s');
  t.match(text, /acme-delegate backup --config \/etc\/acme-delegate\/config\.toml --to /, 'uses the backup command');
  t.match(readFileSync(backupTimer, 'utf8'), /^Persistent=true$/m, 'a missed night runs at the next boot');
});
