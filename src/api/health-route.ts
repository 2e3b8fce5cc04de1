// GET /health: 200 while the database answers, 503 when it does not.
import type { FastifyInstance } from 'fastify';
import { AppError } from '../errors.js';
import type { Store } from '../store/store.js';

export function healthRoute(app: FastifyInstance, deps: { store: Store }): void {
  app.get('/health', async (_request, reply) => {
    if (!deps.store.ping()) throw new AppError('database_unavailable', 'the database does not answer');
    return reply.code(200).send({ status: 'ok' });
  });
}
