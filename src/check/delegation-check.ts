// What the world sees: the delegation of our zone, the name server's addresses, and each
// certificate name's _acme-challenge CNAME pointing at its own slot. Pure over a DNS lookup
// interface, so the rules are testable and the command chooses the resolver.
import { fulldomainOf } from '../accounts/fulldomain.js';
import type { Config } from '../config/schema.js';
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
}

export interface SlotOwner {
  /** The bare certificate name the account was made for (bootstrap's label). */
  readonly label: string;
  readonly subdomain: string;
}

export async function checkDelegation(config: Config, names: readonly string[], slots: readonly SlotOwner[], lookup: DnsLookup): Promise<CheckResult[]> {
  const { zone, nsname } = config.dns;
  const results: CheckResult[] = [];
  const add = (check: string, ok: boolean, detail: string): void => void results.push({ check, ok, detail });

  const servers = (await lookup.ns(zone)).map(normalizeName);
  add(`NS ${zone}`, servers.includes(nsname), servers.length === 0 ? 'no NS records: the zone is not delegated' : `${servers.join(', ')}${servers.includes(nsname) ? '' : ` (expected ${nsname})`}`);

  const addresses = await lookup.addresses(nsname);
  const missing = config.dns.ns_addresses.filter((a) => !addresses.includes(a));
  add(`address of ${nsname}`, addresses.length > 0 && missing.length === 0, addresses.length === 0 ? 'no A/AAAA records' : `${addresses.join(', ')}${missing.length ? ` (missing ${missing.join(', ')})` : ''}`);

  const mname = await lookup.soaMname(zone);
  add(`SOA ${zone}`, mname !== undefined && normalizeName(mname) === nsname, mname === undefined ? 'no SOA: our server is not reached through the delegation' : `served by ${normalizeName(mname)}`);

  for (const name of names) {
    const challenge = `_acme-challenge.${name}`;
    const owner = slots.find((s) => s.label === name);
    const targets = (await lookup.cname(challenge)).map(normalizeName);
    if (!owner) {
      add(`CNAME ${challenge}`, false, 'no account for this name in the store (run bootstrap or `account add --label`)');
      continue;
    }
    const expected = fulldomainOf(owner.subdomain, zone);
    const detail = targets.length === 0 ? `missing (expected ${expected})` : targets[0] === expected ? expected : `${targets.join(', ')} (expected ${expected})`;
    add(`CNAME ${challenge}`, targets[0] === expected, detail);
  }
  return results;
}
