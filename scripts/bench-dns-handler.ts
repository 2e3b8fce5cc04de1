// What each per-query addition costs in the UDP datagram handler the service runs (fast path,
// 100,000 slots by default): the handler bare, then with the last-query recorder, the /metrics
// counters, RRL (default config: loopback exempt, so this is its bookkeeping) and all together,
// on the hot (one slot), random-slot and random-NXDOMAIN mixes. No socket: ns of wall time per
// datagram, rounds interleaved so machine load hits every variant alike.
// Usage: npx tsx scripts/bench-dns-handler.ts [slots] [datagrams per round]
import { randomBytes } from 'node:crypto';
import { createQueryTimes } from '../src/dns/query-times.js';
import { createResponder } from '../src/dns/responder.js';
import { createConfiguredRrl } from '../src/dns/server.js';
import { createDatagramHandler } from '../src/dns/udp-listener.js';
import { silentLogger } from '../src/log.js';
import { countingResponder, createDnsCounters } from '../src/metrics/dns-counters.js';
import { syntheticZone, txtQuery } from './bench-zone.js';

const slotCount = Number(process.argv[2] ?? 100_000);
const perRound = Number(process.argv[3] ?? 1_000_000);
const { config, slots, zone } = syntheticZone(slotCount);
const mixes = {
  hot: [txtQuery(`${slots[0]!.subdomain}.auth.example.org`, 1)],
  random: Array.from({ length: 65536 }, (_, i) => txtQuery(`${slots[(i * 7919) % slotCount]!.subdomain}.auth.example.org`, i)),
  nxdomain: Array.from({ length: 65536 }, (_, i) => txtQuery(`${randomBytes(8).toString('hex')}.auth.example.org`, i)),
};
const peer = { address: '127.0.0.3', port: 40000 };

type Variant = 'bare' | 'query-times' | 'counters' | 'rrl' | 'all';
const variants: Variant[] = ['bare', 'query-times', 'counters', 'rrl', 'all'];
function handlerFor(variant: Variant, sink: { bytes: number }): (msg: Buffer, p: typeof peer) => void {
  const times = variant === 'query-times' || variant === 'all' ? createQueryTimes() : undefined;
  const counters = variant === 'counters' || variant === 'all' ? createDnsCounters() : undefined;
  const rrl = variant === 'rrl' || variant === 'all' ? createConfiguredRrl(config, counters) : undefined;
  const plain = createResponder({ zone, logger: silentLogger, queryTimes: times });
  const responder = counters ? countingResponder(plain, counters) : plain;
  return createDatagramHandler(responder, (reply) => void (sink.bytes += reply.length), silentLogger, rrl);
}

const results = new Map<string, number[]>();
for (let round = 0; round < 3; round++) {
  for (const [mix, queries] of Object.entries(mixes)) {
    for (const variant of variants) {
      const sink = { bytes: 0 };
      const handle = handlerFor(variant, sink);
      const mask = queries.length - 1;
      const start = process.hrtime.bigint();
      for (let i = 0; i < perRound; i++) handle(queries[i & mask]!, peer);
      const ns = Number(process.hrtime.bigint() - start) / perRound;
      if (sink.bytes === 0) throw new Error('nothing answered');
      const key = `${mix} ${variant}`;
      results.set(key, [...(results.get(key) ?? []), ns]);
    }
  }
}
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
console.log(`bench-dns-handler: ${slotCount} slots, ${perRound} datagrams per round, 3 rounds; ns per datagram (median), cost over bare`);
for (const mix of Object.keys(mixes)) {
  const bare = median(results.get(`${mix} bare`)!);
  console.log(`${mix.padEnd(9)} ${variants.map((v) => { const ns = median(results.get(`${mix} ${v}`)!); return `${v} ${ns.toFixed(0)}${v === 'bare' ? '' : ` (+${(ns - bare).toFixed(0)})`}`; }).join(', ')}`);
}
zone.close();
