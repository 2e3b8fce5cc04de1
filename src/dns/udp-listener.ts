// A UDP socket around the responder. Each datagram is answered synchronously; a reply that cannot
// be sent (source port 0, a vanished peer) is dropped, never thrown.
//
// Under a flood every microsecond per datagram decides how much the kernel drops before we read
// it (scripts/attack-dns.sh), so a reply is sent the cheapest way Node offers: the peer's address
// is already an IP, resolved at once instead of through dns.lookup on a later tick, and the
// send has no callback (which cost another tick per reply). A send that fails is therefore not
// logged; the kernel counts it (netstat -su, SndbufErrors).
import { createSocket, type RemoteInfo, type Socket } from 'node:dgram';
import { lookup as dnsLookup, type LookupOneOptions } from 'node:dns';
import { isIP, isIPv6 } from 'node:net';
import type { Logger } from '../log.js';
import type { HostPort } from '../net/address.js';
import { isPendingReply, isReplyStream, type PeerResponder } from './peer-responder.js';
import { applyVerdict, type Rrl } from './rrl.js';

export interface UdpListener {
  address(): HostPort;
  /** Sends a datagram from this socket (a reply the DNS primary made for a DNS worker). */
  send(reply: Uint8Array, port: number, address: string): void;
  close(): Promise<void>;
}

/** Who sent a datagram: all the handler needs of node:dgram's RemoteInfo. */
export type DatagramPeer = Pick<RemoteInfo, 'address' | 'port'>;

export interface UdpListenerOptions {
  /**
   * In a DNS worker process (src/dns/workers/): bind through the cluster primary, which shares
   * one socket with every worker (Node 20 has no SO_REUSEPORT for dgram), so several processes
   * answer on one port.
   */
  readonly shared?: boolean;
  /** Takes a datagram away from the responder (a DNS worker hands it to the primary): true when taken. */
  readonly divert?: (msg: Buffer, peer: DatagramPeer) => boolean;
}

const RECEIVE_BUFFER_BYTES = 4 * 1024 * 1024;

export type SendDatagram = (reply: Buffer, port: number, address: string) => void;

/** The per-datagram handler, separate from the socket so its guards can be tested alone. */
export function createDatagramHandler(responder: PeerResponder, send: SendDatagram, logger: Logger, rrl?: Rrl): (msg: Buffer, rinfo: DatagramPeer) => void {
  const failed = (err: unknown, rinfo: DatagramPeer): void => logger.debug('dns: udp reply not sent', { err, peer: rinfo.address, port: rinfo.port });
  return (msg, rinfo) => {
    // Nobody can receive on port 0, and dns2 crashed the process trying: spoofed, drop it.
    if (rinfo.port === 0) return;
    try {
      // Response rate limiting: the responder decides before it encodes the reply where it can.
      const reply = responder.respond(msg, 'udp', rinfo.address, rrl, rinfo.port);
      if (isReplyStream(reply)) return reply.abort('a stream cannot go over UDP');
      if (isPendingReply(reply)) {
        void reply.then((ready) => deliver(ready, msg, rinfo), (err: unknown) => failed(err, rinfo));
        return;
      }
      deliver(reply, msg, rinfo);
    } catch (err) {
      failed(err, rinfo);
    }
  };

  function deliver(reply: Buffer | null, msg: Buffer, rinfo: DatagramPeer): void {
    // A reply nobody asked RRL about (an UPDATE's, a signed one) is limited from its bytes: over
    // its rate a client network gets nothing or a bare TC.
    const limited = reply && rrl && !rrl.decidedFor(msg) ? applyVerdict(rrl.verdict(reply, rinfo.address), reply) : reply;
    if (limited) send(limited, rinfo.port, rinfo.address);
  }
}

/** dgram's `lookup`: an IP literal (every peer we reply to) at once, anything else through DNS. */
function lookupLiteral(hostname: string, options: LookupOneOptions, callback: (err: NodeJS.ErrnoException | null, address: string, family: number) => void): void {
  const family = isIP(hostname);
  if (family !== 0) callback(null, hostname, family);
  else dnsLookup(hostname, options, callback);
}

export function listenUdp(host: string, port: number, responder: PeerResponder, logger: Logger, rrl?: Rrl, options: UdpListenerOptions = {}): Promise<UdpListener> {
  const shared = options.shared ?? false;
  const v6 = isIPv6(host);
  // ipv6Only lets "[::]:53" and "0.0.0.0:53" be bound side by side.
  const socket: Socket = createSocket({ type: v6 ? 'udp6' : 'udp4', ipv6Only: v6, lookup: lookupLiteral });
  const send: SendDatagram = (reply, toPort, toAddress) => socket.send(reply, toPort, toAddress);
  const handle = createDatagramHandler(responder, send, logger, rrl);
  const divert = options.divert;
  socket.on('message', divert ? (msg, rinfo) => void (divert(msg, rinfo) || handle(msg, rinfo)) : handle);
  return new Promise((resolve, reject) => {
    const onStartError = (err: Error): void => {
      socket.close();
      reject(err);
    };
    socket.once('error', onStartError);
    socket.bind({ address: host, port, exclusive: !shared }, () => {
      socket.off('error', onStartError);
      try {
        // The default (~200 KB, about 250 small datagrams) overflows on a burst; the kernel caps
        // this at net.core.rmem_max.
        socket.setRecvBufferSize(RECEIVE_BUFFER_BYTES);
      } catch (err) {
        logger.debug('dns: udp receive buffer left at its default', { err });
      }
      socket.on('error', (err) => logger.warn('dns: udp socket error', { err, host, port }));
      const bound = socket.address();
      resolve({
        address: () => ({ host: bound.address, port: bound.port }),
        send: (reply, toPort, toAddress) => socket.send(reply, toPort, toAddress, (err) => err && logger.debug('dns: udp reply not sent', { err })),
        close: () => new Promise<void>((done) => socket.close(() => done())),
      });
    });
  });
}
