// The Prometheus registry of a running server. Values that already exist elsewhere (DNS
// counters, the store) are read when scraped, in collect() callbacks; nothing here carries an
// account, a name or a secret as a label.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { BcryptPoolStats } from '../crypto/bcrypt-pool.js';
import { serialDistance, syncBuckets, type SecondarySync } from '../dns/secondary-sync.js';
import type { Store } from '../store/store.js';
import { LATENCY_SAMPLE_EVERY, dnsLatencyBuckets, splitAnswerKey, type DnsCounters } from './dns-counters.js';
import { asciiLower } from '../names/domain-name.js';

const rcodeNames = ['NOERROR', 'FORMERR', 'SERVFAIL', 'NXDOMAIN', 'NOTIMP', 'REFUSED', 'YXDOMAIN', 'YXRRSET', 'NXRRSET', 'NOTAUTH', 'NOTZONE'];
const typeNames: Record<number, string> = { 1: 'A', 2: 'NS', 5: 'CNAME', 6: 'SOA', 12: 'PTR', 15: 'MX', 16: 'TXT', 28: 'AAAA', 33: 'SRV', 43: 'DS', 48: 'DNSKEY', 65: 'HTTPS', 251: 'IXFR', 252: 'AXFR', 255: 'ANY', 257: 'CAA' };
/** Upper bounds (seconds) of the "time since an account's last update / query" buckets: 1 h … 90 days. */
const updateAgeBuckets = [3600, 86400, 7 * 86400, 30 * 86400, 60 * 86400, 90 * 86400];

export interface ServerMetrics {
  readonly registry: Registry;
  /** One finished API request. */
  observeRequest(route: string, method: string, status: number, seconds: number): void;
  /** How long a password check or hash waited for a bcrypt thread. */
  observeBcryptWait(seconds: number): void;
}

