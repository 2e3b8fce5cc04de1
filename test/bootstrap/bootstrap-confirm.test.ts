// On a terminal, the plan is applied only after a "y" at the prompt. The terminal is a
// pseudo-terminal made by util-linux `script`; the test is skipped where it is not installed.
import { execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { cliCommand, type CliResult, configArgs, repoRoot, startBootstrapCase, testToken } from './cli-fixture.js';

function hasScript(): Promise<boolean> {
  return new Promise((resolve) => execFile('script', ['--version'], (error) => resolve(!error)));
}

function quote(arg: string): string {
  return `'${arg.replace(/'/g, `'\\''`)}'`;
}

/** Runs the CLI on a pseudo-terminal, typing `answer` and a newline. */
function runOnTerminal(args: readonly string[], env: Record<string, string>, answer: string): Promise<CliResult> {
  const command = [process.execPath, ...cliCommand, 'bootstrap', ...args].map(quote).join(' ');
  const clean: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !k.startsWith('CLOUDFLARE_') && !k.startsWith('ACME_DELEGATE_') && !k.startsWith('TAP') && !k.startsWith('NODE_')) clean[k] = v;
  return new Promise((resolve, reject) => {
    const child = spawn('script', ['-qec', command, '/dev/null'], { cwd: repoRoot, env: { ...clean, ACME_DELEGATE_STORE_BCRYPT_COST: '4', ...env }, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
    // Typed ahead: the terminal keeps it until the prompt reads it.
    child.stdin.end(`${answer}\n`);
  });
}

const skip = (await hasScript()) ? false : 'util-linux script is not installed';

t.test('interactive confirmation', { skip }, async (t) => {
  const { emulator, dir, out } = await startBootstrapCase(t);
  const env = { CLOUDFLARE_BASE_URL: emulator.baseUrl, CLOUDFLARE_API_TOKEN: testToken };
  const args = [...configArgs(dir), '-d', 'www.example.com', '--out', out];

  const declined = await runOnTerminal(args, env, 'n');
  t.equal(declined.code, 1);
  t.match(declined.stdout, /Apply this plan\? \[y\/N\]/);
  t.match(declined.stdout, /not applied: nothing was changed/);
  t.equal(emulator.writeCount(), 0);
  t.notOk(existsSync(out));

  const accepted = await runOnTerminal(args, env, 'y');
  t.equal(accepted.code, 0, accepted.stdout);
  t.match(accepted.stdout, /created CNAME _acme-challenge\.www\.example\.com/);
  t.ok(existsSync(join(out, 'acmedns.json')));
});
