// Starts the name server: one responder (rules + fast path) behind a UDP and a TCP listener on
// every configured address. With port 0 (tests) UDP and TCP share one port, as resolvers retry a
// truncated UDP answer over TCP on the same port. With DNS workers (dns.workers, src/dns/workers/)
// this process keeps TCP and answers what the workers hand over; the workers answer UDP.
import { createSocket } from 'node:dgram';
import { isIPv6 } from 'node:net';
import type { Config } from '../config/schema.js';
import { AppError } from '../errors.js';
import type { Logger } from '../log.js';
import { formatHostPort, parseCidr, parseHostPort, type HostPort } from '../net/address.js';
import { countingResponder, type DnsCounters } from '../metrics/dns-counters.js';
import type { PeerResponder } from './peer-responder.js';
import type { QueryTimes } from './query-times.js';
import { createResponder } from './responder.js';
import { createRrl, type Rrl, type RrlCounters } from './rrl.js';
import { listenTcp, type TcpListener } from './tcp-listener.js';
import { createDatagramHandler, listenUdp, type DatagramPeer, type SendDatagram, type UdpListener } from './udp-listener.js';
import { createTransferFront } from './transfer/front.js';
import type { TransferSettings } from './transfer/settings.js';
import type { JournalSource } from './transfer/zone-records.js';
import type { ZoneIndex, ZoneView } from './zone-index.js';
import { routeUpdates, type UpdateResponder } from './update/update-responder.js';

export interface DnsServer {
  close(): Promise<void>;
  addresses(): { udp: HostPort[]; tcp: HostPort[] };
  /** Answers datagrams received elsewhere (by a DNS worker) with this server's responder and RRL. */
  datagramHandler(send: SendDatagram): (msg: Buffer, peer: DatagramPeer) => void;
  /** Sends a datagram from UDP listener number `listener` (a DNS worker sending the primary's reply). */
  sendFrom(listener: number, reply: Uint8Array, port: number, address: string): void;
}

/** How a DNS worker process (src/dns/workers/) listens: UDP only, on sockets shared with the other workers. */
export interface WorkerListening {
  /** The UDP addresses, ports already chosen by the primary. */
  readonly listeners: readonly HostPort[];
  /** Takes a datagram from listener number `listener` away from the responder (to the primary): true when taken. */
  readonly divert: (listener: number, msg: Buffer, peer: DatagramPeer) => boolean;
}

export interface DnsServerOptions {
  readonly config: Config;
  readonly zone: ZoneView;
  readonly logger: Logger;
  /** Size of the answer cache; 0 turns it off and the byte-level fast path too (benchmarks compare). */
  readonly answerCacheEntries?: number;
  /**
   * 'here' (default): this process answers UDP. 'workers': DNS worker processes do; each UDP
   * port is only reserved here (checked free, and the same as TCP's when 0 is asked), then
   * released for the workers to bind.
   */
  readonly udp?: 'here' | 'workers';
  /** In a DNS worker process: no TCP, and UDP as described (the answer pipeline stays this one). */
  readonly worker?: WorkerListening;
  /** Zone transfers and TSIG: who may transfer, and the journal IXFR reads. */
  readonly transfer?: {
    readonly zone: ZoneIndex;
    readonly settings: TransferSettings;
    readonly journal?: JournalSource;
    /** A transfer to `address` ended with it holding `serial`. */
    readonly onTransferred?: (address: string, serial: number) => void;
  };
  /** Counts answers for /metrics. */
  readonly counters?: DnsCounters;
  /** DNS UPDATE (RFC 2136) with account TSIG keys; without it UPDATE is NOTIMP. */
  readonly update?: UpdateResponder;
  /** When each slot was last asked for its TXT (renewal health). */
  readonly queryTimes?: QueryTimes;
}

/** How often to look for a port free on both UDP and TCP when asked for port 0. */
const SHARED_PORT_ATTEMPTS = 20;

