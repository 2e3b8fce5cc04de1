// Every configuration key, with its type, default and meaning: the single source for
// validation, environment overrides and the reference printed by `acme-delegate config-reference`.

export type KeyType = 'string' | 'integer' | 'boolean' | 'string[]' | 'path' | 'enum';

export interface KeySpec {
  readonly section: string;
  readonly key: string;
  readonly type: KeyType;
  readonly default: string | number | boolean | readonly string[];
  readonly doc: string;
  readonly values?: readonly string[];
  readonly min?: number;
  readonly max?: number;
}

export const configKeys: readonly KeySpec[] = [
  // [dns]
  { section: 'dns', key: 'zone', type: 'string', default: 'auth.localhost', doc: 'The delegated zone we are authoritative for, e.g. "auth.example.org".' },
  { section: 'dns', key: 'nsname', type: 'string', default: '', doc: 'Host name of this name server (SOA mname, apex NS). Default: "ns.<zone>".' },
  { section: 'dns', key: 'nsadmin', type: 'string', default: '', doc: 'SOA rname, the contact mailbox in DNS form ("hostmaster.example.org"). Default: "hostmaster.<zone>".' },
  { section: 'dns', key: 'ns_addresses', type: 'string[]', default: ['127.0.0.1'], doc: 'Public IPv4/IPv6 addresses of this server: glue A/AAAA for nsname when nsname is inside the zone, and what bootstrap publishes.' },
  { section: 'dns', key: 'listen', type: 'string[]', default: ['127.0.0.1:5300'], doc: 'UDP and TCP listen addresses, "ADDR:PORT" or "[V6]:PORT", e.g. ["0.0.0.0:53", "[::]:53"].' },
  { section: 'dns', key: 'records', type: 'string[]', default: [], doc: 'Static records in zone-file syntax, e.g. "auth.example.org. CAA 0 issue \\"letsencrypt.org\\"". Names must be inside the zone.' },
  { section: 'dns', key: 'txt_ttl', type: 'integer', default: 1, min: 0, max: 86400, doc: 'TTL in seconds of the challenge TXT records.' },
  { section: 'dns', key: 'default_ttl', type: 'integer', default: 3600, min: 0, max: 604800, doc: 'TTL of SOA, NS, glue and static records without an explicit TTL.' },
  { section: 'dns', key: 'negative_ttl', type: 'integer', default: 60, min: 0, max: 86400, doc: 'SOA minimum: how long resolvers cache NXDOMAIN/NODATA (RFC 2308).' },
  { section: 'dns', key: 'soa_refresh', type: 'integer', default: 3600, min: 1, doc: 'SOA refresh, for secondaries.' },
  { section: 'dns', key: 'soa_retry', type: 'integer', default: 600, min: 1, doc: 'SOA retry, for secondaries.' },
  { section: 'dns', key: 'soa_expire', type: 'integer', default: 1209600, min: 1, doc: 'SOA expire, for secondaries.' },
  { section: 'dns', key: 'tcp_idle_timeout_ms', type: 'integer', default: 10000, min: 100, max: 600000, doc: 'Close a TCP connection idle this long (RFC 7766).' },
  { section: 'dns', key: 'tcp_max_connections', type: 'integer', default: 256, min: 1, max: 65535, doc: 'Cap on concurrent TCP connections; more are refused.' },

  // [api]
  { section: 'api', key: 'listen', type: 'string', default: '127.0.0.1:8053', doc: 'HTTP(S) listen address, "ADDR:PORT".' },
  { section: 'api', key: 'path_prefix', type: 'string', default: '', doc: 'Serve the API under this path (e.g. "/acme") behind a reverse proxy. Routes are also served at the root.' },
  { section: 'api', key: 'public_url', type: 'string', default: '', doc: 'Public base URL of this API, written as server_url into credential files. Default: derived from listen.' },
  { section: 'api', key: 'tls_cert', type: 'path', default: '', doc: 'PEM certificate chain file; with tls_key, the API speaks HTTPS.' },
  { section: 'api', key: 'tls_key', type: 'path', default: '', doc: 'PEM private key file for tls_cert.' },
  { section: 'api', key: 'registration', type: 'enum', values: ['open', 'allowlist', 'closed'], default: 'allowlist', doc: 'Who may POST /register: "open" (anyone, like acme-dns), "allowlist" (clients in registration_allow), "closed" (CLI only).' },
  { section: 'api', key: 'registration_allow', type: 'string[]', default: ['127.0.0.0/8', '::1/128'], doc: 'CIDRs allowed to register when registration = "allowlist".' },
  { section: 'api', key: 'cors_origins', type: 'string[]', default: [], doc: 'Origins allowed by CORS ("*" for any). Empty: no CORS headers.' },
  { section: 'api', key: 'trusted_proxies', type: 'string[]', default: [], doc: 'CIDRs of reverse proxies whose X-Forwarded-For is believed: the client is the right-most address not in this list.' },
  { section: 'api', key: 'body_limit', type: 'integer', default: 8192, min: 256, max: 1048576, doc: 'Largest accepted request body in bytes; larger gets 413.' },

  // [store]
  { section: 'store', key: 'path', type: 'path', default: 'data/acme-delegate.db', doc: 'SQLite database file (created with its folder).' },
  { section: 'store', key: 'bcrypt_cost', type: 'integer', default: 10, min: 4, max: 15, doc: 'bcrypt cost of new password hashes.' },
  { section: 'store', key: 'txt_values_per_slot', type: 'integer', default: 2, min: 1, max: 10, doc: 'How many of its newest TXT values a slot serves at once (2 covers "example.org" + "*.example.org").' },
  { section: 'store', key: 'txt_max_age_seconds', type: 'integer', default: 604800, min: 60, doc: 'TXT values older than this are no longer served and are purged.' },

  // [bootstrap]
  { section: 'bootstrap', key: 'domains', type: 'string[]', default: [], doc: 'Certificate names `bootstrap` sets up when no --domain or --domains-file is given, e.g. ["www.example.com", "*.example.com"].' },
  { section: 'bootstrap', key: 'out', type: 'path', default: '', doc: 'Folder where `bootstrap` writes client credential files when --out is not given.' },

  // [log]
  { section: 'log', key: 'level', type: 'enum', values: ['debug', 'info', 'warn', 'error', 'silent'], default: 'info', doc: 'Least severe level written.' },
  { section: 'log', key: 'format', type: 'enum', values: ['json', 'text'], default: 'json', doc: 'One JSON object a line (for journald/log shippers), or text.' },
];

