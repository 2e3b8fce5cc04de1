// Loopback HTTP for the attack scripts: requests from a chosen source address over keep-alive
// agents (one per address), and the figures they print.
import { Agent, request } from 'node:http';

export interface Result {
  readonly status: number;
  readonly ms: number;
  readonly body: string;
}

const agents = new Map<string, Agent>();

function agentFor(from: string): Agent {
  let agent = agents.get(from);
  if (!agent) {
    agent = new Agent({ keepAlive: true, maxSockets: 256, localAddress: from } as ConstructorParameters<typeof Agent>[0] & { localAddress: string });
    agents.set(from, agent);
  }
  return agent;
}

export function closeAgents(): void {
  for (const agent of agents.values()) agent.destroy();
  agents.clear();
}

/** A POST; a refused or reset connection is status 0, never a throw. */
export function post(port: number, path: string, from: string, headers: Record<string, string> = {}, body = ''): Promise<Result> {
  const started = performance.now();
  return new Promise((resolve) => {
    const req = request({ host: '127.0.0.1', port, path, method: 'POST', agent: agentFor(from), headers: { ...headers, 'Content-Length': String(Buffer.byteLength(body)) }, timeout: 30_000 }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, ms: performance.now() - started, body: text }));
      res.on('error', () => resolve({ status: 0, ms: performance.now() - started, body: '' }));
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve({ status: 0, ms: performance.now() - started, body: '' }));
    req.end(body);
  });
}

export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] as number;
}

export function countBy(values: readonly number[]): string {
  const counts = new Map<number, number>();
  for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1);
  return [...counts].sort((a, b) => a[0] - b[0]).map(([k, n]) => `${k === 0 ? 'closed' : k}: ${n}`).join(', ');
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
