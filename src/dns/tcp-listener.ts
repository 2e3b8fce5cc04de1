// DNS over TCP per RFC 7766: two-byte length framing, several queries pipelined on a connection
// and answered in order, an idle timeout, and a cap on concurrent connections.
import { createServer, isIPv6, type Server, type Socket } from 'node:net';
import { createConnectionCounter } from '../limits/connection-counter.js';
import type { Logger } from '../log.js';
import type { HostPort } from '../net/address.js';
import { HEADER_LENGTH } from './constants.js';
import { isPendingReply, isReplyStream, type PeerResponder, type ReplyStream } from './peer-responder.js';

export interface TcpListener {
  address(): HostPort;
  /** Connections open now (for tests and metrics). */
  connections(): number;
  close(): Promise<void>;
}

export interface TcpOptions {
  readonly idleTimeoutMs: number;
  readonly maxConnections: number;
  /** Cap per client address (IPv6: per /64); default: no cap beyond maxConnections. */
  readonly maxPerAddress?: number;
}

/** `shared`: in a cluster worker, the primary accepts and hands connections round-robin to the workers. */
export function listenTcp(host: string, port: number, responder: PeerResponder, options: TcpOptions, logger: Logger, shared = false): Promise<TcpListener> {
  const sockets = new Set<Socket>();
  const perAddress = createConnectionCounter(options.maxPerAddress ?? options.maxConnections);
  // Half-open allowed: a client may send its queries and FIN; it still gets every answer.
  const server: Server = createServer({ allowHalfOpen: true }, (socket) => {
    const release = perAddress.open(socket.remoteAddress);
    if (!release) {
      socket.destroy();
      return;
    }
    socket.once('close', release);
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    serveConnection(socket, responder, options.idleTimeoutMs, logger);
  });
  // Node closes connections beyond this at accept time.
  server.maxConnections = options.maxConnections;
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    // Binding the asked host explicitly (dns2 binds every interface when given port 0).
    server.listen({ host, port, exclusive: !shared, ipv6Only: isIPv6(host) }, () => {
      server.off('error', reject);
      server.on('error', (err) => logger.warn('dns: tcp server error', { err, host, port }));
      const bound = server.address();
      const address = typeof bound === 'object' && bound ? { host: bound.address, port: bound.port } : { host, port };
      resolve({
        address: () => address,
        connections: () => sockets.size,
        close: () =>
          new Promise<void>((done) => {
            for (const socket of sockets) socket.destroy();
            server.close(() => done());
          }),
      });
    });
  });
}

function serveConnection(socket: Socket, responder: PeerResponder, idleTimeoutMs: number, logger: Logger): void {
  let pending: Buffer = Buffer.alloc(0);
  /** The peer is not reading: answer nothing more until the socket drains. */
  let blocked = false;
  /** The peer half-closed: answer what it sent, then close our side. */
  let ended = false;
  /** A multi-message reply (zone transfer) being written; later queries wait for it, in order. */
  let stream: ReplyStream | null = null;
  /** A reply still being prepared (an UPDATE being committed); later queries wait for it, in order. */
  let waiting = false;
  const peer = socket.remoteAddress ?? '';
  const peerPort = socket.remotePort;
  socket.setNoDelay(true);
  socket.setTimeout(idleTimeoutMs);
  socket.on('timeout', () => socket.destroy());
  socket.on('error', (err) => logger.debug('dns: tcp connection error', { err }));
  socket.on('close', () => stream?.abort('the peer closed the connection'));

  const writeFramed = (reply: Buffer): void => {
    const framed = Buffer.allocUnsafe(2 + reply.length);
    framed.writeUInt16BE(reply.length, 0);
    reply.copy(framed, 2);
    if (!socket.write(framed)) {
      blocked = true;
      socket.pause();
    }
  };
  /** Writes stream messages while the peer keeps up; true when the stream is done. */
  const pumpStream = (active: ReplyStream): boolean => {
    while (!blocked) {
      const message = active.next();
      if (message === null) return true;
      writeFramed(message);
      // A transfer is still being read: it has the whole idle timeout for every message.
      socket.setTimeout(idleTimeoutMs);
    }
    return false;
  };

  // Answers queued in Node's buffer cost memory: one read may hold thousands of pipelined
  // queries, so frames are answered only while the peer keeps up, the rest wait for 'drain'.
  const answerPending = (): void => {
    if (waiting) return;
    if (stream) {
      if (!pumpStream(stream)) return;
      stream = null;
    }
    while (!blocked && pending.length >= 2) {
      const length = pending.readUInt16BE(0);
      if (pending.length < 2 + length) break;
      const msg = pending.subarray(2, 2 + length);
      pending = pending.subarray(2 + length);
      if (length < HEADER_LENGTH) {
        // Not a DNS message: the stream cannot be trusted any more.
        socket.destroy();
        return;
      }
      const reply = responder.respond(msg, 'tcp', peer, undefined, peerPort);
      if (isPendingReply(reply)) {
        waiting = true;
        const resume = (ready: Buffer | null): void => {
          waiting = false;
          if (socket.destroyed) return;
          if (ready) writeFramed(ready);
          answerPending();
        };
        void reply.then(resume, (err: unknown) => {
          logger.debug('dns: tcp reply failed', { err });
          resume(null);
        });
        break;
      }
      if (isReplyStream(reply)) {
        if (!pumpStream(reply)) {
          stream = reply;
          break;
        }
      } else if (reply) {
        writeFramed(reply);
      }
    }
    // Keep only the unread tail, not the whole chunk it came in.
    if (pending.length > 0) pending = Buffer.from(pending);
    if (ended && !blocked && !stream && !waiting && !socket.destroyed) socket.end();
  };
  socket.on('data', (chunk: Buffer) => {
    pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
    answerPending();
  });
  socket.on('drain', () => {
    blocked = false;
    socket.resume();
    answerPending();
  });
  socket.on('end', () => {
    ended = true;
    answerPending();
  });
}
