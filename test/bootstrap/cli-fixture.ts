// Runs `acme-delegate bootstrap` as a subprocess (the real CLI from src/main.ts) against an
// in-process Cloudflare emulator, with every CLOUDFLARE_* and ACME_DELEGATE_* variable cleared
// except those a test sets.
import { execFile } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Test } from 'tap';
import { startCloudflareEmulator, type CloudflareEmulator, type EmulatorOptions } from '../helpers/cloudflare-emulator.js';

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const testToken = 'cfut_TestToken0123456789abcdefghijklmnopqrstuvwx';

export interface CliResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

export function runCli(args: readonly string[], env: Readonly<Record<string, string>>): Promise<CliResult> {
  const clean: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (v !== undefined && !k.startsWith('CLOUDFLARE_') && !k.startsWith('ACME_DELEGATE_') && !k.startsWith('TAP') && !k.startsWith('NODE_')) clean[k] = v;
  }
  // Cheap hashes: the tests are about the plan, not bcrypt.
  Object.assign(clean, { ACME_DELEGATE_STORE_BCRYPT_COST: '4' }, env);
  return new Promise((resolvePromise, reject) => {
    execFile(process.execPath, ['--import', 'tsx', join(repoRoot, 'src/main.ts'), 'bootstrap', ...args], { cwd: repoRoot, env: clean, timeout: 60_000, maxBuffer: 8 << 20 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : -1) : 0;
      if (error && typeof error.code !== 'number') return reject(error);
      resolvePromise({ code, stdout, stderr });
    });
  });
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
