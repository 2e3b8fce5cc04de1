// Dynamic-DNS updates (docs/ddns.md): dyndns2's GET /nic/update for ddclient, inadyn and routers,
// answered in text/plain exactly as the protocol's clients parse it, and POST /ddns/update in JSON
// for scripts. Only a ddns account's credential is accepted, only for its own slot, and only under
// the same failed-authentication limits as POST /update.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { allowedFrom, type AccountService } from '../accounts/service.js';
import type { Config } from '../config/schema.js';
import { checkSlotAddress } from '../ddns/address-rules.js';
import { dyndns2Line, readDyndns2Query, type Dyndns2Code } from '../ddns/dyndns2.js';
import { addressList, slotHostnames, updateSlotAddresses, type AddressChange } from '../ddns/slot-update.js';
import { AppError, RetryLaterError } from '../errors.js';
import type { UpdateGuard } from '../limits/update-guard.js';
import type { Logger } from '../log.js';
import { parseClientAddress } from '../net/address.js';
import type { Account, Store } from '../store/store.js';
import { authenticateAdmitted, refusalPause, wellFormedCredentials } from './guarded-auth.js';
import { parseLooseJson } from './request-body.js';
import { requestLogger } from './request-log.js';

export interface DdnsRouteDeps {
  readonly config: Config;
  readonly store: Store;
  readonly accounts: AccountService;
  readonly logger: Logger;
  readonly updateGuard?: UpdateGuard;
  readonly dnsVisible?: (() => Promise<void>) | undefined;
}

type Identified = { readonly ok: true; readonly account: Account } | { readonly ok: false; readonly why: 'rate_limited'; readonly retryAfterSeconds: number } | { readonly ok: false; readonly why: 'refused' };

