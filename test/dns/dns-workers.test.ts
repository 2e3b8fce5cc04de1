// DNS answered by worker processes (dns.workers = 2), through the whole service: every value is
// served by every worker right after its 200; a worker that dies is replaced and is never stale;
// a worker that stops acknowledging changes is killed before the 200; what is not a plain query
// is answered by the primary; the workers' answers are counted in /metrics.
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { loadConfig } from '../../src/config/load.js';
import { silentLogger } from '../../src/log.js';
import { startService, type RunningService } from '../../src/service.js';
import { addDdnsSlot, buildQuery, decode, header } from './helpers.js';
import { udpExchange } from './socket-helpers.js';

const ZONE = 'auth.example.org';

interface Account {
  username: string;
  password: string;
  subdomain: string;
  fulldomain: string;
}

async function start(t: { teardown(fn: () => Promise<void>): void }, workers: number, extra: Record<string, string> = {}): Promise<RunningService> {
  const dir = mkdtempSync(join(tmpdir(), 'acme-delegate-workers-'));
  const config = loadConfig({
    overrides: {
      'dns.zone': ZONE,
      'dns.listen': ['127.0.0.1:0'],
      'dns.workers': String(workers),
      'api.listen': '127.0.0.1:0',
      'api.registration': 'open',
      'store.path': join(dir, 'db.sqlite'),
      'store.bcrypt_cost': '4',
      'log.level': 'warn',
      ...extra,
    },
  });
  const service = await startService(config, silentLogger);
  t.teardown(async () => {
    await service.close();
    rmSync(dir, { recursive: true, force: true });
  });
  return service;
}

const apiOf = (service: RunningService): string => `http://127.0.0.1:${service.apiAddress.port}`;
const dnsPort = (service: RunningService): number => service.dns.addresses().udp[0]?.port as number;

async function register(service: RunningService): Promise<Account> {
  const response = await fetch(`${apiOf(service)}/register`, { method: 'POST' });
  return (await response.json()) as Account;
}

function update(service: RunningService, account: Account, txt: string): Promise<Response> {
  return fetch(`${apiOf(service)}/update`, {
    method: 'POST',
    headers: { 'X-Api-User': account.username, 'X-Api-Key': account.password },
    body: JSON.stringify({ subdomain: account.subdomain, txt }),
  });
}

/** The TXT values UDP answers carry for the account's name, one list per query, each from a new socket. */
async function servedValues(service: RunningService, account: Account, queries: number): Promise<string[][]> {
  const replies = await Promise.all(
    Array.from({ length: queries }, (_, i) => udpExchange(dnsPort(service), buildQuery(account.fulldomain, { id: 1000 + i }))),
  );
  return replies.map((reply) => decode(reply).answers.map((a) => (a as unknown as { data: string }).data).sort());
}

const token = (n: number): string => `value-${String(n).padStart(3, '0')}`.padEnd(43, 'x');

/** Runs `body` with `pid` stopped (SIGSTOP), so every datagram goes to the other workers. */
async function withStopped<T>(pid: number, body: () => Promise<T>): Promise<T> {
  process.kill(pid, 'SIGSTOP');
  try {
    return await body();
  } finally {
    process.kill(pid, 'SIGCONT');
  }
}

