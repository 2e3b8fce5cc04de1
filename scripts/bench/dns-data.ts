// Writes the data scripts/bench-dns.sh needs for N accounts into a directory: the slots the
// server loads (slots.tsv: subdomain, values), the same zone for Knot (zone), and the dnsperf
// query files (hot, random, nxdomain, mixed). Deterministic, so every run asks the same names.
// Usage: node --import tsx scripts/bench/dns-data.ts DIR ACCOUNTS ZONE
import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

const [dir, countText, zone] = process.argv.slice(2);
if (!dir || !countText || !zone) throw new Error('usage: dns-data.ts DIR ACCOUNTS ZONE');
const count = Number.parseInt(countText, 10);
const QUERIES = 100_000;

export const HOT_SLOT = 'd420c923-bbd7-4056-ab64-c3ca54c9b3cf';
const HOT_VALUES = ['LPsIwTo7o8BoG0-vjCyGQGBWSVIPxI-i_X336eUOQZo', 'q9mU0j2Kx3Z5oPqT7vWzY1aB4cD6eF8gH0iJ2kL4mN6'];

const digest = (text: string): string => createHash('sha256').update(text).digest('hex');
const uuid = (i: number): string => {
  const h = digest(`slot-${i}`);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-8${h.slice(17, 20)}-${h.slice(20, 32)}`;
};
const token = (i: number): string => Buffer.from(digest(`token-${i}`), 'hex').toString('base64url');

// A small linear congruential generator: the same "random" order on every run.
let seed = 20;
const random = (): number => {
  seed = (seed * 1103515245 + 12345) & 0x7fffffff;
  return seed / 0x80000000;
};
const mixCase = (name: string): string => [...name].map((c) => (random() < 0.5 ? c.toUpperCase() : c)).join('');

const slots: [string, string[]][] = [[HOT_SLOT, HOT_VALUES]];
for (let i = 1; i < count; i++) slots.push([uuid(i), [token(i)]]);

writeFileSync(join(dir, 'slots.tsv'), slots.map(([s, values]) => [s, ...values].join('\t')).join('\n') + '\n');

const zoneLines = [
  `$ORIGIN ${zone}.`,
  '$TTL 300',
  `@ SOA ns.${zone}. hostmaster.${zone}. 1 7200 3600 1209600 1`,
  `@ NS ns.${zone}.`,
  'ns A 127.0.0.1',
  ...slots.flatMap(([s, values]) => values.map((v) => `${s} 1 TXT "${v}"`)),
];
writeFileSync(join(dir, 'zone'), zoneLines.join('\n') + '\n');

const pick = (): string => (slots[Math.floor(random() * slots.length)] as [string, string[]])[0];
const lines = (make: () => string): string => Array.from({ length: QUERIES }, make).join('\n') + '\n';
writeFileSync(join(dir, 'hot'), `${HOT_SLOT}.${zone} TXT\n`);
writeFileSync(join(dir, 'random'), lines(() => `${pick()}.${zone} TXT`));
writeFileSync(join(dir, 'nxdomain'), lines(() => `${digest(String(random())).slice(0, 12)}.${zone} A`));
writeFileSync(join(dir, 'mixed'), lines(() => `${mixCase(`${pick()}.${zone}`)} TXT`));
