// The Cloudflare credential never appears in any output, file or database, whatever happens:
// success, re-run, dry run, a refused credential, a failure midway, even with the SDK's debug log.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import t, { type Test } from 'tap';
import { cloudflareEndpointNote } from '../../src/bootstrap/cloudflare-gateway.js';
import { type CliResult, configArgs, domainArgs, runCli, runInProcess, startBootstrapCase, startEmulator, tempDir, testToken } from './cli-fixture.js';

function filesBelow(dir: string): string[] {
  const found: string[] = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) found.push(...filesBelow(path));
    else found.push(path);
  }
  return found;
}

function assertAbsent(t: Test, secret: string, runs: readonly CliResult[], dir: string): void {
  for (const [i, run] of runs.entries()) {
    t.notOk(run.stdout.includes(secret), `run ${i}: not in stdout`);
    t.notOk(run.stderr.includes(secret), `run ${i}: not in stderr`);
  }
  const files = filesBelow(dir);
  t.ok(files.some((f) => f.endsWith('.db')), 'the database is among the files checked');
  t.ok(files.some((f) => f.endsWith('acmedns.json')), 'the credential files are among the files checked');
  for (const file of files) t.notOk(readFileSync(file).includes(Buffer.from(secret)), `not in ${file}`);
}

t.test('API token', async (t) => {
  const { emulator, dir, out } = await startBootstrapCase(t);
  const env = { CLOUDFLARE_BASE_URL: emulator.baseUrl, CLOUDFLARE_API_TOKEN: testToken, CLOUDFLARE_LOG: 'debug' };
  const runs: CliResult[] = [];
  emulator.failWritesAfter(2, { status: 503, code: 10001, message: 'injected', retryable: true });
  runs.push(await runCli([...configArgs(dir), ...domainArgs, '--out', out, '--yes'], env));
  t.equal(runs[0]?.code, 1, 'failed midway');
  t.match(runs[0]?.stderr, /cloudflare sdk/, 'the SDK debug log was on');
  emulator.clearFailures();
  runs.push(await runCli([...configArgs(dir), ...domainArgs, '--out', out, '--yes'], env));
  t.equal(runs[1]?.code, 0);
  runs.push(await runCli([...configArgs(dir), ...domainArgs, '--out', out, '--dry-run'], env));
  // A refused token: the error names the problem, not the value.
  const wrong = 'cfut_WrongToken0123456789abcdefghijklmnopqrstuv';
  const refused = await runInProcess([...configArgs(dir), ...domainArgs, '--out', out, '--yes'], { ...env, CLOUDFLARE_API_TOKEN: wrong });
  t.equal(refused.code, 1);
  t.match(refused.stderr, /does not accept the credential/);
  t.notOk(refused.stderr.includes(wrong) || refused.stdout.includes(wrong));
  assertAbsent(t, testToken, runs, dir);
});

t.test('Global API Key: warned about, never shown', async (t) => {
  const key = 'GlobalKey0123456789abcdef0123456789abc';
  const { emulator, dir, out } = await startBootstrapCase(t, [], { tokens: [], globalKeys: [{ email: 'ops@example.com', key }] });
  const env = { CLOUDFLARE_BASE_URL: emulator.baseUrl, CLOUDFLARE_API_KEY: key, CLOUDFLARE_EMAIL: 'ops@example.com', CLOUDFLARE_LOG: 'debug' };
  const run = await runCli([...configArgs(dir), ...domainArgs, '--out', out, '--yes'], env);
  t.equal(run.code, 0, run.stderr);
  t.match(run.stderr, /warning: the Global API Key can do anything/);
  assertAbsent(t, key, [run], dir);
});

t.test('a missing credential is explained', async (t) => {
  const emulator = await startEmulator(t);
  const dir = tempDir(t);
  const run = await runInProcess([...configArgs(dir), ...domainArgs, '--dry-run'], { CLOUDFLARE_BASE_URL: emulator.baseUrl });
  t.equal(run.code, 1);
  t.match(run.stderr, /no Cloudflare credential: set CLOUDFLARE_API_TOKEN/);
  t.equal(emulator.requests().length, 0, 'no unauthenticated request was sent');
});

t.test('CLOUDFLARE_BASE_URL: plain HTTP to another machine is refused; any other endpoint is named', async (t) => {
  // The SDK sends the credential wherever CLOUDFLARE_BASE_URL points, and it used to be taken
  // as it was: http://proxy.example:8080/... would have carried the key in clear text.
  const dir = tempDir(t);
  const env = { CLOUDFLARE_API_TOKEN: testToken };
  for (const url of ['http://192.0.2.1:9/client/v4', 'http://[2001:db8::1]/client/v4', 'ftp://127.0.0.1/x']) {
    const run = await runInProcess([...configArgs(dir), ...domainArgs, '--dry-run'], { ...env, CLOUDFLARE_BASE_URL: url });
    t.equal(run.code, 2, url);
    t.match(run.stderr, /CLOUDFLARE_BASE_URL .* is not https: the Cloudflare credential would cross the network unencrypted/, url);
    t.notOk(run.stderr.includes(testToken));
  }
  const junk = await runInProcess([...configArgs(dir), ...domainArgs, '--dry-run'], { ...env, CLOUDFLARE_BASE_URL: 'api.cloudflare.com/client/v4' });
  t.equal(junk.code, 2);
  t.match(junk.stderr, /CLOUDFLARE_BASE_URL "api\.cloudflare\.com\/client\/v4" is not a URL/);

  // A leftover pointing at a test emulator would otherwise "succeed" without a word.
  const emulator = await startEmulator(t);
  const local = await runInProcess([...configArgs(dir), ...domainArgs, '--dry-run'], { ...env, CLOUDFLARE_BASE_URL: emulator.baseUrl });
  t.equal(local.code, 0, local.stderr);
  t.match(local.stderr, `note: using the Cloudflare API at ${emulator.baseUrl} (CLOUDFLARE_BASE_URL)`);
  t.equal(cloudflareEndpointNote({ CLOUDFLARE_BASE_URL: ' https://api.cloudflare.com/client/v4/ ' }), undefined, 'the default, spelled out, is not worth a note');
  t.equal(cloudflareEndpointNote({}), undefined);
});

t.test('a credential pasted as an argument is not echoed back', async (t) => {
  // The parser's own message repeated a stray argument verbatim; a token given on the command
  // line instead of the environment cannot be known to the redactor.
  const pasted = 'cfut_PastedOnTheCommandLine0123456789abcdef';
  for (const args of [[pasted], ['-d', 'www.example.com', pasted], ['--dry-run', pasted, '-d', 'www.example.com']]) {
    const run = await runInProcess(args, {});
    t.equal(run.code, 2);
    t.notOk(run.stderr.includes(pasted) || run.stdout.includes(pasted), 'not in the output');
    t.match(run.stderr, /unexpected argument \(not repeated here\).*environment only \(CLOUDFLARE_API_TOKEN\)/);
  }
});
