// DNS over TCP under abuse: one address cannot take every connection, and a client that stops
// reading is paused and then closed, so it pins neither memory nor a connection for long.
import { connect, type Socket } from 'node:net';
import t from 'tap';
import type { Responder } from '../../src/dns/responder.js';
import { listenTcp } from '../../src/dns/tcp-listener.js';
import { silentLogger } from '../../src/log.js';
import { buildQuery } from './helpers.js';
import { closed, frame, readFrames } from './socket-helpers.js';

const echo: Responder = { respond: (msg) => Buffer.from(msg) };

function connectFrom(port: number, from: string): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port, localAddress: from }, () => resolve(socket));
    socket.once('error', reject);
  });
}

t.test('connections per address are capped; other addresses are still served', async (t) => {
  const listener = await listenTcp('127.0.0.1', 0, echo, { idleTimeoutMs: 60000, maxConnections: 100, maxPerAddress: 2 }, silentLogger);
  t.teardown(() => listener.close());
  const port = listener.address().port;
  const held = [await connectFrom(port, '127.0.0.20'), await connectFrom(port, '127.0.0.20')];
  t.teardown(() => held.forEach((s) => s.destroy()));
  const third = await connectFrom(port, '127.0.0.20');
  third.on('error', () => undefined);
  await closed(third);
  t.pass('the third connection from one address is closed');
  const other = await connectFrom(port, '127.0.0.21');
  t.teardown(() => other.destroy());
  const reply = readFrames(other, 1);
  other.write(frame(buildQuery('a.auth.example.org', { id: 7 })));
  t.equal((await reply)[0]?.readUInt16BE(0), 7, 'another address is answered');
  const first = held[0] as Socket;
  const answered = readFrames(first, 1);
  first.write(frame(buildQuery('a.auth.example.org', { id: 8 })));
  t.equal((await answered)[0]?.readUInt16BE(0), 8, 'the held connections still work');
});

t.test('a client that never reads its answers is closed by the idle timeout', async (t) => {
  const big: Responder = {
    respond: (msg) => {
      const reply = Buffer.alloc(60000);
      msg.copy(reply, 0, 0, 2);
      return reply;
    },
  };
  const listener = await listenTcp('127.0.0.1', 0, big, { idleTimeoutMs: 500, maxConnections: 4 }, silentLogger);
  t.teardown(() => listener.close());
  const socket = await connectFrom(listener.address().port, '127.0.0.1');
  socket.on('error', () => undefined);
  socket.pause();
  const started = Date.now();
  socket.write(Buffer.concat(Array.from({ length: 600 }, (_, i) => frame(buildQuery('a.auth.example.org', { id: i })))));
  t.teardown(() => socket.destroy());
  // The paused client would not notice the close: watch the server's side.
  for (let i = 0; i < 100 && (listener.connections() > 0 || Date.now() - started < 100); i++) await new Promise((r) => setTimeout(r, 50));
  t.equal(listener.connections(), 0, `the server closed it after ${Date.now() - started} ms`);
  t.ok(Date.now() - started < 5000);
});
