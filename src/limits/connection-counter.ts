// Counts open connections per client (IPv6: per /64) so one address cannot hold them all; used
// by the API server and the DNS TCP listener.
import { clientNetwork } from '../net/address.js';

export interface ConnectionCounter {
  /** Counts a new connection; returns its release function, or undefined when over the cap. */
  open(address: string | undefined): (() => void) | undefined;
  /** Open connections from the address's network (tests, metrics). */
  count(address: string): number;
}

export function createConnectionCounter(perAddress: number): ConnectionCounter {
  // Only open connections have an entry, so the map is bounded by the server's own cap.
  const open = new Map<string, number>();
  const keyOf = (address: string): string => clientNetwork(address, 32, 64) ?? address;
  return {
    open(address) {
      const key = keyOf(address ?? '');
      const count = open.get(key) ?? 0;
      if (count >= perAddress) return undefined;
      open.set(key, count + 1);
      let released = false;
      return () => {
        if (released) return;
        released = true;
        const left = (open.get(key) ?? 1) - 1;
        if (left > 0) open.set(key, left);
        else open.delete(key);
      };
    },
    count: (address) => open.get(keyOf(address)) ?? 0,
  };
}
