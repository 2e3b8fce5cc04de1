// The admin API under /admin/v1/, on the metrics/admin listener only, and only when an admin
// token is configured. The token is kept as its SHA-256 (it is a long random string, so a fast
// hash is enough) and compared in constant time; `Authorization: Bearer TOKEN`.
import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AccountAdministration } from '../accounts/administration.js';
import { parseStaleDays } from '../accounts/renewal-health.js';
import { parseTsigAlgorithm } from '../accounts/tsig-key.js';
import { AppError, ConfigError } from '../errors.js';
import type { Logger } from '../log.js';

/** Reads metrics.admin_token_sha256: 64 hex digits. */
export function parseTokenHash(text: string): Buffer {
  if (!/^[0-9a-f]{64}$/i.test(text)) throw new ConfigError('metrics.admin_token_sha256 must be the SHA-256 of the token in 64 hex digits (printf %s "$TOKEN" | sha256sum)');
  return Buffer.from(text, 'hex');
}

export function bearerMatches(header: string | undefined, tokenHash: Buffer): boolean {
  const match = /^Bearer (\S+)$/.exec(header ?? '');
  const given = createHash('sha256').update(match?.[1] ?? '').digest();
  return timingSafeEqual(given, tokenHash) && match !== null;
}

function statusFor(error: AppError): number {
  return error.code.endsWith('not_found') ? 404 : 400;
}

export function adminRoutes(app: FastifyInstance, deps: { admin: AccountAdministration; tokenHash: Buffer; logger: Logger }): void {
  const { admin, tokenHash, logger } = deps;
  app.register(
    async (scope) => {
      scope.addHook('onRequest', async (request: FastifyRequest, reply: FastifyReply) => {
        if (!bearerMatches(request.headers.authorization, tokenHash)) {
          logger.warn('admin request refused: bad token', { remote: request.ip, url: request.url });
          return reply.code(401).header('WWW-Authenticate', 'Bearer').send({ error: 'unauthorized' });
        }
      });
      scope.setErrorHandler((error, request, reply) => {
        if (error instanceof AppError) return reply.code(statusFor(error)).send({ error: error.code, message: error.message });
        if ((error as { statusCode?: number }).statusCode === 400) return reply.code(400).send({ error: 'bad_request' });
        logger.error('admin request failed', { url: request.url, error });
        return reply.code(500).send({ error: 'internal_error' });
      });
      type Named = { Params: { username: string } };
      const body = (request: FastifyRequest): Record<string, unknown> => (typeof request.body === 'object' && request.body !== null ? (request.body as Record<string, unknown>) : {});
      scope.get<{ Querystring: { stale?: string } }>('/accounts', async (request) =>
        request.query.stale === undefined ? admin.list() : admin.stale(parseStaleDays(request.query.stale)),
      );
      scope.get<Named>('/accounts/:username', async (request) => admin.show(request.params.username));
      scope.post('/accounts', async (request, reply) => {
        const fields = body(request);
        const allowfrom = fields.allowfrom ?? [];
        if (!Array.isArray(allowfrom)) throw new AppError('invalid_allowfrom_cidr', 'allowfrom must be an array of CIDRs');
        const label = typeof fields.label === 'string' ? fields.label : null;
        const kind = fields.kind ?? 'acme';
        if (kind !== 'acme' && kind !== 'ddns') throw new AppError('bad_request', 'kind must be "acme" or "ddns"');
        const created = await admin.add({ allowfrom, label, kind });
        logger.info('admin: account added', { username: created.username, remote: request.ip });
        return reply.code(201).send(created);
      });
      scope.post<Named>('/accounts/:username/revoke', async (request) => {
        const view = admin.revoke(request.params.username);
        logger.info('admin: account revoked', { username: request.params.username, remote: request.ip });
        return view;
      });
      scope.post<Named>('/accounts/:username/rotate', async (request) => {
        const created = await admin.rotate(request.params.username);
        logger.info('admin: password rotated', { username: request.params.username, remote: request.ip });
        return created;
      });
      scope.put<Named>('/accounts/:username/allowfrom', async (request) => {
        const allowfrom = body(request).allowfrom;
        if (!Array.isArray(allowfrom)) throw new AppError('invalid_allowfrom_cidr', 'allowfrom must be an array of CIDRs');
        return admin.setAllowfrom(request.params.username, allowfrom);
      });
      // The key (secret included) is in this answer only, as `account tsig --json` prints it.
      scope.post<Named>('/accounts/:username/tsig', async (request) => {
        const given = body(request).algorithm;
        if (given !== undefined && typeof given !== 'string') throw new AppError('usage', 'algorithm must be a string such as "hmac-sha256"');
        const credentials = admin.setTsig(request.params.username, given === undefined ? undefined : parseTsigAlgorithm(given));
        logger.info('admin: TSIG key set', { username: request.params.username, algorithm: credentials.tsig.algorithm, remote: request.ip });
        return credentials;
      });
      scope.delete<Named>('/accounts/:username/tsig', async (request) => {
        const view = admin.removeTsig(request.params.username);
        logger.info('admin: TSIG key removed', { username: request.params.username, remote: request.ip });
        return view;
      });
      scope.delete<Named>('/accounts/:username', async (request, reply) => {
        admin.remove(request.params.username);
        logger.info('admin: account deleted', { username: request.params.username, remote: request.ip });
        return reply.code(204).send();
      });
      scope.get<{ Querystring: { limit?: string } }>('/audit', async (request) => {
        const limit = Number(request.query.limit ?? '100');
        if (!Number.isInteger(limit) || limit < 1 || limit > 10000) throw new AppError('usage', 'limit must be an integer from 1 to 10000');
        return admin.audit(limit);
      });
      scope.get<{ Querystring: { stale_days?: string } }>('/renewal-health', async (request) => {
        const days = parseStaleDays(request.query.stale_days ?? '30');
        return { stale_days: days, stale: admin.stale(days) };
      });
    },
    { prefix: '/admin/v1' },
  );
}
