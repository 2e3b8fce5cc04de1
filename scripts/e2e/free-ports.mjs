// Prints N distinct loopback ports that are free for both TCP and UDP right now, one a line.
// The end-to-end journey gives each daemon its own port; DNS servers need the same number on both.
import process from 'node:process';
import { createServer } from 'node:net';
import { createSocket } from 'node:dgram';

const wanted = Number.parseInt(process.argv[2] ?? '1', 10);
const host = process.argv[3] ?? '127.0.0.1';

function listenTcp(port) {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen({ port, host, exclusive: true }, () => resolve(server));
  });
}

function bindUdp(port) {
  return new Promise((resolve, reject) => {
    const socket = createSocket('udp4');
    socket.once('error', reject);
    socket.bind({ port, address: host, exclusive: true }, () => resolve(socket));
  });
}

const held = [];
const ports = new Set();
for (let attempt = 0; ports.size < wanted && attempt < wanted * 20; attempt++) {
  const tcp = await listenTcp(0);
  const port = tcp.address().port;
  held.push(tcp);
  try {
    held.push(await bindUdp(port));
    ports.add(port);
  } catch {
    // UDP port taken: keep the TCP one held so it is not offered again, try another.
  }
}
for (const handle of held) handle.close();
if (ports.size < wanted) {
  process.stderr.write(`free-ports: found only ${ports.size} of ${wanted} free ports\n`);
  process.exit(1);
}
process.stdout.write([...ports].join('\n') + '\n');
