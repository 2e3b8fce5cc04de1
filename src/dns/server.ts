// Starts the name server: one responder (rules + fast path) behind a UDP and a TCP listener on
// every configured address. With port 0 (tests) UDP and TCP share one port, as resolvers retry a
// truncated UDP answer over TCP on the same port.
import type { Config } from '../config/schema.js';
import { AppError } from '../errors.js';
import type { Logger } from '../log.js';
import { formatHostPort, parseCidr, parseHostPort, type HostPort } from '../net/address.js';
import { countingResponder, type DnsCounters } from '../metrics/dns-counters.js';
import type { PeerResponder } from './peer-responder.js';
import { createResponder } from './responder.js';
import { createRrl } from './rrl.js';
import { listenTcp, type TcpListener } from './tcp-listener.js';
import { listenUdp, type UdpListener } from './udp-listener.js';
import { createTransferFront } from './transfer/front.js';
import type { TransferSettings } from './transfer/settings.js';
import type { JournalSource } from './transfer/zone-records.js';
import type { ZoneIndex, ZoneView } from './zone-index.js';

export interface DnsServer {
  close(): Promise<void>;
  addresses(): { udp: HostPort[]; tcp: HostPort[] };
}

export interface DnsServerOptions {
  readonly config: Config;
  readonly zone: ZoneView;
  readonly logger: Logger;
  /** Size of the answer cache; 0 turns it off and the byte-level fast path too (benchmarks compare). */
  readonly answerCacheEntries?: number;
  /**
   * Several processes answer on the same addresses (cluster workers): the sockets are shared
   * through the cluster primary instead of bound exclusively. Port 0 is not supported then.
   */
  readonly shareListeners?: boolean;
  /** Zone transfers and TSIG: who may transfer, and the journal IXFR reads. */
  readonly transfer?: { readonly zone: ZoneIndex; readonly settings: TransferSettings; readonly journal?: JournalSource };
  /** Counts answers for /metrics. */
  readonly counters?: DnsCounters;
}

/** How often to look for a port free on both UDP and TCP when asked for port 0. */
const SHARED_PORT_ATTEMPTS = 20;

export async function startDnsServer(options: DnsServerOptions): Promise<DnsServer> {
  const { config, zone, logger } = options;
  const shared = options.shareListeners ?? false;
  const plain = createResponder({ zone, logger, cacheEntries: options.answerCacheEntries, fastAnswers: options.answerCacheEntries !== 0 });
  const transfer = options.transfer;
  const front: PeerResponder = transfer
    ? createTransferFront({ responder: plain, ...transfer, journal: transfer.journal, txtTtl: config.dns.txt_ttl, logger })
    : plain;
  const responder = options.counters ? countingResponder(front, options.counters) : front;
  const tcpOptions = {
    idleTimeoutMs: config.dns.tcp_idle_timeout_ms,
    maxConnections: config.dns.tcp_max_connections,
    maxPerAddress: config.dns.tcp_connections_per_address,
  };
  // One RRL table for every UDP listener: a client network's rate is one rate.
  const rrl = createRrl({
    responsesPerSecond: config.dns.rrl_responses_per_second,
    slip: config.dns.rrl_slip,
    ipv4Prefix: config.dns.rrl_ipv4_prefix,
    ipv6Prefix: config.dns.rrl_ipv6_prefix,
    exempt: config.dns.rrl_exempt.map((c) => parseCidr(c)),
    tableSize: config.dns.rrl_table_size,
  });
  const udp: UdpListener[] = [];
  const tcp: TcpListener[] = [];
  const closeAll = async (): Promise<void> => {
    await Promise.all([...udp.map((l) => l.close()), ...tcp.map((l) => l.close())]);
  };

  try {
    for (const text of config.dns.listen) {
      const { host, port } = parseHostPort(text);
      const pair = await bindPair(host, port, (p) => listenUdp(host, p, responder, logger, rrl, shared), (p) => listenTcp(host, p, responder, tcpOptions, logger, shared));
      udp.push(pair.udp);
      tcp.push(pair.tcp);
    }
  } catch (err) {
    await closeAll();
    throw new AppError('dns_listen_failed', `cannot listen for DNS: ${(err as Error).message}`);
  }
  logger.info('dns: serving', {
    zone: config.dns.zone,
    udp: udp.map((l) => formatHostPort(l.address())),
    tcp: tcp.map((l) => formatHostPort(l.address())),
  });
  return {
    close: closeAll,
    addresses: () => ({ udp: udp.map((l) => l.address()), tcp: tcp.map((l) => l.address()) }),
  };
}

async function bindPair(
  host: string,
  port: number,
  bindUdp: (port: number) => Promise<UdpListener>,
  bindTcp: (port: number) => Promise<TcpListener>,
): Promise<{ udp: UdpListener; tcp: TcpListener }> {
  if (port !== 0) {
    const udp = await bindUdp(port);
    try {
      return { udp, tcp: await bindTcp(port) };
    } catch (err) {
      await udp.close();
      throw err;
    }
  }
  let lastError: unknown;
  for (let attempt = 0; attempt < SHARED_PORT_ATTEMPTS; attempt++) {
    const udp = await bindUdp(0);
    try {
      return { udp, tcp: await bindTcp(udp.address().port) };
    } catch (err) {
      lastError = err;
      await udp.close();
      if ((err as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw err;
    }
  }
  throw lastError instanceof Error ? lastError : new Error('no port free on both UDP and TCP');
}
