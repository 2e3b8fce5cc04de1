// What recording each slot's last TXT query costs on the fast path: the same prepared TXT
// queries (random slots of a 10,000-slot zone, or one slot over and over) answered by
// createFastAnswers with and without a QueryTimes recorder, interleaved, and record() alone (the
// added work, less noisy on a busy machine than the difference of two runs). Prints ns per query.
// Usage: npx tsx scripts/bench-query-times.ts [queries per round]
import { createFastAnswers, type FastAnswers } from '../src/dns/fast-answers.js';
import { createQueryTimes } from '../src/dns/query-times.js';
import { syntheticZone, txtQuery } from './bench-zone.js';

const perRound = Number(process.argv[2] ?? 2_000_000);
const slotCount = 10_000;
const { slots, zone } = syntheticZone(slotCount);
const random = Array.from({ length: 4096 }, (_, i) => txtQuery(`${slots[(i * 7919) % slotCount]!.subdomain}.auth.example.org`, i));
const hot = [txtQuery(`${slots[0]!.subdomain}.auth.example.org`, 1)];
const limit = (): number => 1232;

function run(fast: FastAnswers, queries: Buffer[]): number {
  let sink = 0;
  const mask = queries.length - 1;
  const start = process.hrtime.bigint();
  for (let i = 0; i < perRound; i++) sink += fast.answer(queries[i & mask]!, limit)?.length ?? 0;
  const ns = Number(process.hrtime.bigint() - start) / perRound;
  if (sink === 0) throw new Error('nothing answered');
  return ns;
}

const bare = createFastAnswers(zone);
const recorded = createFastAnswers(zone, createQueryTimes());
for (const [mix, queries] of [['random', random], ['hot', hot]] as const) {
  for (let round = 0; round < 3; round++) {
    const without = run(bare, queries);
    const withTimes = run(recorded, queries);
    console.log(`${mix} round ${round + 1}: ${without.toFixed(0)} ns/query bare, ${withTimes.toFixed(0)} ns/query recording (+${(withTimes - without).toFixed(0)} ns)`);
  }
}
const keys = slots.map((s) => String.fromCharCode(s.subdomain.length) + s.subdomain);
for (let round = 0; round < 3; round++) {
  const times = createQueryTimes();
  const start = process.hrtime.bigint();
  for (let i = 0; i < perRound; i++) times.record(keys[i % slotCount]!);
  const ns = Number(process.hrtime.bigint() - start) / perRound;
  console.log(`record() alone round ${round + 1}: ${ns.toFixed(0)} ns/call (${times.pending().size} slots)`);
}
zone.close();
