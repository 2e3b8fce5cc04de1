// Fixtures for the DNS UPDATE tests: a server with accounts that have TSIG keys, UPDATE messages
// built byte by byte, and the real clients (nsupdate, knsupdate) fed a script on stdin.
import { execFile } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import type { Test } from 'tap';
import { newTsigKey } from '../../src/accounts/tsig-key.js';
import { startDnsServer } from '../../src/dns/server.js';
import type { TsigKey, TsigAlgorithm } from '../../src/dns/tsig.js';
import { transferSettings } from '../../src/dns/transfer/settings.js';
import { createUpdateResponder } from '../../src/dns/update/update-responder.js';
import { createZoneIndex, type ZoneIndex } from '../../src/dns/zone-index.js';
import { createUpdateGuard, type UpdateGuardOptions } from '../../src/limits/update-guard.js';
import { createLogger } from '../../src/log.js';
import type { Store } from '../../src/store/store.js';
import { testConfig, testStore, ZONE } from './helpers.js';

export interface KeyedAccount {
  readonly username: string;
  readonly subdomain: string;
  /** `<subdomain>.<zone>`: the slot and the key's name. */
  readonly slot: string;
  readonly key: TsigKey;
  /** "hmac-sha256:NAME:SECRET" for `-y`. */
  readonly spec: string;
}

export function addKeyedAccount(store: Store, algorithm: TsigAlgorithm = 'hmac-sha256', kind: 'acme' | 'ddns' = 'acme'): KeyedAccount {
  const username = randomUUID();
  const subdomain = randomUUID();
  store.createAccount({ username, passwordHash: 'x', subdomain, allowfrom: [], kind });
  const stored = newTsigKey(algorithm);
  store.setTsigKey(username, stored);
  const slot = `${subdomain}.${ZONE}`;
  return { username, subdomain, slot, key: { name: slot, algorithm, secret: Buffer.from(stored.secret, 'base64') }, spec: `${algorithm}:${slot}:${stored.secret}` };
}

export interface UpdateServer {
  readonly store: Store;
  readonly zone: ZoneIndex;
  readonly port: number;
  /** Every log line written so far (JSON). */
  readonly logs: string[];
}

export async function startUpdateServer(t: Test, options: { guard?: UpdateGuardOptions; store?: Store } = {}): Promise<UpdateServer> {
  const store = options.store ?? testStore();
  const logs: string[] = [];
  const logger = createLogger({ level: 'debug', format: 'json', write: (line) => logs.push(line) });
  const config = testConfig();
  const zone = createZoneIndex(config, store);
  const guard = createUpdateGuard(options.guard ?? { failuresPerAddress: 1000, failuresPerUsername: 1000, refillSeconds: 1, maxEntries: 1000 });
  const update = createUpdateResponder({ zone, store, logger, guard });
  const server = await startDnsServer({ config, zone, logger, transfer: { zone, settings: transferSettings(config), journal: store }, update });
  t.teardown(async () => {
    await server.close();
    zone.close();
    if (!options.store) store.close();
  });
  return { store, zone, port: server.addresses().udp[0]!.port, logs };
}

/** A fresh ACME-like value (43 characters of base64url). */
export function challengeValue(): string {
  return randomBytes(32).toString('base64url');
}

export interface ClientResult {
  readonly code: number;
  readonly output: string;
}

/** Runs nsupdate or knsupdate with a script on stdin; stdout and stderr together. */
export function runUpdateClient(tool: 'nsupdate' | 'knsupdate', args: readonly string[], lines: readonly string[]): Promise<ClientResult> {
  return new Promise((resolve) => {
    const child = execFile(tool, [...args], { timeout: 20000 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
      resolve({ code, output: stdout + stderr });
    });
    child.stdin?.end(lines.join('\n') + '\n');
  });
}

export interface WireRR {
  readonly name: string;
  readonly type: number;
  readonly class?: number;
  readonly ttl?: number;
  readonly rdata?: Buffer;
}

/** An UPDATE message: zone section, prerequisites, updates; unsigned. */
export function buildUpdate(options: { id?: number; zone?: string; zoneType?: number; zoneClass?: number; prerequisites?: readonly WireRR[]; updates?: readonly WireRR[] }): Buffer {
  const header = Buffer.alloc(12);
  header.writeUInt16BE(options.id ?? 0x2136, 0);
  header[2] = 5 << 3;
  const prerequisites = options.prerequisites ?? [];
  const updates = options.updates ?? [];
  header.writeUInt16BE(1, 4);
  header.writeUInt16BE(prerequisites.length, 6);
  header.writeUInt16BE(updates.length, 8);
  const zoneTail = Buffer.alloc(4);
  zoneTail.writeUInt16BE(options.zoneType ?? 6, 0);
  zoneTail.writeUInt16BE(options.zoneClass ?? 1, 2);
  return Buffer.concat([header, wireName(options.zone ?? ZONE), zoneTail, ...[...prerequisites, ...updates].map(wireRR)]);
}

export function wireName(name: string): Buffer {
  const labels = name === '' ? [] : name.split('.');
  return Buffer.concat([...labels.map((l) => Buffer.concat([Buffer.from([l.length]), Buffer.from(l, 'latin1')])), Buffer.from([0])]);
}

function wireRR(rr: WireRR): Buffer {
  const rdata = rr.rdata ?? Buffer.alloc(0);
  const fixed = Buffer.alloc(10);
  fixed.writeUInt16BE(rr.type, 0);
  fixed.writeUInt16BE(rr.class ?? 1, 2);
  fixed.writeUInt32BE(rr.ttl ?? 0, 4);
  fixed.writeUInt16BE(rdata.length, 8);
  return Buffer.concat([wireName(rr.name), fixed, rdata]);
}

/** TXT rdata of one string. */
export function txt(value: string): Buffer {
  return Buffer.concat([Buffer.from([value.length]), Buffer.from(value, 'latin1')]);
}
