// Sends random and mutated HTTP requests (each on its own connection, from 127.0.0.10-59) until
// COUNT requests or SECONDS have gone; counts what came back.
//   fuzz-http.ts PORT COUNT SECONDS
import { randomBytes } from 'node:crypto';
import { connect } from 'node:net';

const [portText, countText = '20000', secondsText = '600'] = process.argv.slice(2);
const port = Number(portText);
const count = Number(countText);
const deadline = performance.now() + Number(secondsText) * 1000;
const uuid = '0d3c5c6e-0000-4000-8000-000000000000';
const body = `{"subdomain":"${uuid}","txt":"${'a'.repeat(43)}"}`;
const templates = [
  `POST /update HTTP/1.1\r\nHost: x\r\nX-Api-User: ${uuid}\r\nX-Api-Key: ${'k'.repeat(40)}\r\nContent-Length: ${body.length}\r\n\r\n${body}`,
  'POST /register HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 30\r\n\r\n{"allowfrom":["10.0.0.0/8"]}  ',
  'GET /health HTTP/1.1\r\nHost: x\r\n\r\n',
  'POST /update HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\n{"a":\r\n0\r\n\r\n',
  'GET //update/../register?x=%00 HTTP/1.1\r\nHost: x\r\nConnection: keep-alive\r\n\r\nGET / HTTP/1.1\r\n\r\n',
];

function mutate(template: string, seed: Buffer): Buffer {
  const bytes = Buffer.from(template);
  for (let i = 0; i < seed.length; i += 2) bytes[(seed[i] as number) % bytes.length] = seed[i + 1] as number;
  return bytes;
}

/** Writes the bytes, reads the first status line until close or 2 s; never throws. */
function blast(from: string, bytes: Buffer): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port, localAddress: from });
    let reply = '';
    const done = (): void => {
      socket.destroy();
      resolve(reply.slice(0, 12));
    };
    socket.setTimeout(2000, done);
    socket.on('data', (c: Buffer) => (reply += c.toString('latin1')));
    socket.on('error', done);
    socket.on('close', done);
    socket.end(bytes);
  });
}

const statuses = new Map<string, number>();
let sent = 0;
const worker = async (lane: number): Promise<void> => {
  for (let i = lane; sent < count && performance.now() < deadline; i += 8) {
    sent++;
    const bytes = i % 3 === 0 ? randomBytes(1 + (i % 700)) : mutate(templates[i % templates.length] as string, randomBytes(2 * (1 + (i % 8))));
    const reply = await blast(`127.0.0.${10 + (i % 50)}`, bytes);
    const status = /^HTTP\/1\.1 (\d{3})/.exec(reply)?.[1] ?? 'no reply';
    statuses.set(status, (statuses.get(status) ?? 0) + 1);
  }
};
await Promise.all(Array.from({ length: 8 }, (_, lane) => worker(lane)));
const summary = [...statuses].sort().map(([s, n]) => `${s}: ${n}`).join(', ');
console.log(`  sent ${sent} requests; replies ${summary}`);
console.log(`  server errors (5xx other than 503 overloaded/database_unavailable): ${[...statuses].filter(([s]) => /^5/.test(s) && s !== '503').reduce((a, [, n]) => a + n, 0)}`);
