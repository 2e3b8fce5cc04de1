// What counting DNS answers for /metrics costs per query: the same prepared query answered by
// a canned responder, bare and wrapped in countingResponder. Prints ns per query for each.
// Usage: npx tsx scripts/bench-dns-counters.ts [queries]
import type { PeerResponder } from '../src/dns/peer-responder.js';
import { countingResponder, createDnsCounters } from '../src/metrics/dns-counters.js';

const queries = Number(process.argv[2] ?? 5_000_000);
// A TXT query for a 36-character label under auth.example.org, and a NOERROR reply header.
const name = Buffer.concat([Buffer.from([36]), Buffer.from('5cf585d6-8cb1-496c-9691-f31acdf22159'), Buffer.from([4]), Buffer.from('auth'), Buffer.from([7]), Buffer.from('example'), Buffer.from([3]), Buffer.from('org'), Buffer.from([0])]);
const query = Buffer.concat([Buffer.from([0x12, 0x34, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0]), name, Buffer.from([0, 16, 0, 1])]);
const reply = Buffer.from(query);
reply[2] = 0x84;
const canned: PeerResponder = { respond: () => reply };

function run(responder: PeerResponder): number {
  let sink = 0;
  const start = process.hrtime.bigint();
  for (let i = 0; i < queries; i++) {
    const r = responder.respond(query, i & 1 ? 'udp' : 'tcp', '127.0.0.1');
    if (r !== null && Buffer.isBuffer(r)) sink += r.length;
  }
  const ns = Number(process.hrtime.bigint() - start) / queries;
  if (sink === 0) throw new Error('nothing answered');
  return ns;
}

const counters = createDnsCounters();
const counted = countingResponder(canned, counters);
for (let round = 0; round < 3; round++) {
  const bare = run(canned);
  const withCounters = run(counted);
  console.log(`round ${round + 1}: bare ${bare.toFixed(1)} ns/query, counted ${withCounters.toFixed(1)} ns/query, cost ${(withCounters - bare).toFixed(1)} ns/query`);
}
const total = [...counters.answers.values()].reduce((a, b) => a + b, 0);
console.log(`counted ${total} answers, ${counters.latencyCount} timed`);
