// Every configuration key, with its type, default and meaning, declared once: the TypeScript
// type (Config), the validation (load.ts), the reference printed by `acme-delegate
// config-reference` (and checked against the README) and the command-line flags that set
// keys (cli/config-options.ts) all come from `configSchema`.
// To add a key: one line in its section, e.g. `max_things: integer({ default: 5, min: 1, doc: '…' })`,
// and a row in README's table for the section. `cli: 'name'` gives it a flag (--name) too.
import { Type, type Static, type TLiteral, type TSchema, type TUnion } from '@sinclair/typebox';

interface Documented<T> {
  readonly default: T;
  readonly doc: string;
  /** The command-line flag (`--NAME`) that sets this key, for keys an operator sets per run. */
  readonly cli?: string;
}

/** What every key's schema carries: default, doc and (if any) its flag. */
function documented<T>(o: Documented<T>) {
  return { default: o.default, description: o.doc, ...(o.cli === undefined ? {} : { [cliFlag]: o.cli }) };
}

/** A string used as is. */
function text(o: Documented<string>) {
  return Type.String(documented(o));
}

/** A file or folder; relative paths resolve against the config file's folder. */
function path(o: Documented<string>) {
  return Type.String({ ...documented(o), [isPath]: true });
}

function integer(o: Documented<number> & { readonly min?: number; readonly max?: number }) {
  return Type.Integer({ ...documented(o), ...(o.min === undefined ? {} : { minimum: o.min }), ...(o.max === undefined ? {} : { maximum: o.max }) });
}

function flag(o: Documented<boolean>) {
  return Type.Boolean(documented(o));
}

/** A list of strings; from the environment comma-separated, from a flag repeated. */
function list(o: Documented<readonly string[]>) {
  return Type.Array(Type.String(), documented(o));
}

/** One of a few words; the TypeScript type is their union. */
function oneOf<const V extends [string, ...string[]]>(o: Documented<V[number]> & { readonly values: V }) {
  const literals = o.values.map((v) => Type.Literal(v));
  // map() forgets which word is where; the union is exactly these words.
  return Type.Union(literals, documented(o)) as TUnion<{ [K in keyof V]: TLiteral<V[K]> }>;
}

const isPath = 'x-path';
const cliFlag = 'x-cli-flag';

