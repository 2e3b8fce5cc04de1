// Sends fuzzed DNS packets (test/dns/fuzz-packets.ts: random bytes, truncations, flipped bytes,
// wrong counts, compression loops, huge labels) over UDP, and every 20th batch over TCP, until
// COUNT packets or SECONDS have gone.
//   fuzz-dns.ts PORT COUNT SECONDS
import { createSocket } from 'node:dgram';
import { connect } from 'node:net';
import { fuzzPackets } from '../../test/dns/fuzz-packets.js';

const [portText, countText = '1000000', secondsText = '600'] = process.argv.slice(2);
const port = Number(portText);
const count = Number(countText);
const deadline = performance.now() + Number(secondsText) * 1000;
const BATCH = 2000;

const udp = createSocket('udp4');
let replies = 0;
udp.on('message', () => replies++);
let sent = 0;
let tcpSent = 0;
let tcpClosed = 0;

function overTcp(packets: Buffer[]): Promise<void> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.on('error', () => undefined);
    socket.on('data', () => undefined);
    socket.on('close', () => {
      tcpClosed++;
      resolve();
    });
    socket.setTimeout(3000, () => socket.destroy());
    const framed = packets.map((p) => {
      const length = Buffer.alloc(2);
      length.writeUInt16BE(Math.min(p.length, 0xffff));
      return Buffer.concat([length, p]);
    });
    socket.end(Buffer.concat(framed));
  });
}

for (let batch = 0; sent < count && performance.now() < deadline; batch++) {
  const packets = fuzzPackets(Math.min(BATCH, count - sent), 0x5eed + batch);
  if (batch % 20 === 19) {
    await overTcp(packets);
    tcpSent += packets.length;
  } else {
    for (let i = 0; i < packets.length; i++) {
      udp.send(packets[i] as Buffer, port, '127.0.0.1');
      if (i % 64 === 63) await new Promise((r) => setImmediate(r));
    }
  }
  sent += packets.length;
}
await new Promise((r) => setTimeout(r, 500));
udp.close();
console.log(`  sent ${sent} packets (${sent - tcpSent} over UDP, ${tcpSent} over ${tcpClosed} TCP connections); ${replies} UDP replies`);
