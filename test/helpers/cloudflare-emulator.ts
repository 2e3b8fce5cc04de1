// A local emulation of the parts of the Cloudflare v4 API that `acme-delegate bootstrap` calls,
// faithful to the documented shapes, for tests that must not (and cannot) reach Cloudflare.
//
// Contract (kept stable for scripts/e2e.sh and cloudflare-emulator-main.ts):
// - Listens on 127.0.0.1, port 0 unless told; the API lives under `<origin>/client/v4`, so
//   `CLOUDFLARE_BASE_URL=<baseUrl>` points the official SDK at it.
// - Every answer is Cloudflare's envelope: {success, errors[{code,message}], messages, result}
//   plus `result_info {page, per_page, count, total_count, total_pages}` on lists. A page past
//   the end is empty (the SDK stops there).
// - Endpoints: GET /user/tokens/verify, GET /accounts/:id/tokens/verify, GET /user,
//   GET /zones (filters name, status, account.id; page, per_page 5..50, default 20), GET /zones/:id,
//   GET /zones/:id/dns_records (filters name / name.exact / name.contains / name.startswith /
//   name.endswith, type, content / content.exact; page, per_page 1..5,000,000, default 100),
//   POST, PUT, PATCH and DELETE /zones/:id/dns_records[/:record].
//   Zone `name` is equality by default (case-insensitive), or `<operator>:<value>` with
//   Cloudflare's operators (not_equal, starts_with, ends_with, contains and their
//   *_case_sensitive forms); record name and content filters are case-insensitive.
// - Authentication: `Authorization: Bearer <token>` or `X-Auth-Email` + `X-Auth-Key`.
//   Unknown token: 401 code 1000 on the verify endpoints, 403 code 9109 elsewhere; unknown
//   global key: 403 code 9103; missing credential: 400 codes 9106/9107; a token lacking
//   Zone:DNS:Edit (or not scoped to the zone): 403 code 10000 "Authentication error".
//   With no token and no key configured, every well-formed token is accepted (open mode).
// - DNS rules: identical record 400 code 81058; a CNAME next to other records 400 code 81053
//   (creating the CNAME) or 81054 (creating beside a CNAME), except at the zone apex, where
//   Cloudflare flattens a CNAME and only A, AAAA and CNAME records conflict with it; NS next to other records (Cloudflare
//   refuses NS and A on one label) 400 code 81056; unknown record 404 code 81044; bad content
//   400 code 1004 "DNS Validation Error". A name not ending in the zone name is taken as
//   relative to it (`www` and `www.example.net` in example.com become www.example.com and
//   www.example.net.example.com), as Cloudflare does.
// - Test hooks: `GET <origin>/__emulator/records` returns every record as a JSON array
//   ({id, zone_id, zone_name, name, type, content, ttl, proxied, data?}); the in-process object
//   also seeds zones and records, counts writes and injects failures after N writes.
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface EmulatorToken {
  readonly value: string;
  readonly status?: 'active' | 'disabled' | 'expired';
  /** Account-owned token (cfat_): verifies only under /accounts/<accountId>/tokens/verify. */
  readonly accountId?: string;
  /** Zone names the token may see; all when absent. */
  readonly zones?: readonly string[];
  /** Zone:Zone:Read; without it, zone lists come back empty. Default true. */
  readonly zoneRead?: boolean;
  /** Zone:DNS:Edit; without it, record writes get 403 code 10000. Default true. */
  readonly dnsEdit?: boolean;
}

export interface EmulatorGlobalKey {
  readonly email: string;
  readonly key: string;
}

export interface EmulatorOptions {
  readonly tokens?: readonly EmulatorToken[];
  readonly globalKeys?: readonly EmulatorGlobalKey[];
  /** Zone names to create at start. */
  readonly zones?: readonly string[];
  readonly accountId?: string;
  readonly port?: number;
}

