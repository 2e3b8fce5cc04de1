// POST /register: creates an account and returns its credentials once (acme-dns compatible).
import type { FastifyInstance, onRequestAsyncHookHandler } from 'fastify';
import type { AccountService } from '../accounts/service.js';
import type { Config } from '../config/schema.js';
import { AppError } from '../errors.js';
import { addressInCidrs, parseCidr } from '../net/address.js';
import type { Logger } from '../log.js';
import { requestLogger } from './request-log.js';
import { freeBytesFor } from '../store/disk-space.js';
import type { Store } from '../store/store.js';
import { parseLooseJson } from './request-body.js';

export interface RegisterRouteDeps {
  readonly config: Config;
  readonly store: Store;
  readonly accounts: AccountService;
  readonly logger: Logger;
  /** Per-address registration rate limit, run before anything else. */
  readonly limitRegistration?: onRequestAsyncHookHandler;
}

/** Refuses while the store is at its account cap or its disk is nearly full. */
function checkCapacity(config: Config, store: Store, logger: Logger): void {
  const cap = config.store.max_accounts;
  if (cap > 0 && store.countAccounts() >= cap) {
    logger.warn('registration refused: account cap reached', { max_accounts: cap });
    throw new AppError('account_limit_reached', `this server holds its maximum of ${cap} accounts`);
  }
  const free = freeBytesFor(store.path);
  const reserve = config.store.min_free_disk_mb * 1024 * 1024;
  if (free !== undefined && free < reserve) {
    logger.warn('registration refused: disk nearly full', { free_mb: Math.floor(free / 1048576), min_free_disk_mb: config.store.min_free_disk_mb });
    throw new AppError('insufficient_storage', 'the server is low on disk space; registration is paused');
  }
}

export function registerRoute(app: FastifyInstance, deps: RegisterRouteDeps): void {
  const { config, store, accounts, logger } = deps;
  const allowList = config.api.registration_allow.map((c) => parseCidr(c));

  app.post('/register', { onRequest: deps.limitRegistration ? [deps.limitRegistration] : [] }, async (request, reply) => {
    if (config.api.registration === 'closed') {
      throw new AppError('registration_closed', 'registration is closed; accounts are made with the CLI');
    }
    if (config.api.registration === 'allowlist' && !addressInCidrs(request.ip, allowList)) {
      throw new AppError('registration_forbidden', 'registration is not allowed from this address');
    }
    const fields = parseLooseJson(request.body as string | undefined);
    const allowfrom = fields.allowfrom ?? [];
    if (allowfrom !== null && !Array.isArray(allowfrom)) {
      throw new AppError('invalid_allowfrom_cidr', 'allowfrom must be an array of CIDRs');
    }
    const log = requestLogger(logger, request);
    checkCapacity(config, store, log);
    const created = await accounts.register({ allowfrom: allowfrom ?? [] });
    log.info('account registered', { username: created.username, subdomain: created.subdomain });
    // Key order and compactness matter: acme.sh reads this reply with sed.
    return reply.code(201).send({
      username: created.username,
      password: created.password,
      fulldomain: created.fulldomain,
      subdomain: created.subdomain,
      allowfrom: created.allowfrom,
    });
  });
}
