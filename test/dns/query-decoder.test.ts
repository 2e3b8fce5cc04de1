// The guard in front of everything: which packets are dropped, which are FORMERR, what is read.
import t from 'tap';
import { decodeQuery } from '../../src/dns/query-decoder.js';
import { buildQuery } from './helpers.js';

t.test('reads a plain query and its EDNS', async (t) => {
  const q = decodeQuery(buildQuery('One.Auth.example.org', { id: 7, type: 16, rd: true, cd: true, edns: { udpSize: 4096, dnssecOk: true } }));
  t.match(q, {
    id: 7,
    opcode: 0,
    rd: true,
    cd: true,
    problem: null,
    question: { name: 'One.Auth.example.org', labels: ['One', 'Auth', 'example', 'org'], type: 16, class: 1, wireLength: 26 },
    edns: { udpSize: 4096, version: 0, dnssecOk: true },
  });
});

t.test('drops what has no readable header, and responses', async (t) => {
  t.equal(decodeQuery(Buffer.alloc(0)), null);
  t.equal(decodeQuery(Buffer.alloc(11)), null);
  const response = buildQuery('a.auth.example.org');
  response[2] = (response[2] as number) | 0x80;
  t.equal(decodeQuery(response), null);
});

t.test('dns2 regression: 12-byte packet with all counts 65535 is FORMERR, not parsed', async (t) => {
  const bomb = Buffer.from([0x12, 0x34, 0, 0, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]);
  t.match(decodeQuery(bomb), { id: 0x1234, problem: /QDCOUNT/ });
  const oneQuestion = Buffer.from(bomb);
  oneQuestion.writeUInt16BE(1, 4);
  t.match(decodeQuery(oneQuestion), { problem: /answer or authority/ });
  oneQuestion.writeUInt32BE(0, 6);
  t.match(decodeQuery(oneQuestion), { problem: /ARCOUNT/ });
});

t.test('dns2 regression: a broken question is FORMERR, never an empty question list', async (t) => {
  const q = buildQuery('a.auth.example.org');
  t.match(decodeQuery(q.subarray(0, 20)), { problem: /past the end/, question: null });
  t.match(decodeQuery(q.subarray(0, q.length - 2)), { problem: /type and class/ });
});

t.test('malformed shapes', async (t) => {
  const withBytes = (mutate: (b: Buffer) => Buffer): string | null | undefined => decodeQuery(mutate(buildQuery('a.auth.example.org')))?.problem;
  t.match(withBytes((b) => Buffer.concat([b, Buffer.from([0])])), /after the last record/);
  t.match(
    withBytes((b) => {
      b[12] = 0xc0;
      b[13] = 12;
      return b;
    }),
    /compression pointer/,
  );
  t.match(
    withBytes((b) => {
      b[12] = 0x40;
      return b;
    }),
    /reserved label type/,
  );
  const longName = Array.from({ length: 5 }, () => 'x'.repeat(63)).join('.');
  t.match(decodeQuery(buildQuery(longName)), { problem: /longer than 255/ });
  const twoOpt = buildQuery('a.auth.example.org', { edns: {} });
  const opt = twoOpt.subarray(twoOpt.length - 11);
  const doubled = Buffer.concat([twoOpt, opt]);
  doubled.writeUInt16BE(2, 10);
  t.match(decodeQuery(doubled), { problem: /more than one OPT/ });
  const badOption = buildQuery('a.auth.example.org', { edns: {} });
  badOption.writeUInt16BE(2, badOption.length - 2);
  t.match(decodeQuery(Buffer.concat([badOption, Buffer.from([0, 1])])), { problem: /truncated EDNS option/ });
});

t.test('compression loops in additional records are caught', async (t) => {
  const base = buildQuery('a.auth.example.org');
  const at = base.length;
  // An additional record whose owner points at itself.
  const rr = Buffer.from([0xc0 | (at >> 8), at & 0xff, 0, 1, 0, 1, 0, 0, 0, 0, 0, 0]);
  const msg = Buffer.concat([base, rr]);
  msg.writeUInt16BE(1, 10);
  t.match(decodeQuery(msg), { problem: /loops or points forward/ });
  // A backwards pointer into the question is fine (TSIG-like owner).
  const ok = Buffer.concat([base, Buffer.from([0xc0, 12, 0, 250, 0, 255, 0, 0, 0, 0, 0, 0])]);
  ok.writeUInt16BE(1, 10);
  t.equal(decodeQuery(ok)?.problem, null);
});

t.test('other opcodes: question read when it can be, nothing else', async (t) => {
  t.match(decodeQuery(buildQuery('a.auth.example.org', { opcode: 5 })), { opcode: 5, problem: null, question: { name: 'a.auth.example.org' } });
  const update = buildQuery('a.auth.example.org', { opcode: 5 });
  update.writeUInt16BE(3, 8); // UPDATE section count
  t.match(decodeQuery(update), { opcode: 5, problem: null });
  t.match(decodeQuery(update.subarray(0, 14)), { opcode: 5, question: null });
});

/** The question plus one record in the authority section: the client's SOA, as an IXFR query carries it. */
function withAuthoritySoa(query: Buffer): Buffer {
  // Owner: pointer to the question name; SOA with root mname and rname and five zero numbers.
  const soa = Buffer.concat([Buffer.from([0xc0, 12, 0, 6, 0, 1, 0, 0, 0, 0, 0, 22, 0, 0]), Buffer.alloc(20)]);
  const out = Buffer.concat([query, soa]);
  out.writeUInt16BE(1, 8);
  return out;
}

t.test('RFC 1995: an IXFR query with the client SOA in authority is read, not FORMERR', async (t) => {
  t.match(decodeQuery(withAuthoritySoa(buildQuery('auth.example.org', { type: 251 }))), { problem: null, question: { type: 251 } });
  t.match(decodeQuery(withAuthoritySoa(buildQuery('auth.example.org', { type: 6 }))), { problem: /other than IXFR/, question: { type: 6 } });
  const two = withAuthoritySoa(buildQuery('auth.example.org', { type: 251 }));
  two.writeUInt16BE(2, 8);
  t.match(decodeQuery(two), { problem: /answer or authority/ });
});

t.test('RFC 6891: other opcodes keep the EDNS of the message, past their other sections', async (t) => {
  // NOTIFY with the SOA in the answer section and an OPT in additional.
  const notify = buildQuery('auth.example.org', { opcode: 4, type: 6 });
  const soa = Buffer.concat([Buffer.from([0xc0, 12, 0, 6, 0, 1, 0, 0, 0, 0, 0, 22, 0, 0]), Buffer.alloc(20)]);
  const opt = buildQuery('x', { edns: { udpSize: 1400, dnssecOk: true } }).subarray(-11);
  const msg = Buffer.concat([notify, soa, opt]);
  msg.writeUInt16BE(1, 6);
  msg.writeUInt16BE(1, 10);
  t.match(decodeQuery(msg), { opcode: 4, problem: null, edns: { udpSize: 1400, version: 0, dnssecOk: true } });
  t.match(decodeQuery(buildQuery('auth.example.org', { opcode: 5, edns: {} })), { opcode: 5, edns: { version: 0 } });
  // Counts that do not match the bytes: no EDNS, still no problem (answered NOTIMP).
  const lying = Buffer.from(msg);
  lying.writeUInt16BE(3, 6);
  t.match(decodeQuery(lying), { opcode: 4, problem: null, edns: null });
});
