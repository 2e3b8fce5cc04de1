// Shared fixtures for the DNS tests: a config and store with a few slots, hand-built queries,
// and dns2 decoding of replies.
import { randomUUID } from 'node:crypto';
import { Packet } from 'dns2';
import { loadConfig } from '../../src/config/load.js';
import type { Config } from '../../src/config/schema.js';
import { Store } from '../../src/store/store.js';

export const ZONE = 'auth.example.org';

export function testConfig(overrides: Record<string, string | readonly string[]> = {}): Config {
  return loadConfig({
    overrides: {
      'dns.zone': ZONE,
      'dns.listen': ['127.0.0.1:0'],
      'dns.ns_addresses': ['192.0.2.53', '2001:db8::53'],
      ...overrides,
    },
  });
}

export function testStore(): Store {
  return Store.open({ path: ':memory:', valuesPerSlot: 2, maxAgeSeconds: 604800 });
}

export function addSlot(store: Store, subdomain: string, values: readonly string[] = []): void {
  store.createAccount({ username: `user-${randomUUID()}`, passwordHash: 'x', subdomain, allowfrom: [], label: null });
  for (const v of values) store.addTxtValue(subdomain, v);
}

/** A ddns slot with these addresses set (none: never updated). */
export function addDdnsSlot(store: Store, subdomain: string, addresses: { ipv4?: string; ipv6?: string } = {}): void {
  store.createAccount({ username: `user-${randomUUID()}`, passwordHash: 'x', subdomain, allowfrom: [], label: null, kind: 'ddns' });
  if (addresses.ipv4 !== undefined || addresses.ipv6 !== undefined) store.setAddresses({ subdomain, ...addresses });
}

export interface QueryOptions {
  id?: number;
  type?: number;
  class?: number;
  rd?: boolean;
  cd?: boolean;
  opcode?: number;
  edns?: { udpSize?: number; version?: number; dnssecOk?: boolean } | false;
}

/** A query on the wire, built by hand so tests control every byte. */
export function buildQuery(name: string, options: QueryOptions = {}): Buffer {
  const header = Buffer.alloc(12);
  header.writeUInt16BE(options.id ?? 0x1234, 0);
  header[2] = ((options.opcode ?? 0) << 3) | (options.rd === false ? 0 : 1);
  header[3] = options.cd ? 0x10 : 0;
  header.writeUInt16BE(1, 4);
  header.writeUInt16BE(options.edns ? 1 : 0, 10);
  const labels = name === '' ? [] : name.split('.');
  const qname = Buffer.concat([...labels.map((l) => Buffer.concat([Buffer.from([l.length]), Buffer.from(l, 'latin1')])), Buffer.from([0])]);
  const tail = Buffer.alloc(4);
  tail.writeUInt16BE(options.type ?? 16, 0);
  tail.writeUInt16BE(options.class ?? 1, 2);
  const parts = [header, qname, tail];
  if (options.edns) {
    const opt = Buffer.alloc(11);
    opt[0] = 0;
    opt.writeUInt16BE(41, 1);
    opt.writeUInt16BE(options.edns.udpSize ?? 1232, 3);
    opt.writeUInt32BE((((options.edns.version ?? 0) & 0xff) << 16) | (options.edns.dnssecOk ? 0x8000 : 0), 5);
    opt.writeUInt16BE(0, 9);
    parts.push(opt);
  }
  return Buffer.concat(parts);
}

export type Decoded = ReturnType<typeof Packet.parse>;

export function decode(bytes: Buffer): Decoded {
  return Packet.parse(bytes);
}

export function header(bytes: Buffer): { id: number; qr: boolean; opcode: number; aa: boolean; tc: boolean; rd: boolean; ra: boolean; cd: boolean; rcode: number; counts: number[] } {
  return {
    id: bytes.readUInt16BE(0),
    qr: ((bytes[2] as number) & 0x80) !== 0,
    opcode: ((bytes[2] as number) >> 3) & 0xf,
    aa: ((bytes[2] as number) & 0x04) !== 0,
    tc: ((bytes[2] as number) & 0x02) !== 0,
    rd: ((bytes[2] as number) & 0x01) !== 0,
    ra: ((bytes[3] as number) & 0x80) !== 0,
    cd: ((bytes[3] as number) & 0x10) !== 0,
    rcode: (bytes[3] as number) & 0xf,
    counts: [bytes.readUInt16BE(4), bytes.readUInt16BE(6), bytes.readUInt16BE(8), bytes.readUInt16BE(10)],
  };
}

/** Mixes the case of every letter, deterministically from `seed`. */
export function mixCase(name: string, seed = 1): string {
  let s = seed;
  return [...name]
    .map((c) => {
      s = (s * 1103515245 + 12345) & 0x7fffffff;
      return s & 0x100 ? c.toUpperCase() : c.toLowerCase();
    })
    .join('');
}
