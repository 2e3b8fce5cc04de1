// Cloudflare's error envelope ({success:false, errors:[{code,message}]}) and the SDK's error
// classes, turned into messages a person can act on. Codes stay in the text for support.
import { APIConnectionError, APIError } from 'cloudflare';
import { AppError } from '../errors.js';

/** Codes Cloudflare uses for a credential it does not accept at all. */
const authCodes = new Set([1000, 6003, 6100, 6101, 6102, 6103, 6111, 9103, 9106, 9107, 9109]);
/** "The record already exists" / "an identical record already exists". */
export const duplicateRecordCodes = new Set([81057, 81058]);
/** CNAME next to other records (81053, 81054) and NS next to other records (81056). */
const recordConflictCodes = new Set([81053, 81054, 81056]);

export interface CloudflareErrorDetail {
  readonly status?: number;
  readonly codes: readonly number[];
  readonly messages: readonly string[];
}

export function cloudflareErrorDetail(err: unknown): CloudflareErrorDetail | undefined {
  if (!(err instanceof APIError)) return undefined;
  const codes: number[] = [];
  const messages: string[] = [];
  for (const e of err.errors) {
    if (typeof e.code === 'number') codes.push(e.code);
    if (typeof e.message === 'string') messages.push(e.message);
  }
  return { status: err.status, codes, messages };
}

/** Raw SDK errors and the AppErrors made from them alike. */
export function isDuplicateRecordError(err: unknown): boolean {
  if (err instanceof AppError) return err.code === 'cloudflare_duplicate';
  return cloudflareErrorDetail(err)?.codes.some((c) => duplicateRecordCodes.has(c)) ?? false;
}

/** `what` says what we were doing, e.g. "creating CNAME _acme-challenge.example.com". */
export function describeCloudflareError(err: unknown, what: string): AppError {
  if (err instanceof AppError) return err;
  if (err instanceof APIConnectionError) {
    return new AppError('cloudflare_unreachable', `${what}: cannot reach the Cloudflare API (${err.message}); check the network, or CLOUDFLARE_BASE_URL if you set it`);
  }
  const detail = cloudflareErrorDetail(err);
  if (!detail) return new AppError('cloudflare_failed', `${what}: ${(err as Error)?.message ?? String(err)}`);
  const said = detail.codes.length
    ? detail.codes.map((c, i) => `${c} "${detail.messages[i] ?? ''}"`).join(', ')
    : (detail.messages.join('; ') || 'no error details');
  const tail = `(Cloudflare said: HTTP ${detail.status ?? '?'}, ${said})`;
  const has = (set: ReadonlySet<number>): boolean => detail.codes.some((c) => set.has(c));

  if (detail.status === 401 || has(authCodes)) {
    return new AppError('cloudflare_auth', `${what}: Cloudflare does not accept the credential: wrong, expired, revoked or restricted to other client IPs ${tail}`);
  }
  if (detail.status === 403) {
    return new AppError('cloudflare_permission', `${what}: the credential lacks a permission: the token needs Zone:Zone:Read and Zone:DNS:Edit on this zone ${tail}`);
  }
  if (has(recordConflictCodes)) {
    return new AppError('cloudflare_record_conflict', `${what}: Cloudflare refuses the record next to one already at that name; re-run to see it in the plan (--replace replaces what is ours to replace) ${tail}`);
  }
  if (has(duplicateRecordCodes)) return new AppError('cloudflare_duplicate', `${what}: the record already exists ${tail}`);
  if (detail.status === 404) return new AppError('cloudflare_not_found', `${what}: not found: the zone or record is gone or not visible to the credential ${tail}`);
  if (detail.status === 429) return new AppError('cloudflare_rate_limited', `${what}: Cloudflare's rate limit, still after retries; wait a few minutes and re-run ${tail}`);
  if (detail.status !== undefined && detail.status >= 500) return new AppError('cloudflare_unavailable', `${what}: Cloudflare had an internal error, still after retries; re-run later ${tail}`);
  return new AppError('cloudflare_failed', `${what}: Cloudflare refused the request ${tail}`);
}
