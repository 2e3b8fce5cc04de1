// Update-to-secondary latency and transfer bytes per update: acme-delegate (in this process) as
// the TSIG primary of a 10,000-slot zone, a real Knot secondary on loopback (refresh a day, so
// only NOTIFY + IXFR move it). Makes BENCH_SECONDARY_UPDATES updates one after another and, for
// each, measures from the store commit to the secondary serving the new value; prints p50, p99,
// max and the IXFR bytes per update from the primary's transfer log. Stops Knot by its PID.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../src/config/load.js';
import { createLogger } from '../src/log.js';
import { startService } from '../src/service.js';
import { buildQuery, decode } from '../test/dns/helpers.js';
import { udpExchange } from '../test/dns/socket-helpers.js';
import { seedSlots } from '../test/dns/secondaries/seed-slots.js';
import { freePort, startSecondary } from '../test/dns/secondaries/secondary-servers.js';

const ZONE = 'auth.example.org';
const updates = Number(process.env.BENCH_SECONDARY_UPDATES ?? 100);
const slots = Number(process.env.BENCH_SECONDARY_SLOTS ?? 10000);

async function values(port: number, name: string): Promise<string[]> {
  try {
    const reply = decode(await udpExchange(port, buildQuery(name, { type: 16, rd: false, id: randomBytes(2).readUInt16BE(0) })));
    return reply.answers.filter((a) => a.type === 16).map((a) => String((a as { data?: unknown }).data));
  } catch {
    return [];
  }
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'acme-delegate-bench-secondary-'));
  const secret = randomBytes(32).toString('base64');
  const primaryPort = await freePort();
  const knotPort = await freePort();
  const dbPath = join(dir, 'db.sqlite');
  seedSlots(dbPath, slots);
  const lines: string[] = [];
  const config = loadConfig({
    overrides: {
      'dns.zone': ZONE,
      'dns.listen': [`127.0.0.1:${primaryPort}`],
      'dns.secondaries': [`127.0.0.1:${knotPort}`],
      'dns.tsig_keys': [`hmac-sha256:xfr-key:${secret}`],
      'dns.soa_refresh': '86400',
      'dns.soa_retry': '86400',
      'api.listen': '127.0.0.1:0',
      'store.path': dbPath,
    },
  });
  const service = await startService(config, createLogger({ level: 'info', format: 'text', write: (l) => lines.push(l) }));
  const knot = startSecondary('knot', { dir: join(dir, 'knot'), zone: ZONE, port: knotPort, primaryPort, key: { algorithm: 'hmac-sha256', name: 'xfr-key', secret } });
  try {
    const deadline = Date.now() + 60000;
    while ((await values(knotPort, `seed-00000.${ZONE}`)).length === 0) {
      if (Date.now() > deadline) throw new Error('Knot did not load the zone in 60 s');
      await new Promise((r) => setTimeout(r, 100));
    }
    const latencies: number[] = [];
    for (let i = 0; i < updates; i++) {
      const subdomain = `seed-${String(Math.floor(Math.random() * slots)).padStart(5, '0')}`;
      const txt = randomBytes(32).toString('base64url').slice(0, 43);
      const start = performance.now();
      service.store.addTxtValue(subdomain, txt);
      while (!(await values(knotPort, `${subdomain}.${ZONE}`)).includes(txt)) {
        if (performance.now() - start > 10000) throw new Error(`update ${i} not on Knot after 10 s`);
        await new Promise((r) => setTimeout(r, 2));
      }
      latencies.push(performance.now() - start);
    }
    latencies.sort((a, b) => a - b);
    const at = (q: number): string => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))]!.toFixed(1);
    const ixfr = lines.filter((l) => l.includes('kind=IXFR') && l.includes('style=incremental')).map((l) => Number(/bytes=(\d+)/.exec(l)?.[1]));
    const full = lines.filter((l) => l.includes('zone transfer sent') && l.includes('style=full')).map((l) => Number(/bytes=(\d+)/.exec(l)?.[1]));
    const total = ixfr.reduce((a, b) => a + b, 0);
    console.log(`zone: ${slots} slots (${2 * slots} TXT records); first full transfer ${full[0] ?? '?'} bytes`);
    console.log(`updates: ${updates}; update-to-Knot ms: p50 ${at(0.5)}, p99 ${at(0.99)}, max ${at(1)}`);
    console.log(`IXFR transfers: ${ixfr.length}; bytes per update: ${(total / updates).toFixed(0)} (per transfer ${(total / Math.max(1, ixfr.length)).toFixed(0)}); full transfers after the load: ${full.length - 1}`);
  } finally {
    await knot.stop();
    await service.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
