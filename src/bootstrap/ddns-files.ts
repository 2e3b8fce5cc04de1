// The files a dynamic-DNS name's updater reads, written by bootstrap next to the ACME credential
// files (mode 0600): ddns.json (every ddns name's credentials, kept across runs like
// acmedns.json) and, per name, a ready ddclient.conf and inadyn.conf snippet (docs/ddns.md).
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { AppError } from '../errors.js';
import { normalizeName } from '../names/domain-name.js';
import type { StorageEntry } from './credential-files.js';

export const ddnsStorageFileName = 'ddns.json';

export const ddclientFileName = (name: string): string => `ddclient-${name}.conf`;
export const inadynFileName = (name: string): string => `inadyn-${name}.conf`;

/** The ddns.json entries already in the folder, by name; a file that is not ours stops the run. */
export function readDdnsStorage(outDir: string): Map<string, StorageEntry> {
  const file = join(outDir, ddnsStorageFileName);
  const entries = new Map<string, StorageEntry>();
  if (!existsSync(file)) return entries;
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new AppError('out_unreadable', `cannot read ${file} (${(err as Error).message}); it holds the passwords of earlier runs: fix it or move it away, it is not overwritten`);
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new AppError('out_unreadable', `${file} is not a JSON object; move it away, it is not overwritten`);
  for (const [name, value] of Object.entries(raw as Record<string, unknown>)) {
    const v = value as Record<string, unknown>;
    if (['fulldomain', 'subdomain', 'username', 'password'].every((k) => typeof v?.[k] === 'string')) entries.set(normalizeName(name), v as unknown as StorageEntry);
  }
  return entries;
}

/** Where the dyndns2 endpoint is, as updaters are configured: host[:port], TLS or not, path. */
function endpoint(serverUrl: string): { host: string; ssl: boolean; path: string } {
  const url = new URL(serverUrl);
  return { host: url.host, ssl: url.protocol === 'https:', path: `${url.pathname.replace(/\/+$/, '')}/nic/update` };
}

/** What the snippet is, for whoever opens it later. */
function header(file: string, name: string, entry: StorageEntry): string[] {
  return [
    `# ${file} for ${name}: its address goes to the acme-delegate dynamic-DNS slot`,
    `# ${entry.fulldomain} (${name} is a CNAME to it). This credential can change that slot's`,
    `# A/AAAA and nothing else. Put it in /etc/${file} (mode 0600).`,
  ];
}

export function ddclientConf(name: string, entry: StorageEntry): string {
  const { host, ssl, path } = endpoint(entry.server_url);
  return [
    ...header('ddclient.conf', name, entry),
    'protocol=dyndns2',
    `server=${host}`,
    `ssl=${ssl ? 'yes' : 'no'}`,
    ...(path === '/nic/update' ? [] : [`script=${path}`]),
    `login=${entry.username}`,
    `password='${entry.password}'`,
    '# How ddclient learns the address: from a "what is my IP" service, an interface, or fixed:',
    'use=web, web=ipify-ipv4',
    '# use=if, if=eth0',
    '# use=ip, ip=203.0.113.7',
    name,
    '',
  ].join('\n');
}

export function inadynConf(name: string, entry: StorageEntry): string {
  const { host, ssl, path } = endpoint(entry.server_url);
  return [
    ...header('inadyn.conf', name, entry),
    'period = 300',
    '',
    'custom acme-delegate {',
    `    ssl         = ${ssl ? 'true' : 'false'}`,
    `    username    = "${entry.username}"`,
    `    password    = "${entry.password}"`,
    `    ddns-server = "${host}"`,
    `    ddns-path   = "${path}?hostname=%h&myip=%i"`,
    `    hostname    = "${name}"`,
    '}',
    '',
  ].join('\n');
}

/** ddns.json merged with the entries already there, and each name's two snippets. */
export function ddnsFileContents(outDir: string, entries: ReadonlyMap<string, StorageEntry>): Map<string, string> {
  const merged: Record<string, unknown> = Object.fromEntries(readDdnsStorage(outDir));
  for (const [name, entry] of entries) {
    merged[name] = { hostname: name, fulldomain: entry.fulldomain, subdomain: entry.subdomain, username: entry.username, password: entry.password, server_url: entry.server_url };
  }
  const files = new Map<string, string>();
  files.set(join(outDir, ddnsStorageFileName), JSON.stringify(merged, null, 2) + '\n');
  for (const [name, entry] of entries) {
    files.set(join(outDir, ddclientFileName(name)), ddclientConf(name, entry));
    files.set(join(outDir, inadynFileName(name)), inadynConf(name, entry));
  }
  return files;
}
