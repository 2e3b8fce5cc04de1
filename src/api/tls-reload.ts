// Certificate renewal without a restart: the API's certificate and key are read again on SIGHUP
// and when either file changes. A new pair is checked (parsable, key matches) before use; a bad
// one is logged and the current pair keeps serving.
import { X509Certificate } from 'node:crypto';
import { readFileSync, unwatchFile, watchFile, type Stats } from 'node:fs';
import { createSecureContext, type Server as TlsServer } from 'node:tls';
import type { Logger } from '../log.js';

export interface TlsFiles {
  readonly cert: string;
  readonly key: string;
}

export interface TlsReloader {
  /** Reads the files again; true when the new pair is in use. */
  reload(reason: string): boolean;
  close(): void;
}

/** How often the files' modification times are polled (two stat calls). */
const WATCH_INTERVAL_MS = 5000;
/** certbot writes the certificate and the key one after the other: wait for both. */
const SETTLE_MS = 1000;

export function createTlsReloader(server: TlsServer, files: TlsFiles, logger: Logger): TlsReloader {
  let settle: NodeJS.Timeout | undefined;
  const reload = (reason: string): boolean => {
    try {
      const cert = readFileSync(files.cert);
      const key = readFileSync(files.key);
      // Throws on an unreadable PEM or a key that does not match the certificate.
      createSecureContext({ cert, key });
      server.setSecureContext({ cert, key });
      const leaf = new X509Certificate(cert);
      logger.info('tls certificate reloaded', { reason, subject: leaf.subject, valid_to: leaf.validTo, cert: files.cert });
      return true;
    } catch (error) {
      // The message names the problem (file, PEM, mismatch), never the key's bytes.
      logger.error('tls certificate not reloaded; the current one stays in use', { reason, cert: files.cert, key: files.key, problem: (error as Error).message });
      return false;
    }
  };
  const changed = (current: Stats, previous: Stats): void => {
    if (current.mtimeMs === previous.mtimeMs && current.ino === previous.ino) return;
    clearTimeout(settle);
    settle = setTimeout(() => reload('file changed'), SETTLE_MS);
    settle.unref();
  };
  for (const path of [files.cert, files.key]) watchFile(path, { interval: WATCH_INTERVAL_MS, persistent: false }, changed);
  return {
    reload,
    close() {
      clearTimeout(settle);
      for (const path of [files.cert, files.key]) unwatchFile(path, changed);
    },
  };
}
