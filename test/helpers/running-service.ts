// The whole server (store, API, DNS) running in this process on loopback ports: zone
// auth.example.org, open registration, bcrypt cost 4, a database in a fresh temporary folder.
// Stopped (and the folder removed) at the test's teardown. Shared by the tests that need the
// real service end to end (DNS after the API, metrics, admin, storage faults).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Test } from 'tap';
import { loadConfig } from '../../src/config/load.js';
import type { Config } from '../../src/config/schema.js';
import { silentLogger, type Logger } from '../../src/log.js';
import { startService, type RunningService } from '../../src/service.js';

export interface TestService {
  readonly service: RunningService;
  readonly config: Config;
  /** http://127.0.0.1:PORT of the API. */
  readonly apiUrl: string;
  readonly apiPort: number;
  /** The first DNS listener's port (UDP and TCP). */
  readonly dnsPort: number;
}

/** `overrides` are config keys as flags give them ('store.path' for a database elsewhere). */
export async function startTestService(t: Pick<Test, 'teardown'>, overrides: Record<string, string | string[]> = {}, logger: Logger = silentLogger): Promise<TestService> {
  const dir = overrides['store.path'] === undefined ? mkdtempSync(join(tmpdir(), 'acme-delegate-service-')) : undefined;
  const removeDir = (): void => {
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  };
  const config = loadConfig({
    overrides: {
      'dns.zone': 'auth.example.org',
      'dns.listen': ['127.0.0.1:0'],
      'api.listen': '127.0.0.1:0',
      'api.registration': 'open',
      ...(dir === undefined ? {} : { 'store.path': join(dir, 'db.sqlite') }),
      'store.bcrypt_cost': '4',
      ...overrides,
    },
  });
  const service = await startService(config, logger).catch((error: unknown) => {
    removeDir();
    throw error;
  });
  t.teardown(async () => {
    await service.close(); // idempotent: a test may stop it earlier
    removeDir();
  });
  const apiPort = service.apiAddress.port;
  return { service, config, apiUrl: `http://127.0.0.1:${apiPort}`, apiPort, dnsPort: service.dns.addresses().udp[0]!.port };
}
