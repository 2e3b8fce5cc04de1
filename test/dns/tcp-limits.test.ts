// DNS over TCP under abuse: one address cannot take every connection, and a client that stops
// reading is paused and then closed, so it pins neither memory nor a connection for long.
import { connect, type Socket } from 'node:net';
import t, { type Test } from 'tap';
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

/** Answers of 60 kB: replies the peer does not read keep a connection busy (the listener waits for it to drain). */
const big: Responder = {
  respond: (msg) => {
    const reply = Buffer.alloc(60000);
    msg.copy(reply, 0, 0, 2);
    return reply;
  },
};

/** A client at `from` that sends `queries` queries in one write and never reads the answers; destroyed when `t` ends. */
async function floodWithoutReading(t: Test, port: number, from: string, queries: number): Promise<void> {
  const socket = await connectFrom(port, from);
  socket.on('error', () => undefined);
  socket.pause();
  socket.write(Buffer.concat(Array.from({ length: queries }, (_, i) => frame(buildQuery('a.auth.example.org', { id: i })))));
  t.teardown(() => socket.destroy());
}

t.test('past the per-address cap the least recently active connection gives way; other addresses are still served', async (t) => {
  const listener = await listenTcp('127.0.0.1', 0, echo, { idleTimeoutMs: 60000, maxConnections: 100, maxPerAddress: 2 }, silentLogger);
  t.teardown(() => listener.close());
  const port = listener.address().port;
  const ask = async (socket: Socket, id: number): Promise<number | undefined> => {
    const reply = readFrames(socket, 1);
    socket.write(frame(buildQuery('a.auth.example.org', { id })));
    return (await reply)[0]?.readUInt16BE(0);
  };
  const unused = await connectFrom(port, '127.0.0.20');
  unused.on('error', () => undefined);
  const used = await connectFrom(port, '127.0.0.20');
  t.teardown(() => [unused, used].forEach((s) => s.destroy()));
  t.equal(await ask(used, 1), 1);
  const third = await connectFrom(port, '127.0.0.20');
  t.teardown(() => third.destroy());
  t.equal(await ask(third, 2), 2, 'the third connection from one address is served');
  await closed(unused);
  t.pass('the connection that never asked anything was closed to make room');
  t.equal(await ask(used, 3), 3, 'the one in use still works');
  t.equal(listener.connections(), 2, 'the address stays within its cap');
  const other = await connectFrom(port, '127.0.0.21');
  t.teardown(() => other.destroy());
  t.equal(await ask(other, 4), 4, 'another address is answered');
});

t.test('past a cap with every connection busy replying, the newcomer is refused: held a second, then closed', async (t) => {
  const listener = await listenTcp('127.0.0.1', 0, big, { idleTimeoutMs: 60000, maxConnections: 100, maxPerAddress: 1 }, silentLogger);
  t.teardown(() => listener.close());
  const port = listener.address().port;
  await floodWithoutReading(t, port, '127.0.0.22', 100);
  await new Promise((r) => setTimeout(r, 300));
  const started = Date.now();
  const refused = await connectFrom(port, '127.0.0.22');
  refused.on('error', () => undefined);
  refused.resume();
  await closed(refused);
  const waited = Date.now() - started;
  t.ok(waited >= 900 && waited < 5000, `refused after ${waited} ms`);
  t.equal(listener.connections(), 1, 'the busy connection was kept');
});

t.test('a client that never reads its answers is closed by the idle timeout', async (t) => {
  const listener = await listenTcp('127.0.0.1', 0, big, { idleTimeoutMs: 500, maxConnections: 4 }, silentLogger);
  t.teardown(() => listener.close());
  const started = Date.now();
  await floodWithoutReading(t, listener.address().port, '127.0.0.1', 600);
  // The paused client would not notice the close: watch the server's side.
  for (let i = 0; i < 100 && (listener.connections() > 0 || Date.now() - started < 100); i++) await new Promise((r) => setTimeout(r, 50));
  t.equal(listener.connections(), 0, `the server closed it after ${Date.now() - started} ms`);
  t.ok(Date.now() - started < 5000);
});
