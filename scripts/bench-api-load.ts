// HTTP load for scripts/bench-api.sh: N keep-alive clients send requests back to back for a fixed
// time against a loopback API, then one line of figures is printed (requests/s, p50, p99,
// statuses). Bounded by --seconds and, in "cold" mode, by the number of accounts.
//   --url URL --mode warm|spread|cold|wrong-key|register --clients N --seconds S --accounts FILE
// warm: every client updates accounts[0]; spread: client i updates accounts[i % 40];
// cold: each request takes an account never used before (a bcrypt compare each), starting at
// accounts[--first-cold] so that a second cold run does not reuse the first one's;
// wrong-key: accounts[0] with a wrong key (a bcrypt compare and a 401 each); register: POST /register.
import { readFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { parseArgs } from 'node:util';

interface BenchAccount {
  readonly username: string;
  readonly password: string;
  readonly subdomain: string;
}

const { values } = parseArgs({
  options: {
    url: { type: 'string' },
    mode: { type: 'string', default: 'warm' },
    clients: { type: 'string', default: '16' },
    seconds: { type: 'string', default: '5' },
    accounts: { type: 'string' },
    label: { type: 'string' },
    'first-cold': { type: 'string', default: '1' },
  },
});
const url = new URL(values.url ?? 'http://127.0.0.1:8080');
const mode = values.mode as string;
const clients = Number(values.clients);
const seconds = Number(values.seconds);
const accounts: BenchAccount[] = values.accounts ? (JSON.parse(readFileSync(values.accounts, 'utf8')) as BenchAccount[]) : [];
if (mode !== 'register' && accounts.length === 0) throw new Error('--accounts FILE is needed for update modes');

const agent = new Agent({ keepAlive: true, maxSockets: clients });
const txt = (n: number): string => `bench${String(n).padStart(38, '0')}`;
let nextCold = Number(values['first-cold']); // accounts[0] is the warm one
let sent = 0;

function pick(client: number): BenchAccount | undefined {
  if (mode === 'warm' || mode === 'wrong-key') return accounts[0];
  if (mode === 'spread') return accounts[client % Math.min(40, accounts.length)];
  return accounts[nextCold++];
}

function send(client: number): Promise<number> | undefined {
  const n = sent++;
  if (mode === 'register') return post('/register', {}, '{}');
  const account = pick(client);
  if (!account) return undefined;
  const key = mode === 'wrong-key' ? 'W'.repeat(40) : account.password;
  return post('/update', { 'X-Api-User': account.username, 'X-Api-Key': key }, JSON.stringify({ subdomain: account.subdomain, txt: txt(n) }));
}

function post(path: string, headers: Record<string, string>, body: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request({ host: url.hostname, port: url.port, path, method: 'POST', agent, headers: { ...headers, 'Content-Length': Buffer.byteLength(body) } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end(body);
  });
}

const latencies: number[] = [];
const statuses = new Map<number, number>();
const deadline = performance.now() + seconds * 1000;
const started = performance.now();

async function client(id: number): Promise<void> {
  while (performance.now() < deadline) {
    const t0 = performance.now();
    const pending = send(id);
    if (!pending) return;
    const status = await pending.catch(() => 0);
    latencies.push(performance.now() - t0);
    statuses.set(status, (statuses.get(status) ?? 0) + 1);
  }
}

await Promise.all(Array.from({ length: clients }, (_, i) => client(i)));
const elapsed = (performance.now() - started) / 1000;
agent.destroy();
latencies.sort((a, b) => a - b);
const at = (q: number): string => (latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? NaN).toFixed(1);
const rate = latencies.length / elapsed;
const label = values.label ?? `${mode}, ${clients} client${clients === 1 ? '' : 's'}`;
const statusText = [...statuses].map(([s, n]) => `${s}:${n}`).join(' ');
process.stdout.write(`${label.padEnd(36)} ${rate.toFixed(0).padStart(7)}/s   p50 ${at(0.5).padStart(7)} ms   p99 ${at(0.99).padStart(7)} ms   (${statusText})\n`);
