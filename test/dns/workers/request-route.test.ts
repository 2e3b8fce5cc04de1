// A DNS worker answers plain queries and hands the rest to the primary, whose transfer front
// and responder paths (TSIG, AXFR/IXFR, UPDATE, NOTIFY) it does not have.
import t from 'tap';
import { answeredByPrimary } from '../../../src/dns/workers/request-route.js';
import { buildQuery } from '../helpers.js';

const name = 'd420c923-bbd7-4056-ab64-c3ca54c9b3cf.auth.example.org';

t.test('plain queries stay in the worker', async (t) => {
  for (const type of [16, 1, 6, 2, 255, 28]) t.notOk(answeredByPrimary(buildQuery(name, { type })), `qtype ${type}`);
  t.notOk(answeredByPrimary(buildQuery(name, { edns: { dnssecOk: true } })), 'EDNS without TSIG');
  t.notOk(answeredByPrimary(Buffer.alloc(5)), 'shorter than a header: the responder drops it');
  const response = buildQuery(name);
  response[2]! |= 0x80;
  t.notOk(answeredByPrimary(response), 'a response: dropped by the responder');
});

t.test('other opcodes, transfers and signed requests go to the primary', async (t) => {
  for (const opcode of [1, 2, 4, 5, 15]) t.ok(answeredByPrimary(buildQuery(name, { opcode })), `opcode ${opcode}`);
  t.ok(answeredByPrimary(buildQuery('auth.example.org', { type: 252 })), 'AXFR');
  t.ok(answeredByPrimary(buildQuery('auth.example.org', { type: 251 })), 'IXFR');
  // A TSIG record (type 250) in the additional section.
  const query = buildQuery('auth.example.org', { type: 6 });
  query.writeUInt16BE(1, 10);
  const algorithm = Buffer.from('\x0bhmac-sha256\x00', 'latin1');
  const rdata = Buffer.concat([algorithm, Buffer.from([0, 0, 0x60, 0, 0, 0, 1, 0x2c, 0, 0, 0x12, 0x34, 0, 0, 0, 0])]);
  const tsig = Buffer.concat([Buffer.from('\x03key\x00', 'latin1'), Buffer.from([0, 250, 0, 255, 0, 0, 0, 0, rdata.length >> 8, rdata.length & 0xff]), rdata]);
  t.ok(answeredByPrimary(Buffer.concat([query, tsig])), 'TSIG-signed');
});
