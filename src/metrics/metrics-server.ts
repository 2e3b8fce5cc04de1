// The metrics and admin listener: its own address, loopback by default, never the
// public API's. GET /metrics answers in the Prometheus text format; with an admin token, the
// admin API and its dashboard are served here too.
import Fastify, { type FastifyInstance } from 'fastify';
import { adminRoutes } from '../admin/admin-routes.js';
import { dashboardRoutes } from '../dashboard/dashboard-routes.js';
import type { ServerMetrics } from './registry.js';

type AdminDeps = Parameters<typeof adminRoutes>[1];

export async function startMetricsServer(metrics: ServerMetrics, listen: { host: string; port: number }, admin?: AdminDeps): Promise<FastifyInstance> {
  const app = Fastify({ logger: false });
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
