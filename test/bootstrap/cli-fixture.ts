// Runs `acme-delegate bootstrap` as a subprocess (the real CLI, src/main.ts) against an
// in-process Cloudflare emulator, with every CLOUDFLARE_* and ACME_DELEGATE_* variable cleared
// except those a test sets.
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Test } from 'tap';
import { runBootstrapCli } from '../../src/cli/bootstrap-command.js';
import { startCloudflareEmulator, type CloudflareEmulator, type EmulatorOptions, type SeedRecord } from '../helpers/cloudflare-emulator.js';

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const testToken = 'cfut_TestToken0123456789abcdefghijklmnopqrstuvwx';

export interface CliResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Every source file has a newer compiled twin in dist/ (as after `npm test`'s build). */
function distIsFresh(): boolean {
  const walk = (dir: string): boolean =>
    readdirSync(dir, { withFileTypes: true }).every((entry) => {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) return walk(path);
      if (!entry.name.endsWith('.ts')) return true;
      const built = join(repoRoot, 'dist', relative(join(repoRoot, 'src'), path)).replace(/\.ts$/, '.js');
      return existsSync(built) && statSync(built).mtimeMs >= statSync(path).mtimeMs;
    });
  return walk(join(repoRoot, 'src'));
}

/**
 * The CLI's command line: the build in dist/ when it is current (loading the Cloudflare SDK
 * through tsx's loader costs seconds a run), else the sources through tsx.
 */
export const cliCommand: readonly string[] = distIsFresh() ? [join(repoRoot, 'dist/main.js')] : ['--import', 'tsx', join(repoRoot, 'src/main.ts')];

export function runCli(args: readonly string[], env: Readonly<Record<string, string>>): Promise<CliResult> {
  const clean: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (v !== undefined && !k.startsWith('CLOUDFLARE_') && !k.startsWith('ACME_DELEGATE_') && !k.startsWith('TAP') && !k.startsWith('NODE_')) clean[k] = v;
  }
  // Cheap hashes: the tests are about the plan, not bcrypt.
  Object.assign(clean, { ACME_DELEGATE_STORE_BCRYPT_COST: '4' }, env);
  return new Promise((resolvePromise, reject) => {
    execFile(process.execPath, [...cliCommand, 'bootstrap', ...args], { cwd: repoRoot, env: clean, timeout: 60_000, maxBuffer: 8 << 20 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : -1) : 0;
      if (error && typeof error.code !== 'number') return reject(error);
      resolvePromise({ code, stdout, stderr });
    });
  });
}

/**
 * The same command in this process: much quicker (no SDK load per run), for tests about the
 * plan rather than the process. The SDK reads CLOUDFLARE_BASE_URL from process.env.
 */
export async function runInProcess(args: readonly string[], env: Readonly<Record<string, string>>): Promise<CliResult> {
  for (const name of Object.keys(process.env)) if (name.startsWith('CLOUDFLARE_')) delete process.env[name];
  if (env.CLOUDFLARE_BASE_URL) process.env.CLOUDFLARE_BASE_URL = env.CLOUDFLARE_BASE_URL;
  let stdout = '';
  let stderr = '';
  const code = await runBootstrapCli(args, {
    env: { ACME_DELEGATE_STORE_BCRYPT_COST: '4', ...env },
    stdout: (text) => (stdout += text),
    stderr: (text) => (stderr += text),
  });
  return { code, stdout, stderr };
}

/**
 * A private temporary folder, removed at the end. Not t.testdir(): .tap/fixtures is shared
 * with whoever else runs tap in this checkout at the same time.
 */
export function tempDir(t: Test): string {
  const dir = mkdtempSync(join(tmpdir(), 'acme-delegate-bootstrap-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** The config flags every run shares: our zone inside example.org, glue v4 + v6. */
export function configArgs(dir: string): string[] {
  return ['--zone', 'auth.example.org', '--ns-address', '203.0.113.5', '--ns-address', '2001:db8::5', '--api-url', 'https://auth.example.org', '--db', join(dir, 'db', 'acme-delegate.db')];
}

export const domainArgs = ['-d', 'www.example.com', '-d', '*.example.com', '-d', 'example.com'];

export async function startEmulator(t: Test, options: EmulatorOptions = {}): Promise<CloudflareEmulator> {
  const emulator = await startCloudflareEmulator({ tokens: [{ value: testToken }], zones: ['example.com', 'example.org', 'unrelated.net'], ...options });
  t.teardown(() => emulator.close());
  return emulator;
}

/** A record already at the provider before bootstrap runs: its zone and the record. */
export type ExistingRecord = readonly [zone: string, record: SeedRecord];

export interface BootstrapCase {
  readonly emulator: CloudflareEmulator;
  /** Private folder of the run: config, database. */
  readonly dir: string;
  /** Where the run writes the credential files (`--out`), not made yet. */
  readonly out: string;
}

/** What a bootstrap run starts from: the provider with the records already there, and a private folder. */
export async function startBootstrapCase(t: Test, existing: readonly ExistingRecord[] = [], options: EmulatorOptions = {}): Promise<BootstrapCase> {
  const emulator = await startEmulator(t, options);
  for (const [zone, record] of existing) emulator.addRecord(zone, record);
  const dir = tempDir(t);
  return { emulator, dir, out: join(dir, 'out') };
}

export function tokenEnv(emulator: CloudflareEmulator, token = testToken): Record<string, string> {
  return { CLOUDFLARE_BASE_URL: emulator.baseUrl, CLOUDFLARE_API_TOKEN: token };
}

/** Comparable view of the emulator's records. */
export function recordSet(emulator: CloudflareEmulator): string[] {
  return emulator
    .records()
    .map((r) => `${r.zone_name} ${r.name} ${r.type} ${r.content} ttl=${r.ttl} proxied=${String(r.proxied)}`)
    .sort();
}

/** Every file below `dir` with its mode and content, for "nothing changed" checks. */
export function snapshotDir(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string): void => {
    let names: string[];
    try {
      names = readdirSync(d);
    } catch {
      return;
    }
    for (const name of names) {
      const path = join(d, name);
      const st = statSync(path);
      if (st.isDirectory()) {
        out[path] = `dir mode=${(st.mode & 0o777).toString(8)}`;
        walk(path);
      } else {
        out[path] = `mode=${(st.mode & 0o777).toString(8)} mtime=${st.mtimeMs} sha=${readFileSync(path).toString('base64')}`;
      }
    }
  };
  walk(dir);
  return out;
}

export interface StoredEntry {
  fulldomain: string;
  subdomain: string;
  username: string;
  password: string;
  server_url: string;
}

export function readStorageJson(outDir: string): Record<string, StoredEntry> {
  return JSON.parse(readFileSync(join(outDir, 'acmedns.json'), 'utf8')) as Record<string, StoredEntry>;
}
