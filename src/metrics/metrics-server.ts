// The metrics and admin listener: its own address, loopback by default, never the
// public API's. GET /metrics answers in the Prometheus text format; with an admin token, the
// admin API and its dashboard are served here too.
import Fastify, { type FastifyInstance } from 'fastify';
import { adminRoutes } from '../admin/admin-routes.js';
import { isWrite } from '../api/app.js';
import { dashboardRoutes } from '../dashboard/dashboard-routes.js';
import type { ServerMetrics } from './registry.js';

type AdminDeps = Parameters<typeof adminRoutes>[1];

/** `dnsVisible`: admin writes (revoke, delete) answer once DNS serves the change (see ApiDeps). */
export async function startMetricsServer(
  metrics: ServerMetrics,
  listen: { host: string; port: number },
  admin?: AdminDeps,
  dnsVisible?: () => Promise<void>,
): Promise<FastifyInstance> {
  const app = Fastify({ logger: false });
  if (dnsVisible) app.addHook('onSend', async (request, _reply, payload) => (isWrite(request.method) && (await dnsVisible()), payload));
  if (admin) {
    adminRoutes(app, admin);
    dashboardRoutes(app);
  }
  app.get('/metrics', async (_request, reply) => {
    const body = await metrics.registry.metrics();
    return reply.header('Content-Type', metrics.registry.contentType).send(body);
  });
  app.setNotFoundHandler((_request, reply) => reply.code(404).send({ error: 'not_found' }));
  await app.listen(listen);
  return app;
}
