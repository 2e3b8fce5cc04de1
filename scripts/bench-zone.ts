// A zone index of synthetic slots (one 43-character TXT value each) with no store behind it, and
// the TXT queries to send it: what the in-process DNS benchmarks share.
import { EventEmitter } from 'node:events';
import { randomUUID } from 'node:crypto';
import { loadConfig } from '../src/config/load.js';
import { createZoneIndex, type SlotSource } from '../src/dns/zone-index.js';

export function syntheticZone(slotCount: number) {
  const config = loadConfig({ overrides: { 'dns.zone': 'auth.example.org', 'dns.listen': ['127.0.0.1:0'], 'dns.ns_addresses': ['127.0.0.1'] } });
  const slots = Array.from({ length: slotCount }, () => ({ subdomain: randomUUID(), values: ['a'.repeat(43)] }));
  const source: SlotSource = Object.assign(new EventEmitter(), { listSlots: () => slots, serial: () => 1 });
  return { config, slots, zone: createZoneIndex(config, source) };
}

/** A plain TXT query for `name` (no EDNS), as a resolver without cookies sends it. */
export function txtQuery(name: string, id: number): Buffer {
  const labels = name.split('.').flatMap((label) => [Buffer.from([label.length]), Buffer.from(label, 'ascii')]);
  const header = Buffer.alloc(12);
  header.writeUInt16BE(id & 0xffff, 0);
  header.writeUInt16BE(1, 4);
  return Buffer.concat([header, ...labels, Buffer.from([0, 0, 16, 0, 1])]);
}
