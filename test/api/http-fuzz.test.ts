// Garbage over HTTP never takes the API down: a bounded run of random and mutated requests,
// then an ordinary register and update still work.
import { randomBytes } from 'node:crypto';
import { connect } from 'node:net';
import t from 'tap';
import { rawRequest, startApi, txtValue } from './server-fixture.js';

/** Writes bytes, reads whatever comes back until close or 2 s, never throws. */
function blast(port: number, bytes: Buffer): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    let reply = '';
    const done = (): void => {
      socket.destroy();
      resolve(reply);
    };
    socket.setTimeout(2000, done);
    socket.on('data', (c: Buffer) => (reply += c.toString('latin1')));
    socket.on('error', done);
    socket.on('close', done);
    socket.end(bytes);
  });
}

function mutate(template: string, seed: Buffer): Buffer {
  const bytes = Buffer.from(template);
  for (let i = 0; i < seed.length; i += 2) bytes[(seed[i] as number) % bytes.length] = seed[i + 1] as number;
  return bytes;
}

t.test('random and mutated requests, then normal service', async (t) => {
  // The fuzzer and the final client share 127.0.0.1: lift the rate limits (their own tests
  // prove them) so the garbage's failed guesses do not throttle the final update.
  const server = await startApi(t, { 'api.body_limit': '1024', 'limits.update_failures_per_address': '100000', 'limits.registrations_per_address': '100000' });
  const register = await rawRequest(server.port, 'POST /register HTTP/1.1');
  const acct = JSON.parse(register.body) as { username: string; password: string; subdomain: string };
  const body = JSON.stringify({ subdomain: acct.subdomain, txt: txtValue('fuzz') });
  const templates = [
    `POST /update HTTP/1.1\r\nHost: x\r\nX-Api-User: ${acct.username}\r\nX-Api-Key: ${acct.password}\r\nContent-Length: ${body.length}\r\n\r\n${body}`,
    'POST /register HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 30\r\n\r\n{"allowfrom":["10.0.0.0/8"]}  ',
    'GET /health HTTP/1.1\r\nHost: x\r\n\r\n',
    'POST /update HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\n{"a":\r\n0\r\n\r\n',
  ];
  let answered = 0;
  let serverErrors = 0;
  const rounds = 1500;
  for (let i = 0; i < rounds; i++) {
    const bytes = i % 3 === 0 ? randomBytes(1 + (i % 700)) : mutate(templates[i % templates.length] as string, randomBytes(2 * (1 + (i % 8))));
    const reply = await blast(server.port, bytes);
    if (reply.startsWith('HTTP/1.1 ')) answered++;
    if (/^HTTP\/1\.1 5\d\d/.test(reply)) serverErrors++;
  }
  t.ok(answered > rounds / 3, `${answered} of ${rounds} got an HTTP answer`);
  t.equal(serverErrors, 0, 'no input produced a 5xx');
  t.equal((await rawRequest(server.port, 'GET /health HTTP/1.1')).status, 200, 'still healthy');
  const update = await rawRequest(server.port, `POST /update HTTP/1.1\nX-Api-User: ${acct.username}\nX-Api-Key: ${acct.password}`, body);
  t.equal(update.status, 200, 'a normal update still works');
});
