// Runs the built command line (dist/main.js) as users do, as a child process stopped by PID.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import type { Test } from 'tap';

export const mainPath = fileURLToPath(new URL('../../dist/main.js', import.meta.url));

/** The environment for child processes: ours less anything that would configure them. */
export function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (!k.startsWith('ACME_DELEGATE_') && !k.startsWith('CLOUDFLARE_')) env[k] = v;
  }
  return { ...env, ...extra };
}

export interface CliResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

export interface RunOptions {
  readonly env?: NodeJS.ProcessEnv;
  readonly timeoutMs?: number;
  /** Run as this user (the test must be root). */
  readonly user?: { readonly uid: number; readonly gid: number };
}

export async function runCli(args: string[], options: RunOptions = {}): Promise<CliResult> {
  const command = [process.execPath, mainPath, ...args];
  // As another user, without the test runner's hook (NODE_OPTIONS, which tap puts back into
  // every child's environment): it writes under .tap/, where that user may not.
  const [file, ...rest] = options.user ? ['env', '-u', 'NODE_OPTIONS', ...command] : command;
  const child = spawn(file as string, rest, { env: options.env ?? cleanEnv(), stdio: ['ignore', 'pipe', 'pipe'], ...options.user });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 30_000);
  const [code] = (await once(child, 'exit')) as [number | null];
  clearTimeout(timer);
  return { code, stdout, stderr };
}

export interface StartedServer {
  readonly child: ChildProcess;
  readonly apiPort: number;
  readonly dnsPort: number;
  /** Log lines so far (JSON objects). */
  readonly logs: Record<string, unknown>[];
  stop(): Promise<number | null>;
}

/** Starts `serve` and waits for its "started" log line, which names the real ports. */
export async function startServer(t: Test, args: string[], env: NodeJS.ProcessEnv = cleanEnv()): Promise<StartedServer> {
  const child = spawn(process.execPath, [mainPath, 'serve', '--log-format', 'json', ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  const logs: Record<string, unknown>[] = [];
  let buffered = '';
  let output = '';
  const started = new Promise<Record<string, unknown>>((resolve, reject) => {
    child.stderr.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      buffered += chunk.toString();
      const lines = buffered.split('\n');
      buffered = lines.pop() ?? '';
      for (const line of lines) {
        try {
          const entry = JSON.parse(line) as Record<string, unknown>;
          logs.push(entry);
          if (entry.msg === 'acme-delegate started') resolve(entry);
        } catch {
          // not a log line
        }
      }
    });
    child.once('exit', (code) => reject(new Error(`serve exited with ${code}: ${output}`)));
    setTimeout(() => reject(new Error(`serve did not start: ${output}`)), 20_000).unref();
  });
  const stop = async (): Promise<number | null> => {
    if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
    const exited = once(child, 'exit');
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    const [code] = (await exited) as [number | null];
    clearTimeout(timer);
    return code;
  };
  t.teardown(stop);
  const entry = await started;
  const api = String(entry.api);
  const dns = (entry.dns as string[])[0] ?? '';
  return { child, logs, stop, apiPort: Number(api.slice(api.lastIndexOf(':') + 1)), dnsPort: Number(dns.slice(dns.lastIndexOf(':') + 1)) };
}
