// The files clients read, written into --out with mode 0600: the goacmedns storage JSON
// (lego, cert-manager, Caddy, acme-dns-client, certbot's acme-dns hook), one env file per name
// for acme.sh, and a README on pointing each client at them.
import { randomBytes } from 'node:crypto';
import { closeSync, constants, existsSync, fchmodSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { AppError } from '../errors.js';
import { normalizeName } from '../names/domain-name.js';

export const storageFileName = 'acmedns.json';
export const readmeFileName = 'README.txt';

export interface StorageEntry {
  readonly fulldomain: string;
  readonly subdomain: string;
  readonly username: string;
  readonly password: string;
  readonly server_url: string;
}

export function envFileName(bare: string): string {
  return `acme.sh-${bare}.env`;
}

function isEntry(value: unknown): value is StorageEntry {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return ['fulldomain', 'subdomain', 'username', 'password'].every((k) => typeof v[k] === 'string');
}

/**
 * The storage JSON already in the out folder: entries we can use keyed by domain, plus the
 * whole parsed object (entries we did not write are kept when we rewrite the file).
 */
export function readStorage(outDir: string): { entries: Map<string, StorageEntry>; raw: Record<string, unknown> } {
  const file = join(outDir, storageFileName);
  if (!existsSync(file)) return { entries: new Map(), raw: {} };
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new AppError('out_unreadable', `cannot read ${file} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}); it holds the passwords of earlier runs: fix it, it is not overwritten`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new AppError('out_unreadable', `${file} is not valid JSON (${(err as Error).message}); move it away or fix it, it is not overwritten`);
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new AppError('out_unreadable', `${file} is not a goacmedns storage object; move it away, it is not overwritten`);
  }
  const entries = new Map<string, StorageEntry>();
  for (const [domain, value] of Object.entries(raw)) if (isEntry(value)) entries.set(normalizeName(domain), value);
  return { entries, raw: raw as Record<string, unknown> };
}

/**
 * Write to a temporary file with mode 0600, flush, rename: a crash never leaves half a file.
 * The temporary name is unguessable and created exclusively (O_CREAT|O_EXCL, which also refuses
 * to follow a symlink): in a folder others can write to, a name planted in advance (say a
 * symlink to a file they can read) makes the write fail instead of receiving the passwords.
 */
export function writePrivateFile(file: string, text: string): void {
  const temp = `${file}.tmp-${process.pid}-${randomBytes(8).toString('hex')}`;
  const fd = openSync(temp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o600);
  try {
    // The umask can only narrow the mode; set it on the descriptor, not on a path that could be swapped.
    fchmodSync(fd, 0o600);
    writeSync(fd, text);
    fsyncSync(fd);
  } catch (err) {
    closeSync(fd);
    unlinkSync(temp);
    throw err;
  }
  closeSync(fd);
  try {
    renameSync(temp, file);
  } catch (err) {
    unlinkSync(temp);
    throw err;
  }
}

/** Creates the folder with mode 0700; an existing one is left as it is, with a warning if others can enter it. */
export function ensurePrivateDir(dir: string): string | undefined {
  if (!existsSync(dir)) {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    return undefined;
  }
  const mode = statSync(dir).mode & 0o777;
  // Not changed behind the operator's back (it may be their working folder); the files
  // themselves are 0600 either way.
  return mode & 0o077 ? `${dir} is accessible to other users (mode ${mode.toString(8)}); the files in it are 0600, but consider a private folder` : undefined;
}

/** Read-only check for planning (and --dry-run): --out, when it exists, must be a folder. */
export function checkOutDir(dir: string): void {
  if (existsSync(dir) && !statSync(dir).isDirectory()) throw new AppError('usage', `--out ${dir} is not a folder; give a folder for the credential files`);
}

/**
 * Makes sure the files can be written before any account is registered or rotated: a new
 * password exists only in memory until it is in a file, so a folder that cannot take it must
 * stop the run before the password is made, not after.
 */
export function probeOutDir(dir: string): void {
  try {
    ensurePrivateDir(dir);
    const probe = join(dir, `.acme-delegate-probe-${process.pid}`);
    writePrivateFile(probe, '');
    unlinkSync(probe);
  } catch (err) {
    throw new AppError('out_unwritable', `cannot write the credential files into ${dir} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}); nothing was changed: fix the folder or choose another --out`);
  }
}

export function acmeShEnv(entry: StorageEntry): string {
  const quote = (v: string): string => `'${v.replace(/'/g, `'\\''`)}'`;
  return [
    '# acme.sh dns_acmedns credentials; load with: set -a; . ./this-file; set +a',
    `export ACMEDNS_BASE_URL=${quote(entry.server_url)}`,
    `export ACMEDNS_USERNAME=${quote(entry.username)}`,
    `export ACMEDNS_PASSWORD=${quote(entry.password)}`,
    `export ACMEDNS_SUBDOMAIN=${quote(entry.subdomain)}`,
    '',
  ].join('\n');
}

export interface WriteResult {
  readonly files: string[];
  readonly warning?: string;
}

/** Every file with the text it should hold: the storage JSON merged with what is there. */
export function credentialFileContents(outDir: string, entries: ReadonlyMap<string, StorageEntry>, requested: ReadonlyMap<string, readonly string[]>): Map<string, string> {
  const { raw } = readStorage(outDir);
  const merged: Record<string, unknown> = { ...raw };
  for (const [domain, entry] of entries) {
    merged[domain] = { fulldomain: entry.fulldomain, subdomain: entry.subdomain, username: entry.username, password: entry.password, server_url: entry.server_url };
  }
  const files = new Map<string, string>();
  files.set(join(outDir, storageFileName), JSON.stringify(merged, null, 2) + '\n');
  for (const [domain, entry] of entries) files.set(join(outDir, envFileName(domain)), acmeShEnv(entry));
  files.set(join(outDir, readmeFileName), clientReadme(outDir, entries, requested));
  return files;
}

/** Files that are missing, differ, or are readable by others. */
export function staleCredentialFiles(contents: ReadonlyMap<string, string>): string[] {
  const stale: string[] = [];
  for (const [file, text] of contents) {
    let same = false;
    try {
      same = statSync(file).isFile() && (statSync(file).mode & 0o077) === 0 && readFileSync(file, 'utf8') === text;
    } catch {
      same = false; // missing or unreadable: written (or refused with a message) when applied
    }
    if (!same) stale.push(file);
  }
  return stale;
}

/** (Re)writes every file, all mode 0600; a new folder is made with mode 0700. */
export function writeCredentialFiles(outDir: string, contents: ReadonlyMap<string, string>): WriteResult {
  const warning = ensurePrivateDir(outDir);
  for (const [file, text] of contents) {
    try {
      writePrivateFile(file, text);
    } catch (err) {
      // Files come before any Cloudflare change, and the storage JSON (the passwords) first.
      throw new AppError(
        'out_unwritable',
        `cannot write ${file} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}); no Cloudflare record was changed, the files before it were written; fix this and run the same command again`,
      );
    }
  }
  return { files: [...contents.keys()], ...(warning ? { warning } : {}) };
}

/**
 * What is in this folder and the one setting each client needs, with this folder's paths filled
 * in; the full set-up of every client is docs/clients.md, not repeated here.
 */
export function clientReadme(outDir: string, entries: ReadonlyMap<string, StorageEntry>, requested: ReadonlyMap<string, readonly string[]>): string {
  const server = [...entries.values()][0]?.server_url ?? 'https://auth.example.org';
  const storage = join(outDir, storageFileName);
  const column = (name: string): string => `  ${name}${' '.repeat(Math.max(1, 32 - name.length))}`;
  return `acme-delegate credentials
