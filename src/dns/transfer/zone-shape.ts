// A fingerprint of everything the zone serves that is not in the IXFR journal: the [dns] keys
// that shape records (zone, NS, glue, static records, TTLs, SOA timers), and how many values a
// slot serves (fewer after a restart would drop values no journal step records). Keys that only
// say how we listen or whom we talk to are left out; a key added later counts until listed here.
import { createHash } from 'node:crypto';
import type { Config } from '../../config/schema.js';

const notServed = /^(listen$|tcp_|rrl_|secondaries$|transfer_allow$|tsig_)/;

export function zoneShapeFingerprint(config: Config): string {
  const served = Object.entries(config.dns)
    .filter(([key]) => !notServed.test(key))
    .sort(([a], [b]) => (a < b ? -1 : 1));
  served.push(['store.txt_values_per_slot', config.store.txt_values_per_slot]);
  return createHash('sha256').update(JSON.stringify(served)).digest('hex');
}
