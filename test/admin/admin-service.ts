// A running server (in this process) with the metrics/admin listener on a free loopback port
// and a known admin token: shared by the admin API, metrics and dashboard tests.
import { createHash } from 'node:crypto';
import { createServer } from 'node:net';
import type { Test } from 'tap';
import type { Logger } from '../../src/log.js';
import type { RunningService } from '../../src/service.js';
import { startTestService } from '../helpers/running-service.js';

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

export async function startAdminService(t: Test, db: string, overrides: Record<string, string | string[]> = {}, logger?: Logger): Promise<AdminService> {
  const port = await freePort();
  const { service, apiUrl, dnsPort } = await startTestService(t, {
    'api.registration': 'allowlist',
    'store.path': db,
    'metrics.listen': `127.0.0.1:${port}`,
    'metrics.admin_token_sha256': createHash('sha256').update(adminToken).digest('hex'),
    ...overrides,
  }, logger);
  return { service, adminUrl: `http://127.0.0.1:${port}`, apiUrl, dnsPort };
}