=========================

These files hold passwords: keep them mode 0600, copy each to the server that renews the
certificate, and give each server only the names it needs. Each account can only set the
TXT record of its own _acme-challenge slot. API (server_url): ${server}

${column(storageFileName)}goacmedns storage JSON, keyed by domain (all names)
${[...entries.keys()].map((d) => `${column(envFileName(d))}acme.sh variables for ${(requested.get(d) ?? [d]).join(', ')}`).join('\n')}

What each client needs (docs/clients.md in acme-delegate's documentation has every step):
  lego          ACME_DNS_API_BASE=${server} ACME_DNS_STORAGE_PATH=${storage}
                (Debian's lego: --dns exec with EXEC_PATH=acme-delegate-hook)
  certbot       --manual-auth-hook 'acme-delegate-hook --credentials ${storage}'
  acme.sh       set -a; . ${join(outDir, envFileName([...entries.keys()][0] ?? 'example.com'))}; set +a; acme.sh --issue --dns dns_acmedns ...
  cert-manager  a secret with key acmedns.json from ${storage}; acmeDNS host ${server}
  Caddy         the acmedns module with config_file_path ${storage}

Re-running "acme-delegate bootstrap" with the same --out keeps these passwords; if this folder
is lost, a re-run issues new passwords (the old ones stop working) and rewrites it.
`;
}
