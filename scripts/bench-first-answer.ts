// Starts `node dist/main.js serve ARGS...` for scripts/bench-scale.sh and measures, from spawn,
// how long until DNS answers a TXT query for NAME (wall time and the server's CPU time), and its RSS then and after a moment
// of rest. Usage: bench-first-answer.ts DNS_PORT NAME -- SERVE_ARGS... Prints one line of JSON.
// Stops the server by its PID; gives up after 120 s.
import { spawn } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { readFileSync } from 'node:fs';

const [portText, name, separator, ...serveArgs] = process.argv.slice(2);
if (!portText || !name || separator !== '--') throw new Error('usage: bench-first-answer.ts DNS_PORT NAME -- SERVE_ARGS...');
const port = Number(portText);

function query(id: number): Buffer {
  const labels = name.split('.').flatMap((label) => [Buffer.from([label.length]), Buffer.from(label, 'ascii')]);
  const header = Buffer.alloc(12);
  header.writeUInt16BE(id, 0);
  header.writeUInt16BE(1, 4); // QDCOUNT
  return Buffer.concat([header, ...labels, Buffer.from([0, 0, 16, 0, 1])]); // root, TXT, IN
}

const rssMb = (pid: number): number => {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8').split('\n').find((l) => l.startsWith('VmRSS:')) ?? '';
  return Math.round(Number(line.replace(/\D/g, '')) / 1024);
};

/** CPU time (user + system) the process has used: what start-up costs on a busy machine too. */
const cpuMs = (pid: number): number => {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
  return (Number(fields[11]) + Number(fields[12])) * 10; // utime, stime in 1/100 s
};

const started = performance.now();
const server = spawn(process.execPath, ['dist/main.js', 'serve', ...serveArgs], { stdio: ['ignore', 'ignore', 'inherit'] });
const socket = createSocket('udp4');
const answered = new Promise<number>((resolve, reject) => {
  socket.on('message', (msg) => {
    if (msg.length >= 12 && msg[2]! & 0x80) resolve(performance.now() - started); // any response (QR)
  });
  server.once('exit', (code) => reject(new Error(`server exited with ${code}`)));
  setTimeout(() => reject(new Error('no answer within 120 s')), 120_000).unref();
});
let id = 0;
const poll = setInterval(() => socket.send(query(++id & 0xffff), port, '127.0.0.1'), 5);
try {
  const ms = await answered;
  const rssAtAnswer = rssMb(server.pid as number);
  const cpuAtAnswer = cpuMs(server.pid as number);
  await new Promise((resolve) => setTimeout(resolve, 2000));
  process.stdout.write(JSON.stringify({ firstAnswerMs: Math.round(ms), cpuMsAtAnswer: cpuAtAnswer, rssAtAnswerMb: rssAtAnswer, rssAfter2sMb: rssMb(server.pid as number) }) + '\n');
} finally {
  clearInterval(poll);
  socket.close();
  server.kill('SIGTERM');
}
