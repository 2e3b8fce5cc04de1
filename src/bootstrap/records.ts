// The DNS records bootstrap reasons about, independent of the Cloudflare SDK's types: what we
// want in a zone (intents) and what a zone holds (existing records).
import ipaddr from 'ipaddr.js';
import { normalizeName } from '../names/domain-name.js';

export interface CaaData {
  readonly flags: number;
  readonly tag: string;
  readonly value: string;
}

export interface DnsRecord {
  readonly name: string;
  readonly type: string;
  /** Canonical content: lower-case host names without trailing dot, compressed IPv6. */
  readonly content: string;
  /** Seconds; 1 is Cloudflare's "automatic". */
  readonly ttl: number;
  /** Only for proxiable types (A, AAAA, CNAME); undefined elsewhere. */
  readonly proxied?: boolean;
  readonly caa?: CaaData;
}

export interface ExistingRecord extends DnsRecord {
  readonly id: string;
  readonly zoneId: string;
}

export interface Zone {
  readonly id: string;
  readonly name: string;
  readonly accountId?: string;
  readonly status?: string;
}

interface IntentBase {
  readonly zone: Zone;
  readonly name: string;
  readonly ttl: number;
  /** Shown in the plan: why the record exists, e.g. "delegation" or "challenge for *.example.com". */
  readonly purpose: string;
}

/** `name CNAME target`, alone at its name (a CNAME cannot share a name with anything). */
export interface CnameIntent extends IntentBase {
  readonly kind: 'cname';
  readonly target: string;
  /**
   * At a zone apex (a ddns name): Cloudflare flattens the CNAME, so it may sit beside the apex's
   * other records; only A, AAAA and CNAME records there conflict with it.
   */
  readonly apex?: boolean;
}

/** The NS set delegating our zone; no other record may sit at that label. */
export interface DelegationIntent extends IntentBase {
  readonly kind: 'delegation';
  readonly nameservers: readonly string[];
}

/** The A/AAAA set of our name server (glue when it is under the delegated label). */
export interface AddressIntent extends IntentBase {
  readonly kind: 'address';
  readonly addresses: readonly string[];
}

/** One CAA property (issue/issuewild) for one issuer at a name. */
export interface CaaIntent extends IntentBase {
  readonly kind: 'caa';
  readonly tag: 'issue' | 'issuewild';
  readonly value: string;
}

export type Intent = CnameIntent | DelegationIntent | AddressIntent | CaaIntent;

/** Content in the form we compare: host names folded, IPv6 compressed, CAA rebuilt from data. */
export function canonicalContent(type: string, content: string, caa?: CaaData): string {
  switch (type) {
    case 'CNAME':
    case 'NS':
      return normalizeName(content);
    case 'AAAA':
      return ipaddr.IPv6.isValid(content) ? ipaddr.IPv6.parse(content).toString() : content;
    case 'CAA':
      return caa ? caaContent(caa) : content;
    default:
      return content;
  }
}

export function caaContent(caa: CaaData): string {
  return `${caa.flags} ${caa.tag} "${caa.value}"`;
}

/** Parses `0 issue "letsencrypt.org; accounturi=..."` (Cloudflare's content form of CAA). */
export function parseCaaContent(content: string): CaaData | undefined {
  const match = /^(\d+)\s+([A-Za-z0-9]+)\s+"?(.*?)"?$/.exec(content.trim());
  if (!match) return undefined;
  return { flags: Number(match[1]), tag: (match[2] as string).toLowerCase(), value: match[3] as string };
}

/** The issuer domain of a CAA issue/issuewild value ("letsencrypt.org; accounturi=..." -> "letsencrypt.org"). */
export function caaIssuer(value: string): string {
  return normalizeName(value.split(';')[0] ?? '');
}

/** CAA values compared without the spaces around ";" and "=" that RFC 8659 allows. */
export function sameCaaValue(a: string, b: string): boolean {
  const canon = (v: string): string =>
    v
      .split(';')
      .map((part) => part.trim().replace(/\s*=\s*/, '='))
      .filter((part) => part !== '')
      .map((part, i) => (i === 0 ? normalizeName(part) : part))
      .join(';');
  return canon(a) === canon(b);
}
