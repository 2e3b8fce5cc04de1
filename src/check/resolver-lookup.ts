// DnsLookup over a real recursive resolver (the system's, or the ones given on the command line).
import { Resolver } from 'node:dns/promises';
import type { DnsLookup } from './delegation-check.js';

const absent = new Set(['ENOTFOUND', 'ENODATA', 'NOTFOUND', 'NODATA']);

async function orEmpty<T>(query: Promise<T[]>): Promise<T[]> {
  try {
    return await query;
  } catch (error) {
    if (absent.has((error as { code?: string }).code ?? '')) return [];
    throw error;
  }
}

/** `servers` as "ADDR" or "ADDR:PORT" ("[V6]:PORT"); none means the system resolvers. */
export function resolverLookup(servers: readonly string[]): DnsLookup {
  const resolver = new Resolver({ timeout: 3000, tries: 2 });
  if (servers.length > 0) resolver.setServers([...servers]);
  return {
    ns: (name) => orEmpty(resolver.resolveNs(name)),
    addresses: async (name) => [...(await orEmpty(resolver.resolve4(name))), ...(await orEmpty(resolver.resolve6(name)))],
    cname: (name) => orEmpty(resolver.resolveCname(name)),
    soaMname: async (name) => {
      try {
        return (await resolver.resolveSoa(name)).nsname;
      } catch (error) {
        if (absent.has((error as { code?: string }).code ?? '')) return undefined;
        throw error;
      }
    },
  };
}
