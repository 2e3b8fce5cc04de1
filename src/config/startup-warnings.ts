// Settings that are valid but probably not what the operator meant, said once at start.
import { isLoopbackHost, parseHostPort } from '../net/address.js';
import type { Config } from './schema.js';

export function startupWarnings(config: Config): string[] {
  const warnings: string[] = [];
  const apiHost = parseHostPort(config.api.listen).host;
  const dnsPublic = config.dns.listen.some((l) => !isLoopbackHost(parseHostPort(l).host));
  if (config.api.registration === 'open' && !isLoopbackHost(apiHost)) {
    warnings.push(`api.registration is "open" on ${config.api.listen}: anyone who reaches the API can create accounts; consider "allowlist" or "closed"`);
  }
  if (!config.api.tls_cert && !isLoopbackHost(apiHost)) {
    warnings.push(`the API on ${config.api.listen} speaks plain HTTP: passwords cross the network in clear unless a TLS proxy is in front`);
  }
  if (dnsPublic && config.dns.ns_addresses.every((a) => isLoopbackHost(a))) {
    warnings.push('dns.ns_addresses holds only loopback addresses: set the public addresses of this server (NS glue and bootstrap use them)');
  }
  if (dnsPublic && config.dns.zone.endsWith('localhost')) {
    warnings.push(`dns.zone is "${config.dns.zone}" while DNS listens publicly: set the delegated zone, e.g. "auth.example.org"`);
  }
  if (config.metrics.listen && !isLoopbackHost(parseHostPort(config.metrics.listen).host)) {
    const admin = config.metrics.admin_token_sha256 ? ', the admin API and its dashboard' : '';
    warnings.push(`metrics.listen is ${config.metrics.listen}, not loopback: /metrics${admin} are reachable from the network in plain HTTP; keep it on loopback or a private network behind a firewall`);
  }
  return warnings;
}
