// A DNS server over a store with zone transfers on (one TSIG key, a configured secondary), for
// tests that talk to it with kdig and dig. Stopped, with its zone and store, by `stop` or at the
// test's end.
import type { Test } from 'tap';
import { startDnsServer } from '../../src/dns/server.js';
import { transferSettings } from '../../src/dns/transfer/settings.js';
import { createZoneIndex, type ZoneIndex } from '../../src/dns/zone-index.js';
import { silentLogger, type Logger } from '../../src/log.js';
import type { Store } from '../../src/store/store.js';
import { testConfig } from './helpers.js';

export async function startTransferPrimary(
  t: Test,
  store: Store,
  keySpec: string,
  overrides: Record<string, string | readonly string[]> = {},
  logger: Logger = silentLogger,
): Promise<{ zone: ZoneIndex; port: number; stop: () => Promise<void> }> {
  const config = testConfig({ 'dns.secondaries': ['127.0.0.1:53000'], 'dns.tsig_keys': [keySpec], ...overrides });
  const zone = createZoneIndex(config, store);
  const server = await startDnsServer({ config, zone, logger, transfer: { zone, settings: transferSettings(config), journal: store } });
  let stopped: Promise<void> | undefined;
  const stop = (): Promise<void> =>
    (stopped ??= (async () => {
      await server.close();
      zone.close();
      store.close();
    })());
  t.teardown(stop);
  return { zone, port: server.addresses().tcp[0]!.port, stop };
}