export const configSchema = Type.Object({
  dns: Type.Object({
    zone: text({ default: 'auth.localhost', cli: 'zone', doc: 'The delegated zone we are authoritative for, e.g. "auth.example.org".' }),
    nsname: text({ default: '', cli: 'nsname', doc: 'Host name of this name server (SOA mname, apex NS). Default: "ns.<zone>".' }),
    nsadmin: text({ default: '', doc: 'SOA rname, the contact mailbox in DNS form ("hostmaster.example.org"). Default: "hostmaster.<zone>".' }),
    ns_addresses: list({ default: ['127.0.0.1'], cli: 'ns-address', doc: 'Public IPv4/IPv6 addresses of this server: glue A/AAAA for nsname when nsname is inside the zone, and what bootstrap publishes.' }),
    listen: list({ default: ['127.0.0.1:5300'], cli: 'dns-listen', doc: 'UDP and TCP listen addresses, "ADDR:PORT" or "[V6]:PORT", e.g. ["0.0.0.0:53", "[::]:53"].' }),
    records: list({ default: [], doc: 'Static records in zone-file syntax, e.g. "auth.example.org. CAA 0 issue \\"letsencrypt.org\\"". Names must be inside the zone.' }),
    txt_ttl: integer({ default: 1, min: 0, max: 86400, doc: 'TTL in seconds of the challenge TXT records.' }),
    default_ttl: integer({ default: 3600, min: 0, max: 604800, doc: 'TTL of SOA, NS, glue and static records without an explicit TTL.' }),
    negative_ttl: integer({ default: 60, min: 0, max: 86400, doc: 'SOA minimum: how long resolvers cache NXDOMAIN/NODATA (RFC 2308).' }),
    soa_refresh: integer({ default: 3600, min: 1, doc: 'SOA refresh, for secondaries.' }),
    soa_retry: integer({ default: 600, min: 1, doc: 'SOA retry, for secondaries.' }),
    soa_expire: integer({ default: 1209600, min: 1, doc: 'SOA expire, for secondaries.' }),
    tcp_idle_timeout_ms: integer({ default: 10000, min: 100, max: 600000, doc: 'Close a TCP connection idle this long (RFC 7766).' }),
    tcp_max_connections: integer({ default: 256, min: 1, max: 65535, doc: 'Cap on concurrent TCP connections; more are refused.' }),
    nameservers: list({ default: [], doc: 'The zone\'s other public name servers (secondaries), "HOST" or "HOST ADDR [ADDR...]": in the apex NS set, with glue when HOST is inside the zone; bootstrap publishes them in the parent, check asks each for the serial.' }),
    hidden_primary: flag({ default: false, doc: 'Leave this server (nsname) out of the apex NS set and the delegation: only the secondaries in dns.nameservers answer the public; we stay their primary.' }),
    secondaries: list({ default: [], cli: 'secondary', doc: 'Secondary name servers, "ADDR:PORT" or "ADDR:PORT KEYNAME": allowed to transfer the zone (AXFR/IXFR) and sent a NOTIFY on every change, signed with the named TSIG key (or the only key).' }),
    transfer_allow: list({ default: [], doc: 'More CIDRs allowed to transfer the zone without being notified (a hosted secondary service\'s transfer servers). ["0.0.0.0/0", "::/0"] with tsig_keys: the key alone decides.' }),
    tsig_keys: list({ default: [], cli: 'tsig-key', doc: 'TSIG keys "ALGORITHM:NAME:BASE64SECRET" (hmac-sha256, hmac-sha384, hmac-sha512). When any is set, every transfer must be signed with one of them. Prefer tsig_key_file or the environment for the secret.' }),
    tsig_key_file: path({ default: '', doc: 'File with more TSIG keys, one "ALGORITHM:NAME:BASE64SECRET" a line ("#" comments); keep it owner-readable.' }),
    tcp_connections_per_address: integer({ default: 16, min: 1, max: 65535, doc: 'Cap on concurrent TCP connections from one client address; more are closed at once.' }),
    rrl_responses_per_second: integer({ default: 20, min: 0, max: 1000000, doc: 'Response rate limiting (RRL) over UDP: identical answers, NXDOMAINs and errors a client network may receive per second; 0 turns RRL off.' }),
    rrl_slip: integer({ default: 2, min: 0, max: 10, doc: 'Every Nth rate-limited UDP answer is sent truncated (TC) so real resolvers retry over TCP; the rest are dropped. 0: drop all, 1: truncate all.' }),
    rrl_ipv4_prefix: integer({ default: 24, min: 8, max: 32, doc: 'RRL groups IPv4 clients by this prefix length (a client network).' }),
    rrl_ipv6_prefix: integer({ default: 56, min: 16, max: 128, doc: 'RRL groups IPv6 clients by this prefix length.' }),
    rrl_exempt: list({ default: ['127.0.0.0/8', '::1/128'], doc: 'CIDRs never rate limited by RRL (loopback cannot be spoofed from the network).' }),
    rrl_table_size: integer({ default: 65536, min: 64, max: 10000000, doc: 'Most RRL buckets kept at once (about 150 bytes each); the least recently used is dropped.' }),
    workers: integer({ default: 1, min: 0, max: 64, doc: 'Processes answering DNS over UDP. 1: the server process itself. N > 1: N worker processes (each about 125 MB RSS at 100,000 accounts and 240 MB at 1,000,000, of which 45 MB is the Node binary they share) while the server process keeps the store, the API, TCP and transfers. 0: one per CPU.' }),
  }),
  api: Type.Object({
    listen: text({ default: '127.0.0.1:8053', cli: 'api-listen', doc: 'HTTP(S) listen address, "ADDR:PORT".' }),
    path_prefix: text({ default: '', doc: 'Serve the API under this path (e.g. "/acme") behind a reverse proxy. Routes are also served at the root.' }),
    public_url: text({ default: '', cli: 'api-url', doc: 'Public base URL of this API, written as server_url into credential files. Default: derived from listen.' }),
    tls_cert: path({ default: '', doc: 'PEM certificate chain file; with tls_key, the API speaks HTTPS.' }),
    tls_key: path({ default: '', doc: 'PEM private key file for tls_cert.' }),
    registration: oneOf({ values: ['open', 'allowlist', 'closed'], default: 'allowlist', cli: 'registration', doc: 'Who may POST /register: "open" (anyone, like acme-dns), "allowlist" (clients in registration_allow), "closed" (CLI only).' }),
    registration_allow: list({ default: ['127.0.0.0/8', '::1/128'], doc: 'CIDRs allowed to register when registration = "allowlist".' }),
    cors_origins: list({ default: [], doc: 'Origins allowed by CORS ("*" for any). Empty: no CORS headers.' }),
    trusted_proxies: list({ default: [], doc: 'CIDRs of reverse proxies whose X-Forwarded-For is believed: the client is the right-most address not in this list.' }),
    body_limit: integer({ default: 8192, min: 256, max: 1048576, doc: 'Largest accepted request body in bytes; larger gets 413.' }),
    header_timeout_seconds: integer({ default: 10, min: 1, max: 600, doc: 'A client must send its request headers within this time, or the connection gets 408 and is closed.' }),
    request_timeout_seconds: integer({ default: 20, min: 1, max: 600, doc: 'A client must send its whole request (headers and body) within this time, or it gets 408 and is closed.' }),
    keep_alive_timeout_seconds: integer({ default: 5, min: 1, max: 600, doc: 'An idle keep-alive connection is closed after this time.' }),
    connections_per_address: integer({ default: 16, min: 1, max: 65535, doc: 'Cap on open connections from one TCP peer address (trusted_proxies are exempt); more are closed at once.' }),
    max_connections: integer({ default: 1024, min: 1, max: 65535, doc: 'Cap on open API connections in total; more are closed at once.' }),
  }),
  store: Type.Object({
    path: path({ default: 'data/acme-delegate.db', cli: 'db', doc: 'SQLite database file (created with its folder).' }),
    bcrypt_cost: integer({ default: 10, min: 4, max: 15, doc: 'bcrypt cost of new password hashes.' }),
    txt_values_per_slot: integer({ default: 2, min: 1, max: 10, doc: 'How many of its newest TXT values a slot serves at once (2 covers "example.org" + "*.example.org").' }),
    txt_max_age_seconds: integer({ default: 604800, min: 60, doc: 'TXT values older than this are no longer served and are purged.' }),
    max_accounts: integer({ default: 100000, min: 0, doc: 'POST /register refuses (403 account_limit_reached) once this many accounts exist; 0: no cap. The CLI is not capped.' }),
    min_free_disk_mb: integer({ default: 64, min: 0, doc: "POST /register refuses (503 insufficient_storage) when the database's file system has less free space than this, keeping room for updates." }),
  }),
  limits: Type.Object({
    update_failures_per_address: integer({ default: 5, min: 1, max: 100000, doc: 'Failed POST /update authentications one client address (IPv6: its /64) may make in a burst; then 429 rate_limited until refilled.' }),
    update_failures_per_username: integer({ default: 20, min: 1, max: 100000, doc: 'Failed authentications for one username from all addresses in a burst; a client that recently succeeded from its address is exempt.' }),
    update_failure_refill_seconds: integer({ default: 60, min: 1, max: 86400, doc: 'One more failed authentication is allowed (per address and per username) every this many seconds.' }),
    registrations_per_address: integer({ default: 20, min: 1, max: 1000000, doc: 'POST /register calls one client address (IPv6: its /64) may make per registration_window_seconds; then 429 rate_limited.' }),
    registration_window_seconds: integer({ default: 3600, min: 1, max: 604800, doc: 'The window of registrations_per_address.' }),
    tracked_clients: integer({ default: 20000, min: 100, max: 10000000, doc: 'Most entries each rate-limit table keeps (about 200 bytes each); the least recently used is dropped.' }),
    bcrypt_queue: integer({ default: 32, min: 1, max: 100000, doc: 'Most password checks waiting for a worker; beyond it POST /update and /register answer 503 overloaded at once.' }),
  }),
  ddns: Type.Object({
    ttl: integer({ default: 60, min: 0, max: 86400, doc: 'TTL in seconds of the A/AAAA records of dynamic-DNS slots (docs/ddns.md).' }),
    allow_private_addresses: flag({ default: false, doc: 'Accept private, loopback, link-local and other non-public addresses in dynamic-DNS updates (for tests and private networks); otherwise they are refused.' }),
  }),
  bootstrap: Type.Object({
    domains: list({ default: [], doc: 'Certificate names `bootstrap` sets up when no --domain or --domains-file is given, e.g. ["www.example.com", "*.example.com"].' }),
    out: path({ default: '', doc: 'Folder where `bootstrap` writes client credential files when --out is not given.' }),
    ddns: list({ default: [], doc: 'Dynamic-DNS names `bootstrap` sets up (NAME CNAME a ddns slot) when no name is given on the command line, e.g. ["home.example.com"] (docs/ddns.md).' }),
  }),
  metrics: Type.Object({
    listen: text({ default: '', cli: 'metrics-listen', doc: 'Address "ADDR:PORT" of the Prometheus /metrics listener, e.g. "127.0.0.1:9153"; empty: off. Keep it on loopback or a private network.' }),
    admin_token_sha256: text({ default: '', doc: 'SHA-256 (64 hex digits) of the admin API token; when set, the admin API /admin/v1/ ("Authorization: Bearer TOKEN") and its dashboard /admin/ are served on metrics.listen. Make one: TOKEN=$(openssl rand -hex 32); printf %s "$TOKEN" | sha256sum.' }),
  }),
  log: Type.Object({
    level: oneOf({ values: ['debug', 'info', 'warn', 'error', 'silent'], default: 'info', cli: 'log-level', doc: 'Least severe level written.' }),
    format: oneOf({ values: ['auto', 'json', 'text'], default: 'auto', cli: 'log-format', doc: 'One JSON object a line (for journald/log shippers), or readable text; "auto": text when stderr is a terminal, JSON otherwise.' }),
  }),
});

