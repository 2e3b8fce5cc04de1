// Wiring of the running server in one screen: config -> store -> zone index -> DNS and API.
// Each part is handed what it needs; nothing is global.
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import type { Server as TlsServer } from 'node:tls';
import type { FastifyInstance } from 'fastify';
import { createAccountAdministration } from './accounts/administration.js';
import { createAccountService } from './accounts/service.js';
import { updateNameserver } from './accounts/tsig-key.js';
import { parseTokenHash } from './admin/admin-routes.js';
import { publicApiUrl } from './config/load.js';
import { buildApi } from './api/app.js';
import { createTlsReloader } from './api/tls-reload.js';
import type { Config } from './config/schema.js';
import { startupWarnings } from './config/startup-warnings.js';
import { createBcryptPool } from './crypto/bcrypt-pool.js';
import { startDnsServer, type DnsServer } from './dns/server.js';
import { createNotifier } from './dns/notify.js';
import { createQueryTimes, withPending } from './dns/query-times.js';
import { createSecondarySync } from './dns/secondary-sync.js';
import { dottedName } from './dns/slot-records.js';
import { transferSettings } from './dns/transfer/settings.js';
import { zoneShapeFingerprint } from './dns/transfer/zone-shape.js';
import { startDnsWorkers } from './dns/workers/worker-pool.js';
import { createZoneIndex } from './dns/zone-index.js';
import { createUpdateResponder } from './dns/update/update-responder.js';
import { createUpdateGuard, type UpdateGuard } from './limits/update-guard.js';
import { AppError, ConfigError } from './errors.js';
import type { Logger } from './log.js';
import { createDnsCounters } from './metrics/dns-counters.js';
import { startMetricsServer } from './metrics/metrics-server.js';
import { createServerMetrics } from './metrics/registry.js';
import { parseHostPort, type HostPort } from './net/address.js';
import type { Store } from './store/store.js';
import { openConfiguredStore } from './store/open-configured.js';
import { startRecurringTask } from './store/recurring-failure-log.js';

export interface RunningService {
  readonly store: Store;
  readonly dns: DnsServer;
  readonly api: FastifyInstance;
  /** Where the API actually listens (the port is real even when 0 was asked). */
  readonly apiAddress: HostPort;
  /** Process ids of the DNS workers (dns.workers > 1); empty when this process answers DNS. */
  dnsWorkerPids(): number[];
  /** Reads api.tls_cert/tls_key again (SIGHUP); false when there is no TLS or the new pair is bad. */
  reloadTls(): boolean;
  close(): Promise<void>;
}

const purgeIntervalMs = 60_000;
const externalSyncIntervalMs = 1_000;
const queryTimesFlushIntervalMs = 60_000;
/** bcrypt threads yield to DNS on the main thread when both want the CPU (see bcrypt-pool.ts). */
const bcryptNice = 10;

/** How many processes answer DNS over UDP (dns.workers; 0: one per CPU); 1 is this process. */
export function dnsWorkerCount(config: Config): number {
  const count = config.dns.workers === 0 ? availableParallelism() : config.dns.workers;
  if (count > 1 && config.store.path === ':memory:') throw new ConfigError('dns.workers: DNS worker processes load the zone from the database file; an in-memory store allows only 1');
  return Math.max(1, count);
}

