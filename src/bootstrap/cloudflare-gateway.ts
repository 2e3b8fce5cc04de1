// The only module that talks to Cloudflare, through the official SDK. It reads the base URL
// (CLOUDFLARE_BASE_URL) the SDK's own way and takes the credential chosen by credential.ts,
// passing null for the others so that the SDK never mixes in a second variable.
import Cloudflare from 'cloudflare';
import type { RecordCreateParams, RecordResponse, RecordUpdateParams } from 'cloudflare/resources/dns/records';
import { AppError } from '../errors.js';
import { describeCloudflareError } from './cloudflare-errors.js';
import { describeCredential, type CloudflareCredential } from './credential.js';
import { normalizeName } from '../names/domain-name.js';
import { isLoopbackHost } from '../net/address.js';
import { canonicalContent, parseCaaContent, type CaaData, type DnsRecord, type ExistingRecord, type Zone } from './records.js';

export interface Verification {
  /** e.g. "API token (active)". */
  readonly description: string;
  readonly warnings: readonly string[];
}

export interface CloudflareGateway {
  verify(): Promise<Verification>;
  listZones(): Promise<Zone[]>;
  /** Every record at exactly this name, any type. */
  listRecords(zone: Zone, name: string): Promise<ExistingRecord[]>;
  createRecord(zone: Zone, record: DnsRecord): Promise<ExistingRecord>;
  updateRecord(zone: Zone, id: string, record: DnsRecord): Promise<ExistingRecord>;
  deleteRecord(zone: Zone, id: string): Promise<void>;
}

export interface GatewayOptions {
  /** Where the SDK's own log lines go (already redacted by the caller). */
  readonly log: (line: string) => void;
}

const defaultEndpoint = 'https://api.cloudflare.com/client/v4';

/**
 * The endpoint the SDK will call, as the SDK itself reads it (CLOUDFLARE_BASE_URL from the
 * process environment, trimmed; empty means the default). Not overridden, only checked: the
 * credential goes to whatever this names, so plain HTTP is allowed to this machine only (the
 * test emulator), and a non-default endpoint is worth a note, in case it is a leftover.
 */
export function cloudflareEndpointNote(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const value = env.CLOUDFLARE_BASE_URL?.trim();
  if (!value) return undefined;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new AppError('usage', `CLOUDFLARE_BASE_URL "${value}" is not a URL (unset it to use ${defaultEndpoint})`);
  }
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && isLoopbackHost(url.hostname))) {
    throw new AppError('usage', `CLOUDFLARE_BASE_URL ${url.origin} is not https: the Cloudflare credential would cross the network unencrypted; use an https URL (plain http only to this machine)`);
  }
  if (value.replace(/\/+$/, '') === defaultEndpoint) return undefined;
  return `using the Cloudflare API at ${value} (CLOUDFLARE_BASE_URL), not ${defaultEndpoint}`;
}

// Bounds on pagination, so a misbehaving API (or proxy) cannot keep us looping; reaching one
// is an error, never a silently shortened list.
const maxZones = 50_000;
export const maxRecordsPerName = 1_000;