/** Starting a worker under tsx takes seconds, and many more on a loaded machine. */
async function waitFor(what: string, check: () => boolean | Promise<boolean>, ms = 60_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`gave up waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

// One service for every test (starting workers under tsx is slow); the tests that kill a worker
// come last, and the service replaces what they kill.
const metricsPort = await freePort();
const service = await start(t, 2, { 'metrics.listen': `127.0.0.1:${metricsPort}` });

t.test('every worker serves the new value as soon as POST /update answers 200', async (t) => {
  const pids = service.dnsWorkerPids();
  t.equal(pids.length, 2, 'two DNS worker processes');
  t.not(pids[0], process.pid);
  const account = await register(service);
  let previous: string | undefined;
  for (let n = 1; n <= 5; n++) {
    const txt = token(n);
    t.equal((await update(service, account, txt)).status, 200);
    const expected = [txt, ...(previous ? [previous] : [])].sort();
    // Queries right after the 200 from many source ports: whichever worker reads them.
    t.same(await servedValues(service, account, 20), Array(20).fill(expected), `update ${n}: every answer has it`);
    // Each worker alone: the other one stopped, so the shared socket is read by this one only.
    for (const [i, pid] of pids.entries()) {
      const other = pids[1 - i] as number;
      t.same(await withStopped(other, () => servedValues(service, account, 3)), Array(3).fill(expected), `update ${n}: worker ${pid} has it`);
    }
    previous = txt;
  }
});

t.test('ddns slots: A records reach every worker as the store emits them', async (t) => {
  const pids = service.dnsWorkerPids();
  addDdnsSlot(service.store, 'home', { ipv4: '203.0.113.7' });
  const addresses = async (): Promise<string[]> => {
    const reply = await udpExchange(dnsPort(service), buildQuery(`home.${ZONE}`, { type: 1 }));
    return decode(reply).answers.map((a) => (a as unknown as { address: string }).address);
  };
  // A change made straight on the store (no API reply to wait for) is applied within moments.
  await waitFor('the address in DNS', async () => (await addresses()).includes('203.0.113.7'), 10_000);
  service.store.setAddresses({ subdomain: 'home', ipv4: '198.51.100.9' });
  await waitFor('the new address in DNS', async () => (await addresses()).includes('198.51.100.9'), 10_000);
  for (const [i, pid] of pids.entries()) {
    t.same(await withStopped(pids[1 - i] as number, addresses), ['198.51.100.9'], `worker ${pid} serves the new A record`);
  }
});

t.test('what is not a plain query is answered by the primary, as with one process', async (t) => {
  const one = await start(t, 1);
  const two = service;
  const shapes: [string, Buffer][] = [
    ['NOTIFY', buildQuery(ZONE, { opcode: 4, type: 6, rd: false, id: 0x4e4f })],
    ['UPDATE', buildQuery(ZONE, { opcode: 5, type: 6, rd: false, id: 0x5550 })],
    ['AXFR over UDP', buildQuery(ZONE, { type: 252, rd: false, id: 0x4158 })],
    ['IXFR over UDP', buildQuery(ZONE, { type: 251, rd: false, id: 0x4958 })],
  ];
  for (const [what, query] of shapes) {
    const expected = await udpExchange(dnsPort(one), query).then(header, (e: Error) => e.message);
    const got = await udpExchange(dnsPort(two), query).then(header, (e: Error) => e.message);
    t.same(got, expected, what);
  }
});

t.test("the workers' answers are counted in /metrics", async (t) => {
  const account = await register(service);
  await servedValues(service, account, 40);
  const answered = async (): Promise<number> => {
    const text = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
    const line = text.split('\n').find((l) => l.startsWith('acme_delegate_dns_responses_total{') && l.includes('transport="udp"') && l.includes('qtype="TXT"'));
    return line ? Number(line.split(' ').pop()) : 0;
  };
  // Workers report every few seconds.
  await waitFor('the workers to report', async () => (await answered()) >= 40);
  t.ok((await answered()) >= 40, 'UDP TXT answers counted');
});

t.test('a worker that dies is replaced, loads from the store, and the other answers meanwhile', async (t) => {
  const account = await register(service);
  t.equal((await update(service, account, token(1))).status, 200);
  const [victim, survivor] = service.dnsWorkerPids() as [number, number];
  process.kill(victim, 'SIGKILL');
  await waitFor('the worker to end', () => !alive(victim));
  // Updates go on while it is down, and the survivor answers them.
  t.equal((await update(service, account, token(2))).status, 200);
  t.same(await servedValues(service, account, 10), Array(10).fill([token(1), token(2)].sort()), 'the survivor answers, up to date');
  await waitFor('a replacement', () => service.dnsWorkerPids().length === 2 && !service.dnsWorkerPids().includes(victim));
  const replacement = service.dnsWorkerPids().find((pid) => pid !== survivor) as number;
  // Give it time to load and bind; then, alone, it must serve what was set while it was down.
  await waitFor('the replacement to answer alone', async () => {
    const values = await withStopped(survivor, () => servedValues(service, account, 1).catch(() => [[]]));
    return values[0]?.length === 2;
  });
  t.equal((await update(service, account, token(3))).status, 200);
  t.same(await withStopped(survivor, () => servedValues(service, account, 5)), Array(5).fill([token(2), token(3)].sort()), `replacement ${replacement} is current`);
});

t.test('a worker that stops acknowledging changes is killed before the 200', async (t) => {
  await waitFor('two workers', () => service.dnsWorkerPids().length === 2);
  const account = await register(service);
  const [stuck, other] = service.dnsWorkerPids() as [number, number];
  process.kill(stuck, 'SIGSTOP');
  t.teardown(() => alive(stuck) && process.kill(stuck, 'SIGCONT'));
  const response = await update(service, account, token(7));
  t.equal(response.status, 200);
  t.notOk(alive(stuck), 'the stuck worker was killed before the 200');
  t.notOk(service.dnsWorkerPids().includes(stuck), 'no longer one of the workers');
  t.same(await servedValues(service, account, 10), Array(10).fill([token(7)]), 'answers carry the update');
  t.ok(service.dnsWorkerPids().includes(other));
});


async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
