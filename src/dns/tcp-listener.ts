// DNS over TCP per RFC 7766: two-byte length framing, several queries pipelined on a connection
// and answered in order, an idle timeout, and caps on concurrent connections (per client
// address and in all). A new connection past a cap makes the cap's least recently active
// connection close (connection-room.ts); when every one is busy replying, the newcomer is
// refused: held unread for a second, then closed with a FIN (closing at once only made clients
// reconnect at once).
import { createServer, isIPv6, type Server, type Socket } from 'node:net';
import { makeRoom, type OpenConnection } from '../limits/connection-room.js';
import type { Logger } from '../log.js';
import { clientNetwork, type HostPort } from '../net/address.js';
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

/** How long a refused connection is held unread, and an evicted one may take to close. */
const CLOSE_GRACE_MS = 1000;

interface Connection extends OpenConnection {
  readonly socket: Socket;
}

/** `shared`: in a cluster worker, the primary accepts and hands connections round-robin to the workers. */
export function listenTcp(host: string, port: number, responder: PeerResponder, options: TcpOptions, logger: Logger, shared = false): Promise<TcpListener> {
  /** Counted connections (insertion order); one closed to make room leaves at once. */
  const open = new Set<Connection>();
  const caps = { perAddress: options.maxPerAddress ?? options.maxConnections, total: options.maxConnections };
  /** Sockets held or closing outside the caps, destroyed on close(). */
  const leaving = new Set<Socket>();
  const closeGracefully = (socket: Socket): void => {
    leaving.add(socket);
    socket.on('close', () => leaving.delete(socket));
    socket.end();
    setTimeout(() => socket.destroy(), CLOSE_GRACE_MS).unref();
  };
  // Half-open allowed: a client may send its queries and FIN; it still gets every answer.
  const server: Server = createServer({ allowHalfOpen: true }, (socket) => {
    socket.on('error', (err) => logger.debug('dns: tcp connection error', { err }));
    const key = clientNetwork(socket.remoteAddress ?? '', 32, 64) ?? '';
    const room = makeRoom(open, key, caps);
    if (room === 'refuse') {
      logger.debug('dns: tcp connection refused, every connection of its cap is replying', { peer: socket.remoteAddress });
      socket.pause();
      leaving.add(socket);
      socket.on('close', () => leaving.delete(socket));
      setTimeout(() => closeGracefully(socket), CLOSE_GRACE_MS).unref();
      return;
    }
    if (room) {
      open.delete(room);
      closeGracefully(room.socket);
    }
    const state = serveConnection(socket, responder, options.idleTimeoutMs, logger);
    const connection: Connection = {
      key,
      socket,
      get lastActiveAt() {
        return state.lastActiveAt;
      },
      get replying() {
        return state.replying();
      },
    };
    open.add(connection);
    socket.on('close', () => open.delete(connection));
  });
  // A backstop for sockets held or closing outside the caps: Node closes connections beyond it at accept.
  server.maxConnections = options.maxConnections * 2;
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
        connections: () => open.size,
        close: () =>
          new Promise<void>((done) => {
            for (const { socket } of open) socket.destroy();
            for (const socket of leaving) socket.destroy();
            server.close(() => done());
          }),
      });
    });
  });
}

/** What the caps read of a connection being served. */
interface ConnectionState {
  readonly lastActiveAt: number;
  replying(): boolean;
}

function serveConnection(socket: Socket, responder: PeerResponder, idleTimeoutMs: number, logger: Logger): ConnectionState {
  const state = { lastActiveAt: Date.now(), replying: () => blocked || stream !== null || waiting };
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
      state.lastActiveAt = Date.now();
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
  return state;
}