export function createCloudflareGateway(credential: CloudflareCredential, options: GatewayOptions): CloudflareGateway {
  const sdkLog = (level: string) => (message: string) => options.log(`cloudflare sdk ${level}: ${message}`);
  const client = new Cloudflare({
    apiToken: credential.kind === 'token' ? credential.token : null,
    apiKey: credential.kind === 'global-key' ? credential.key : null,
    apiEmail: credential.kind === 'global-key' ? credential.email : null,
    userServiceKey: null,
    // The SDK retries 408/409/429/5xx with backoff; creates may then be duplicated, which the
    // apply step treats as "already there".
    maxRetries: 2,
    logger: { error: sdkLog('error'), warn: sdkLog('warn'), info: sdkLog('info'), debug: sdkLog('debug') },
  });

  const call = async <T>(what: string, fn: () => Promise<T>): Promise<T> => {
    try {
      return await fn();
    } catch (err) {
      throw describeCloudflareError(err, what);
    }
  };

  const listZones = (): Promise<Zone[]> =>
    call('listing zones', async () => {
      const zones: Zone[] = [];
      for await (const z of client.zones.list({ per_page: 50 })) {
        // A partial list would give a wrong plan: stop instead of planning from it.
        if (zones.length >= maxZones) throw new AppError('cloudflare_failed', `listing zones: more than ${maxZones} zones; stopped rather than plan from a partial list (does CLOUDFLARE_BASE_URL page correctly?)`);
        zones.push({ id: z.id, name: normalizeName(z.name), accountId: z.account?.id, status: z.status });
      }
      return zones;
    });

  const verifyToken = async (token: Extract<CloudflareCredential, { kind: 'token' }>): Promise<Verification> => {
    const warnings: string[] = [];
    // Account-owned tokens verify under their account, which the zones they see name.
    const accountOf = async (): Promise<string | undefined> => token.accountId ?? (await listZones())[0]?.accountId;
    let result;
    if (token.flavour === 'account') {
      const accountId = await accountOf();
      if (!accountId) throw new AppError('cloudflare_auth', 'the account API token sees no zone, so its account is unknown: set CLOUDFLARE_ACCOUNT_ID, and give the token Zone:Zone:Read');
      result = await call('verifying the account API token', () => client.accounts.tokens.verify({ account_id: accountId }));
    } else {
      try {
        result = await call('verifying the API token', () => client.user.tokens.verify());
      } catch (err) {
        // An older token without prefix may be account-owned: try its account before giving up.
        const accountId = token.flavour === 'legacy' && err instanceof AppError && err.code === 'cloudflare_auth' ? await accountOf().catch(() => undefined) : undefined;
        if (!accountId) throw err;
        result = await call('verifying the API token', () => client.accounts.tokens.verify({ account_id: accountId })).catch(() => {
          throw err;
        });
      }
    }
    if (result.status !== 'active') throw new AppError('cloudflare_auth', `the API token is ${result.status}, not active: create or roll a token in the Cloudflare dashboard`);
    if (result.expires_on) warnings.push(`the token expires on ${result.expires_on}`);
    return { description: `${describeCredential(token)} (active)`, warnings };
  };

  return {
    async verify() {
      if (credential.kind === 'token') return verifyToken(credential);
      const user = await call('checking the Global API Key', () => client.user.get());
      return {
        description: `${describeCredential(credential)} (user ${user.id ?? 'unknown'})`,
        warnings: [
          'the Global API Key can do anything on every zone and setting of the account: prefer an API token limited to Zone:Zone:Read and Zone:DNS:Edit on the zones involved, and roll the global key if it was shared',
        ],
      };
    },
    listZones,
    listRecords(zone, name) {
      return call(`listing records at ${name}`, async () => {
        const records: ExistingRecord[] = [];
        for await (const r of client.dns.records.list({ zone_id: zone.id, name: { exact: name }, per_page: 100 })) {
          // A record past the bound could be the one in the way: stop rather than plan without it.
          if (records.length >= maxRecordsPerName) {
            throw new AppError('cloudflare_failed', `listing records at ${name}: more than ${maxRecordsPerName} records at one name; stopped rather than plan from a partial list`);
          }
          records.push(fromResponse(zone, r));
        }
        return records;
      });
    },
    createRecord(zone, record) {
      return call(`creating ${record.type} ${record.name}`, async () => fromResponse(zone, await client.dns.records.create(toParams(zone, record) as RecordCreateParams)));
    },
    updateRecord(zone, id, record) {
      return call(`updating ${record.type} ${record.name}`, async () => fromResponse(zone, await client.dns.records.update(id, toParams(zone, record) as RecordUpdateParams)));
    },
    async deleteRecord(zone, id) {
      await call(`deleting record ${id} in ${zone.name}`, () => client.dns.records.delete(id, { zone_id: zone.id }));
    },
  };
}

const proxiable = new Set(['A', 'AAAA', 'CNAME']);

/** The SDK's params are a union per record type; ours are built from the type at run time. */
function toParams(zone: Zone, record: DnsRecord): unknown {
  const params: Record<string, unknown> = { zone_id: zone.id, type: record.type, name: record.name, ttl: record.ttl };
  if (record.type === 'CAA' && record.caa) params.data = { flags: record.caa.flags, tag: record.caa.tag, value: record.caa.value };
  else params.content = record.content;
  if (proxiable.has(record.type)) params.proxied = record.proxied ?? false;
  return params;
}

function fromResponse(zone: Zone, r: RecordResponse): ExistingRecord {
  const type = r.type ?? '';
  const raw = r as { data?: { flags?: number; tag?: string; value?: string } };
  let caa: CaaData | undefined;
  if (type === 'CAA') {
    caa =
      raw.data?.tag !== undefined && raw.data.value !== undefined
        ? { flags: raw.data.flags ?? 0, tag: raw.data.tag.toLowerCase(), value: raw.data.value }
        : parseCaaContent(r.content ?? '');
  }
  return {
    id: r.id,
    zoneId: zone.id,
    name: normalizeName(r.name),
    type,
    content: canonicalContent(type, r.content ?? '', caa),
    ttl: r.ttl,
    ...(proxiable.has(type) ? { proxied: r.proxied ?? false } : {}),
    ...(caa ? { caa } : {}),
  };
}