type DeepReadonly<T> = T extends readonly (infer E)[] ? readonly DeepReadonly<E>[] : T extends object ? { readonly [K in keyof T]: DeepReadonly<T[K]> } : T;

/** The loaded configuration: every key present, validated, frozen. */
export type Config = DeepReadonly<Static<typeof configSchema>>;
/** The same while load.ts fills in derived defaults. */
export type ConfigDraft = Static<typeof configSchema>;
export type ConfigSection = keyof Config;

export const configSections = Object.keys(configSchema.properties) as ConfigSection[];

export type KeyType = 'string' | 'integer' | 'boolean' | 'string[]' | 'path' | 'enum';

/** One key as the loader and the reference see it, read off its schema. */
export interface KeySpec {
  readonly section: ConfigSection;
  readonly key: string;
  readonly schema: TSchema;
  readonly type: KeyType;
  readonly default: string | number | boolean | readonly string[];
  readonly doc: string;
  /** Its command-line flag, without the dashes; undefined when it has none. */
  readonly cli?: string;
  readonly values?: readonly string[];
  readonly min?: number;
  readonly max?: number;
}

function describeKey(section: ConfigSection, key: string, schema: TSchema): KeySpec {
  const values = (schema.anyOf as { const: string }[] | undefined)?.map((s) => s.const);
  const type: KeyType = values ? 'enum' : schema[isPath] ? 'path' : schema.type === 'array' ? 'string[]' : (schema.type as KeyType);
  return { section, key, schema, type, default: schema.default, doc: schema.description ?? '', cli: schema[cliFlag] as string | undefined, values, min: schema.minimum, max: schema.maximum };
}

export const configKeys: readonly KeySpec[] = configSections.flatMap((section) =>
  Object.entries(configSchema.properties[section].properties).map(([key, schema]) => describeKey(section, key, schema)),
);
