// A random-subdomain flood from 127.0.0.3 while a CA client on 127.0.0.1 asks for a real slot.
//   dns-flood.ts DNS_PORT SERVER_PID FULLDOMAIN SECONDS [RATE] [SENDERS] [METRICS_PORT] [SNAPSHOT_DIR]
//     RATE queries/s in all (0: as fast as the senders can); SENDERS flood processes (default 1;
//     more take more of the machine's CPU from the server, as an attacker on the same machine
//     would); METRICS_PORT: the server's /metrics, read for its heap figures; SNAPSHOT_DIR: the
//     server was started with --heapsnapshot-signal=SIGUSR2 writing there (lib.sh).
//   dns-flood.ts --flood-only DNS_PORT SECONDS RATE   (one extra sender; prints its tally as JSON)
// Prints the CA's share answered within 1 s, what the flood sent and got back (full answers,
// truncated, bytes: the amplification factor), the datagrams the kernel dropped at the server's
// full receive buffer, CPU used by the server and by the senders, and the server's memory
// (RSS, V8 heap, external) before, at peak and 5 s after.
import { fork } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createSocket, type Socket } from 'node:dgram';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { availableParallelism } from 'node:os';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function query(name: string, id: number): Buffer {
  const labels = name.split('.').filter((l) => l !== '');
  const qname = Buffer.concat([...labels.map((l) => Buffer.concat([Buffer.from([l.length]), Buffer.from(l)])), Buffer.from([0])]);
  const head = Buffer.alloc(12);
  head.writeUInt16BE(id, 0);
  head.writeUInt16BE(1, 4);
  const tail = Buffer.from([0, 16, 0, 1]);
  return Buffer.concat([head, qname, tail]);
}

/** CPU seconds (user + system) a process has used: fields 14 and 15 of /proc/PID/stat, in ticks. */
function cpuSeconds(pid: string | number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /, '').split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

interface FloodTally {
  sent: number;
  bytesOut: number;
  full: number;
  truncated: number;
  bytesIn: number;
  cpu: number;
}

/** Random names under the zone from 127.0.0.3, in batches, yielding between them; bounded by time and count. */
async function flood(port: number, seconds: number, rate: number): Promise<FloodTally> {
  const cpuBefore = cpuSeconds(process.pid);
  const socket: Socket = createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind({ address: '127.0.0.3', port: 0 }, resolve));
  const tally: FloodTally = { sent: 0, bytesOut: 0, full: 0, truncated: 0, bytesIn: 0, cpu: 0 };
  socket.on('message', (m) => {
    tally.bytesIn += m.length;
    if (((m[2] as number) & 0x02) !== 0) tally.truncated++;
    else tally.full++;
  });
  const start = performance.now();
  const deadline = start + seconds * 1000;
  while (performance.now() < deadline && tally.sent < 5_000_000) {
    if (rate > 0 && tally.sent > ((performance.now() - start) / 1000) * rate) {
      await sleep(1);
      continue;
    }
    for (let i = 0; i < 64; i++) {
      const q = query(`${randomBytes(8).toString('hex')}.auth.example.org`, tally.sent & 0xffff);
      socket.send(q, port, '127.0.0.1');
      tally.bytesOut += q.length;
      tally.sent++;
    }
    await new Promise((r) => setImmediate(r));
  }
  await sleep(200);
  socket.close();
  tally.cpu = cpuSeconds(process.pid) - cpuBefore;
  return tally;
}

if (process.argv[2] === '--flood-only') {
  const [portText = '', secondsText = '10', rateText = '0'] = process.argv.slice(3);
  const tally = await flood(Number(portText), Number(secondsText), Number(rateText));
  process.send?.(tally);
} else {
  await main();
}

