// Standalone Cloudflare v4 emulator for end-to-end scripts (scripts/e2e.sh).
//
// Usage: node --import tsx test/helpers/cloudflare-emulator-main.ts [options] ZONE...
//   (`npx tsx FILE` works too, but runs the server in a child process: to stop it by PID, start
//   it with `node --import tsx` so that $! is the server itself.)
//   ZONE                      a zone to create, e.g. example.com (repeatable)
//   --token VALUE             accept this API token, full permissions (repeatable)
//   --global-key EMAIL:KEY    accept this Global API Key (repeatable)
//   --account-id ID           account id of the zones (default: random)
//   --port N                  listen port on 127.0.0.1 (default 0: any free port)
// With no --token and no --global-key, any well-formed bearer token is accepted.
//
// Contract: prints exactly one line on stdout once listening,
//   CLOUDFLARE_BASE_URL=http://127.0.0.1:PORT/client/v4
// then serves until SIGTERM or SIGINT. `GET http://127.0.0.1:PORT/__emulator/records` returns
// every record as a JSON array of {id, zone_id, zone_name, name, type, content, ttl, proxied,
// data?}; `GET /__emulator/zones` the zones. See cloudflare-emulator.ts for the API it emulates.
import { parseArgs } from 'node:util';
import { startCloudflareEmulator, type EmulatorGlobalKey } from './cloudflare-emulator.js';

const { values, positionals } = parseArgs({
  options: {
    token: { type: 'string', multiple: true },
    'global-key': { type: 'string', multiple: true },
    'account-id': { type: 'string' },
    port: { type: 'string' },
  },
  allowPositionals: true,
});

const globalKeys: EmulatorGlobalKey[] = (values['global-key'] ?? []).map((pair) => {
  const at = pair.lastIndexOf(':');
  if (at <= 0) throw new Error(`--global-key wants EMAIL:KEY, got "${pair}"`);
  return { email: pair.slice(0, at), key: pair.slice(at + 1) };
});

const emulator = await startCloudflareEmulator({
  zones: positionals,
  tokens: (values.token ?? []).map((value) => ({ value })),
  globalKeys,
  ...(values['account-id'] ? { accountId: values['account-id'] } : {}),
  ...(values.port ? { port: Number(values.port) } : {}),
});
process.stdout.write(`CLOUDFLARE_BASE_URL=${emulator.baseUrl}\n`);

const stop = (): void => {
  void emulator.close().then(() => process.exit(0));
};
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
