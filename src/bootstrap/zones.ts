// Which Cloudflare zone holds a name: the longest zone name that is a suffix of it.
import { isAtOrBelow } from '../names/domain-name.js';
import type { Zone } from './records.js';

export function zoneForName(name: string, zones: readonly Zone[]): Zone | undefined {
  let best: Zone | undefined;
  for (const zone of zones) {
    if (isAtOrBelow(name, zone.name) && (!best || zone.name.length > best.name.length)) best = zone;
  }
  return best;
}

/** The zone strictly above `name` (a zone named exactly `name` does not count). */
export function parentZoneOf(name: string, zones: readonly Zone[]): Zone | undefined {
  return zoneForName(
    name,
    zones.filter((z) => z.name !== name),
  );
}
