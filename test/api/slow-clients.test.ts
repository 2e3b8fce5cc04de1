// Slow and idle clients: a slow header is cut with 408 in seconds, a client holding many
// connections is capped, and neither keeps anyone else from being served.
import { connect, type Socket } from 'node:net';
import t from 'tap';
import { post } from './attack-client.js';
import { startApi } from './server-fixture.js';

function open(port: number, from: string): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port, localAddress: from });
    socket.once('connect', () => resolve(socket));
    socket.once('error', reject);
  });
}

/** Resolves with what the server sent and how long the connection lived once it closes. */
function whenClosed(socket: Socket): Promise<{ text: string; ms: number }> {
  const started = Date.now();
  let text = '';
  socket.on('data', (c: Buffer) => (text += c.toString()));
  socket.on('error', () => undefined);
  return new Promise((resolve) => socket.once('close', () => resolve({ text, ms: Date.now() - started })));
}

t.test('a header sent too slowly gets 408 request_timeout and the connection closes', async (t) => {
  const server = await startApi(t, { 'api.header_timeout_seconds': '1', 'api.request_timeout_seconds': '2' });
  const socket = await open(server.port, '127.0.0.1');
  const closed = whenClosed(socket);
  socket.write('POST /update HTTP/1.1\r\nHost: x\r\n');
  const drip = setInterval(() => socket.writable && socket.write('X-Slow: y\r\n'), 200);
  const { text, ms } = await closed;
  clearInterval(drip);
  t.match(text, /^HTTP\/1\.1 408 /, 'answered 408');
  t.match(text, /\{"error":"request_timeout"\}/);
  t.ok(ms < 5000, `closed after ${ms} ms, within the timeout plus the 1 s check interval`);
});

t.test('an idle keep-alive connection is closed after the keep-alive timeout', async (t) => {
  const server = await startApi(t, { 'api.keep_alive_timeout_seconds': '1' });
  const socket = await open(server.port, '127.0.0.1');
  const closed = whenClosed(socket);
  socket.write('GET /health HTTP/1.1\r\nHost: x\r\n\r\n');
  const { text, ms } = await closed;
  t.match(text, /^HTTP\/1\.1 200 /);
  t.ok(ms < 4000, `closed after ${ms} ms`);
});

t.test('connections per address are capped; other addresses still get served', async (t) => {
  const server = await startApi(t, { 'api.connections_per_address': '3' });
  const held = await Promise.all([1, 2, 3].map(() => open(server.port, '127.0.0.9')));
  t.teardown(() => held.forEach((s) => s.destroy()));
  const extra = await open(server.port, '127.0.0.9');
  extra.write('GET /health HTTP/1.1\r\nHost: x\r\n\r\n');
  const { text, ms } = await whenClosed(extra);
  t.equal(text, '', 'the fourth connection is closed without a word');
  t.ok(ms < 3000, `after a short hold, unread (${ms} ms)`);
  const other = await post(server.port, '/register', { from: '127.0.0.10' });
  t.equal(other.status, 201, 'another address is served');
  held[0]?.destroy();
  await new Promise((r) => setTimeout(r, 100));
  t.equal((await post(server.port, '/register', { from: '127.0.0.9' })).status, 201, 'a closed connection frees its place');
});
