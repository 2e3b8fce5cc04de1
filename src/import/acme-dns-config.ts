// Translates an acme-dns config.cfg (TOML) into an acme-delegate config, so a migration keeps
// the zone, name server, static records, listen addresses and registration policy.
import { parse as parseToml } from 'smol-toml';
import { AppError } from '../errors.js';
import { normalizeName } from '../names/domain-name.js';

interface AcmeDnsConfig {
  general?: { listen?: string; domain?: string; nsname?: string; nsadmin?: string; records?: string[] };
  database?: { engine?: string; connection?: string };
  api?: {
    ip?: string;
    port?: string | number;
    disable_registration?: boolean;
    tls?: string;
    tls_cert_privkey?: string;
    tls_cert_fullchain?: string;
    corsorigins?: string[];
    use_header?: boolean;
  };
  logconfig?: { loglevel?: string; logformat?: string };
}

const quote = (s: string): string => JSON.stringify(s);
const list = (items: readonly string[]): string => `[${items.map(quote).join(', ')}]`;

export function translateAcmeDnsConfig(text: string, source = 'config.cfg'): { toml: string; notes: string[] } {
  let cfg: AcmeDnsConfig;
  try {
    cfg = parseToml(text) as AcmeDnsConfig;
  } catch (error) {
    throw new AppError('import_failed', `${source}: invalid TOML: ${(error as Error).message.split('\n')[0]}`);
  }
  const notes: string[] = [];
  const zone = normalizeName(cfg.general?.domain ?? '');
  if (!zone) throw new AppError('import_failed', `${source}: general.domain is missing`);
  const nsname = normalizeName(cfg.general?.nsname ?? `ns.${zone}`);
  const addresses: string[] = [];
  const records: string[] = [];
  for (const record of cfg.general?.records ?? []) {
    const [owner = '', type = '', ...rest] = record.trim().split(/\s+/);
    const name = normalizeName(owner);
    // The apex NS and the name server's glue are generated from nsname and ns_addresses.
    if (name === nsname && (type.toUpperCase() === 'A' || type.toUpperCase() === 'AAAA')) addresses.push(rest.join(' '));
    else if (name === zone && type.toUpperCase() === 'NS' && normalizeName(rest.join(' ')) === nsname) continue;
    else records.push(record.trim());
  }
  const port = String(cfg.api?.port ?? '443');
  const ip = cfg.api?.ip ?? '0.0.0.0';
  const apiListen = ip.includes(':') ? `[${ip}]:${port}` : `${ip}:${port}`;
  const dnsListen = cfg.general?.listen ?? '127.0.0.1:53';
  if (cfg.api?.tls === 'letsencrypt' || cfg.api?.tls === 'letsencryptstaging') {
    notes.push('api.tls = "letsencrypt" has no equivalent: put a TLS reverse proxy in front or set tls_cert/tls_key.');
  }
  if (cfg.api?.use_header) notes.push('api.use_header: set api.trusted_proxies to the proxy addresses instead.');
  const lines = [
    `# Translated from ${source} by acme-delegate import-acme-dns.`,
    '[dns]',
    `zone = ${quote(zone)}`,
    `nsname = ${quote(nsname)}`,
    `nsadmin = ${quote(normalizeName(cfg.general?.nsadmin ?? `hostmaster.${zone}`))}`,
    `ns_addresses = ${list(addresses)}`,
    `listen = ${list([dnsListen])}`,
    `records = ${list(records)}`,
    '',
    '[api]',
    `listen = ${quote(apiListen)}`,
    `registration = ${quote(cfg.api?.disable_registration ? 'closed' : 'open')}`,
    `cors_origins = ${list(cfg.api?.corsorigins ?? [])}`,
  ];
  if (cfg.api?.tls === 'cert') {
    lines.push(`tls_cert = ${quote(cfg.api.tls_cert_fullchain ?? '')}`, `tls_key = ${quote(cfg.api.tls_cert_privkey ?? '')}`);
  }
  lines.push('', '[log]', `format = ${quote(cfg.logconfig?.logformat === 'json' ? 'json' : 'text')}`, '');
  return { toml: lines.join('\n'), notes };
}