/** "Authorization: Basic base64(user:password)"; undefined when absent or not Basic. */
function basicCredentials(header: string | undefined): { username: string; password: string } | undefined {
  const match = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header ?? '');
  if (!match) return undefined;
  const decoded = Buffer.from(match[1] as string, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  return colon < 0 ? undefined : { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

function headerText(value: string | string[] | undefined): string {
  return typeof value === 'string' ? value.trim() : '';
}

/** The client's address in plain form (an IPv4-mapped IPv6 peer as IPv4). */
function clientAddress(request: FastifyRequest): string {
  return parseClientAddress(request.ip)?.toString() ?? request.ip;
}

export function ddnsRoutes(app: FastifyInstance, deps: DdnsRouteDeps): void {
  const { config, store, accounts, logger, updateGuard } = deps;
  const allowPrivate = config.ddns.allow_private_addresses;

  /** Rate limits, password, account kind and allowfrom: one verdict, the same for every failure. */
  const identify = async (request: FastifyRequest, username: string, password: string): Promise<Identified> => {
    const wellFormed = wellFormedCredentials(username, password);
    const admission = updateGuard?.admit(wellFormed ? username : '', request.ip);
    if (admission && !admission.ok) {
      requestLogger(logger, request).debug('ddns update refused: rate limited', { username: wellFormed ? username : undefined, limit: admission.limit });
      await refusalPause();
      return { ok: false, why: 'rate_limited', retryAfterSeconds: admission.retryAfterSeconds };
    }
    const account = await authenticateAdmitted(accounts, wellFormed ? username : '', password, admission);
    const log = requestLogger(logger, request);
    if (!account) log.warn('ddns update refused: bad credentials', { username: wellFormed ? username : undefined });
    else if (account.kind !== 'ddns') log.warn('ddns update refused: not a ddns account', { username });
    else if (!allowedFrom(account, request.ip)) log.warn('ddns update refused: address not in allowfrom', { username });
    else return { ok: true, account };
    return { ok: false, why: 'refused' };
  };

  /** DNS (every DNS worker) serves the change before the client hears of it. */
  const visible = async (): Promise<void> => {
    await deps.dnsVisible?.();
  };

  const text = (reply: FastifyReply, status: number, lines: readonly string[]): FastifyReply =>
    reply.code(status).header('Content-Type', 'text/plain; charset=utf-8').header('Cache-Control', 'no-store').send(`${lines.join('\n')}\n`);

  const badauth = (reply: FastifyReply): FastifyReply => text(reply.header('WWW-Authenticate', 'Basic realm="acme-delegate ddns", charset="UTF-8"'), 401, ['badauth']);

  const nicUpdate = async (request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> => {
    const credentials = basicCredentials(request.headers.authorization);
    if (!credentials) return badauth(reply);
    const identified = await identify(request, credentials.username, credentials.password);
    if (!identified.ok) {
      if (identified.why === 'rate_limited') return text(reply.header('Retry-After', String(identified.retryAfterSeconds)), 200, ['abuse']);
      return badauth(reply);
    }
    const { account } = identified;
    const parsed = readDyndns2Query(request.query as Record<string, unknown>, clientAddress(request), allowPrivate);
    if (!parsed.ok) {
      requestLogger(logger, request).info('ddns update refused', { username: account.username, answer: parsed.code });
      return text(reply, 200, [parsed.code]);
    }
    const own = new Set(slotHostnames(account, config.dns.zone));
    let answer: { code: Dyndns2Code; addresses: string[] } | undefined;
    if (parsed.hostnames.some((h) => own.has(h))) {
      const outcome = updateSlotAddresses(store, account, parsed.addresses, request.ip);
      answer = { code: outcome.status, addresses: addressList({ ipv4: parsed.addresses.ipv4 ?? null, ipv6: parsed.addresses.ipv6 ?? null }) };
      if (outcome.status === 'good') await visible();
      requestLogger(logger, request).info('ddns update', { username: account.username, answer: outcome.status });
    } else {
      requestLogger(logger, request).warn('ddns update refused: not the account hostname', { username: account.username });
    }
    return text(reply, 200, parsed.hostnames.map((h) => (own.has(h) && answer ? dyndns2Line(answer.code, answer.addresses) : 'nohost')));
  };
  const nicUpdateAnswering = async (request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> => {
    try {
      return await nicUpdate(request, reply);
    } catch (error) {
      // A slot revoked meanwhile is no longer this credential's; anything else (a storage fault)
      // is ours to fix: "911", which clients retry later.
      if (error instanceof AppError && error.code === 'slot_not_found') return badauth(reply);
      requestLogger(logger, request).error('ddns update failed', { error });
      return text(reply.header('Retry-After', '60'), 200, ['911']);
    }
  };
  app.get('/nic/update', nicUpdateAnswering);
  app.post('/nic/update', nicUpdateAnswering);

  app.post('/ddns/update', async (request, reply) => {
    const basic = basicCredentials(request.headers.authorization);
    const username = basic?.username ?? headerText(request.headers['x-api-user']);
    const password = basic?.password ?? headerText(request.headers['x-api-key']);
    const identified = await identify(request, username, password);
    if (!identified.ok) {
      if (identified.why === 'rate_limited') throw new RetryLaterError('rate_limited', 'too many failed authentications; retry later', identified.retryAfterSeconds);
      throw new AppError('forbidden', 'forbidden');
    }
    const change = readJsonChange(parseLooseJson(request.body as string | undefined), clientAddress(request), allowPrivate);
    let outcome;
    try {
      outcome = updateSlotAddresses(store, identified.account, change, request.ip);
    } catch (error) {
      // Revoked between the password check and the write: no longer this credential's slot.
      if (error instanceof AppError && error.code === 'slot_not_found') throw new AppError('forbidden', 'forbidden');
      throw error;
    }
    requestLogger(logger, request).info('ddns update', { username: identified.account.username, answer: outcome.status });
    return reply.code(200).send({ status: outcome.status, fulldomain: slotHostnames(identified.account, config.dns.zone)[0], ...outcome.addresses });
  });
}

/**
 * The JSON form: {"ipv4": ADDR|null, "ipv6": ADDR|null}; a key left out keeps that family, null
 * removes it, neither key means the client's own address. Throws AppError('bad_address').
 */
function readJsonChange(fields: Record<string, unknown>, client: string, allowPrivate: boolean): AddressChange {
  if (!('ipv4' in fields) && !('ipv6' in fields)) {
    const own = checkSlotAddress(client, allowPrivate);
    if (!own.ok) throw new AppError('bad_address', 'your address is not a public address; send ipv4 or ipv6');
    return own.value.family === 4 ? { ipv4: own.value.address } : { ipv6: own.value.address };
  }
  const change: { ipv4?: string | null; ipv6?: string | null } = {};
  for (const [key, family] of [['ipv4', 4], ['ipv6', 6]] as const) {
    const value = fields[key];
    if (value === undefined) continue;
    if (value === null) {
      change[key] = null;
      continue;
    }
    const verdict = typeof value === 'string' ? checkSlotAddress(value, allowPrivate) : undefined;
    if (!verdict?.ok || verdict.value.family !== family) throw new AppError('bad_address', `${key} must be a public IPv${family} address`);
    change[key] = verdict.value.address;
  }
  return change;
}
