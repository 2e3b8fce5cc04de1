// 600 slowloris connections (headers dripped one line every 2 s) while a real client registers
// and updates every 200 ms.
//   slowloris.ts PORT MODE SECONDS     MODE spread: from 127.0.0.10-59 (12 each); one: all from 127.0.0.10
import { connect, type Socket } from 'node:net';
import { closeAgents, countBy, percentile, post, sleep } from './http-client.js';

const [portText, mode = 'spread', secondsText = '20'] = process.argv.slice(2);
const port = Number(portText);
const seconds = Number(secondsText);
const COUNT = 600;

interface Slow {
  readonly opened: number;
  closedAfter?: number;
  got408: boolean;
  gotData: boolean;
}

const slow: Slow[] = [];
const sockets: Socket[] = [];
const drips: NodeJS.Timeout[] = [];
for (let i = 0; i < COUNT; i++) {
  const from = mode === 'one' ? '127.0.0.10' : `127.0.0.${10 + (i % 50)}`;
  const state: Slow = { opened: performance.now(), got408: false, gotData: false };
  slow.push(state);
  const socket = connect({ host: '127.0.0.1', port, localAddress: from });
  sockets.push(socket);
  socket.on('error', () => undefined);
  socket.on('data', (c: Buffer) => {
    state.gotData = true;
    if (c.toString('latin1').startsWith('HTTP/1.1 408')) state.got408 = true;
  });
  socket.on('close', () => (state.closedAfter = performance.now() - state.opened));
  socket.on('connect', () => {
    socket.write('POST /update HTTP/1.1\r\nHost: x\r\n');
    const drip = setInterval(() => socket.writable && socket.write(`X-Drip-${Date.now()}: y\r\n`), 2000);
    drips.push(drip);
  });
  if (i % 50 === 49) await sleep(10);
}

const registered = await post(port, '/register', '127.0.0.1');
const account = JSON.parse(registered.body) as { username: string; password: string; subdomain: string };
const legit: { status: number; ms: number }[] = [];
const deadline = performance.now() + seconds * 1000;
for (let i = 0; performance.now() < deadline; i++) {
  const txt = Buffer.from(`slow-${i}`.padEnd(32, '.')).toString('base64url').slice(0, 43);
  const r = await post(port, '/update', '127.0.0.1', { 'X-Api-User': account.username, 'X-Api-Key': account.password }, JSON.stringify({ subdomain: account.subdomain, txt }));
  legit.push({ status: r.status, ms: r.ms });
  await sleep(200);
}
for (const d of drips) clearInterval(d);
closeAgents();

// Over the per-address cap: held unread for 1 s, then closed without a byte.
const atAccept = slow.filter((s) => s.closedAfter !== undefined && !s.gotData).length;
const byTimeout = slow.filter((s) => s.got408);
const open = slow.filter((s) => s.closedAfter === undefined).length;
for (const s of sockets) s.destroy();
const ok = legit.filter((r) => r.status === 200);
console.log(`  real client (127.0.0.1): ${registered.status === 201 ? 'registered; ' : `register ${registered.status}; `}${ok.length}/${legit.length} updates ok; p50 ${percentile(ok.map((r) => r.ms), 50).toFixed(0)} ms, max ${Math.max(...legit.map((r) => r.ms)).toFixed(0)} ms; statuses ${countBy(legit.map((r) => r.status))}`);
console.log(`  slow connections: ${COUNT} opened; ${atAccept} closed unread by the per-address cap; ${byTimeout.length} answered 408 and closed, after ${percentile(byTimeout.map((s) => s.closedAfter ?? 0), 50).toFixed(0)} ms (median), ${Math.max(0, ...byTimeout.map((s) => s.closedAfter ?? 0)).toFixed(0)} ms (max); ${open} still open after ${seconds} s`);
