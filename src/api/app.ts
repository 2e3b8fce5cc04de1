// The HTTP API as a fastify instance: acme-dns routes at the root and under the configured
// path prefix, one body reader for every Content-Type, and one error mapper.
import cors from '@fastify/cors';
import Fastify, { type FastifyError, type FastifyInstance } from 'fastify';
import type { AccountService } from '../accounts/service.js';
import type { Config } from '../config/schema.js';
import { AppError } from '../errors.js';
import type { Logger } from '../log.js';
import type { Store } from '../store/store.js';
import { httpStatusFor, isKnownCode } from './error-codes.js';
import { healthRoute } from './health-route.js';
import { registerRoute } from './register-route.js';
import { updateRoute } from './update-route.js';

export interface ApiDeps {
  readonly config: Config;
  readonly store: Store;
  readonly accounts: AccountService;
  readonly logger: Logger;
  /** PEM cert and key when the API speaks HTTPS. */
  readonly tls?: { readonly cert: Buffer; readonly key: Buffer };
}

export async function buildApi(deps: ApiDeps): Promise<FastifyInstance> {
  const { config, logger } = deps;
  const app = Fastify({
    logger: false,
    bodyLimit: config.api.body_limit,
    // Believe X-Forwarded-For only from configured proxies; the client is then the right-most
    // address not in that list.
    trustProxy: config.api.trusted_proxies.length > 0 ? [...config.api.trusted_proxies] : false,
    // Clients build "//update" and "/register/" from base URLs; serve them, don't redirect.
    routerOptions: { ignoreTrailingSlash: true, ignoreDuplicateSlashes: true },
    return503OnClosing: true,
    connectionTimeout: 30_000,
    requestTimeout: 30_000,
    ...(deps.tls ? { https: { cert: deps.tls.cert, key: deps.tls.key } } : {}),
    // Requests Node's HTTP parser rejects (bad framing, oversized headers) still get JSON.
    clientErrorHandler: (_error, socket) => {
      if (!socket.writable) return;
      const body = '{"error":"bad_request"}';
      socket.end(`HTTP/1.1 400 Bad Request\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n${body}`);
    },
  }) as unknown as FastifyInstance;

  // Content-Type is ignored: clients send JSON as form data, text/plain or nothing.
  app.addHook('onRequest', async (request) => {
    delete request.headers['content-type'];
  });
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'string' }, (_request, body, done) => done(null, body));

  if (config.api.cors_origins.length > 0) {
    const origins = config.api.cors_origins;
    await app.register(cors, { origin: origins.includes('*') ? '*' : [...origins], methods: ['GET', 'POST'] });
  }

  app.setErrorHandler((error: FastifyError | AppError, request, reply) => {
    let code = 'internal_error';
    if (error instanceof AppError && isKnownCode(error.code)) code = error.code;
    else if ((error as FastifyError).code === 'FST_ERR_CTP_BODY_TOO_LARGE') code = 'body_too_large';
    else if ((error as FastifyError).statusCode === 400) code = 'malformed_json_payload';
    if (code === 'internal_error') logger.error('request failed', { url: request.url, error });
    if (code === 'overloaded') void reply.header('Retry-After', '5');
    // Never the error's own text: it may hold database details.
    return reply.code(httpStatusFor(code)).send({ error: code });
  });
  app.setNotFoundHandler((_request, reply) => reply.code(404).send({ error: 'not_found' }));

  app.addHook('onResponse', async (request, reply) => {
    logger.debug('http', { method: request.method, url: request.url, status: reply.statusCode, remote: request.ip, ms: Math.round(reply.elapsedTime) });
  });

  const routes = async (scope: FastifyInstance): Promise<void> => {
    registerRoute(scope, deps);
    updateRoute(scope, deps);
    healthRoute(scope, deps);
  };
  await app.register(routes);
  if (config.api.path_prefix) await app.register(routes, { prefix: config.api.path_prefix });
  return app;
}
