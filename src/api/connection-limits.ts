// Connection-level protection of the API server: a cap on open connections per client address
// and in total, so slow or idle clients (slowloris) cannot take every socket. The header,
// request and keep-alive timeouts that close them are set where the server is built (app.ts).
import type { Server } from 'node:net';
import { createConnectionCounter } from '../limits/connection-counter.js';
import { addressInCidrs, type Cidr } from '../net/address.js';

export interface ConnectionLimitOptions {
  readonly perAddress: number;
  readonly total: number;
  /** Reverse proxies: every client comes through them, so they are not capped per address. */
  readonly exempt: readonly Cidr[];
}

export function limitConnections(server: Server, options: ConnectionLimitOptions): void {
  // Node closes connections beyond this at accept time.
  server.maxConnections = options.total;
  const counter = createConnectionCounter(options.perAddress);
  // First listener: an over-cap socket is closed before HTTP or TLS spends anything on it.
  server.prependListener('connection', (socket) => {
    const address = socket.remoteAddress;
    if (address !== undefined && addressInCidrs(address, options.exempt)) return;
    const release = counter.open(address);
    if (!release) {
      socket.destroy();
      return;
    }
    socket.once('close', release);
  });
}