export async function startService(config: Config, logger: Logger): Promise<RunningService> {
  const workerCount = dnsWorkerCount(config);
  const tls = readTls(config);
  const store = openConfiguredStore(config);
  // The pool starts before /metrics exists; its waits reach the histogram once metrics do.
  const bcryptWaits: { observe?: (seconds: number) => void } = {};
  const pool = createBcryptPool(2, { maxQueue: config.limits.bcrypt_queue, nice: bcryptNice, onWait: (seconds) => bcryptWaits.observe?.(seconds) });
  const closers: (() => Promise<void> | void)[] = [() => store.close(), () => pool.close()];
  const close = async (): Promise<void> => {
    for (const closer of closers.splice(0).reverse()) {
      try {
        await closer();
      } catch (error) {
        logger.warn('error while stopping', { error });
      }
    }
  };
  try {
    store.purgeExpired();
    if (store.noteZoneShape(zoneShapeFingerprint(config))) {
      logger.info('zone: records from the config changed; new serial, secondaries transfer the whole zone', { serial: store.serial() });
    }
    const zone = createZoneIndex(config, store);
    closers.push(() => zone.close());
    const settings = transferSettings(config);
    const dnsCounters = createDnsCounters();
    const udp = workerCount > 1 ? 'workers' : 'here';
    // An UPDATE is answered once every process answering DNS has it, as POST /update (below).
    const workersSettled: { settled?: (() => Promise<void>) | undefined } = {};
    const update = createUpdateResponder({ zone, store, logger, guard: dnsUpdateGuard(config), allowPrivateAddresses: config.ddns.allow_private_addresses, dnsVisible: () => workersSettled.settled?.() ?? Promise.resolve() });
    const queryTimes = createQueryTimes();
    const flushQueryTimes = (): void => {
      const drained = queryTimes.drain();
      if (drained.size > 0) store.recordQueryTimes([...drained].map(([key, at]) => [dottedName(key), at] as const));
    };
    closers.push(flushQueryTimes);
    const lastQueryTimes = (): Map<string, number> => withPending(store.lastQueryTimes(), queryTimes.pending());
    // How far each secondary is behind, for /metrics.
    const secondarySync = createSecondarySync(settings.secondaries);
    secondarySync.zoneChanged(zone.serial());
    const transfer = { zone, settings, journal: store, onTransferred: secondarySync.transferred };
    const dns = await startDnsServer({ config, zone, logger, transfer, counters: dnsCounters, udp, update, queryTimes });
    closers.push(() => dns.close());
    // With workers, this process keeps TCP, transfers and whatever they hand over.
    const workers =
      workerCount > 1
        ? await startDnsWorkers({ config, count: workerCount, listeners: dns.addresses().udp, changes: store, datagramHandler: dns.datagramHandler, counters: dnsCounters, queryTimes, logger })
        : undefined;
    if (workers) closers.push(() => workers.close());
    // A change is acknowledged (200) only once every process answering DNS has it.
    const dnsVisible = workers ? (): Promise<void> => workers.settled() : undefined;
    workersSettled.settled = dnsVisible;
    // Registered after the zone index, so a NOTIFY always carries the serial just committed.
    const notifier = createNotifier({ secondaries: settings.secondaries, soa: () => zone.soa(), logger, onResult: secondarySync.notified });
    const notifyChange = (): void => {
      secondarySync.zoneChanged(zone.serial());
      notifier.changed();
    };
    store.on('change', notifyChange);
    closers.push(async () => {
      store.off('change', notifyChange);
      await notifier.close();
    });
    notifier.changed();
    const accounts = createAccountService(store, pool, { zone: config.dns.zone, bcryptCost: config.store.bcrypt_cost });
    const metrics = createServerMetrics({ store, dns: dnsCounters, lastQueryTimes, bcrypt: pool, secondaries: { sync: secondarySync, zoneSerial: () => zone.serial() } });
    bcryptWaits.observe = (seconds) => metrics.observeBcryptWait(seconds);
    const api = await buildApi({ config, store, accounts, logger, tls, metrics, dnsVisible });
    const { host, port } = parseHostPort(config.api.listen);
    closers.push(() => api.close());
    try {
      await api.listen({ host, port });
    } catch (error) {
      // A port in use or an address not on this machine is the operator's to fix: one line.
      throw new AppError('api_listen_failed', `cannot listen for the API on ${config.api.listen}: ${(error as Error).message}`);
    }
    const tlsReloader = tls ? createTlsReloader(api.server as unknown as TlsServer, { cert: config.api.tls_cert, key: config.api.tls_key }, logger) : undefined;
    if (tlsReloader) closers.push(() => tlsReloader.close());
    if (config.metrics.listen) {
      const admin = config.metrics.admin_token_sha256
        ? { admin: createAccountAdministration({ store, accounts, zone: config.dns.zone, serverUrl: publicApiUrl(config), nameserver: updateNameserver(config.dns.ns_addresses, config.dns.listen), lastQueryTimes }), tokenHash: parseTokenHash(config.metrics.admin_token_sha256), logger }
        : undefined;
      const metricsServer = await startMetricsServer(metrics, parseHostPort(config.metrics.listen), admin, dnsVisible);
      closers.push(() => metricsServer.close());
      logger.info('metrics: serving', { listen: config.metrics.listen });
    }
    const reloadTls = (): boolean => tlsReloader?.reload('SIGHUP') ?? false;
    const bound = api.server.address();
    const apiAddress = bound && typeof bound === 'object' ? { host: bound.address, port: bound.port } : { host, port };

    // During a storage fault these fail on every tick: logged when it starts, summarised, and
    // when it ends (recurring-failure-log.ts), not once a second.
    closers.push(
      startRecurringTask(logger, 'purging expired TXT values', purgeIntervalMs, () => {
        const purged = store.purgeExpired();
        if (purged > 0) logger.info('expired TXT values purged', { purged });
      }),
    );
    // The CA's query times are kept in memory and written at most once a minute.
    closers.push(startRecurringTask(logger, 'writing slot query times', queryTimesFlushIntervalMs, flushQueryTimes));
    // Accounts made by the CLI or bootstrap in another process reach DNS within a second.
    closers.push(startRecurringTask(logger, 'reading external changes', externalSyncIntervalMs, () => store.syncExternalChanges()));

    for (const warning of startupWarnings(config)) logger.warn(warning);
    logger.info('acme-delegate started', {
      zone: config.dns.zone,
      dns: dns.addresses().udp.map((a) => `${a.host}:${a.port}`),
      api: `${apiAddress.host}:${apiAddress.port}`,
      registration: config.api.registration,
      store: config.store.path,
    });
    const dnsWorkerPids = (): number[] => workers?.pids() ?? [];
    return { store, dns, api, apiAddress, dnsWorkerPids, reloadTls, close };
  } catch (error) {
    await close();
    throw error;
  }
}

/** DNS UPDATE's failed-signature limits: the same settings as POST /update's failed passwords. */
function dnsUpdateGuard(config: Config): UpdateGuard {
  const limits = config.limits;
  return createUpdateGuard({
    failuresPerAddress: limits.update_failures_per_address,
    failuresPerUsername: limits.update_failures_per_username,
    refillSeconds: limits.update_failure_refill_seconds,
    maxEntries: limits.tracked_clients,
  });
}

function readTls(config: Config): { cert: Buffer; key: Buffer } | undefined {
  if (!config.api.tls_cert) return undefined;
  const read = (key: string, path: string): Buffer => {
    try {
      return readFileSync(path);
    } catch (error) {
      throw new ConfigError(`${key}: cannot read ${path}: ${(error as Error).message}`);
    }
  };
  return { cert: read('api.tls_cert', config.api.tls_cert), key: read('api.tls_key', config.api.tls_key) };
}