export interface EmulatedZone {
  readonly id: string;
  readonly name: string;
  readonly status: string;
  readonly account: { readonly id: string; readonly name: string };
}

export interface CaaRecordData {
  readonly flags: number;
  readonly tag: string;
  readonly value: string;
}

export interface EmulatedRecord {
  readonly id: string;
  readonly zone_id: string;
  readonly zone_name: string;
  readonly name: string;
  readonly type: string;
  readonly content: string;
  readonly ttl: number;
  readonly proxied: boolean;
  readonly proxiable: boolean;
  readonly data?: CaaRecordData;
  readonly created_on: string;
  readonly modified_on: string;
}

export interface SeedRecord {
  readonly name: string;
  readonly type: string;
  readonly content?: string;
  readonly ttl?: number;
  readonly proxied?: boolean;
  readonly data?: CaaRecordData;
}

export interface WriteFailure {
  readonly status: number;
  readonly code: number;
  readonly message: string;
  /** Let the SDK retry (it would for 408/409/429/5xx); default false, to keep tests quick. */
  readonly retryable?: boolean;
  /** "after": perform the write, then answer with the failure (a lost response). */
  readonly when?: 'before' | 'after';
  /** How many writes fail; default: all until clearFailures(). */
  readonly times?: number;
}

export interface RequestLogEntry {
  readonly method: string;
  readonly path: string;
  readonly status: number;
}

export interface CloudflareEmulator {
  /** e.g. http://127.0.0.1:40123/client/v4 */
  readonly baseUrl: string;
  readonly origin: string;
  addZone(name: string, options?: { accountId?: string; status?: string }): EmulatedZone;
  /** Seeds a record, bypassing authentication but not the DNS rules. */
  addRecord(zoneName: string, record: SeedRecord): EmulatedRecord;
  records(): EmulatedRecord[];
  zones(): EmulatedZone[];
  /** Successful record writes (create, update, edit, delete) since start. */
  writeCount(): number;
  /** After `afterWrites` more successful writes, record writes fail as described. */
  failWritesAfter(afterWrites: number, failure?: WriteFailure): void;
  clearFailures(): void;
  /** Method, path (with query) and status of every request; no headers, so no secrets. */
  requests(): RequestLogEntry[];
  close(): Promise<void>;
}

interface ApiError {
  readonly code: number;
  readonly message: string;
  readonly error_chain?: readonly { code: number; message: string }[];
}

class HttpFailure extends Error {
  constructor(
    readonly status: number,
    readonly errors: readonly ApiError[],
    readonly headers: Readonly<Record<string, string>> = {},
  ) {
    super(errors.map((e) => e.message).join('; '));
  }
}

type Caller = { kind: 'token'; token: EmulatorToken } | { kind: 'key'; key: EmulatorGlobalKey };

const proxiableTypes = new Set(['A', 'AAAA', 'CNAME']);
const knownTypes = new Set(['A', 'AAAA', 'CAA', 'CERT', 'CNAME', 'DNSKEY', 'DS', 'HTTPS', 'LOC', 'MX', 'NAPTR', 'NS', 'OPENPGPKEY', 'PTR', 'SMIMEA', 'SRV', 'SSHFP', 'SVCB', 'TLSA', 'TXT', 'URI']);

function hexId(): string {
  return randomBytes(16).toString('hex');
}

function lower(name: string): string {
  return name.trim().toLowerCase().replace(/\.$/, '');
}

function validationError(message: string): HttpFailure {
  return new HttpFailure(400, [{ code: 1004, message: 'DNS Validation Error', error_chain: [{ code: 9000, message }] }]);
}

