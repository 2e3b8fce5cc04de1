// Certificate names as the operator types them, reduced to what DNS-01 needs: the bare name
// whose `_acme-challenge` label receives the CNAME. `*.example.com` and `example.com` validate
// through the same label, so they share one entry (and one account).
import { domainToASCII } from 'node:url';
import { AppError } from '../errors.js';
import { isHostName, normalizeName } from '../names/domain-name.js';

export interface CertificateName {
  /** The name without `*.`, lower case, no trailing dot: the account label and storage key. */
  readonly bare: string;
  /** What was asked for, e.g. ["example.com", "*.example.com"], in first-seen order. */
  readonly requested: readonly string[];
  /** `_acme-challenge.<bare>`: where the CNAME goes; for a ddns name, the name itself. */
  readonly challengeName: string;
  /** 'ddns': a dynamic-DNS name (`--ddns`), whose own CNAME points at a ddns slot (docs/ddns.md). */
  readonly kind?: 'ddns';
}

/**
 * Lower case, no trailing dot, international names in their ASCII (punycode) form, the form
 * DNS, the CA and the clients' storage lookups use; throws AppError('bad_domain') for anything
 * that is not a host name.
 */
export function normalizeCertificateName(input: string): { bare: string; wildcard: boolean } {
  const text = normalizeName(input);
  const wildcard = text.startsWith('*.');
  const typed = wildcard ? text.slice(2) : text;
  // Only names with non-ASCII characters are converted; '' (not convertible) is refused below.
  const bare = /[^ -~]/.test(typed) ? domainToASCII(typed) : typed;
  if (!isHostName(bare) || !bare.includes('.')) {
    throw new AppError('bad_domain', `"${input}" is not a certificate name (expected e.g. www.example.com or *.example.com)`);
  }
  if (bare.startsWith('_acme-challenge.')) {
    throw new AppError('bad_domain', `"${input}": give the certificate name, not its _acme-challenge label`);
  }
  return { bare, wildcard };
}

/** Groups requested names by their bare name, keeping the order of first appearance. */
export function certificateNames(inputs: readonly string[]): CertificateName[] {
  const byBare = new Map<string, string[]>();
  for (const input of inputs) {
    const { bare, wildcard } = normalizeCertificateName(input);
    const shown = wildcard ? `*.${bare}` : bare;
    const list = byBare.get(bare) ?? [];
    if (!list.includes(shown)) list.push(shown);
    byBare.set(bare, list);
  }
  return [...byBare].map(([bare, requested]) => ({ bare, requested, challengeName: `_acme-challenge.${bare}` }));
}

/** Dynamic-DNS names (`--ddns`): host names (no wildcard), each CNAMEd itself to a ddns slot. */
export function ddnsNames(inputs: readonly string[]): CertificateName[] {
  const seen = new Set<string>();
  const names: CertificateName[] = [];
  for (const input of inputs) {
    const { bare, wildcard } = normalizeCertificateName(input);
    if (wildcard) throw new AppError('bad_domain', `"${input}": a dynamic-DNS name cannot be a wildcard`);
    if (seen.has(bare)) continue;
    seen.add(bare);
    names.push({ bare, requested: [bare], challengeName: bare, kind: 'ddns' });
  }
  return names;
}

/** Names from a file: one a line, blank lines and `#` comments ignored. */
export function parseDomainList(text: string): string[] {
  return text
    .split('\n')
    .map((line) => line.replace(/#.*/, '').trim())
    .filter((line) => line !== '');
}
