// An account's TSIG key for RFC 2136 UPDATE: made here, named after the account's slot, and
// written out once in the forms clients take (JSON, an nsupdate key block, lego and cert-manager
// settings). Only the service reads the stored secret back, to verify HMACs.
import { randomBytes } from 'node:crypto';
import { tsigAlgorithms, type TsigAlgorithm } from '../dns/tsig.js';
import { AppError } from '../errors.js';
import { normalizeName } from '../names/domain-name.js';
import type { Account, AccountKind, StoredTsigKey } from '../store/store.js';
import { fulldomainOf } from './fulldomain.js';

export const defaultTsigAlgorithm: TsigAlgorithm = 'hmac-sha256';

/** "hmac-sha256", "sha256", "256" (any case, trailing dot allowed) -> the algorithm name. */
export function parseTsigAlgorithm(text: string): TsigAlgorithm {
  // Algorithm names are domain names (RFC 8945 §6): folded by the one name rule.
  const lower = normalizeName(text);
  const name = /^\d+$/.test(lower) ? `hmac-sha${lower}` : lower.startsWith('hmac-') ? lower : `hmac-${lower}`;
  if (!(name in tsigAlgorithms)) throw new AppError('usage', `TSIG algorithm "${text}" is not one of ${Object.keys(tsigAlgorithms).join(', ')}`);
  return name as TsigAlgorithm;
}

/** A fresh secret as long as the hash's output (RFC 8945 §6: at least that). */
export function newTsigKey(algorithm: TsigAlgorithm = defaultTsigAlgorithm): StoredTsigKey {
  const bytes = { 'hmac-sha256': 32, 'hmac-sha384': 48, 'hmac-sha512': 64 }[algorithm];
  return { algorithm, secret: randomBytes(bytes).toString('base64') };
}

/** The key's name: the account's slot name, so the name alone says which slot it may change. */
export function tsigKeyName(account: Pick<Account, 'subdomain'>, zone: string): string {
  return fulldomainOf(account.subdomain, zone);
}

/** What a client is told once when its key is made. */
export interface TsigCredentials {
  readonly username: string;
  /** What the key may change: an ACME slot's TXT, or a ddns slot's A/AAAA. */
  readonly kind: AccountKind;
  readonly fulldomain: string;
  /** host:port to send UPDATEs to. */
  readonly nameserver: string;
  readonly tsig: { readonly name: string; readonly algorithm: string; readonly secret: string };
}

export function tsigCredentials(account: Pick<Account, 'username' | 'subdomain' | 'kind'>, key: StoredTsigKey, zone: string, nameserver: string): TsigCredentials {
  const name = tsigKeyName(account, zone);
  return { username: account.username, kind: account.kind, fulldomain: name, nameserver, tsig: { name: `${name}.`, algorithm: key.algorithm, secret: key.secret } };
}

/** Where clients send UPDATEs: the first public address of this server, on the DNS port. */
export function updateNameserver(nsAddresses: readonly string[], listen: readonly string[]): string {
  const port = /:(\d+)$/.exec(listen[0] ?? '')?.[1] ?? '53';
  const host = nsAddresses[0] ?? '127.0.0.1';
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

/** The same, as text for people: nsupdate's key block, then lego/Traefik and cert-manager settings. */
export function formatTsigCredentials(c: TsigCredentials): string {
  const { name, algorithm, secret } = c.tsig;
  const certManagerAlgorithm = algorithm.replace('hmac-sha', 'HMACSHA');
  const keyBlock = [
    '# nsupdate -k FILE / knsupdate -k FILE (FILE holds this block):',
    `key "${name}" {`,
    `\talgorithm ${algorithm};`,
    `\tsecret "${secret}";`,
    '};',
    '',
  ];
  // A ddns key sets addresses: the ACME clients' settings below would only mislead.
  if (c.kind === 'ddns') {
    return [
      `# TSIG key of account ${c.username}; it may change only the A and AAAA records of ${c.fulldomain}.`,
      `# Shown once: keep it now. Point your host name at ${c.fulldomain} with a CNAME.`,
      '',
      ...keyBlock,
      '# then, in nsupdate -k FILE:',
      `#   server ${c.nameserver.replace(/^\[?([^\]]*)\]?:(\d+)$/, '$1 $2')}`,
      `#   update delete ${c.fulldomain}. A`,
      `#   update add ${c.fulldomain}. 60 A <your address>`,
      '#   send',
      '',
    ].join('\n');
  }
  return [
    `# TSIG key of account ${c.username}; it may change only the TXT records of ${c.fulldomain}.`,
    `# Shown once: keep it now. Point _acme-challenge.<your name> at ${c.fulldomain} with a CNAME.`,
    '',
    ...keyBlock,
    '# lego --dns rfc2136 / Traefik (provider rfc2136):',
    `RFC2136_NAMESERVER=${c.nameserver}`,
    `RFC2136_TSIG_KEY=${name}`,
    `RFC2136_TSIG_ALGORITHM=${algorithm}.`,
    `RFC2136_TSIG_SECRET=${secret}`,
    '',
    '# cert-manager (Issuer solver dns01.rfc2136, cnameStrategy: Follow):',
    `#   kubectl create secret generic acme-delegate-tsig --from-literal=secret='${secret}'`,
    `#   nameserver: "${c.nameserver}"`,
    `#   tsigKeyName: ${name}`,
    `#   tsigAlgorithm: ${certManagerAlgorithm}`,
    '#   tsigSecretSecretRef: { name: acme-delegate-tsig, key: secret }',
    '',
  ].join('\n');
}
