// Connection-level protection of the API server: a cap on open connections per client address
// and in total, so slow or idle clients (slowloris) cannot take every socket. The header,
// request and keep-alive timeouts that close them are set where the server is built (app.ts).
import type { Server, Socket } from 'node:net';
import { createConnectionCounter } from '../limits/connection-counter.js';
import { addressInCidrs, type Cidr } from '../net/address.js';

export interface ConnectionLimitOptions {
  readonly perAddress: number;
  readonly total: number;
  /** Reverse proxies: every client comes through them, so they are not capped per address. */
  readonly exempt: readonly Cidr[];
}

/**
 * An over-cap connection is held this long, unread, before it is closed: closing at once invites
 * the client to reconnect at once, and a reconnect storm costs more than a quiet socket.
 */
const OVER_CAP_HOLD_MS = 1000;

/** Call after the HTTP (or TLS) server is built, before it listens. */
export function limitConnections(server: Server, options: ConnectionLimitOptions): void {
  // Node closes connections beyond this at accept time.
  server.maxConnections = options.total;
  const counter = createConnectionCounter(options.perAddress);
  // The server's own 'connection' listeners (HTTP parser, TLS) run only for admitted sockets,
  // so an over-cap socket costs them nothing.
  const serve = server.listeners('connection') as ((socket: Socket) => void)[];
  server.removeAllListeners('connection');
  server.on('connection', (socket: Socket) => {
    const address = socket.remoteAddress;
    const exempt = address !== undefined && addressInCidrs(address, options.exempt);
    const release = exempt ? () => undefined : counter.open(address);
    if (!release) {
      socket.on('error', () => undefined);
      setTimeout(() => socket.destroy(), OVER_CAP_HOLD_MS).unref();
      return;
    }
    socket.once('close', release);
    for (const listener of serve) listener.call(server, socket);
  });
}
