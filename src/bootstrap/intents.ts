// What bootstrap wants in Cloudflare, from the config, the accounts and the account's zones:
// the delegation of our zone (NS + name-server addresses), one CNAME per certificate name and,
// on request, CAA records. Pure: problems come back as errors and notes, not thrown.
import ipaddr from 'ipaddr.js';
import { fulldomainOf } from '../accounts/fulldomain.js';
import { isAtOrBelow } from '../names/domain-name.js';
import type { NameServer } from '../dns/name-servers.js';
import type { CertificateName } from './names.js';
import type { Intent, Zone } from './records.js';
import { parentZoneOf, zoneForName } from './zones.js';

/** Addresses that can never serve resolvers on other machines. */
const unreachableRanges = new Set(['unspecified', 'loopback', 'linkLocal', 'multicast', 'broadcast']);

/** Short, so a changed CNAME is seen quickly; 60 s is Cloudflare's lowest non-automatic TTL. */
export const challengeCnameTtl = 60;

export interface IntentInput {
  readonly zone: string;
  readonly nsname: string;
  readonly nsAddresses: readonly string[];
  /** The whole public NS set (ours unless hidden, then dns.nameservers); default: nsname alone. */
  readonly nameServers?: readonly NameServer[];
  /** TTL for NS and address records. */
  readonly delegationTtl: number;
  readonly names: readonly CertificateName[];
  /** bare name -> slot (subdomain) its CNAME points to; a placeholder while not yet registered. */
  readonly slots: ReadonlyMap<string, string>;
  readonly zones: readonly Zone[];
  readonly caa?: { readonly issuer: string; readonly accountUri?: string };
}

export interface IntentResult {
  readonly intents: Intent[];
  /** Problems that stop the run, e.g. a name in no zone of the account. */
  readonly errors: string[];
  /** Things the operator should know but that do not stop the run. */
  readonly notes: string[];
}

export function buildIntents(input: IntentInput): IntentResult {
  const intents: Intent[] = [];
  const errors: string[] = [];
  const notes: string[] = [];
  // No zone at all is most often a token without Zone:Zone:Read (the list then comes back empty).
  const zoneNames = input.zones.map((z) => z.name).join(', ') || 'none; an API token needs Zone:Zone:Read on the zones to see them';

  for (const name of input.names) {
    const zone = zoneForName(name.challengeName, input.zones);
    if (!zone) {
      errors.push(`${name.requested.join(', ')}: no Cloudflare zone of this account holds ${name.bare} (zones visible to the credential: ${zoneNames})`);
      continue;
    }
    if (isAtOrBelow(name.bare, input.zone)) {
      errors.push(`${name.bare} lies inside our own zone ${input.zone}; certificate names must be outside it`);
      continue;
    }
    const slot = input.slots.get(name.bare) ?? '<new slot>';
    if (name.kind === 'ddns') {
      const apex = zone.name === name.bare;
      if (apex) {
        notes.push(
          `${name.bare} is the apex of its zone: most DNS providers cannot put a CNAME there; Cloudflare can (CNAME flattening: it answers A/AAAA from the slot's addresses), so the CNAME is created beside the apex's other records`,
        );
      }
      intents.push({ kind: 'cname', zone, name: name.bare, target: fulldomainOf(slot, input.zone), ttl: challengeCnameTtl, purpose: `dynamic DNS for ${name.bare}`, ...(apex ? { apex } : {}) });
      continue;
    }
    intents.push({ kind: 'cname', zone, name: name.challengeName, target: fulldomainOf(slot, input.zone), ttl: challengeCnameTtl, purpose: `challenge for ${name.requested.join(', ')}` });
    if (input.caa) {
      const value = input.caa.accountUri ? `${input.caa.issuer}; accounturi=${input.caa.accountUri}` : input.caa.issuer;
      const certZone = zoneForName(name.bare, input.zones) ?? zone;
      intents.push({ kind: 'caa', zone: certZone, name: name.bare, tag: 'issue', value, ttl: input.delegationTtl, purpose: `CAA for ${name.requested.join(', ')}` });
      if (name.requested.some((r) => r.startsWith('*.'))) {
        intents.push({ kind: 'caa', zone: certZone, name: name.bare, tag: 'issuewild', value, ttl: input.delegationTtl, purpose: `CAA for ${name.requested.join(', ')}` });
      }
    }
  }

  const delegation = buildDelegation(input);
  intents.unshift(...delegation.intents);
  errors.push(...delegation.errors);
  notes.push(...delegation.notes);

  const used = new Map(intents.map((i) => [i.zone.id, i.zone]));
  for (const zone of used.values()) {
    // Two zones of one name (the credential spans accounts): the records could land in the
    // one that is not served.
    if (input.zones.filter((z) => z.name === zone.name).length > 1) {
      errors.push(`zone ${zone.name} exists more than once among the zones this credential sees (several accounts?); use a token limited to the right account`);
    }
    if (zone.status !== undefined && zone.status !== 'active') {
      notes.push(`zone ${zone.name} is ${zone.status}, not active: Cloudflare does not serve its records until it is`);
    }
  }
  return { intents, errors: [...new Set(errors)], notes };
}

