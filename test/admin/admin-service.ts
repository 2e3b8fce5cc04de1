// A running server (in this process) with the metrics/admin listener on a free loopback port
// and a known admin token: shared by the admin API, metrics and dashboard tests.
import { createHash } from 'node:crypto';
import { createServer } from 'node:net';
import type { Test } from 'tap';
import { loadConfig } from '../../src/config/load.js';
import { silentLogger } from '../../src/log.js';
import { startService, type RunningService } from '../../src/service.js';

export const adminToken = 'f'.repeat(20) + '-admin-token-' + 'e'.repeat(20);

/** A TCP port free on 127.0.0.1 (checked, then released). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

export interface AdminService {
  readonly service: RunningService;
  /** http://127.0.0.1:PORT of the metrics/admin listener. */
  readonly adminUrl: string;
  readonly apiUrl: string;
  readonly dnsPort: number;
}

export async function startAdminService(t: Test, db: string, overrides: Record<string, string | string[]> = {}): Promise<AdminService> {
  const port = await freePort();
  const config = loadConfig({
    overrides: {
      'dns.zone': 'auth.example.org',
      'dns.listen': ['127.0.0.1:0'],
      'api.listen': '127.0.0.1:0',
      'store.path': db,
      'store.bcrypt_cost': '4',
      'metrics.listen': `127.0.0.1:${port}`,
      'metrics.admin_token_sha256': createHash('sha256').update(adminToken).digest('hex'),
      ...overrides,
    },
  });
  const service = await startService(config, silentLogger);
  t.teardown(() => service.close());
  return {
    service,
    adminUrl: `http://127.0.0.1:${port}`,
    apiUrl: `http://127.0.0.1:${service.apiAddress.port}`,
    dnsPort: service.dns.addresses().udp[0]!.port,
  };
}
