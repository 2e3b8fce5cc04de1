// POST /update: sets the TXT of the caller's own slot. Every failure of identity (headers,
// password, source address, someone else's subdomain, unreadable body) is one 401 "forbidden".
import type { FastifyInstance, FastifyRequest, onRequestAsyncHookHandler } from 'fastify';
import { allowedFrom, type AccountService } from '../accounts/service.js';
import { txtPattern } from '../crypto/secrets.js';
import { AppError } from '../errors.js';
import type { UpdateGuard } from '../limits/update-guard.js';
import { asciiLower } from '../names/domain-name.js';
import { authenticateAdmitted, refusalPause, wellFormedCredentials, type Admitted } from './guarded-auth.js';
import type { Logger } from '../log.js';
import { requestLogger } from './request-log.js';
import type { Store } from '../store/store.js';
import { parseLooseJson } from './request-body.js';

const forbidden = (): AppError => new AppError('forbidden', 'forbidden');

function header(value: string | string[] | undefined): string {
  return typeof value === 'string' ? value.trim() : '';
}

/** The presented credentials; malformed ones cannot match any account. */
function credentialsOf(request: FastifyRequest): { username: string; password: string; wellFormed: boolean } {
  const username = header(request.headers['x-api-user']);
  const password = header(request.headers['x-api-key']);
  return { username, password, wellFormed: wellFormedCredentials(username, password) };
}

export function updateRoute(app: FastifyInstance, deps: { store: Store; accounts: AccountService; logger: Logger; updateGuard?: UpdateGuard }): void {
  const { store, accounts, logger, updateGuard } = deps;

  /**
   * The failure rate limits, decided from the headers alone as the request arrives: a limited
   * guess is answered 429 before its body is read, and never reaches bcrypt. Being the cheapest
   * possible answer matters: under a flood these are nearly all the requests.
   */
  const admissions = new WeakMap<FastifyRequest, Admitted>();
  const admit: onRequestAsyncHookHandler = async (request, reply) => {
    if (!updateGuard) return;
    const { username, wellFormed } = credentialsOf(request);
    const admission = updateGuard.admit(wellFormed ? username : '', request.ip);
    if (admission.ok) {
      admissions.set(request, admission);
      return;
    }
    // Debug only: under attack this line would be written thousands of times a second.
    requestLogger(logger, request).debug('update refused: rate limited', { username: wellFormed ? username : undefined, limit: admission.limit });
    await refusalPause();
    return reply.code(429).header('Retry-After', String(admission.retryAfterSeconds)).send({ error: 'rate_limited' });
  };

  app.post('/update', { onRequest: [admit] }, async (request, reply) => {
    const log = requestLogger(logger, request);
    const { username, password, wellFormed } = credentialsOf(request);
    const admission = admissions.get(request);
    let fields: Record<string, unknown>;
    try {
      fields = parseLooseJson(request.body as string | undefined);
    } catch {
      admission?.done('aborted');
      throw forbidden();
    }
    // Malformed credentials cannot match; still spend the compare so timing says nothing.
    const account = await authenticateAdmitted(accounts, wellFormed ? username : '', password, admission);
    if (!account) {
      log.warn('update refused: bad credentials', { username: wellFormed ? username : undefined });
      throw forbidden();
    }
    if (!allowedFrom(account, request.ip)) {
      log.warn('update refused: address not in allowfrom', { username });
      throw forbidden();
    }
    const subdomain = typeof fields.subdomain === 'string' ? asciiLower(fields.subdomain.trim()) : '';
    // A dynamic-DNS credential can set only its slot's addresses (POST /ddns/update, /nic/update).
    if (subdomain !== account.subdomain || account.kind !== 'acme') {
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
