// DnsLookup over a real recursive resolver (the system's, or the ones given on the command line).
import { Resolver } from 'node:dns/promises';
import { AppError } from '../errors.js';
import type { DnsLookup } from './delegation-check.js';

const absent = new Set(['ENOTFOUND', 'ENODATA', 'NOTFOUND', 'NODATA']);

/** A resolver that cannot be asked (refused, timed out, failing) is one line, not a stack. */
function unanswered(error: unknown, name: string, servers: readonly string[]): AppError {
  const code = (error as { code?: string }).code ?? (error as Error).message;
  const who = servers.length > 0 ? `resolver ${servers.join(', ')}` : 'the system resolver';
  return new AppError('check_failed', `${who} did not answer about ${name} (${code}); check --resolver or /etc/resolv.conf`);
}

/** `servers` as "ADDR" or "ADDR:PORT" ("[V6]:PORT"); none means the system resolvers. */
export function resolverLookup(servers: readonly string[]): DnsLookup {
  const resolver = new Resolver({ timeout: 3000, tries: 2 });
  try {
    if (servers.length > 0) resolver.setServers([...servers]);
  } catch (error) {
    throw new AppError('usage', `--resolver: ${(error as Error).message} (give ADDR or ADDR:PORT, e.g. 9.9.9.9 or [2620:fe::fe]:53)`);
  }
  const orEmpty = async <T>(name: string, query: Promise<T[]>): Promise<T[]> => {
    try {
      return await query;
    } catch (error) {
      if (absent.has((error as { code?: string }).code ?? '')) return [];
      throw unanswered(error, name, servers);
    }
  };
  return {
    soaSerialAt: async (address, port, zone) => {
      const direct = new Resolver({ timeout: 2000, tries: 2 });
      direct.setServers([address.includes(':') ? `[${address}]:${port}` : `${address}:${port}`]);
      try {
        return (await direct.resolveSoa(zone)).serial;
      } catch {
        return undefined;
      }
    },
    ns: (name) => orEmpty(name, resolver.resolveNs(name)),
    addresses: async (name) => [...(await orEmpty(name, resolver.resolve4(name))), ...(await orEmpty(name, resolver.resolve6(name)))],
    cname: (name) => orEmpty(name, resolver.resolveCname(name)),
    soaMname: async (name) => {
      try {
        return (await resolver.resolveSoa(name)).nsname;
      } catch (error) {
        if (absent.has((error as { code?: string }).code ?? '')) return undefined;
        throw unanswered(error, name, servers);
      }
    },
  };
}
