// `acme-delegate check`: is the delegation visible, and does each name's CNAME reach its slot?
import { certificateNames, ddnsNames } from '../bootstrap/names.js';
import { checkDelegation } from '../check/delegation-check.js';
import { resolverLookup } from '../check/resolver-lookup.js';
import { isHostName } from '../names/domain-name.js';
import { readConfiguredAccounts, readConfiguredSerial } from '../store/open-configured.js';
import { configFromOptions, configOptionsHelp, parseCommandFlags } from './config-options.js';

export const checkHelp = `Usage: acme-delegate check [--domain NAME]... [--resolver ADDR[:PORT]]... [options]

Asks a recursive resolver what the world sees: the NS delegation of our zone, the addresses of
the name server, our SOA through that delegation, and for each certificate name that
_acme-challenge.<name> is a CNAME to the slot of the account made for it, and for each
dynamic-DNS name (a ddns account labelled with a host name, as bootstrap --ddns makes them)
that <name> itself is a CNAME to its ddns slot. With other name
servers in dns.nameservers, asks each of them directly for the SOA and reports how far its
serial lags behind the store's. Reads the store without writing. Exit status 0 when every check passes, 1 otherwise.

Options:
  -d, --domain NAME        certificate name to check (repeatable; default: the config's
                           [bootstrap] domains, else every account with a label; ddns names:
                           the [bootstrap] ddns names, else every ddns account labelled with a
                           host name; with --domain, the ddns names among those given)
  --resolver ADDR[:PORT]   recursive resolver to ask (repeatable; default: the system's)
${configOptionsHelp}
  -h, --help               show this help`;

export async function runCheckCommand(argv: string[]): Promise<number> {
  const values = parseCommandFlags(
    argv,
    {
      domain: { type: 'string', short: 'd', multiple: true },
      resolver: { type: 'string', multiple: true },
    },
    checkHelp,
  );
  if (values === undefined) return 0;
  const config = configFromOptions(values);
  const accounts = readConfiguredAccounts(config).filter((a) => a.state === 'active' && a.label !== null);
  const labels = (kind: 'acme' | 'ddns'): string[] => accounts.filter((a) => a.kind === kind).map((a) => a.label as string);
  const requested = values.domain ?? (config.bootstrap.domains.length > 0 ? config.bootstrap.domains : labels('acme'));
  const requestedNames = certificateNames(requested).map((n) => n.bare);
  // A ddns name's CNAME sits at the name itself. Labels that are not host names (free text from
  // `account add --ddns --label`) name no CNAME. With --domain, the ddns names among those given,
  // checked as certificate names too only when an ACME account also carries them.
  const ddnsLabels = config.bootstrap.ddns.length > 0 && values.domain === undefined ? ddnsNames(config.bootstrap.ddns).map((n) => n.bare) : labels('ddns').filter((l) => isHostName(l) && l.includes('.'));
  const ddns = values.domain === undefined ? ddnsLabels : ddnsLabels.filter((l) => requestedNames.includes(l));
  const names = values.domain === undefined ? requestedNames : requestedNames.filter((n) => !ddns.includes(n) || labels('acme').includes(n));
  const slots = accounts.map((a) => ({ label: a.label as string, subdomain: a.subdomain, ...(a.kind === 'ddns' ? { kind: 'ddns' as const } : {}) }));
  const primarySerial = config.dns.nameservers.length > 0 ? readConfiguredSerial(config) : undefined;
  const results = await checkDelegation(config, names, slots, resolverLookup(values.resolver ?? []), primarySerial, ddns);
  const width = Math.max(...results.map((r) => r.check.length));
  for (const r of results) process.stdout.write(`${r.ok ? 'ok  ' : 'FAIL'}  ${r.check.padEnd(width)}  ${r.detail}\n`);
  const failed = results.filter((r) => !r.ok).length;
  process.stdout.write(failed === 0 ? `all ${results.length} checks passed\n` : `${failed} of ${results.length} checks failed\n`);
  return failed === 0 ? 0 : 1;
}
