// HTTP from a chosen loopback source address (127.0.0.0/8 is all local on Linux), so tests can
// play several clients: an attacker and the real client of an account.
import { request } from 'node:http';

export interface Reply {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: string;
}

export function post(port: number, path: string, options: { from?: string; headers?: Record<string, string>; body?: string } = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', port, path, method: 'POST', localAddress: options.from ?? '127.0.0.1', agent: false, headers: options.headers ?? {}, timeout: 10_000 },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (body += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      },
    );
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end(options.body ?? '');
  });
}

export interface Credentials {
  readonly username: string;
  readonly password: string;
  readonly subdomain: string;
}

export async function register(port: number, from = '127.0.0.1'): Promise<Credentials> {
  const reply = await post(port, '/register', { from });
  if (reply.status !== 201) throw new Error(`register: ${reply.status} ${reply.body}`);
  return JSON.parse(reply.body) as Credentials;
}

export function update(port: number, account: Credentials, txt: string, options: { from?: string; password?: string } = {}): Promise<Reply> {
  return post(port, '/update', {
    from: options.from,
    headers: { 'X-Api-User': account.username, 'X-Api-Key': options.password ?? account.password },
    body: JSON.stringify({ subdomain: account.subdomain, txt }),
  });
}
