// What the world sees: the delegation of our zone, the name server's addresses, each
// certificate name's _acme-challenge CNAME pointing at its own slot, and each dynamic-DNS name's
// own CNAME pointing at its ddns slot. Pure over a DNS lookup
// interface, so the rules are testable and the command chooses the resolver.
import { fulldomainOf } from '../accounts/fulldomain.js';
import type { Config } from '../config/schema.js';
import { publicNameServers } from '../dns/name-servers.js';
import { normalizeName } from '../names/domain-name.js';

export interface CheckResult {
  readonly check: string;
  readonly ok: boolean;
  readonly detail: string;
}

/** Answers as a recursive resolver sees them; a name or type that does not exist gives []. */
export interface DnsLookup {
  ns(name: string): Promise<string[]>;
  addresses(name: string): Promise<string[]>;
  cname(name: string): Promise<string[]>;
  soaMname(name: string): Promise<string | undefined>;
  /** The zone's SOA serial as one name server answers it directly; undefined without an answer. */
  soaSerialAt(address: string, port: number, zone: string): Promise<number | undefined>;
}

export interface SlotOwner {
  /** The bare certificate name the account was made for (bootstrap's label). */
  readonly label: string;
  readonly subdomain: string;
  /** 'ddns': a dynamic-DNS slot, reached by a CNAME at the label itself (docs/ddns.md). */
  readonly kind?: 'ddns';
}

export async function checkDelegation(
  config: Config,
  names: readonly string[],
  slots: readonly SlotOwner[],
  lookup: DnsLookup,
  primarySerial?: number,
  ddnsNames: readonly string[] = [],
): Promise<CheckResult[]> {
  const { zone, nsname } = config.dns;
  const results: CheckResult[] = [];
  const add = (check: string, ok: boolean, detail: string): void => void results.push({ check, ok, detail });
  const expected = publicNameServers(config);

  const servers = (await lookup.ns(zone)).map(normalizeName);
  const absent = expected.filter((s) => !servers.includes(s.host)).map((s) => s.host);
  add(`NS ${zone}`, servers.length > 0 && absent.length === 0, servers.length === 0 ? 'no NS records: the zone is not delegated' : `${servers.join(', ')}${absent.length === 0 ? '' : ` (expected ${absent.join(', ')})`}`);

  for (const server of expected.filter((s) => s.ours || s.addresses.length > 0)) {
    const addresses = await lookup.addresses(server.host);
    const missing = server.addresses.filter((a) => !addresses.includes(a));
    add(`address of ${server.host}`, addresses.length > 0 && missing.length === 0, addresses.length === 0 ? 'no A/AAAA records' : `${addresses.join(', ')}${missing.length ? ` (missing ${missing.join(', ')})` : ''}`);
  }

  const mname = await lookup.soaMname(zone);
  add(`SOA ${zone}`, mname !== undefined && normalizeName(mname) === nsname, mname === undefined ? 'no SOA: our server is not reached through the delegation' : `served by ${normalizeName(mname)}`);

  // Each secondary against the primary's serial: a lagging one serves old challenge values.
  if (primarySerial !== undefined) {
    for (const server of expected.filter((s) => !s.ours)) {
      const addresses = server.addresses.length > 0 ? server.addresses : await lookup.addresses(server.host);
      if (addresses.length === 0) add(`serial at ${server.host}`, false, 'no address to ask');
      for (const address of addresses) {
        const serial = await lookup.soaSerialAt(address, server.checkPort, zone);
        const behind = serial === undefined ? undefined : (primarySerial - serial) >>> 0;
        add(
          `serial at ${server.host} (${address})`,
          behind === 0,
          serial === undefined ? `no SOA answer (primary is at ${primarySerial})` : behind === 0 ? `${serial}, up to date` : `${serial}, ${behind} behind the primary's ${primarySerial}`,
        );
      }
    }
  }

  // The CNAME at `owner` must point at the slot of the account of its kind carrying `label`.
  const checkCname = async (owner: string, label: string, kind: 'acme' | 'ddns'): Promise<void> => {
    const account = slots.find((s) => s.label === label && (s.kind ?? 'acme') === kind);
    const targets = (await lookup.cname(owner)).map(normalizeName);
    if (!account) {
      add(`CNAME ${owner}`, false, kind === 'ddns' ? 'no ddns account for this name in the store (run bootstrap --ddns or `account add --ddns --label`)' : 'no account for this name in the store (run bootstrap or `account add --label`)');
      return;
    }
    const expected = fulldomainOf(account.subdomain, zone);
    const detail = targets.length === 0 ? `missing (expected ${expected})` : targets[0] === expected ? expected : `${targets.join(', ')} (expected ${expected})`;
    add(`CNAME ${owner}`, targets[0] === expected, detail);
  };
  for (const name of names) await checkCname(`_acme-challenge.${name}`, name, 'acme');
  for (const name of ddnsNames) await checkCname(name, name, 'ddns');
  return results;
}