export async function startCloudflareEmulator(options: EmulatorOptions = {}): Promise<CloudflareEmulator> {
  const defaultAccount = options.accountId ?? hexId();
  const zones: EmulatedZone[] = [];
  const records: EmulatedRecord[] = [];
  const log: RequestLogEntry[] = [];
  const tokens = options.tokens ?? [];
  const keys = options.globalKeys ?? [];
  const openMode = tokens.length === 0 && keys.length === 0;
  let writes = 0;
  let failure: { after: number; spec: WriteFailure; left: number } | undefined;

  const addZone = (name: string, zoneOptions: { accountId?: string; status?: string } = {}): EmulatedZone => {
    const accountId = zoneOptions.accountId ?? defaultAccount;
    const zone = { id: hexId(), name: lower(name), status: zoneOptions.status ?? 'active', account: { id: accountId, name: `account ${accountId.slice(0, 6)}` } };
    zones.push(zone);
    return zone;
  };
  for (const name of options.zones ?? []) addZone(name);

  // ---- authentication ------------------------------------------------------------------

  const authenticate = (req: IncomingMessage, forVerify: boolean): Caller => {
    const auth = req.headers.authorization;
    const email = req.headers['x-auth-email'];
    const key = req.headers['x-auth-key'];
    if (typeof auth === 'string') {
      const match = /^Bearer ([A-Za-z0-9_-]+)$/.exec(auth);
      if (!match) throw new HttpFailure(400, [{ code: 6003, message: 'Invalid request headers', error_chain: [{ code: 6111, message: 'Invalid format for Authorization header' }] }]);
      const value = match[1] as string;
      const token = openMode ? { value } : tokens.find((t) => t.value === value);
      if (!token) {
        if (forVerify) throw new HttpFailure(401, [{ code: 1000, message: 'Invalid API Token' }]);
        throw new HttpFailure(403, [{ code: 9109, message: 'Invalid access token' }]);
      }
      if ((token.status ?? 'active') !== 'active' && !forVerify) throw new HttpFailure(403, [{ code: 9109, message: 'Invalid access token' }]);
      return { kind: 'token', token };
    }
    if (typeof email === 'string' || typeof key === 'string') {
      const missing: ApiError[] = [];
      if (typeof email !== 'string') missing.push({ code: 9106, message: 'Missing X-Auth-Email header' });
      if (typeof key !== 'string') missing.push({ code: 9107, message: 'Missing X-Auth-Key header' });
      if (missing.length) throw new HttpFailure(400, missing);
      const found = keys.find((k) => k.email.toLowerCase() === String(email).toLowerCase() && k.key === key);
      if (!found) throw new HttpFailure(403, [{ code: 9103, message: 'Unknown X-Auth-Key or X-Auth-Email' }]);
      return { kind: 'key', key: found };
    }
    throw new HttpFailure(400, [
      { code: 9106, message: 'Missing X-Auth-Email header' },
      { code: 9107, message: 'Missing X-Auth-Key header' },
    ]);
  };

  const visibleZones = (caller: Caller): EmulatedZone[] => {
    if (caller.kind === 'key') return zones;
    const t = caller.token;
    if (t.zoneRead === false) return [];
    return zones.filter((z) => (!t.zones || t.zones.map(lower).includes(z.name)) && (!t.accountId || t.accountId === z.account.id));
  };

  const zoneFor = (caller: Caller, id: string): EmulatedZone => {
    const zone = zones.find((z) => z.id === id);
    if (!zone) throw new HttpFailure(404, [{ code: 7003, message: `Could not route to /zones/${id}, perhaps your object identifier is invalid?` }]);
    if (caller.kind === 'token' && !visibleZones({ kind: 'token', token: { ...caller.token, zoneRead: true } }).includes(zone)) {
      throw new HttpFailure(403, [{ code: 10000, message: 'Authentication error' }]);
    }
    return zone;
  };

  // ---- DNS rules -----------------------------------------------------------------------

  const checkRecord = (zone: EmulatedZone, body: Record<string, unknown>, replacing?: EmulatedRecord): EmulatedRecord => {
    const type = typeof body.type === 'string' ? body.type.toUpperCase() : '';
    if (!knownTypes.has(type)) throw validationError(`Invalid DNS record type "${String(body.type)}"`);
    if (typeof body.name !== 'string' || body.name.trim() === '') throw validationError('DNS record name is required');
    const rawName = lower(body.name);
    const name = rawName === '@' ? zone.name : rawName === zone.name || rawName.endsWith(`.${zone.name}`) ? rawName : `${rawName}.${zone.name}`;
    let content = typeof body.content === 'string' ? body.content.trim() : '';
    let data: CaaRecordData | undefined;
    if (type === 'CAA') {
      const d = body.data as Partial<CaaRecordData> | undefined;
      if (d && typeof d.tag === 'string' && typeof d.value === 'string') {
        data = { flags: Number(d.flags ?? 0), tag: d.tag, value: d.value };
      } else {
        const m = /^(\d+)\s+(\S+)\s+"(.*)"$/.exec(content);
        if (!m) throw validationError('CAA record needs data {flags, tag, value}');
        data = { flags: Number(m[1]), tag: m[2] as string, value: m[3] as string };
      }
      content = `${data.flags} ${data.tag} "${data.value}"`;
    }
    if (content === '') throw validationError('DNS record content is required');
    if (type === 'A' && !/^(\d{1,3}\.){3}\d{1,3}$/.test(content)) throw validationError(`Content for A record must be a valid IPv4 address`);
    if (type === 'AAAA' && !content.includes(':')) throw validationError(`Content for AAAA record must be a valid IPv6 address`);
    if (type === 'CNAME' || type === 'NS') content = lower(content);
    const ttl = body.ttl === undefined ? 1 : Number(body.ttl);
    if (!Number.isInteger(ttl) || (ttl !== 1 && (ttl < 30 || ttl > 86400))) throw validationError('TTL must be between 60 and 86400 seconds, or 1 for Automatic');
    const proxied = body.proxied === true;
    if (proxied && !proxiableTypes.has(type)) throw validationError(`${type} records cannot be proxied`);

    const others = records.filter((r) => r.zone_id === zone.id && r.name === name && r !== replacing);
    if (others.some((r) => r.type === type && r.content === content)) throw new HttpFailure(400, [{ code: 81058, message: 'An identical record already exists.' }]);
    // CNAME flattening: at the apex a CNAME lives beside MX, TXT, CAA...; A, AAAA and CNAME still clash.
    const clashes = (t: string): boolean => name !== zone.name || t === 'A' || t === 'AAAA' || t === 'CNAME';
    if (type === 'CNAME' && others.some((r) => clashes(r.type))) throw new HttpFailure(400, [{ code: 81053, message: 'An A, AAAA, or CNAME record with that host already exists.' }]);
    if (type !== 'CNAME' && clashes(type) && others.some((r) => r.type === 'CNAME')) throw new HttpFailure(400, [{ code: 81054, message: 'A CNAME record with that host already exists.' }]);
    if (type === 'NS' && others.some((r) => r.type !== 'NS')) throw new HttpFailure(400, [{ code: 81056, message: 'NS records cannot share a name with records of other types.' }]);
    if (type !== 'NS' && others.some((r) => r.type === 'NS')) throw new HttpFailure(400, [{ code: 81056, message: 'NS records with that host already exist.' }]);

    const now = new Date().toISOString();
    return {
      id: replacing?.id ?? hexId(),
      zone_id: zone.id,
      zone_name: zone.name,
      name,
      type,
      content,
      ttl,
      proxied,
      proxiable: proxiableTypes.has(type),
      ...(data ? { data } : {}),
      created_on: replacing?.created_on ?? now,
      modified_on: now,
    };
  };

  const addRecord = (zoneName: string, seed: SeedRecord): EmulatedRecord => {
    const zone = zones.find((z) => z.name === lower(zoneName));
    if (!zone) throw new Error(`no emulated zone ${zoneName}`);
    const record = checkRecord(zone, { ...seed });
    records.push(record);
    return record;
  };

  // ---- responses -----------------------------------------------------------------------

  const page = <T>(items: readonly T[], query: URLSearchParams, defaults: { perPage: number; minPerPage: number; maxPerPage: number }) => {
    const pageNo = Math.max(1, Number(query.get('page') ?? 1) || 1);
    const perPage = Math.min(defaults.maxPerPage, Math.max(defaults.minPerPage, Number(query.get('per_page') ?? defaults.perPage) || defaults.perPage));
    const slice = items.slice((pageNo - 1) * perPage, pageNo * perPage);
    return {
      result: slice,
      result_info: { page: pageNo, per_page: perPage, count: slice.length, total_count: items.length, total_pages: Math.ceil(items.length / perPage) },
    };
  };

  const envelope = (result: unknown, extra: Record<string, unknown> = {}, messages: ApiError[] = []) => ({ success: true, errors: [], messages, result, ...extra });

  const textFilter = (query: URLSearchParams, field: string): ((value: string) => boolean) => {
    const tests: ((v: string) => boolean)[] = [];
    const plain = query.get(field);
    if (plain !== null) tests.push((v) => v === lower(plain));
    const exact = query.get(`${field}.exact`);
    if (exact !== null) tests.push((v) => v === lower(exact));
    const contains = query.get(`${field}.contains`);
    if (contains !== null) tests.push((v) => v.includes(lower(contains)));
    const starts = query.get(`${field}.startswith`);
    if (starts !== null) tests.push((v) => v.startsWith(lower(starts)));
    const ends = query.get(`${field}.endswith`);
    if (ends !== null) tests.push((v) => v.endsWith(lower(ends)));
    return (value) => tests.every((t) => t(value.toLowerCase()));
  };

  // GET /zones?name=...: equality, or `<operator>:<value>` (name=contains:example). Not the
  // name.contains form of the DNS-record list.
  const zoneNameFilter = (filter: string | null): ((name: string) => boolean) => {
    if (filter === null) return () => true;
    const match = /^(equal|not_equal|(?:starts_with|ends_with|contains)(?:_case_sensitive)?):(.*)$/.exec(filter);
    const operator = match ? (match[1] as string).replace(/_case_sensitive$/, '') : 'equal';
    const caseSensitive = match?.[1]?.endsWith('_case_sensitive') ?? false;
    const wanted = match ? (match[2] as string) : filter;
    const fold = (v: string): string => (caseSensitive ? v : v.toLowerCase());
    return (name) => {
      const v = fold(name);
      const w = fold(wanted);
      switch (operator) {
        case 'not_equal':
          return v !== w;
        case 'starts_with':
          return v.startsWith(w);
        case 'ends_with':
          return v.endsWith(w);
        case 'contains':
          return v.includes(w);
        default:
          return v === w;
      }
    };
  };

  const isWrite = (method: string): boolean => method === 'POST' || method === 'PUT' || method === 'PATCH' || method === 'DELETE';

  const injectedFailure = (): HttpFailure | undefined => {
    if (!failure || writes < failure.after || failure.left <= 0) return undefined;
    failure.left--;
    const headers: Record<string, string> = failure.spec.retryable ? { 'retry-after-ms': '5' } : { 'x-should-retry': 'false' };
    return new HttpFailure(failure.spec.status, [{ code: failure.spec.code, message: failure.spec.message }], headers);
  };

  const handleRecords = (req: IncomingMessage, caller: Caller, zone: EmulatedZone, recordId: string | undefined, query: URLSearchParams, body: Record<string, unknown>): { status: number; payload: unknown } => {
    const method = req.method ?? 'GET';
    if (method === 'GET' && !recordId) {
      const nameOk = textFilter(query, 'name');
      const contentOk = textFilter(query, 'content');
      const type = query.get('type')?.toUpperCase();
      const list = records
        .filter((r) => r.zone_id === zone.id && nameOk(r.name) && contentOk(r.content) && (!type || r.type === type))
        .sort((a, b) => a.type.localeCompare(b.type) || a.name.localeCompare(b.name) || a.content.localeCompare(b.content));
      const { result, result_info } = page(list, query, { perPage: 100, minPerPage: 1, maxPerPage: 5_000_000 });
      return { status: 200, payload: envelope(result, { result_info }) };
    }
    const existing = recordId ? records.find((r) => r.id === recordId && r.zone_id === zone.id) : undefined;
    if (recordId && !existing) throw new HttpFailure(404, [{ code: 81044, message: 'Record does not exist.' }]);
    if (method === 'GET') return { status: 200, payload: envelope(existing) };
    if (!isWrite(method)) throw new HttpFailure(405, [{ code: 10405, message: `Method ${method} not allowed` }]);
    if (caller.kind === 'token' && caller.token.dnsEdit === false) throw new HttpFailure(403, [{ code: 10000, message: 'Authentication error' }]);

    const before = failure?.spec.when !== 'after' ? injectedFailure() : undefined;
    if (before) throw before;
    let result: unknown;
    if (method === 'POST' && !recordId) {
      const record = checkRecord(zone, body);
      records.push(record);
      result = record;
    } else if ((method === 'PUT' || method === 'PATCH') && existing) {
      const merged = method === 'PATCH' ? { ...existing, ...body } : body;
      const record = checkRecord(zone, merged, existing);
      records.splice(records.indexOf(existing), 1, record);
      result = record;
    } else if (method === 'DELETE' && existing) {
      records.splice(records.indexOf(existing), 1);
      result = { id: existing.id };
    } else {
      throw new HttpFailure(405, [{ code: 10405, message: `Method ${method} not allowed here` }]);
    }
    writes++;
    const after = failure?.spec.when === 'after' ? injectedFailure() : undefined;
    if (after) throw after;
    return { status: 200, payload: envelope(result) };
  };

  const route = (req: IncomingMessage, url: URL, body: Record<string, unknown>): { status: number; payload: unknown } => {
    const method = req.method ?? 'GET';
    if (url.pathname === '/__emulator/records' && method === 'GET') return { status: 200, payload: records };
    if (url.pathname === '/__emulator/zones' && method === 'GET') return { status: 200, payload: zones };
    if (!url.pathname.startsWith('/client/v4/')) throw new HttpFailure(404, [{ code: 7000, message: 'No route for that URI' }]);
    const parts = url.pathname.slice('/client/v4/'.length).split('/').filter((p) => p !== '');
    const query = url.searchParams;

    if (method === 'GET' && parts.join('/') === 'user/tokens/verify') {
      const caller = authenticate(req, true);
      if (caller.kind !== 'token') throw new HttpFailure(400, [{ code: 1001, message: 'Missing "Authorization" header' }]);
      if (caller.token.accountId) throw new HttpFailure(401, [{ code: 1000, message: 'Invalid API Token' }]);
      return { status: 200, payload: envelope({ id: hexId(), status: caller.token.status ?? 'active' }, {}, [{ code: 10000, message: 'This API Token is valid and active' }]) };
    }
    if (method === 'GET' && parts[0] === 'accounts' && parts[2] === 'tokens' && parts[3] === 'verify' && parts.length === 4) {
      const caller = authenticate(req, true);
      if (caller.kind !== 'token') throw new HttpFailure(400, [{ code: 1001, message: 'Missing "Authorization" header' }]);
      if (caller.token.accountId !== parts[1]) throw new HttpFailure(401, [{ code: 1000, message: 'Invalid API Token' }]);
      return { status: 200, payload: envelope({ id: hexId(), status: caller.token.status ?? 'active' }, {}, [{ code: 10000, message: 'This API Token is valid and active' }]) };
    }
    if (method === 'GET' && parts.join('/') === 'user') {
      const caller = authenticate(req, false);
      if (caller.kind !== 'key') throw new HttpFailure(403, [{ code: 9109, message: 'Unauthorized to access requested resource' }]);
      return { status: 200, payload: envelope({ id: hexId(), email: caller.key.email, suspended: false, two_factor_authentication_enabled: false }) };
    }
    if (parts[0] === 'zones') {
      const caller = authenticate(req, false);
      if (parts.length === 1 && method === 'GET') {
        const nameOk = zoneNameFilter(query.get('name'));
        const status = query.get('status');
        const account = query.get('account.id');
        const list = visibleZones(caller).filter((z) => nameOk(z.name) && (!status || z.status === status) && (!account || z.account.id === account));
        const { result, result_info } = page(list, query, { perPage: 20, minPerPage: 5, maxPerPage: 50 });
        return { status: 200, payload: envelope(result.map(zoneView), { result_info }) };
      }
      const zone = zoneFor(caller, parts[1] as string);
      if (parts.length === 2 && method === 'GET') return { status: 200, payload: envelope(zoneView(zone)) };
      if (parts[2] === 'dns_records' && parts.length <= 4) return handleRecords(req, caller, zone, parts[3], query, body);
    }
    throw new HttpFailure(404, [{ code: 7000, message: 'No route for that URI' }]);
  };

  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      let status = 200;
      let payload: unknown;
      let headers: Record<string, string> = {};
      try {
        const text = Buffer.concat(chunks).toString('utf8');
        let body: Record<string, unknown> = {};
        if (text.trim() !== '') {
          try {
            body = JSON.parse(text) as Record<string, unknown>;
          } catch {
            throw new HttpFailure(400, [{ code: 6007, message: 'Malformed JSON in request body' }]);
          }
        }
        ({ status, payload } = route(req, url, body));
      } catch (err) {
        if (!(err instanceof HttpFailure)) throw err;
        status = err.status;
        headers = { ...err.headers };
        payload = { success: false, errors: err.errors, messages: [], result: null };
      }
      log.push({ method: req.method ?? 'GET', path: url.pathname + url.search, status });
      res.writeHead(status, { 'content-type': 'application/json', ...headers });
      res.end(JSON.stringify(payload));
    });
  });
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const origin = `http://127.0.0.1:${port}`;

  return {
    baseUrl: `${origin}/client/v4`,
    origin,
    addZone,
    addRecord,
    records: () => records.map((r) => ({ ...r })),
    zones: () => zones.map((z) => ({ ...z })),
    writeCount: () => writes,
    failWritesAfter(afterWrites, spec = { status: 500, code: 10001, message: 'Internal server error (injected)' }) {
      failure = { after: writes + afterWrites, spec, left: spec.times ?? Number.POSITIVE_INFINITY };
    },
    clearFailures() {
      failure = undefined;
    },
    requests: () => [...log],
    // Idempotent, so a test may stop the emulator early and still leave it to teardown.
    close: () =>
      new Promise<void>((resolve, reject) => {
        if (!server.listening) return resolve();
        server.closeAllConnections();
        server.close((err) => (err ? reject(err) : resolve()));
      }),
  };
}

function zoneView(zone: EmulatedZone) {
  return {
    id: zone.id,
    name: zone.name,
    status: zone.status,
    paused: false,
    type: 'full',
    development_mode: 0,
    name_servers: ['ada.ns.cloudflare.com', 'bob.ns.cloudflare.com'],
    original_name_servers: null,
    account: zone.account,
    owner: { id: null, type: 'user', email: null },
    permissions: [],
    plan: { id: 'free', name: 'Free Website' },
    created_on: '2026-01-01T00:00:00Z',
    modified_on: '2026-01-01T00:00:00Z',
    activated_on: '2026-01-01T00:00:00Z',
    meta: {},
  };
}
