// Who gives way when a new connection would pass a cap (per client address, or in all): the open
// connection of that scope that has waited longest for a query, unless it is in the middle of a
// reply. A client holding connections it does not use loses them to one that asks; one whose
// connections are all busy answering is refused. RFC 7766 §6.2.3 lets a DNS server close idle
// connections when it runs short of them; BIND and Knot cap TCP clients in all.

export interface OpenConnection {
  /** The client's network (connection-counter.ts's key). */
  readonly key: string;
  /** When it last had a query answered (or was accepted). */
  readonly lastActiveAt: number;
  /** It is writing a reply (a transfer, a reply the peer is slow to read, a commit under way). */
  readonly replying: boolean;
}

/** undefined: the new connection fits. A connection: close it, then admit. 'refuse': no room. */
export function makeRoom<C extends OpenConnection>(open: Iterable<C>, key: string, caps: { readonly perAddress: number; readonly total: number }): C | 'refuse' | undefined {
  let total = 0;
  let sameKey = 0;
  let oldestSameKey: C | undefined;
  let oldest: C | undefined;
  for (const connection of open) {
    total++;
    const same = connection.key === key;
    if (same) sameKey++;
    if (connection.replying) continue;
    if (!oldest || connection.lastActiveAt < oldest.lastActiveAt) oldest = connection;
    if (same && (!oldestSameKey || connection.lastActiveAt < oldestSameKey.lastActiveAt)) oldestSameKey = connection;
  }
  if (sameKey >= caps.perAddress) return oldestSameKey ?? 'refuse';
  if (total >= caps.total) return oldest ?? 'refuse';
  return undefined;
}
