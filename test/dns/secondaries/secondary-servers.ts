// Real secondaries for tests: Knot, NSD and BIND started by PID on loopback ports, each with its
// own config in a temporary folder, pulling the zone from our primary with a TSIG key and
// accepting our NOTIFY. Refresh timers come from our SOA (set long by the tests), so only a
// NOTIFY explains a quick update. Every process is stopped by its PID.
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { createSocket } from 'node:dgram';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { toolMissing } from '../socket-helpers.js';

export interface SecondaryKey {
  readonly algorithm: string;
  readonly name: string;
  readonly secret: string;
}

export interface SecondarySpec {
  readonly dir: string;
  readonly zone: string;
  readonly port: number;
  readonly primaryPort: number;
  readonly key: SecondaryKey;
}

export interface RunningSecondary {
  readonly kind: 'knot' | 'nsd' | 'bind';
  readonly port: number;
  readonly pid: number;
  /** What it logged so far. */
  log(): string;
  stop(): Promise<void>;
}

export const secondaryKinds = ['knot', 'nsd', 'bind'] as const;
export type SecondaryKind = (typeof secondaryKinds)[number];

const binaries: Record<SecondaryKind, string> = { knot: 'knotd', nsd: 'nsd', bind: 'named' };
const packages: Record<SecondaryKind, string> = { knot: 'knot', nsd: 'nsd', bind: 'bind9' };

/** A reason to skip when the daemon is not installed; on CI a missing daemon fails the run. */
export function secondaryMissing(kind: SecondaryKind): string | false {
  const path = `/usr/sbin/${binaries[kind]}`;
  try {
    readFileSync(path);
    return false;
  } catch {
    if (toolMissing(binaries[kind]) === false) return false;
    if (process.env.CI === 'true') throw new Error(`${binaries[kind]} is required on CI (Debian: ${packages[kind]})`);
    return `${binaries[kind]} not installed (Debian: apt-get install ${packages[kind]})`;
  }
}

/** A port free on both UDP and TCP on 127.0.0.1 (checked, then released). */
export async function freePort(): Promise<number> {
  for (let attempt = 0; attempt < 20; attempt++) {
    const port = await new Promise<number>((resolve, reject) => {
      const server = createServer();
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => {
        const address = server.address();
        server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
      });
    });
    const udpFree = await new Promise<boolean>((resolve) => {
      const socket = createSocket('udp4');
      socket.once('error', () => resolve(false));
      socket.bind(port, '127.0.0.1', () => socket.close(() => resolve(true)));
    });
    if (udpFree) return port;
  }
  throw new Error('no free port');
}

export function startSecondary(kind: SecondaryKind, spec: SecondarySpec): RunningSecondary {
  mkdirSync(spec.dir, { recursive: true });
  const { command, args } = { knot: knotConfig, nsd: nsdConfig, bind: bindConfig }[kind](spec);
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const logFile = join(spec.dir, 'nsd.log');
  return {
    kind,
    port: spec.port,
    pid: child.pid ?? 0,
    log: () => {
      if (kind !== 'nsd') return output;
      try {
        return output + readFileSync(logFile, 'utf8');
      } catch {
        return output;
      }
    },
    stop: () => stopChild(child),
  };
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return Promise.resolve();
  return new Promise((resolve) => {
    const force = setTimeout(() => child.pid !== undefined && process.kill(child.pid, 'SIGKILL'), 5000);
    child.once('exit', () => {
      clearTimeout(force);
      resolve();
    });
    process.kill(child.pid as number, 'SIGTERM');
  });
}

function knotConfig(spec: SecondarySpec): { command: string; args: string[] } {
  const file = join(spec.dir, 'knot.conf');
  writeFileSync(
    file,
    `server:
    rundir: "${spec.dir}"
    listen: 127.0.0.1@${spec.port}
    background-workers: 1
    udp-workers: 1
    tcp-workers: 1
log:
  - target: stderr
    any: info
database:
    storage: "${spec.dir}"
key:
  - id: ${spec.key.name}
    algorithm: ${spec.key.algorithm}
    secret: ${spec.key.secret}
remote:
  - id: primary
    address: 127.0.0.1@${spec.primaryPort}
    key: ${spec.key.name}
acl:
  - id: notify_from_primary
    address: 127.0.0.1
    key: ${spec.key.name}
    action: notify
zone:
  - domain: ${spec.zone}
    storage: "${spec.dir}"
    file: "${spec.zone}.zone"
    master: primary
    acl: notify_from_primary
    zonefile-sync: -1
    zonefile-load: none
    journal-content: changes
`,
  );
  return { command: '/usr/sbin/knotd', args: ['-c', file] };
}

function nsdConfig(spec: SecondarySpec): { command: string; args: string[] } {
  const file = join(spec.dir, 'nsd.conf');
  writeFileSync(
    file,
    `server:
    ip-address: 127.0.0.1@${spec.port}
    port: ${spec.port}
    do-ip6: no
    username: ""
    chroot: ""
    zonesdir: "${spec.dir}"
    pidfile: "${spec.dir}/nsd.pid"
    xfrdfile: "${spec.dir}/xfrd.state"
    zonelistfile: "${spec.dir}/zone.list"
    xfrdir: "${spec.dir}"
    database: ""
    server-count: 1
    verbosity: 2
    logfile: "${spec.dir}/nsd.log"
remote-control:
    control-enable: no
key:
    name: "${spec.key.name}"
    algorithm: ${spec.key.algorithm}
    secret: "${spec.key.secret}"
zone:
    name: "${spec.zone}"
    zonefile: "${spec.zone}.zone"
    allow-notify: 127.0.0.1 ${spec.key.name}
    request-xfr: 127.0.0.1@${spec.primaryPort} ${spec.key.name}
`,
  );
  return { command: '/usr/sbin/nsd', args: ['-d', '-c', file] };
}

function bindConfig(spec: SecondarySpec): { command: string; args: string[] } {
  const file = join(spec.dir, 'named.conf');
  writeFileSync(
    file,
    `options {
  directory "${spec.dir}";
  pid-file "${spec.dir}/named.pid";
  session-keyfile "${spec.dir}/session.key";
  managed-keys-directory "${spec.dir}";
  listen-on port ${spec.port} { 127.0.0.1; };
  listen-on-v6 { none; };
  recursion no;
  notify no;
  dnssec-validation no;
};
controls { };
logging {
  channel out { stderr; severity info; print-time yes; };
  category default { out; };
  category xfer-in { out; };
  category notify { out; };
};
key "${spec.key.name}" { algorithm ${spec.key.algorithm}; secret "${spec.key.secret}"; };
zone "${spec.zone}" {
  type secondary;
  primaries port ${spec.primaryPort} { 127.0.0.1 key "${spec.key.name}"; };
  file "${spec.zone}.db";
};
`,
  );
  return { command: '/usr/sbin/named', args: ['-g', '-n', '1', '-c', file] };
}