export interface Config {
  readonly dns: {
    readonly zone: string;
    readonly nsname: string;
    readonly nsadmin: string;
    readonly ns_addresses: readonly string[];
    readonly listen: readonly string[];
    readonly records: readonly string[];
    readonly txt_ttl: number;
    readonly default_ttl: number;
    readonly negative_ttl: number;
    readonly soa_refresh: number;
    readonly soa_retry: number;
    readonly soa_expire: number;
    readonly tcp_idle_timeout_ms: number;
    readonly tcp_max_connections: number;
  };
  readonly api: {
    readonly listen: string;
    readonly path_prefix: string;
    readonly public_url: string;
    readonly tls_cert: string;
    readonly tls_key: string;
    readonly registration: 'open' | 'allowlist' | 'closed';
    readonly registration_allow: readonly string[];
    readonly cors_origins: readonly string[];
    readonly trusted_proxies: readonly string[];
    readonly body_limit: number;
  };
  readonly store: {
    readonly path: string;
    readonly bcrypt_cost: number;
    readonly txt_values_per_slot: number;
    readonly txt_max_age_seconds: number;
  };
  readonly bootstrap: {
    readonly domains: readonly string[];
    readonly out: string;
  };
  readonly log: {
    readonly level: 'debug' | 'info' | 'warn' | 'error' | 'silent';
    readonly format: 'json' | 'text';
  };
}

export const configSections = ['dns', 'api', 'store', 'bootstrap', 'log'] as const;
