// The real service for scripts/bench-dns.sh: the zone auth.example.org with the slots of a
// slots.tsv (argv[3], written by scripts/bench/dns-data.ts; one line: subdomain TAB value...)
// imported into a fresh store (argv[4], a path that must not exist yet), then `startService` as
// `acme-delegate serve` runs it, DNS on 127.0.0.1:<argv[2]>, the API on a free port.
// BENCH_DNS_WORKERS=N sets dns.workers (1: DNS in the server process; N > 1: N worker processes).
// BENCH_DNS_NO_FAST_PATH=1 is no longer supported here (the service always has the fast path).
// Prints "ready <port> <ms from start to answering> <heap MB> <RSS MB, all processes> <RSS MB
// of the server process>[+<each worker's>]" once it answers; stops on SIGTERM.
import { readFileSync } from 'node:fs';
import { loadConfig } from '../src/config/load.js';
import { silentLogger } from '../src/log.js';
import { startService } from '../src/service.js';
import { Store, type ImportedAccount } from '../src/store/store.js';

const [port = '5353', slotsFile, dbPath] = process.argv.slice(2);
if (!slotsFile || !dbPath) throw new Error('usage: bench-dns-server.ts PORT SLOTS.tsv NEW-DB-PATH');
const workers = process.env.BENCH_DNS_WORKERS ?? '1';

const now = Date.now();
const accounts = function* (): Generator<ImportedAccount> {
  let i = 0;
  for (const line of readFileSync(slotsFile, 'utf8').split('\n')) {
    if (line === '') continue;
    const [subdomain, ...values] = line.split('\t');
    // One shared placeholder hash: nobody logs in during a DNS benchmark.
    yield { username: `bench-${i++}`, passwordHash: '$2a$10$benchbenchbenchbenchbenchbenchbenchbenchbenchbenchben', subdomain: subdomain as string, allowfrom: [], createdAt: now, values: values.map((value, v) => ({ value, updatedAt: now - v })) };
  }
};
const config = loadConfig({
  overrides: {
    'dns.zone': 'auth.example.org',
    'dns.listen': [`127.0.0.1:${port}`],
    'dns.ns_addresses': ['127.0.0.1'],
    'dns.workers': workers,
    'api.listen': '127.0.0.1:0',
    'store.path': dbPath,
    'log.level': 'warn',
  },
});
const store = Store.open({ path: dbPath, valuesPerSlot: config.store.txt_values_per_slot, maxAgeSeconds: config.store.txt_max_age_seconds });
store.importAccounts(accounts());
store.close();

const started = performance.now();
const service = await startService(config, silentLogger);
const elapsed = Math.round(performance.now() - started);
globalThis.gc?.();
const mb = (bytes: number): number => Math.round(bytes / 1048576);
const rssOf = (pid: number): number => {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8').match(/^VmRSS:\s+(\d+) kB/m);
  return line ? Math.round(Number(line[1]) / 1024) : 0;
};
const rss = [process.memoryUsage().rss, ...service.dnsWorkerPids().map((pid) => rssOf(pid) * 1048576)].map(mb);
const total = rss.reduce((a, b) => a + b, 0);
process.stdout.write(`ready ${service.dns.addresses().udp[0]?.port ?? port} ${elapsed} ${mb(process.memoryUsage().heapUsed)} ${total} ${rss.join('+')}\n`);
process.once('SIGTERM', () => void service.close().then(() => process.exit(0)));
