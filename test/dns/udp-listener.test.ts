// The per-datagram handler's guards, without a socket: what dns2 got wrong must not reach us.
import type { RemoteInfo } from 'node:dgram';
import t from 'tap';
import type { PeerResponder } from '../../src/dns/peer-responder.js';
import { createResponder, type Responder } from '../../src/dns/responder.js';
import { createRrl } from '../../src/dns/rrl.js';
import { createZoneIndex } from '../../src/dns/zone-index.js';
import { createDatagramHandler, type SendDatagram } from '../../src/dns/udp-listener.js';
import { silentLogger } from '../../src/log.js';
import { buildQuery, testConfig, testStore } from './helpers.js';

const reply = Buffer.from('reply');
const responder: Responder = { respond: () => reply };
const peer = (port: number): RemoteInfo => ({ address: '127.0.0.1', family: 'IPv4', port, size: 0 });

t.test('dns2 regression: a datagram from source port 0 is dropped, nothing sent', async (t) => {
  const sent: number[] = [];
  const handle = createDatagramHandler(responder, (_r, port) => sent.push(port), silentLogger);
  handle(buildQuery('a.auth.example.org'), peer(0));
  t.same(sent, []);
  handle(buildQuery('a.auth.example.org'), peer(5353));
  t.same(sent, [5353]);
});

t.test('dns2 regression: a send or a responder that throws is logged, never thrown', async (t) => {
  const logged: string[] = [];
  const logger = { ...silentLogger, debug: (m: string) => logged.push(m) };
  const throwing: SendDatagram = () => {
    throw new Error('ERR_SOCKET_BAD_PORT');
  };
  t.doesNotThrow(() => createDatagramHandler(responder, throwing, logger)(buildQuery('a.auth.example.org'), peer(53)));
  const exploding: Responder = {
    respond: () => {
      throw new Error('bug');
    },
  };
  t.doesNotThrow(() => createDatagramHandler(exploding, () => {}, logger)(buildQuery('a.auth.example.org'), peer(53)));
  t.equal(logged.length, 2);
});

t.test('no reply, nothing sent', async (t) => {
  const sent: number[] = [];
  createDatagramHandler({ respond: () => null }, (_r, port) => sent.push(port), silentLogger)(Buffer.alloc(3), peer(53));
  t.same(sent, []);
});

t.test('RRL: a reply the responder limited is not limited again; one it did not is limited from its bytes', async (t) => {
  const store = testStore();
  const zone = createZoneIndex(testConfig(), store);
  t.teardown(() => {
    zone.close();
    store.close();
  });
  const plain = createResponder({ zone, logger: silentLogger });
  const rrlFor = (counters: { rrlDropped: number; rrlSlipped: number }) =>
    createRrl({ responsesPerSecond: 5, slip: 2, ipv4Prefix: 24, ipv6Prefix: 56, exempt: [], tableSize: 100, counters });
  const flood = (responder: PeerResponder) => {
    const counters = { rrlDropped: 0, rrlSlipped: 0 };
    const sent: Buffer[] = [];
    const handle = createDatagramHandler(responder, (r) => void sent.push(r), silentLogger, rrlFor(counters));
    for (let i = 0; i < 25; i++) handle(buildQuery(`r${i}.auth.example.org`), { address: '198.51.100.7', port: 5353 });
    return { full: sent.filter((r) => (r[2]! & 0x02) === 0).length, truncated: sent.filter((r) => (r[2]! & 0x02) !== 0).length, counters };
  };
  const expected = { full: 5, truncated: 10, counters: { rrlDropped: 10, rrlSlipped: 10 } };
  t.same(flood(plain), expected, 'limited before encoding, once');
  t.same(flood({ respond: (msg, transport) => plain.respond(msg, transport) }), expected, 'a responder that ignores RRL is limited all the same');
});
