// Helpers for tests that talk to a running server on 127.0.0.1: real dig/kdig, raw UDP and TCP.
import { execFile, execFileSync } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { connect, type Socket } from 'node:net';
import { startDnsServer, type DnsServer } from '../../src/dns/server.js';
import { createZoneIndex, type ZoneIndex } from '../../src/dns/zone-index.js';
import { silentLogger } from '../../src/log.js';
import type { Store } from '../../src/store/store.js';
import { testConfig } from './helpers.js';

/** Whether a tool is installed; on CI a missing tool is a failure, elsewhere a skip. */
export function toolMissing(tool: string, debianPackage = tool === 'kdig' ? 'knot-dnsutils' : 'dnsutils'): string | false {
  try {
    execFileSync('sh', ['-c', `command -v ${tool}`], { stdio: 'ignore' });
    return false;
  } catch {
    if (process.env.CI === 'true') throw new Error(`${tool} is required on CI (Debian: apt-get install ${debianPackage})`);
    return `${tool} not installed (Debian: apt-get install ${debianPackage})`;
  }
}

export function run(tool: string, args: readonly string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(tool, [...args], { timeout: 15000 }, (err, stdout, stderr) => {
      // dig exits non-zero on some answers we want to look at; keep its output.
      if (err && !stdout) reject(new Error(`${tool} ${args.join(' ')}: ${err.message} ${stderr}`));
      else resolve(stdout);
    });
  });
}

export interface Running {
  readonly server: DnsServer;
  readonly zone: ZoneIndex;
  readonly port: number;
  close(): Promise<void>;
}

export async function startOn(store: Store, overrides: Record<string, string | readonly string[]> = {}): Promise<Running> {
  const config = testConfig(overrides);
  const zone = createZoneIndex(config, store);
  const server = await startDnsServer({ config, zone, logger: silentLogger });
  const port = server.addresses().udp[0]?.port ?? 0;
  return {
    server,
    zone,
    port,
    close: async () => {
      await server.close();
      zone.close();
    },
  };
}

/**
 * Sends one datagram and waits for the reply with the same ID. UDP may drop (a test that floods
 * the server shares its event loop), so it resends like any DNS client, up to 5 times a second
 * apart, then rejects.
 */
export function udpExchange(port: number, msg: Buffer, host = '127.0.0.1'): Promise<Buffer> {
  const socket = createSocket(host.includes(':') ? 'udp6' : 'udp4');
  let timer: NodeJS.Timeout | undefined;
  return new Promise<Buffer>((resolve, reject) => {
    let tries = 0;
    const attempt = (): void => {
      if (tries++ === 5) return reject(new Error('no UDP reply after 5 tries'));
      socket.send(msg, port, host, (err) => err && reject(err));
      timer = setTimeout(attempt, 1000);
    };
    socket.on('message', (reply) => {
      if (reply.length >= 2 && reply.readUInt16BE(0) === msg.readUInt16BE(0)) resolve(reply);
    });
    attempt();
  }).finally(() => {
    clearTimeout(timer);
    socket.close();
  });
}

/**
 * Sends datagrams without waiting for replies, yielding often so the server can keep up.
 * Resolves with how many replies came back while sending.
 */
export async function udpBlast(port: number, packets: readonly Buffer[]): Promise<number> {
  const socket = createSocket('udp4');
  let replies = 0;
  socket.on('message', () => replies++);
  try {
    for (let i = 0; i < packets.length; i++) {
      await new Promise<void>((resolve) => socket.send(packets[i] as Buffer, port, '127.0.0.1', () => resolve()));
      if (i % 32 === 31) await new Promise((resolve) => setTimeout(resolve, 1));
    }
    return replies;
  } finally {
    socket.close();
  }
}

export function tcpConnect(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port }, () => resolve(socket));
    socket.once('error', reject);
  });
}

/** Collects `count` length-prefixed replies from a TCP socket. */
export function readFrames(socket: Socket, count: number, timeoutMs = 5000): Promise<Buffer[]> {
  return new Promise((resolve, reject) => {
    let buffered = Buffer.alloc(0);
    const frames: Buffer[] = [];
    const timer = setTimeout(() => reject(new Error(`only ${frames.length} of ${count} TCP replies`)), timeoutMs);
    const onData = (chunk: Buffer): void => {
      buffered = Buffer.concat([buffered, chunk]);
      while (buffered.length >= 2 && buffered.length >= 2 + buffered.readUInt16BE(0)) {
        frames.push(buffered.subarray(2, 2 + buffered.readUInt16BE(0)));
        buffered = buffered.subarray(2 + buffered.readUInt16BE(0));
      }
      if (frames.length >= count) {
        clearTimeout(timer);
        socket.off('data', onData);
        resolve(frames);
      }
    };
    socket.on('data', onData);
  });
}

export function frame(msg: Buffer): Buffer {
  const out = Buffer.alloc(2 + msg.length);
  out.writeUInt16BE(msg.length, 0);
  msg.copy(out, 2);
  return out;
}

/** Resolves when the server closes the socket. */
export function closed(socket: Socket): Promise<void> {
  return new Promise((resolve) => {
    if (socket.destroyed) resolve();
    else socket.once('close', () => resolve());
  });
}