export async function startDnsServer(options: DnsServerOptions): Promise<DnsServer> {
  const { config, zone, logger } = options;
  const udpHere = (options.udp ?? 'here') === 'here';
  const plain = createResponder({ zone, logger, cacheEntries: options.answerCacheEntries, fastAnswers: options.answerCacheEntries !== 0, queryTimes: options.queryTimes });
  const transfer = options.transfer;
  const front: PeerResponder = transfer
    ? createTransferFront({ responder: plain, ...transfer, journal: transfer.journal, ttls: { txt: config.dns.txt_ttl, address: config.ddns.ttl }, logger })
    : plain;
  const routed = options.update ? routeUpdates(front, options.update) : front;
  const responder = options.counters ? countingResponder(routed, options.counters) : routed;
  const tcpOptions = {
    idleTimeoutMs: config.dns.tcp_idle_timeout_ms,
    maxConnections: config.dns.tcp_max_connections,
    maxPerAddress: config.dns.tcp_connections_per_address,
  };
  // One RRL table for every UDP listener: a client network's rate is one rate.
  const rrl = createConfiguredRrl(config, options.counters);
  const udp: UdpListener[] = [];
  const tcp: TcpListener[] = [];
  const closeAll = async (): Promise<void> => {
    await Promise.all([...udp.map((l) => l.close()), ...tcp.map((l) => l.close())]);
  };

  try {
    const worker = options.worker;
    for (const [index, { host, port }] of (worker?.listeners ?? []).entries()) {
      const divert = (msg: Buffer, peer: DatagramPeer): boolean => worker!.divert(index, msg, peer);
      udp.push(await listenUdp(host, port, responder, logger, rrl, { shared: true, divert }));
    }
    for (const text of worker ? [] : config.dns.listen) {
      const { host, port } = parseHostPort(text);
      const bindUdp = (p: number): Promise<UdpListener> => (udpHere ? listenUdp(host, p, responder, logger, rrl) : reserveUdpPort(host, p));
      const pair = await bindPair(host, port, bindUdp, (p) => listenTcp(host, p, responder, tcpOptions, logger));
      udp.push(pair.udp);
      tcp.push(pair.tcp);
      if (!udpHere) await pair.udp.close();
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
    datagramHandler: (send) => createDatagramHandler(responder, send, logger, rrl),
    sendFrom: (listener, reply, port, address) => udp[listener]?.send(reply, port, address),
  };
}

/** Response rate limiting as configured (dns.rrl_*); limited replies counted in `counters`. */
export function createConfiguredRrl(config: Config, counters?: RrlCounters): Rrl | undefined {
  return createRrl({
    responsesPerSecond: config.dns.rrl_responses_per_second,
    slip: config.dns.rrl_slip,
    ipv4Prefix: config.dns.rrl_ipv4_prefix,
    ipv6Prefix: config.dns.rrl_ipv6_prefix,
    exempt: config.dns.rrl_exempt.map((c) => parseCidr(c)),
    tableSize: config.dns.rrl_table_size,
    counters,
  });
}

/**
 * Binds a UDP port exclusively to prove it free (and learn which port 0 gave) for DNS workers
 * to bind once this socket is closed. Closing twice is harmless.
 */
function reserveUdpPort(host: string, port: number): Promise<UdpListener> {
  const v6 = isIPv6(host);
  const socket = createSocket({ type: v6 ? 'udp6' : 'udp4', ipv6Only: v6 });
  return new Promise((resolve, reject) => {
    const onStartError = (err: Error): void => {
      socket.close();
      reject(err);
    };
    socket.once('error', onStartError);
    socket.bind({ address: host, port, exclusive: true }, () => {
      socket.off('error', onStartError);
      const bound = socket.address();
      let open = true;
      resolve({
        address: () => ({ host: bound.address, port: bound.port }),
        send: () => undefined,
        close: () => (open ? ((open = false), new Promise<void>((done) => socket.close(() => done()))) : Promise.resolve()),
      });
    });
  });
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
