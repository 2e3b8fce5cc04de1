// The zone's public name servers, one list for the apex NS set and its glue, `bootstrap` (NS and
// glue in the parent) and `check` (serial lag per server): this server (dns.nsname with
// dns.ns_addresses) unless it is a hidden primary, then every entry of dns.nameservers.
import type { Config } from '../config/schema.js';
import { isHostName, normalizeName } from '../names/domain-name.js';
import { isIpAddress, parseHostPort } from '../net/address.js';

export interface NameServer {
  /** Lower-case host name, no trailing dot. */
  readonly host: string;
  /** Its addresses as configured: glue when the host is inside the zone. */
  readonly addresses: readonly string[];
  /** The port `check` asks it on: 53, or another given as "ADDR:PORT" (tests on loopback). */
  readonly checkPort: number;
  /** True for this server (dns.nsname). */
  readonly ours: boolean;
}

/** "HOST" or "HOST ADDR [ADDR...]" (an ADDR may be "ADDR:PORT" for `check`); throws with a reason. */
export function parseNameServerEntry(text: string): { host: string; addresses: string[]; checkPort: number } {
  const [hostText = '', ...given] = text.trim().split(/\s+/);
  const host = normalizeName(hostText);
  if (!isHostName(host)) throw new Error(`"${hostText}" is not a host name`);
  let checkPort = 53;
  const addresses = given.map((text) => {
    if (isIpAddress(text)) return text;
    const withPort = parseHostPortOrUndefined(text);
    if (!withPort || !isIpAddress(withPort.host)) throw new Error(`"${text}" is not an IP address`);
    checkPort = withPort.port;
    return withPort.host;
  });
  return { host, addresses, checkPort };
}

function parseHostPortOrUndefined(text: string): { host: string; port: number } | undefined {
  try {
    return parseHostPort(text);
  } catch {
    return undefined;
  }
}

export function publicNameServers(config: Config): NameServer[] {
  const dns = config.dns;
  const servers: NameServer[] = dns.hidden_primary ? [] : [{ host: dns.nsname, addresses: dns.ns_addresses, checkPort: 53, ours: true }];
  for (const entry of dns.nameservers) {
    const { host, addresses, checkPort } = parseNameServerEntry(entry);
    if (!servers.some((s) => s.host === host)) servers.push({ host, addresses, checkPort, ours: false });
  }
  return servers;
}
