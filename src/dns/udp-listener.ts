// A UDP socket around the responder. Each datagram is answered synchronously; a reply that cannot
// be sent (source port 0, a vanished peer) is dropped and logged, never thrown.
import { createSocket, type RemoteInfo, type Socket } from 'node:dgram';
import { isIPv6 } from 'node:net';
import type { Logger } from '../log.js';
import type { HostPort } from '../net/address.js';
import { isPendingReply, isReplyStream, type PeerResponder } from './peer-responder.js';
import { truncatedReply, type Rrl } from './rrl.js';

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

export type SendDatagram = (reply: Buffer, port: number, address: string, done: (err: Error | null) => void) => void;

/** The per-datagram handler, separate from the socket so its guards can be tested alone. */
export function createDatagramHandler(responder: PeerResponder, send: SendDatagram, logger: Logger, rrl?: Rrl): (msg: Buffer, rinfo: DatagramPeer) => void {
  const failed = (err: unknown, rinfo: DatagramPeer): void => logger.debug('dns: udp reply not sent', { err, peer: rinfo.address, port: rinfo.port });
  // One callback for every send (no closure per datagram on the hot path); Node's send errors
  // name the address and port themselves.
  const sent = (err: Error | null): void => {
    if (err) logger.debug('dns: udp reply not sent', { err });
  };
  return (msg, rinfo) => {
    // Nobody can receive on port 0, and dns2 crashed the process trying: spoofed, drop it.
    if (rinfo.port === 0) return;
    try {
      const reply = responder.respond(msg, 'udp', rinfo.address);
      if (isReplyStream(reply)) return reply.abort('a stream cannot go over UDP');
      if (isPendingReply(reply)) {
        void reply.then((ready) => deliver(ready, rinfo), (err: unknown) => failed(err, rinfo));
        return;
      }
      deliver(reply, rinfo);
    } catch (err) {
      failed(err, rinfo);
    }
  };

  function deliver(reply: Buffer | null, rinfo: DatagramPeer): void {
    // Response rate limiting: over its rate a client network gets nothing or a bare TC.
    const verdict = reply && rrl ? rrl.verdict(reply, rinfo.address) : 'send';
    if (verdict === 'drop') return;
    if (verdict === 'slip' && reply) reply = truncatedReply(reply);
    if (reply) send(reply, rinfo.port, rinfo.address, sent);
  }
}

export function listenUdp(host: string, port: number, responder: PeerResponder, logger: Logger, rrl?: Rrl, options: UdpListenerOptions = {}): Promise<UdpListener> {
  const shared = options.shared ?? false;
  const v6 = isIPv6(host);
  // ipv6Only lets "[::]:53" and "0.0.0.0:53" be bound side by side.
  const socket: Socket = createSocket({ type: v6 ? 'udp6' : 'udp4', ipv6Only: v6 });
  const send: SendDatagram = (reply, toPort, toAddress, done) => socket.send(reply, toPort, toAddress, done);
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
