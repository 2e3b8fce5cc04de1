// POST /update: sets the TXT of the caller's own slot. Every failure of identity (headers,
// password, source address, someone else's subdomain, unreadable body) is one 401 "forbidden".
import type { FastifyInstance } from 'fastify';
import { allowedFrom, type AccountService } from '../accounts/service.js';
import { passwordPattern, txtPattern, uuidPattern } from '../crypto/secrets.js';
import { AppError } from '../errors.js';
import type { UpdateGuard } from '../limits/update-guard.js';
import type { Logger } from '../log.js';
import { requestLogger } from './request-log.js';
import type { Account, Store } from '../store/store.js';
import { rateLimitedError } from './rate-limits.js';
import { parseLooseJson } from './request-body.js';

const forbidden = (): AppError => new AppError('forbidden', 'forbidden');

function header(value: string | string[] | undefined): string {
  return typeof value === 'string' ? value.trim() : '';
}

export function updateRoute(app: FastifyInstance, deps: { store: Store; accounts: AccountService; logger: Logger; updateGuard?: UpdateGuard }): void {
  const { store, accounts, logger, updateGuard } = deps;

  /** The password check, behind the failure rate limits: a limited guess never reaches bcrypt. */
  const authenticate = async (username: string, password: string, remote: string, log: Logger): Promise<Account | undefined> => {
    if (!updateGuard) return accounts.authenticate(username, password);
    const admission = updateGuard.admit(username, remote);
    if (!admission.ok) {
      // Debug only: under attack this line would be written thousands of times a second.
      log.debug('update refused: rate limited', { username: username || undefined, limit: admission.limit });
      throw rateLimitedError(admission.retryAfterSeconds);
    }
    try {
      const account = await accounts.authenticate(username, password);
      admission.done(account ? 'success' : 'failure');
      return account;
    } catch (error) {
      admission.done('aborted');
      throw error;
    }
  };

  app.post('/update', async (request, reply) => {
    const log = requestLogger(logger, request);
    const username = header(request.headers['x-api-user']);
    const password = header(request.headers['x-api-key']);
    let fields: Record<string, unknown>;
    try {
      fields = parseLooseJson(request.body as string | undefined);
    } catch {
      throw forbidden();
    }
    // Malformed credentials cannot match; still spend the compare so timing says nothing.
    const wellFormed = uuidPattern.test(username) && passwordPattern.test(password);
    const account = await authenticate(wellFormed ? username : '', password, request.ip, log);
    if (!account) {
      log.warn('update refused: bad credentials', { username: wellFormed ? username : undefined });
      throw forbidden();
    }
    if (!allowedFrom(account, request.ip)) {
      log.warn('update refused: address not in allowfrom', { username });
      throw forbidden();
    }
    const subdomain = typeof fields.subdomain === 'string' ? fields.subdomain.trim().toLowerCase() : '';
    if (subdomain !== account.subdomain) {
      log.warn('update refused: not the account subdomain', { username });
      throw forbidden();
    }
    const txt = fields.txt;
    if (typeof txt !== 'string' || !txtPattern.test(txt)) throw new AppError('bad_txt', 'txt must be 43 characters of base64url');
    // Committed (and in the zone index) before we answer.
    await store.submitTxtValue(subdomain, txt, request.ip);
    log.info('txt updated', { username, subdomain });
    return reply.code(200).send({ txt });
  });
}
