// Starts the real API on a loopback port over an in-memory store, and speaks raw HTTP to it so
// contract tests can replay a client's exact bytes.
import { connect } from 'node:net';
import type { Test } from 'tap';
import { createAccountService } from '../../src/accounts/service.js';
import { buildApi } from '../../src/api/app.js';
import { loadConfig } from '../../src/config/load.js';
import type { Config } from '../../src/config/schema.js';
import { createBcryptPool, type BcryptPool } from '../../src/crypto/bcrypt-pool.js';
import { silentLogger, type Logger } from '../../src/log.js';
import { Store } from '../../src/store/store.js';

export interface ApiServer {
  readonly port: number;
  readonly store: Store;
  readonly config: Config;
}

export interface ApiOptions {
  /** Database file instead of ":memory:". */
  readonly storePath?: string;
  /** Wraps the bcrypt pool, e.g. to count compares. */
  readonly wrapPool?: (pool: BcryptPool) => BcryptPool;
  /** Where the API logs; default nowhere. */
  readonly logger?: Logger;
}

export async function startApi(t: Test, overrides: Record<string, string | string[]> = {}, options: ApiOptions = {}): Promise<ApiServer> {
  const config = loadConfig({
    overrides: { 'dns.zone': 'auth.example.org', 'api.registration': 'open', 'store.bcrypt_cost': '4', ...overrides },
  });
  const store = Store.open({ path: options.storePath ?? ':memory:', valuesPerSlot: config.store.txt_values_per_slot, maxAgeSeconds: config.store.txt_max_age_seconds });
  const pool = createBcryptPool(1);
  const accounts = createAccountService(store, options.wrapPool?.(pool) ?? pool, { zone: config.dns.zone, bcryptCost: config.store.bcrypt_cost });
  const app = await buildApi({ config, store, accounts, logger: options.logger ?? silentLogger });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  if (!address || typeof address === 'string') throw new Error('no address');
  t.teardown(async () => {
    await app.close();
    await pool.close();
    store.close();
  });
  return { port: address.port, store, config };
}

export interface RawResponse {
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly body: string;
}

/** Sends the request bytes as given (Host and Connection: close are added when missing). */
export function rawRequest(port: number, head: string, body = ''): Promise<RawResponse> {
  let text = head.replace(/\r?\n/g, '\r\n');
  if (!/\r\nhost:/i.test(text)) text += `\r\nHost: 127.0.0.1:${port}`;
  if (!/\r\nconnection:/i.test(text)) text += '\r\nConnection: close';
  if (body !== '' && !/\r\ncontent-length:/i.test(text)) text += `\r\nContent-Length: ${Buffer.byteLength(body)}`;
  const bytes = Buffer.concat([Buffer.from(`${text}\r\n\r\n`), Buffer.from(body)]);
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port });
    const chunks: Buffer[] = [];
    socket.setTimeout(10_000, () => socket.destroy(new Error('timeout')));
    socket.on('data', (c) => chunks.push(c));
    socket.on('error', reject);
    socket.on('end', () => {
      const all = Buffer.concat(chunks).toString('utf8');
      const split = all.indexOf('\r\n\r\n');
      const [statusLine, ...headerLines] = all.slice(0, split).split('\r\n');
      const headers: Record<string, string> = {};
      for (const line of headerLines) {
        const i = line.indexOf(':');
        headers[line.slice(0, i).toLowerCase()] = line.slice(i + 1).trim();
      }
      let rest = all.slice(split + 4);
      if (headers['transfer-encoding'] === 'chunked') rest = dechunk(rest);
      resolve({ status: Number(statusLine?.split(' ')[1]), headers, body: rest });
    });
    socket.write(bytes);
  });
}

function dechunk(text: string): string {
  let out = '';
  let rest = text;
  while (rest.length > 0) {
    const eol = rest.indexOf('\r\n');
    const size = parseInt(rest.slice(0, eol), 16);
    if (!size) break;
    out += rest.slice(eol + 2, eol + 2 + size);
    rest = rest.slice(eol + 2 + size + 2);
  }
  return out;
}

/** A valid-looking ACME TXT value (43 chars of base64url). */
export function txtValue(seed: string): string {
  return Buffer.from(seed.padEnd(32, '.')).toString('base64url').slice(0, 43);
}
