// What Node itself costs per datagram, as a floor for the DNS server's figures: a socket that
// reads and discards, one that replies the default way (dns.lookup on a later tick, a send
// callback), and one that replies as the DNS listener does (the IP resolved at once, no callback).
// Each runs in a child process fed RATE datagrams/s for 4 s from 127.0.0.3; its CPU is read from
// /proc. Medians of ROUNDS runs:
//   node --import tsx scripts/attack/udp-floor.ts [RATE] [ROUNDS]
import { fork } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { lookup } from 'node:dns';
import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';

type Mode = 'discard' | 'default send' | 'listener send';
const modes: Mode[] = ['discard', 'default send', 'listener send'];

if (process.argv[2] === '--serve') {
  const mode = process.argv[3] as Mode;
  const literal = (host: string, options: object, callback: (err: Error | null, address: string, family: number) => void): void => {
    const family = isIP(host);
    if (family !== 0) callback(null, host, family);
    else lookup(host, options, callback);
  };
  const socket = createSocket(mode === 'listener send' ? { type: 'udp4', lookup: literal } : { type: 'udp4' });
  const reply = Buffer.alloc(60);
  const done = (err: Error | null): void => void (err && console.error(err));
  if (mode === 'discard') socket.on('message', () => undefined);
  else if (mode === 'default send') socket.on('message', (_m, r) => socket.send(reply, r.port, r.address, done));
  else socket.on('message', (_m, r) => socket.send(reply, r.port, r.address));
  socket.bind({ port: 0, address: '127.0.0.1' }, () => process.send?.(socket.address().port));
} else {
  const rate = Number(process.argv[2] ?? 15000);
  const rounds = Number(process.argv[3] ?? 5);
  const cpu = (pid: number): number => {
    const f = readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /, '').split(' ');
    return (Number(f[11]) + Number(f[12])) / 100;
  };
  const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
  const results = new Map<Mode, number[]>(modes.map((m) => [m, []]));
  for (let round = 0; round < rounds; round++) {
    for (const mode of modes) {
      const child = fork(process.argv[1] as string, ['--serve', mode], { execArgv: process.execArgv });
      const port = await new Promise<number>((r) => child.once('message', (p) => r(p as number)));
      const client = createSocket('udp4');
      await new Promise<void>((r) => client.bind({ address: '127.0.0.3', port: 0 }, r));
      const query = Buffer.alloc(45);
      await sleep(300);
      const before = cpu(child.pid as number);
      const start = performance.now();
      let sent = 0;
      while (performance.now() - start < 4000) {
        if (sent > ((performance.now() - start) / 1000) * rate) {
          await sleep(1);
          continue;
        }
        for (let i = 0; i < 32; i++, sent++) client.send(query, port, '127.0.0.1');
        await new Promise((r) => setImmediate(r));
      }
      await sleep(300);
      results.get(mode)?.push(((cpu(child.pid as number) - before) * 1e6) / sent);
      child.kill();
      client.close();
    }
  }
  const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;
  console.log(`udp-floor: ${rate} datagrams/s, ${rounds} rounds; CPU per datagram (median, runs):`);
  for (const [mode, xs] of results) console.log(`  ${mode.padEnd(13)} ${median(xs).toFixed(2)} µs  (${xs.map((x) => x.toFixed(2)).join(', ')})`);
}