async function main(): Promise<void> {
  const [portText = '', pidText = '', fulldomain = '', secondsText = '10', rateText = '0', sendersText = '1', metricsPort = '', snapshotDir = ''] = process.argv.slice(2);
  const port = Number(portText);
  const seconds = Number(secondsText);
  const senders = Math.max(1, Number(sendersText));
  const rate = Number(rateText) / senders;

  const rssMib = (): number => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pidText}/status`, 'utf8'))?.[1] ?? 0) / 1024;
  /** The server's V8 heap in use and its external memory (Buffers), from /metrics, in MiB. */
  const heapMib = async (): Promise<{ used: number; total: number; external: number } | undefined> => {
    if (metricsPort === '') return undefined;
    const text = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
    const value = (name: string): number => Number(new RegExp(`^acme_delegate_${name} (\\S+)`, 'm').exec(text)?.[1] ?? NaN) / 2 ** 20;
    return { used: value('nodejs_heap_size_used_bytes'), total: value('nodejs_heap_size_total_bytes'), external: value('nodejs_external_memory_bytes') };
  };
  /** Datagrams the kernel dropped for the server's socket (its receive buffer was full): /proc/net/udp's last column. */
  const socketDrops = (): number => {
    const local = `0100007F:${port.toString(16).toUpperCase().padStart(4, '0')}`;
    const line = readFileSync('/proc/net/udp', 'utf8')
      .split('\n')
      .find((l) => l.trim().split(/\s+/)[1] === local);
    return Number(line?.trim().split(/\s+/).at(-1) ?? NaN);
  };

  const before = rssMib();
  const heapBefore = await heapMib();
  const dropsBefore = socketDrops();
  const serverCpuBefore = cpuSeconds(pidText);
  let peak = before;
  const sampler = setInterval(() => (peak = Math.max(peak, rssMib())), 250);
  const deadline = performance.now() + seconds * 1000;

  // Extra senders are processes of their own (this script in --flood-only mode).
  const helpers = Array.from(
    { length: senders - 1 },
    () =>
      new Promise<FloodTally>((resolve, reject) => {
        const child = fork(process.argv[1] as string, ['--flood-only', portText, secondsText, String(rate)], { execArgv: process.execArgv });
        child.once('message', (m) => resolve(m as FloodTally));
        child.once('exit', (code) => (code === 0 ? undefined : reject(new Error(`flood sender exited with ${code}`))));
      }),
  );

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
  // A sample of the heap while the flood runs (one scrape, halfway).
  const heapDuring = sleep((seconds * 1000) / 2).then(heapMib);

  const ownCpuBefore = cpuSeconds(process.pid);
  const [mine, , ...others] = await Promise.all([flood(port, seconds, rate), runCa(), ...helpers]);
  const serverCpu = cpuSeconds(pidText) - serverCpuBefore;
  const caCpu = cpuSeconds(process.pid) - ownCpuBefore - mine.cpu;
  const drops = socketDrops() - dropsBefore;
  ca.close();
  const during = peak;
  await sleep(5000);
  clearInterval(sampler);
  const after = rssMib();
  const heapAfter = await heapMib();

  const all = [mine, ...others];
  const total = (key: keyof FloodTally): number => all.reduce((sum, t) => sum + t[key], 0);
  const sent = total('sent');
  const senderCpu = total('cpu') + caCpu;
  latencies.sort((a, b) => a - b);
  const p50 = latencies[Math.floor(latencies.length / 2)] ?? NaN;
  const received = Math.max(1, sent + asked - drops);
  console.log(`  CA client (127.0.0.1): ${answered}/${asked} answered within 1 s = ${((100 * answered) / Math.max(1, asked)).toFixed(1)} %; p50 ${p50.toFixed(1)} ms`);
  console.log(
    `  flood (127.0.0.3, ${senders} sender${senders > 1 ? 's' : ''}): ${sent} queries in ${seconds} s (${Math.round(sent / seconds)}/s); back: ${total('full')} full answers, ` +
      `${total('truncated')} truncated; bytes out/in ${total('bytesOut')}/${total('bytesIn')} = amplification ${(total('bytesIn') / Math.max(1, total('bytesOut'))).toFixed(2)}`,
  );
  console.log(`  kernel: ${drops} datagrams dropped at the server's full receive buffer (${((100 * drops) / Math.max(1, sent + asked)).toFixed(1)} % of those sent)`);
  console.log(
    `  CPU during the run: server ${serverCpu.toFixed(2)} s (${((serverCpu * 1e6) / received).toFixed(1)} µs per query it read), ` +
      `senders ${senderCpu.toFixed(2)} s (${((senderCpu * 1e6) / Math.max(1, sent + asked)).toFixed(1)} µs per query sent), of ${seconds} s wall on ${availableParallelism()} CPUs`,
  );
  console.log(`  server RSS: ${before.toFixed(0)} MiB before, ${during.toFixed(0)} MiB peak, ${after.toFixed(0)} MiB 5 s after`);
  const heaps = [heapBefore, await heapDuring, heapAfter];
  if (heaps.every((h) => h !== undefined)) {
    const show = (pick: (h: { used: number; total: number; external: number }) => number): string => heaps.map((h) => pick(h as never).toFixed(1)).join(' / ');
    console.log(`  server V8 heap used ${show((h) => h.used)} MiB, heap reserved ${show((h) => h.total)} MiB, external ${show((h) => h.external)} MiB (before / during / 5 s after)`);
  }
  if (snapshotDir !== '') {
    // A heap snapshot starts with a full garbage collection: what is left is what the server keeps.
    process.kill(Number(pidText), 'SIGUSR2');
    const written = (): number => readdirSync(snapshotDir).filter((f) => f.endsWith('.heapsnapshot')).reduce((sum, f) => sum + statSync(join(snapshotDir, f)).size, 0);
    let size = -1;
    for (let i = 0; i < 120 && (size <= 0 || size !== written()); i++) {
      size = written();
      await sleep(500);
    }
    const collected = await heapMib();
    console.log(
      `  after a full GC (heap snapshot, ${(size / 2 ** 20).toFixed(0)} MiB): V8 heap used ${collected?.used.toFixed(1)} MiB ` +
        `(${heapBefore?.used.toFixed(1)} before the flood), reserved ${collected?.total.toFixed(1)} MiB, external ${collected?.external.toFixed(1)} MiB; RSS ${rssMib().toFixed(0)} MiB`,
    );
  }
}
