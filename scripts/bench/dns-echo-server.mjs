// The Node ceiling for scripts/bench-dns.sh: a node:dgram server that sends each datagram back
// with the QR bit set and does nothing else. Listens on 127.0.0.1:<argv[2]>; prints "ready".
// With argv[3] = N > 1, N node:cluster workers share the socket, as our dns.workers do: the
// ceiling for two processes (scripts/bench-dns-cores.sh).
import cluster from 'node:cluster';
import { createSocket } from 'node:dgram';
import process from 'node:process';

const port = Number(process.argv[2]);
const workers = Number(process.argv[3] ?? '1');

if (workers > 1 && cluster.isPrimary) {
  let ready = 0;
  for (let i = 0; i < workers; i++) {
    cluster.fork().on('message', () => {
      if (++ready === workers) process.stdout.write('ready\n');
    });
  }
  process.once('SIGTERM', () => {
    for (const worker of Object.values(cluster.workers ?? {})) worker?.kill();
    process.exit(0);
  });
} else {
  const socket = createSocket('udp4');
  socket.on('message', (msg, rinfo) => {
    msg[2] |= 0x80;
    socket.send(msg, rinfo.port, rinfo.address);
  });
  socket.bind({ address: '127.0.0.1', port }, () => {
    socket.setRecvBufferSize(4 * 1024 * 1024);
    if (cluster.isWorker) process.send?.('ready');
    else process.stdout.write('ready\n');
  });
  process.once('SIGTERM', () => socket.close());
}
