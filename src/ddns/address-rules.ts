// Which addresses a dynamic-DNS slot may be given, and their one canonical text form (what the
// store keeps, DNS serves and the protocol answers echo). Pure: no sockets, no store.
import { isIPv4, isIPv6 } from 'node:net';
import ipaddr from 'ipaddr.js';

export interface SlotAddress {
  readonly family: 4 | 6;
  /** Dotted quad, or RFC 5952 compressed lower-case IPv6. */
  readonly address: string;
}

export type AddressVerdict = { readonly ok: true; readonly value: SlotAddress } | { readonly ok: false; readonly reason: 'malformed' | 'not_public' };

/** Never a host's address, whatever the config says. */
const NEVER = new Set(['unspecified', 'multicast', 'broadcast']);

/**
 * Checks one address as a client sent it. Only globally routed unicast addresses are accepted
 * unless `allowPrivate` (ddns.allow_private_addresses): then private, loopback, link-local,
 * unique-local, shared (CGNAT) and documentation addresses pass too, for private networks and
 * tests on loopback. Unspecified, multicast and broadcast addresses never do.
 */
export function checkSlotAddress(text: string, allowPrivate: boolean): AddressVerdict {
  const trimmed = text.trim();
  // node:net's parsers are strict (no octal or short forms, no zone index); ipaddr.js is not.
  if (!isIPv4(trimmed) && !isIPv6(trimmed)) return { ok: false, reason: 'malformed' };
  const parsed = ipaddr.parse(trimmed);
  const range = parsed.range();
  if (NEVER.has(range) || (range !== 'unicast' && !allowPrivate)) return { ok: false, reason: 'not_public' };
  return { ok: true, value: { family: parsed.kind() === 'ipv4' ? 4 : 6, address: parsed.toString() } };
}
