// A random-subdomain flood from 127.0.0.3 while a CA client on 127.0.0.1 asks for a real slot.
//   dns-flood.ts DNS_PORT SERVER_PID FULLDOMAIN SECONDS [RATE]   (RATE queries/s; 0: as fast as possible)
// Prints the CA's share answered within 1 s, what the flood sent and got back (full answers,
// truncated, bytes: the amplification factor), and the server's RSS before, at peak and after.
import { randomBytes } from 'node:crypto';
import { createSocket } from 'node:dgram';
import { readFileSync } from 'node:fs';

const [portText, pidText, fulldomain = '', secondsText = '10', rateText = '0'] = process.argv.slice(2);
const rate = Number(rateText);
const port = Number(portText);
const seconds = Number(secondsText);
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const rssMib = (): number => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pidText}/status`, 'utf8'))?.[1] ?? 0) / 1024;

function query(name: string, id: number): Buffer {
  const labels = name.split('.').filter((l) => l !== '');
  const qname = Buffer.concat([...labels.map((l) => Buffer.concat([Buffer.from([l.length]), Buffer.from(l)])), Buffer.from([0])]);
  const head = Buffer.alloc(12);
  head.writeUInt16BE(id, 0);
  head.writeUInt16BE(1, 4);
  const tail = Buffer.from([0, 16, 0, 1]);
  return Buffer.concat([head, qname, tail]);
}

const before = rssMib();
let peak = before;
const sampler = setInterval(() => (peak = Math.max(peak, rssMib())), 250);
const deadline = performance.now() + seconds * 1000;

// The flood: batches of datagrams, yielding between batches, bounded by time and count.
const flood = createSocket('udp4');
await new Promise<void>((resolve) => flood.bind({ address: '127.0.0.3', port: 0 }, resolve));
const got = { full: 0, truncated: 0, bytesIn: 0 };
let sent = 0;
let bytesOut = 0;
flood.on('message', (m) => {
  got.bytesIn += m.length;
  if (((m[2] as number) & 0x02) !== 0) got.truncated++;
  else got.full++;
});
const floodStart = performance.now();
const runFlood = async (): Promise<void> => {
  while (performance.now() < deadline && sent < 5_000_000) {
    if (rate > 0 && sent > ((performance.now() - floodStart) / 1000) * rate) {
      await new Promise((r) => setTimeout(r, 1));
      continue;
    }
    for (let i = 0; i < 64; i++) {
      const q = query(`${randomBytes(8).toString('hex')}.auth.example.org`, sent & 0xffff);
      flood.send(q, port, '127.0.0.1');
      bytesOut += q.length;
      sent++;
    }
    await new Promise((r) => setImmediate(r));
  }
};

// The CA: one query every 200 ms (a CA asks a slot a few times per validation, from several
// vantage points), counted as answered when the reply with its ID and the value arrives within
// 1 s. Faster than RRL's 20 identical answers a second from one /24 would limit the CA itself.
const ca = createSocket('udp4');
await new Promise<void>((resolve) => ca.bind({ address: '127.0.0.1', port: 0 }, resolve));
const waiting = new Map<number, number>();
const latencies: number[] = [];
let asked = 0;
let answered = 0;
ca.on('message', (m) => {
  const id = m.readUInt16BE(0);
  const at = waiting.get(id);
  if (at === undefined) return;
  waiting.delete(id);
  const ms = performance.now() - at;
  if (ms <= 1000 && m.readUInt16BE(6) > 0) {
    answered++;
    latencies.push(ms);
  }
});
const runCa = async (): Promise<void> => {
  for (let id = 1; performance.now() < deadline; id++) {
    waiting.set(id, performance.now());
    ca.send(query(fulldomain, id), port, '127.0.0.1');
    asked++;
    await sleep(200);
  }
  await sleep(1000);
};

await Promise.all([runFlood(), runCa()]);
await sleep(200);
flood.close();
ca.close();
const during = peak;
await sleep(5000);
clearInterval(sampler);
const after = rssMib();
latencies.sort((a, b) => a - b);
const p50 = latencies[Math.floor(latencies.length / 2)] ?? NaN;
console.log(`  CA client (127.0.0.1): ${answered}/${asked} answered within 1 s = ${((100 * answered) / Math.max(1, asked)).toFixed(1)} %; p50 ${p50.toFixed(1)} ms`);
console.log(`  flood (127.0.0.3): ${sent} queries in ${seconds} s (${Math.round(sent / seconds)}/s); back: ${got.full} full answers, ${got.truncated} truncated; bytes out/in ${bytesOut}/${got.bytesIn} = amplification ${(got.bytesIn / Math.max(1, bytesOut)).toFixed(2)}`);
console.log(`  server RSS: ${before.toFixed(0)} MiB before, ${during.toFixed(0)} MiB peak, ${after.toFixed(0)} MiB 5 s after`);