function buildDelegation(input: IntentInput): IntentResult {
  const intents: Intent[] = [];
  const errors: string[] = [];
  const notes: string[] = [];
  const parent = parentZoneOf(input.zone, input.zones);
  if (input.zones.some((z) => z.name === input.zone)) {
    notes.push(`${input.zone} is itself a Cloudflare zone of this account: Cloudflare would answer for it instead of acme-delegate; remove that zone or delegate it at its parent yourself`);
  }
  if (!parent) {
    notes.push(`${input.zone} is not inside a Cloudflare zone of this account: delegation not managed here; make sure its parent has "${input.zone} NS ${input.nsname}" and glue`);
    return { intents, errors, notes };
  }
  const servers = input.nameServers ?? [{ host: input.nsname, addresses: input.nsAddresses, checkPort: 53, ours: true }];
  if (servers.some((s) => s.ours) && input.nsname === input.zone) {
    errors.push(
      `dns.nsname is ${input.nsname}, the apex of our zone: Cloudflare refuses an NS and an A record on one label, so the name server needs its own name below the zone (e.g. --nsname ns.${input.zone})`,
    );
    return { intents, errors, notes };
  }
  intents.push({ kind: 'delegation', zone: parent, name: input.zone, nameservers: servers.map((s) => s.host), ttl: input.delegationTtl, purpose: 'delegation' });
  for (const server of servers) addressIntent(input, server, { intents, errors, notes });
  return { intents, errors, notes };
}

/** The A/AAAA records of one name server: glue when inside our zone, else its own address records. */
function addressIntent(input: IntentInput, server: NameServer, out: IntentResult): void {
  const { intents, errors, notes } = out;
  const nsZone = zoneForName(server.host, input.zones.filter((z) => z.name !== input.zone));
  if (!nsZone) {
    notes.push(`name server ${server.host} is not in a Cloudflare zone of this account: its A/AAAA records are not managed here`);
    return;
  }
  if (server.addresses.length === 0) {
    if (server.ours) errors.push(`dns.ns_addresses is empty: ${server.host} needs at least one public address (--ns-address)`);
    return;
  }
  // The same address twice (in two spellings, say) is one record, not a create that fails.
  const addresses = [...new Set(server.addresses.map((a) => ipaddr.process(a).toString()))];
  for (const address of addresses) {
    const range = ipaddr.parse(address).range();
    if (unreachableRanges.has(range)) {
      // 127.0.0.1 is the config's default. Not refused: an all-loopback test set-up uses it.
      notes.push(
        `ns address ${address} is ${range}: published as the address of ${server.host}, no resolver on another machine can reach it and challenges fail; unless this is a local test, set dns.ns_addresses (--ns-address) to the server's public addresses`,
      );
    } else if (range !== 'unicast') {
      notes.push(`ns address ${address} is not a public address (${range}): resolvers on the internet cannot reach it`);
    }
  }
  const glue = isAtOrBelow(server.host, input.zone);
  intents.push({ kind: 'address', zone: nsZone, name: server.host, addresses, ttl: input.delegationTtl, purpose: glue ? 'glue' : 'name server address' });
}
