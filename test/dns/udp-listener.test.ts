// The per-datagram handler's guards, without a socket: what dns2 got wrong must not reach us.
import type { RemoteInfo } from 'node:dgram';
import t from 'tap';
import type { Responder } from '../../src/dns/responder.js';
import { createDatagramHandler, type SendDatagram } from '../../src/dns/udp-listener.js';
import { silentLogger } from '../../src/log.js';
import { buildQuery } from './helpers.js';

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

t.test('dns2 regression: a send that throws or fails is logged, never thrown', async (t) => {
  const logged: string[] = [];
  const logger = { ...silentLogger, debug: (m: string) => logged.push(m) };
  const throwing: SendDatagram = () => {
    throw new Error('ERR_SOCKET_BAD_PORT');
  };
  t.doesNotThrow(() => createDatagramHandler(responder, throwing, logger)(buildQuery('a.auth.example.org'), peer(53)));
  const failing: SendDatagram = (_r, _p, _a, done) => done(new Error('EHOSTUNREACH'));
  t.doesNotThrow(() => createDatagramHandler(responder, failing, logger)(buildQuery('a.auth.example.org'), peer(53)));
  const exploding: Responder = {
    respond: () => {
      throw new Error('bug');
    },
  };
  t.doesNotThrow(() => createDatagramHandler(exploding, () => {}, logger)(buildQuery('a.auth.example.org'), peer(53)));
  t.equal(logged.length, 3);
});

t.test('no reply, nothing sent', async (t) => {
  const sent: number[] = [];
  createDatagramHandler({ respond: () => null }, (_r, port) => sent.push(port), silentLogger)(Buffer.alloc(3), peer(53));
  t.same(sent, []);
});
