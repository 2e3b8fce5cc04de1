// The dyndns2 protocol (Dyn's /nic/update, spoken by ddclient, inadyn, routers) as pure rules:
// reading a request's query into host names and addresses, and the answers, exactly as clients
// parse them: one line per host name, "good ADDR", "nochg ADDR", or a bare code.
import { normalizeName, isHostName } from '../names/domain-name.js';
import { checkSlotAddress } from './address-rules.js';

/** Every answer the protocol defines that we give (docs/ddns.md says when). */
export type Dyndns2Code = 'good' | 'nochg' | 'badauth' | 'nohost' | 'notfqdn' | 'abuse' | '911' | 'dnserr';

/** Dyn answers "numhost" beyond 20; one credential owns one slot, so a few names are plenty. */
const MAX_HOSTNAMES = 20;

/** What a slot should serve: a family left undefined keeps its address. */
export interface WantedAddresses {
  readonly ipv4?: string;
  readonly ipv6?: string;
}

export type Dyndns2Request =
  | { readonly ok: true; readonly hostnames: readonly string[]; readonly addresses: WantedAddresses }
  | { readonly ok: false; readonly code: 'notfqdn' | 'dnserr' };

/** A query parameter as fastify gives it: a repeated parameter is an array; its last value counts. */
function param(query: Record<string, unknown>, name: string): string | undefined {
  const value = query[name];
  const last = Array.isArray(value) ? (value[value.length - 1] as unknown) : value;
  return typeof last === 'string' ? last : undefined;
}

/**
 * Reads `hostname` (comma-separated), `myip` ("ADDR" or "ADDR4,ADDR6") and `myipv6`. No address
 * given means the client's own (`clientAddress`, as api.trusted_proxies resolves it). A name that
 * is not a host name is notfqdn; an address that is malformed, not public (unless allowed), or a
 * second one of a family is dnserr (as nsupdate.info answers a bad address), for the whole request.
 */
export function readDyndns2Query(query: Record<string, unknown>, clientAddress: string, allowPrivate: boolean): Dyndns2Request {
  const hostnames = (param(query, 'hostname') ?? '').split(',').map(normalizeName);
  if (hostnames.length > MAX_HOSTNAMES || !hostnames.every(isHostName) || hostnames.some((h) => !h.includes('.'))) return { ok: false, code: 'notfqdn' };
  const given = [param(query, 'myip'), param(query, 'myipv6')]
    .filter((v): v is string => v !== undefined)
    .flatMap((v) => v.split(','))
    .map((v) => v.trim())
    .filter((v) => v !== '');
  const addresses: { ipv4?: string; ipv6?: string } = {};
  for (const text of given.length > 0 ? given : [clientAddress]) {
    const verdict = checkSlotAddress(text, allowPrivate);
    if (!verdict.ok) return { ok: false, code: 'dnserr' };
    const key = verdict.value.family === 4 ? 'ipv4' : 'ipv6';
    if (addresses[key] !== undefined && addresses[key] !== verdict.value.address) return { ok: false, code: 'dnserr' };
    addresses[key] = verdict.value.address;
  }
  return { ok: true, hostnames, addresses };
}

/** One answer line: "good ADDR[,ADDR6]", "nochg ADDR[,ADDR6]", or the bare code. */
export function dyndns2Line(code: Dyndns2Code, addresses: readonly string[] = []): string {
  return (code === 'good' || code === 'nochg') && addresses.length > 0 ? `${code} ${addresses.join(',')}` : code;
}