export function createServerMetrics(deps: {
  store: Store;
  dns: DnsCounters;
  now?: () => number;
  lastQueryTimes?: () => Map<string, number>;
  bcrypt?: { stats(): BcryptPoolStats };
  secondaries?: { sync: SecondarySync; zoneSerial: () => number };
}): ServerMetrics {
  const { store, dns } = deps;
  const lastQueryTimes = deps.lastQueryTimes ?? (() => store.lastQueryTimes());
  const now = deps.now ?? Date.now;
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'acme_delegate_' });
  // Gauges named "_total" break the naming rules promtool checks; the per-type gauges of the
  // same names without "_total" stay.
  for (const name of ['nodejs_active_handles_total', 'nodejs_active_requests_total', 'nodejs_active_resources_total']) registry.removeSingleMetric(`acme_delegate_${name}`);

  new Counter({
    name: 'acme_delegate_dns_responses_total',
    help: 'DNS queries answered, by transport, query type and response code.',
    labelNames: ['transport', 'qtype', 'rcode'],
    registers: [registry],
    collect() {
      this.reset();
      for (const [key, count] of dns.answers) {
        const { transport, rcode, qtype } = splitAnswerKey(key);
        const type = qtype < 0 ? 'none' : (typeNames[qtype] ?? 'other');
        this.inc({ transport, qtype: type, rcode: rcodeNames[rcode] ?? String(rcode) }, count);
      }
    },
  });
  new Counter({
    name: 'acme_delegate_dns_unanswered_total',
    help: 'DNS messages that got no reply (unparseable or not a query).',
    registers: [registry],
    collect() {
      this.reset();
      this.inc(dns.unanswered);
    },
  });
  new Counter({
    name: 'acme_delegate_dns_rrl_limited_total',
    help: 'UDP replies held back by response rate limiting: dropped, or sent truncated (slip) so a real resolver retries over TCP.',
    labelNames: ['action'],
    registers: [registry],
    collect() {
      this.reset();
      this.inc({ action: 'drop' }, dns.rrlDropped);
      this.inc({ action: 'slip' }, dns.rrlSlipped);
    },
  });
  // prom-client has no way to load a whole histogram from outside, so this one is written by
  // hand from the sampled buckets at scrape time.
  registry.registerMetric({
    name: 'acme_delegate_dns_response_seconds',
    get: () => ({
      name: 'acme_delegate_dns_response_seconds',
      help: `Time to build a DNS answer, sampled one query in ${LATENCY_SAMPLE_EVERY}.`,
      type: 'histogram',
      aggregator: 'sum',
      values: [
        ...dnsLatencyBuckets.map((le, i) => ({ metricName: 'acme_delegate_dns_response_seconds_bucket', labels: { le }, value: dns.latencyBuckets[i] ?? 0 })),
        { metricName: 'acme_delegate_dns_response_seconds_bucket', labels: { le: '+Inf' }, value: dns.latencyCount },
        { metricName: 'acme_delegate_dns_response_seconds_sum', labels: {}, value: dns.latencySum },
        { metricName: 'acme_delegate_dns_response_seconds_count', labels: {}, value: dns.latencyCount },
      ],
    }),
    reset: () => undefined,
  } as unknown as CustomMetric);

  const requests = new Counter({
    name: 'acme_delegate_http_requests_total',
    help: 'API requests by route, method and status code.',
    labelNames: ['route', 'method', 'status'],
    registers: [registry],
  });
  const updateSeconds = new Histogram({
    name: 'acme_delegate_update_seconds',
    help: 'Time to answer POST /update (password check and commit included).',
    labelNames: ['status'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [registry],
  });
  const rateLimited = new Counter({
    name: 'acme_delegate_http_rate_limited_total',
    help: 'API requests refused with 429 by the rate limits.',
    labelNames: ['route'],
    registers: [registry],
  });

  new Gauge({
    name: 'acme_delegate_accounts',
    help: 'Accounts by state.',
    labelNames: ['state'],
    registers: [registry],
    collect() {
      this.reset();
      const counts = store.countAccountsByState();
      for (const state of ['active', 'revoked']) this.set({ state }, counts[state] ?? 0);
    },
  });
  registry.registerMetric(
    ageHistogram(
      'acme_delegate_account_last_update_age_seconds',
      'Active accounts by the time since their last TXT update (since creation if never updated): a client that stopped renewing grows old here.',
      () => [...store.lastUpdates().values()].map((u) => (now() - u.lastUpdateAt) / 1000),
    ),
  );
  // The same accounts by the time since the CA (any resolver) last asked their slot's TXT; the
  // ones never asked are counted apart.
  const queryAges = (): { ages: number[]; never: number } => {
    const times = lastQueryTimes();
    const ages: number[] = [];
    let never = 0;
    for (const { account } of store.lastUpdates().values()) {
      const at = times.get(asciiLower(account.subdomain));
      if (at === undefined) never++;
      else ages.push((now() - at) / 1000);
    }
    return { ages, never };
  };
  registry.registerMetric(
    ageHistogram('acme_delegate_slot_last_query_age_seconds', "Active accounts whose slot's TXT was ever asked, by the time since the last such query.", () => queryAges().ages),
  );
  new Gauge({
    name: 'acme_delegate_slots_never_queried',
    help: "Active accounts whose slot's TXT has never been asked.",
    registers: [registry],
    collect() {
      this.set(queryAges().never);
    },
  });
  const bcryptWait = new Histogram({
    name: 'acme_delegate_bcrypt_wait_seconds',
    help: 'Time a password check or hash waited for a bcrypt thread.',
    buckets: [0.001, 0.005, 0.025, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  const bcryptStats = deps.bcrypt;
  if (bcryptStats) {
    new Gauge({
      name: 'acme_delegate_bcrypt_queue_depth',
      help: 'Password checks and hashes waiting for a bcrypt thread.',
      registers: [registry],
      collect() {
        this.set(bcryptStats.stats().queued);
      },
    });
    new Gauge({
      name: 'acme_delegate_bcrypt_running',
      help: 'Password checks and hashes on a bcrypt thread now.',
      registers: [registry],
      collect() {
        this.set(bcryptStats.stats().running);
      },
    });
    new Counter({
      name: 'acme_delegate_bcrypt_rejected_total',
      help: 'Password checks refused because the bcrypt queue was full (limits.bcrypt_queue; the API answered 503).',
      registers: [registry],
      collect() {
        this.reset();
        this.inc(bcryptStats.stats().rejected);
      },
    });
  }
  if (deps.secondaries) registerSecondaryMetrics(registry, deps.secondaries.sync, deps.secondaries.zoneSerial);
  new Gauge({
    name: 'acme_delegate_database_bytes',
    help: 'Size of the SQLite database.',
    registers: [registry],
    collect() {
      this.set(store.databaseBytes());
    },
  });

  return {
    registry,
    observeRequest(route, method, status, seconds) {
      requests.inc({ route, method, status: String(status) });
      if (status === 429) rateLimited.inc({ route });
      if (route.endsWith('/update') && method === 'POST') updateSeconds.observe({ status: String(status) }, seconds);
    },
    observeBcryptWait: (seconds) => bcryptWait.observe(seconds),
  };
}

type CustomMetric = Parameters<Registry['registerMetric']>[0];

/** A histogram of ages (seconds) over `updateAgeBuckets`, computed when scraped. */
function ageHistogram(name: string, help: string, ages: () => number[]): CustomMetric {
  return {
    name,
    get: () => {
      const values = ages();
      return {
        name,
        help,
        type: 'histogram',
        aggregator: 'sum',
        values: [
          ...updateAgeBuckets.map((le) => ({ metricName: `${name}_bucket`, labels: { le }, value: values.filter((a) => a <= le).length })),
          { metricName: `${name}_bucket`, labels: { le: '+Inf' }, value: values.length },
          { metricName: `${name}_sum`, labels: {}, value: values.reduce((a, b) => a + b, 0) },
          { metricName: `${name}_count`, labels: {}, value: values.length },
        ],
      };
    },
    reset: () => undefined,
  } as unknown as CustomMetric;
}

/** Per configured secondary (a handful, from the config: a bounded label): NOTIFY, serial, sync time. */
function registerSecondaryMetrics(registry: Registry, sync: SecondarySync, zoneSerial: () => number): void {
  new Gauge({
    name: 'acme_delegate_zone_serial',
    help: "The zone's SOA serial.",
    registers: [registry],
    collect() {
      this.set(zoneSerial());
    },
  });
  new Counter({
    name: 'acme_delegate_secondary_notify_total',
    help: 'NOTIFYs to each secondary by how they ended: acknowledged, refused, or unanswered after every retry.',
    labelNames: ['secondary', 'result'],
    registers: [registry],
    collect() {
      this.reset();
      for (const state of sync.states()) for (const [result, count] of Object.entries(state.notify)) this.inc({ secondary: state.secondary, result }, count);
    },
  });
  new Gauge({
    name: 'acme_delegate_secondary_serial_lag',
    help: "Serials (changes) between the zone and what each secondary last transferred; absent until it transferred since start.",
    labelNames: ['secondary'],
    registers: [registry],
    collect() {
      this.reset();
      const serial = zoneSerial();
      for (const state of sync.states()) if (state.serial !== null) this.set({ secondary: state.secondary }, serialDistance(serial, state.serial));
    },
  });
  new Gauge({
    name: 'acme_delegate_secondary_last_transfer_timestamp_seconds',
    help: 'When each secondary last transferred the zone (or was told by IXFR that it is current).',
    labelNames: ['secondary'],
    registers: [registry],
    collect() {
      this.reset();
      for (const state of sync.states()) if (state.transferredAt !== null) this.set({ secondary: state.secondary }, state.transferredAt / 1000);
    },
  });
  const name = 'acme_delegate_secondary_sync_seconds';
  registry.registerMetric({
    name,
    get: () => ({
      name,
      help: 'Time from the zone taking a serial to the end of the transfer that gave it to each secondary.',
      type: 'histogram',
      aggregator: 'sum',
      values: sync.states().flatMap((state) => {
        const secondary = state.secondary;
        return [
          ...syncBuckets.map((le, i) => ({ metricName: `${name}_bucket`, labels: { secondary, le }, value: state.syncBuckets[i] ?? 0 })),
          { metricName: `${name}_bucket`, labels: { secondary, le: '+Inf' }, value: state.syncCount },
          { metricName: `${name}_sum`, labels: { secondary }, value: state.syncSum },
          { metricName: `${name}_count`, labels: { secondary }, value: state.syncCount },
        ];
      }),
    }),
    reset: () => undefined,
  } as unknown as CustomMetric);
}
