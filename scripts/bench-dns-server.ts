// A DNS server for scripts/bench-dns.sh: the zone auth.example.org with the slots of a slots.tsv
// (argv[3], written by scripts/bench/dns-data.ts; one line: subdomain TAB value...), listening on
// 127.0.0.1:<argv[2]>. Prints "ready <port> <ms to build the index> <heap MB> <rss MB>" once it
// answers; stops on SIGTERM. The slots come from a plain in-memory source rather than SQLite:
// this measures the DNS side alone (scripts/bench-scale.sh measures start-up with the store).
// BENCH_DNS_NO_FAST_PATH=1 turns the answer cache off to measure the general (dns2) path alone.
// BENCH_DNS_WORKERS=N (N > 1) answers from N cluster workers sharing the sockets through the
// primary, each with its own zone index: what several DNS processes would give on this machine
// (the service itself runs DNS in one process; see docs/performance.md).
import cluster from 'node:cluster';
import { EventEmitter } from 'node:events';
import { readFileSync } from 'node:fs';
import { loadConfig } from '../src/config/load.js';
import { createZoneIndex, type SlotSource } from '../src/dns/zone-index.js';
import { startDnsServer } from '../src/dns/server.js';
import { transferSettings } from '../src/dns/transfer/settings.js';
import { silentLogger } from '../src/log.js';
import type { Slot } from '../src/store/store.js';

const port = process.argv[2] ?? '5353';
const workers = Number.parseInt(process.env.BENCH_DNS_WORKERS ?? '1', 10);
if (workers > 1 && cluster.isPrimary) {
  const readyLines: string[] = [];
  for (let i = 0; i < workers; i++) {
    cluster.fork().on('message', (line: string) => {
      readyLines.push(line);
      if (readyLines.length === workers) {
        // Slowest start, first worker's heap, every worker's RSS added up.
        const fields = readyLines.map((l) => l.split(' ').map(Number));
        const build = Math.max(...fields.map((f) => f[2] ?? 0));
        const rss = fields.reduce((sum, f) => sum + (f[4] ?? 0), 0);
        process.stdout.write(`ready ${port} ${build} ${fields[0]?.[3] ?? 0} ${rss}\n`);
      }
    });
  }
  process.once('SIGTERM', () => {
    cluster.on('exit', () => Object.keys(cluster.workers ?? {}).length === 0 && process.exit(0));
    for (const worker of Object.values(cluster.workers ?? {})) worker?.kill();
  });
} else {
  await serve();
}

async function serve(): Promise<void> {
  const slotsFile = process.argv[3];
  if (!slotsFile) throw new Error('usage: bench-dns-server.ts PORT SLOTS.tsv');
  const started = performance.now();
  const config = loadConfig({
    overrides: { 'dns.zone': 'auth.example.org', 'dns.listen': [`127.0.0.1:${port}`], 'dns.ns_addresses': ['127.0.0.1'] },
  });
  const slots: Slot[] = readFileSync(slotsFile, 'utf8')
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => {
      const [subdomain, ...values] = line.split('\t');
      return { subdomain: subdomain as string, values };
    });
  const source: SlotSource = Object.assign(new EventEmitter(), { listSlots: () => slots, serial: () => 1 });
  const zone = createZoneIndex(config, source);
  slots.length = 0;
  const answerCacheEntries = process.env.BENCH_DNS_NO_FAST_PATH === '1' ? 0 : undefined;
  // As the service wires it: the transfer front (TSIG, AXFR) sees every query first.
  const server = await startDnsServer({
    config,
    zone,
    logger: silentLogger,
    answerCacheEntries,
    shareListeners: cluster.isWorker,
    transfer: { zone, settings: transferSettings(config) },
  });
  const elapsed = Math.round(performance.now() - started);
  globalThis.gc?.();
  const mb = (bytes: number): number => Math.round(bytes / 1048576);
  const memory = process.memoryUsage();
  const line = `ready ${server.addresses().udp[0]?.port ?? port} ${elapsed} ${mb(memory.heapUsed)} ${mb(memory.rss)}`;
  if (cluster.isWorker) process.send?.(line);
  else process.stdout.write(`${line}\n`);
  process.once('SIGTERM', () => {
    // A worker's IPC channel would keep it alive: exit once the sockets are closed.
    void server.close().then(() => (zone.close(), process.exit(0)));
  });
}
