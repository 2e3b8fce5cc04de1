// Free space on the file system that holds the database, so registration can stop while there
// is still room for updates (acme-dns's public instance filled its disk with registrations).
import { statfsSync } from 'node:fs';
import { dirname } from 'node:path';

/** Bytes available to this process on the database's file system; undefined for ":memory:". */
export function freeBytesFor(databasePath: string): number | undefined {
  if (databasePath === ':memory:') return undefined;
  const stats = statfsSync(dirname(databasePath), { bigint: true });
  return Number(stats.bavail * stats.bsize);
}
