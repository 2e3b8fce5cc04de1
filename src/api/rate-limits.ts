// Request rate limits of the API. Registrations per client address use @fastify/rate-limit (a
// fixed window per key in a bounded LRU: exactly its job). Failed /update authentications need
// to count only failures and to give a token back on success, which that plugin cannot do, so
// they use our own token buckets (src/limits/update-guard.ts). Why: docs/security.md.
import rateLimit from '@fastify/rate-limit';
import type { FastifyInstance, FastifyRequest, onRequestAsyncHookHandler } from 'fastify';
import type { Config } from '../config/schema.js';
import { RetryLaterError } from '../errors.js';
import { createUpdateGuard, type UpdateGuard } from '../limits/update-guard.js';
import { clientNetwork } from '../net/address.js';

export interface ApiRateLimits {
  /** onRequest hook of POST /register. */
  readonly limitRegistration: onRequestAsyncHookHandler;
  readonly updateGuard: UpdateGuard;
}

function rateLimitedError(retryAfterSeconds: number): RetryLaterError {
  return new RetryLaterError('rate_limited', 'too many requests from this client; retry later', retryAfterSeconds);
}

/** Per-client key: the address `trusted_proxies` resolved; IPv6 counted per /64. */
const clientKey = (request: FastifyRequest): string => clientNetwork(request.ip, 32, 64) ?? request.ip;

export async function registerRateLimits(app: FastifyInstance, config: Config): Promise<ApiRateLimits> {
  const limits = config.limits;
  await app.register(rateLimit, {
    global: false,
    cache: limits.tracked_clients,
    keyGenerator: clientKey,
    // Only Retry-After: the draft RateLimit headers would tell a guesser its budget.
    addHeaders: { 'x-ratelimit-limit': false, 'x-ratelimit-remaining': false, 'x-ratelimit-reset': false, 'retry-after': true },
    addHeadersOnExceeding: { 'x-ratelimit-limit': false, 'x-ratelimit-remaining': false, 'x-ratelimit-reset': false },
    errorResponseBuilder: (_request, context) => rateLimitedError(Math.max(1, Math.ceil(context.ttl / 1000))),
  });
  const limitRegistration = app.rateLimit({
    max: limits.registrations_per_address,
    timeWindow: limits.registration_window_seconds * 1000,
  }) as onRequestAsyncHookHandler;
  const updateGuard = createUpdateGuard({
    failuresPerAddress: limits.update_failures_per_address,
    failuresPerUsername: limits.update_failures_per_username,
    refillSeconds: limits.update_failure_refill_seconds,
    maxEntries: limits.tracked_clients,
  });
  return { limitRegistration, updateGuard };
}
