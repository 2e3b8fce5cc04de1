// The HTTP API as a fastify instance: acme-dns routes at the root and under the configured
// path prefix, one body reader for every Content-Type, and one error mapper.
import cors from '@fastify/cors';
import Fastify, { type FastifyError, type FastifyInstance } from 'fastify';
import type { AccountService } from '../accounts/service.js';
import type { Config } from '../config/schema.js';
import { AppError, RetryLaterError } from '../errors.js';
import type { Logger } from '../log.js';
import type { ServerMetrics } from '../metrics/registry.js';
import { parseCidr } from '../net/address.js';
import { isStorageFault } from '../store/storage-faults.js';
import type { Store } from '../store/store.js';
import { limitConnections } from './connection-limits.js';
import { httpStatusFor, isKnownCode } from './error-codes.js';
import { ddnsRoutes } from './ddns-routes.js';
import { healthRoute } from './health-route.js';
import { registerRateLimits } from './rate-limits.js';
import { registerRoute } from './register-route.js';
import { requestLogger } from './request-log.js';
import { updateRoute } from './update-route.js';

export interface ApiDeps {
  readonly config: Config;
  readonly store: Store;
  readonly accounts: AccountService;
  readonly logger: Logger;
  /** PEM cert and key when the API speaks HTTPS. */
  readonly tls?: { readonly cert: Buffer; readonly key: Buffer };
  /** Counts requests for /metrics. */
  readonly metrics?: ServerMetrics;
  /** Resolves once DNS answers with every change made so far (DNS workers); replies to writes wait for it. */
  readonly dnsVisible?: (() => Promise<void>) | undefined;
}

/** How often Node looks for connections past their header or request timeout. */
const TIMEOUT_CHECK_INTERVAL_MS = 1000;
/** What a client is told to wait after 503 overloaded or database_unavailable. */
const RETRY_AFTER_UNAVAILABLE_SECONDS = 5;

export async function buildApi(deps: ApiDeps): Promise<FastifyInstance> {
  const { config, logger } = deps;
  // Node's default checks timeouts only every 30 s; a slow header would hold for ~50 s.
  const serverOptions = { connectionsCheckingInterval: TIMEOUT_CHECK_INTERVAL_MS };
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
    requestTimeout: config.api.request_timeout_seconds * 1000,
    keepAliveTimeout: config.api.keep_alive_timeout_seconds * 1000,
    ...(deps.tls ? { https: { cert: deps.tls.cert, key: deps.tls.key, ...serverOptions } } : { http: serverOptions }),
    // Requests Node's HTTP parser rejects (bad framing, oversized headers) still get JSON; a
    // client too slow to send its request gets 408.
    clientErrorHandler: (error: NodeJS.ErrnoException, socket) => {
      if (!socket.writable) return;
      const timedOut = error.code === 'ERR_HTTP_REQUEST_TIMEOUT';
      const body = timedOut ? '{"error":"request_timeout"}' : '{"error":"bad_request"}';
      const status = timedOut ? '408 Request Timeout' : '400 Bad Request';
      socket.end(`HTTP/1.1 ${status}\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n${body}`);
    },
  }) as unknown as FastifyInstance;
  app.server.headersTimeout = config.api.header_timeout_seconds * 1000;
  limitConnections(app.server, {
    perAddress: config.api.connections_per_address,
    total: config.api.max_connections,
    exempt: config.api.trusted_proxies.map((c) => parseCidr(c)),
  });
  const limits = await registerRateLimits(app, config);

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
    else if (isStorageFault(error)) code = 'database_unavailable';
    else if ((error as FastifyError).code === 'FST_ERR_CTP_BODY_TOO_LARGE') code = 'body_too_large';
    else if ((error as FastifyError).statusCode === 400) code = 'malformed_json_payload';
    if (code === 'internal_error') requestLogger(logger, request).error('request failed', { url: request.url, error });
    if (code === 'database_unavailable') requestLogger(logger, request).warn('request refused: storage fault', { url: request.url, fault: (error as { code?: string }).code });
    if (error instanceof RetryLaterError) void reply.header('Retry-After', String(error.retryAfterSeconds));
    else if (httpStatusFor(code) === 503) void reply.header('Retry-After', String(RETRY_AFTER_UNAVAILABLE_SECONDS));
    // Never the error's own text: it may hold database details.
    return reply.code(httpStatusFor(code)).send({ error: code });
  });
  app.setNotFoundHandler((_request, reply) => reply.code(404).send({ error: 'not_found' }));

  const dnsVisible = deps.dnsVisible;
  if (dnsVisible) app.addHook('onSend', async (request, _reply, payload) => (isWrite(request.method) && (await dnsVisible()), payload));

  app.addHook('onResponse', async (request, reply) => {
    deps.metrics?.observeRequest(request.routeOptions.url ?? 'unmatched', request.method, reply.statusCode, reply.elapsedTime / 1000);
    requestLogger(logger, request).debug('http', { method: request.method, url: request.url, status: reply.statusCode, ms: Math.round(reply.elapsedTime) });
  });

  const routes = async (scope: FastifyInstance): Promise<void> => {
    registerRoute(scope, { ...deps, limitRegistration: limits.limitRegistration });
    updateRoute(scope, { ...deps, updateGuard: limits.updateGuard });
    ddnsRoutes(scope, { ...deps, updateGuard: limits.updateGuard });
    healthRoute(scope, deps);
  };
  await app.register(routes);
  if (config.api.path_prefix) await app.register(routes, { prefix: config.api.path_prefix });
  return app;
}

/** A request that may change what DNS serves. */
export function isWrite(method: string): boolean {
  return method !== 'GET' && method !== 'HEAD' && method !== 'OPTIONS';
}
