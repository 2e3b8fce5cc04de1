// The TCP listener alone, with a stand-in responder: how it paces work against a slow reader.
import t from 'tap';
import type { Responder } from '../../src/dns/responder.js';
import { listenTcp } from '../../src/dns/tcp-listener.js';
import { silentLogger } from '../../src/log.js';
import { buildQuery } from './helpers.js';
import { closed, frame, readFrames, tcpConnect } from './socket-helpers.js';

const turns = async (n: number): Promise<void> => {
  for (let i = 0; i < n; i++) await new Promise((resolve) => setImmediate(resolve));
};

t.test('a client that pipelines without reading gets no answers built ahead of its reading', async (t) => {
  // Each answer is big (60 KB, as a TCP answer may be): answering a whole read chunk of small
  // queries at once would buffer hundreds of MB for one connection.
  let answered = 0;
  const responder: Responder = {
    respond: (msg) => {
      answered++;
      const reply = Buffer.alloc(60000);
      msg.copy(reply, 0, 0, 2);
      return reply;
    },
  };
  const listener = await listenTcp('127.0.0.1', 0, responder, { idleTimeoutMs: 60000, maxConnections: 4 }, silentLogger);
  t.teardown(() => listener.close());
  const socket = await tcpConnect(listener.address().port);
  t.teardown(() => socket.destroy());
  socket.pause();
  // 36 MB of answers: far more than the kernel's socket buffers (a few MB on loopback) absorb.
  const count = 600;
  socket.write(Buffer.concat(Array.from({ length: count }, (_, i) => frame(buildQuery('a.auth.example.org', { id: i })))));
  for (let i = 0; i < 1000 && answered === 0; i++) await turns(1);
  await turns(50);
  t.ok(answered > 0 && answered < count / 2, `answers built while the client does not read: ${answered} of ${count}`);
  const replies = readFrames(socket, count, 60000);
  socket.resume();
  t.same((await replies).map((r) => r.readUInt16BE(0)), Array.from({ length: count }, (_, i) => i), 'all answered, in order, once it reads');
  t.equal(answered, count);
});

t.test('queries before a half-close are all answered, then the server closes', async (t) => {
  const responder: Responder = { respond: (msg) => Buffer.from(msg) };
  const listener = await listenTcp('127.0.0.1', 0, responder, { idleTimeoutMs: 60000, maxConnections: 4 }, silentLogger);
  t.teardown(() => listener.close());
  const socket = await tcpConnect(listener.address().port);
  t.teardown(() => socket.destroy());
  const replies = readFrames(socket, 3);
  socket.end(Buffer.concat([1, 2, 3].map((id) => frame(buildQuery('a.auth.example.org', { id })))));
  t.same((await replies).map((r) => r.readUInt16BE(0)), [1, 2, 3]);
  await closed(socket);
  t.pass('closed by the server after the last answer');
});
