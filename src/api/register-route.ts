// POST /register: creates an account and returns its credentials once (acme-dns compatible).
import type { FastifyInstance } from 'fastify';
import type { AccountService } from '../accounts/service.js';
import type { Config } from '../config/schema.js';
import { AppError } from '../errors.js';
import { addressInCidrs, parseCidr } from '../net/address.js';
import type { Logger } from '../log.js';
import { parseLooseJson } from './request-body.js';

export function registerRoute(app: FastifyInstance, deps: { config: Config; accounts: AccountService; logger: Logger }): void {
  const { config, accounts, logger } = deps;
  const allowList = config.api.registration_allow.map((c) => parseCidr(c));

  app.post('/register', async (request, reply) => {
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
    const created = await accounts.register({ allowfrom: allowfrom ?? [] });
    logger.info('account registered', { username: created.username, subdomain: created.subdomain, remote: request.ip });
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
