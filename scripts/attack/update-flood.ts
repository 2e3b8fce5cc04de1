// Sends DNS UPDATEs signed with the right key name and a wrong secret (each one costs the server a
// store lookup and an HMAC unless the rate limit refuses it first) over UDP for SECONDS.
// MODE "query" sends plain queries for missing names at the same pace instead: the reference.
//   update-flood.ts PORT KEY_NAME ZONE SECONDS [update|query]
import { createSocket } from 'node:dgram';
import { signMessage } from '../../src/dns/tsig.js';

const [portText, keyName = '', zone = '', secondsText = '5', mode = 'update'] = process.argv.slice(2);
const port = Number(portText);
const deadline = performance.now() + Number(secondsText) * 1000;
const wrongKey = { name: keyName, algorithm: 'hmac-sha256' as const, secret: Buffer.alloc(32, 7) };

function wireName(name: string): Buffer {
  return Buffer.concat([...name.split('.').map((l) => Buffer.concat([Buffer.from([l.length]), Buffer.from(l)])), Buffer.from([0])]);
}

function update(id: number): Buffer {
  const header = Buffer.alloc(12);
  header.writeUInt16BE(id, 0);
  header[2] = 5 << 3;
  header.writeUInt16BE(1, 4);
  header.writeUInt16BE(1, 8);
  const value = Buffer.from('x'.repeat(43));
  const rr = Buffer.alloc(10);
  rr.writeUInt16BE(16, 0);
  rr.writeUInt16BE(1, 2);
  rr.writeUInt32BE(60, 4);
  rr.writeUInt16BE(44, 8);
  const zoneTail = Buffer.from([0, 6, 0, 1]);
  return Buffer.concat([header, wireName(zone), zoneTail, wireName(keyName), rr, Buffer.from([43]), value]);
}

const socket = createSocket('udp4');
let sent = 0;
let replies = 0;
const rcodes = new Map<number, number>();
socket.on('message', (msg) => {
  replies++;
  const rcode = msg.length >= 4 ? msg[3]! & 0xf : -1;
  rcodes.set(rcode, (rcodes.get(rcode) ?? 0) + 1);
});
// Pre-signed batch: the sender's CPU goes to sending, not to HMAC.
const now = Math.floor(Date.now() / 1000);
const batch = Array.from({ length: 256 }, (_, i) => (mode === 'query' ? query(i) : signMessage(update(i), wrongKey, { timeSigned: now }).message));

function query(id: number): Buffer {
  const header = Buffer.alloc(12);
  header.writeUInt16BE(id, 0);
  header.writeUInt16BE(1, 4);
  return Buffer.concat([header, wireName(`missing-${id}.${zone}`), Buffer.from([0, 16, 0, 1])]);
}

async function run(): Promise<void> {
  while (performance.now() < deadline) {
    for (let i = 0; i < 64; i++) socket.send(batch[(sent + i) % batch.length]!, port, '127.0.0.1');
    sent += 64;
    await new Promise((resolve) => setImmediate(resolve));
  }
  await new Promise((resolve) => setTimeout(resolve, 500));
  socket.close();
  const seconds = Number(secondsText);
  const names: Record<number, string> = { 3: 'NXDOMAIN', 5: 'REFUSED', 9: 'NOTAUTH' };
  const byRcode = [...rcodes].map(([r, n]) => `${names[r] ?? r} ${n}`).join(', ');
  console.log(`  flood: ${sent} ${mode === 'query' ? 'plain queries' : 'bad-signature UPDATEs'} sent (${Math.round(sent / seconds)}/s), ${replies} answered (${byRcode})`);
}
void run();
