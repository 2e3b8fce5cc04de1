// The responder never throws and never stalls, whatever arrives: a bounded in-process fuzz.
import { Packet } from 'dns2';
import t from 'tap';
import { Rcode } from '../../src/dns/constants.js';
import { createResponder } from '../../src/dns/responder.js';
import { createZoneIndex, type ZoneView } from '../../src/dns/zone-index.js';
import { silentLogger } from '../../src/log.js';
import { fuzzPackets } from './fuzz-packets.js';
import { addSlot, buildQuery, header, testConfig, testStore } from './helpers.js';

const Z = 'auth.example.org';

t.test('a failing zone gives SERVFAIL, not an exception', async (t) => {
  const zone = createZoneIndex(testConfig(), testStore());
  t.teardown(() => zone.close());
  const broken: ZoneView = {
    ...zone,
    origin: zone.origin,
    rrsets: () => {
      throw new Error('boom');
    },
    slots: {
      ...zone.slots,
      records: () => {
        throw new Error('boom');
      },
    },
  };
  const errors: string[] = [];
  const responder = createResponder({ zone: broken, logger: { ...silentLogger, error: (m) => errors.push(m) } });
  const out = responder.respond(buildQuery(`a.${Z}`, { id: 42, rd: true }), 'udp') as Buffer;
  t.match(header(out), { id: 42, qr: true, rd: true, rcode: Rcode.SERVFAIL, counts: [0, 0, 0, 0] }, 'on the fast path');
  const apex = responder.respond(buildQuery(Z, { id: 43, rd: true }), 'udp') as Buffer;
  t.match(header(apex), { id: 43, qr: true, rd: true, rcode: Rcode.SERVFAIL, counts: [0, 0, 0, 0] }, 'on the general path');
  t.equal(errors.length, 2);
  const response = buildQuery(`a.${Z}`);
  response[2] = 0x80;
  t.equal(responder.respond(response, 'udp'), null, 'responses are never answered');
});

t.test('header-only replies for FORMERR and NOTIMP', async (t) => {
  const zone = createZoneIndex(testConfig(), testStore());
  t.teardown(() => zone.close());
  const responder = createResponder({ zone, logger: silentLogger });
  const bomb = Buffer.from([0xab, 0xcd, 0x01, 0, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]);
  t.match(header(responder.respond(bomb, 'udp') as Buffer), { id: 0xabcd, rcode: Rcode.FORMERR, rd: true, counts: [0, 0, 0, 0] });
  const notify = responder.respond(buildQuery(Z, { opcode: 4, type: 6 }), 'udp') as Buffer;
  t.match(header(notify), { opcode: 4, rcode: Rcode.NOTIMP, aa: false, counts: [1, 0, 0, 0] });
});

t.test('RFC 6891 §6.1.1: NOTIMP to a query with EDNS carries our OPT, DO copied', async (t) => {
  const zone = createZoneIndex(testConfig(), testStore());
  t.teardown(() => zone.close());
  const responder = createResponder({ zone, logger: silentLogger });
  for (const opcode of [1, 2, 4, 5, 6]) {
    const out = responder.respond(buildQuery(Z, { opcode, type: 6, edns: { dnssecOk: true } }), 'udp') as Buffer;
    t.match(header(out), { opcode, rcode: Rcode.NOTIMP, aa: false, counts: [1, 0, 0, 1] }, `opcode ${opcode}`);
    const opt = Packet.parse(out).additionals[0] as unknown as { type: number; class: number; ttl: number };
    t.match(opt, { type: 41, class: 1232, ttl: 0x8000 }, `opcode ${opcode}: OPT 1232, version 0, DO`);
  }
});

t.test('fuzz: 60,000 random and mutated packets, no throw, replies parse, then a normal answer', async (t) => {
  const store = testStore();
  addSlot(store, 'slot', ['v'.repeat(43)]);
  const zone = createZoneIndex(testConfig(), store);
  t.teardown(() => zone.close());
  const errors: unknown[] = [];
  const responder = createResponder({ zone, logger: { ...silentLogger, error: (_m, f) => errors.push(f) } });
  let answered = 0;
  let unparsable = 0;
  for (const [i, packet] of fuzzPackets(60000, 0xc0ffee).entries()) {
    const transport = i % 2 === 0 ? 'udp' : 'tcp';
    const reply = responder.respond(packet, transport);
    if (!reply) continue;
    answered++;
    if (transport === 'udp' && reply.length > 1232) unparsable++;
    if (reply.readUInt16BE(0) !== packet.readUInt16BE(0)) unparsable++;
    // dns2 skips a record it cannot read, so a short section means a broken record.
    const parsed = Packet.parse(reply);
    const counts = header(reply).counts;
    const sections = [parsed.questions, parsed.answers, parsed.authorities, parsed.additionals].map((x) => x.length);
    if (sections.join() !== counts.join()) unparsable++;
  }
  t.same(errors, [], 'no query hit the SERVFAIL safety net');
  t.equal(unparsable, 0, 'every reply is a well-formed message within limits');
  t.ok(answered > 10000, `${answered} replies`);
  const out = responder.respond(buildQuery(`slot.${Z}`, { id: 5 }), 'udp') as Buffer;
  t.match(header(out), { id: 5, rcode: 0, aa: true, counts: [1, 1, 0, 0] });
});
