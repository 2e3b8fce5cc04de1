// The Node ceiling for scripts/bench-dns.sh: a node:dgram server that sends each datagram back
// with the QR bit set and does nothing else. Listens on 127.0.0.1:<argv[2]>; prints "ready".
import { createSocket } from 'node:dgram';
import process from 'node:process';

const socket = createSocket('udp4');
socket.on('message', (msg, rinfo) => {
  msg[2] |= 0x80;
  socket.send(msg, rinfo.port, rinfo.address);
});
socket.bind({ address: '127.0.0.1', port: Number(process.argv[2]) }, () => {
  socket.setRecvBufferSize(4 * 1024 * 1024);
  process.stdout.write('ready\n');
});
process.once('SIGTERM', () => socket.close());
