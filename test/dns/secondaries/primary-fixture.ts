// Our server as the primary of real secondaries (Knot, NSD, BIND) on free loopback ports, with a
// TSIG key and a day's refresh (so only NOTIFY explains a quick update): shared by the secondary
// tests. At teardown the secondaries stop, the primary (as `current` gives it: a test may restart
// it) closes, and the folder goes, or is kept with the primary's last log lines on a failure.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Test } from 'tap';
import { loadConfig } from '../../../src/config/load.js';
import type { Config } from '../../../src/config/schema.js';
import { createLogger, type LogLevel, type Logger } from '../../../src/log.js';
import type { RunningService } from '../../../src/service.js';
import { freePort, startSecondary, type RunningSecondary, type SecondaryKey, type SecondaryKind } from './secondary-servers.js';

export const ZONE = 'auth.example.org';

export interface PrimaryOptions<K extends SecondaryKind> {
  /** Names the temporary folder. */
  readonly name: string;
  readonly kinds: readonly K[];
  /** The running primary now, for the teardown. */
  readonly current: () => RunningService | undefined;
  readonly level?: LogLevel;
  /** More config keys, as flags give them. */
  readonly overrides?: Record<string, string | string[]>;
  /** Fills the database before the primary starts. */
  readonly seed?: (dbPath: string) => void;
}

export interface PrimaryWithSecondaries<K extends SecondaryKind> {
  readonly dir: string;
  readonly config: Config;
  readonly key: SecondaryKey;
  readonly primaryPort: number;
  readonly ports: Record<K, number>;
  readonly logger: Logger;
  readonly logLines: string[];
  readonly secondaries: RunningSecondary[];
  /** Starts one secondary of each kind (once the primary is up). */
  startSecondaries(): void;
}

export async function primaryWithSecondaries<K extends SecondaryKind>(t: Test, options: PrimaryOptions<K>): Promise<PrimaryWithSecondaries<K>> {
  const dir = mkdtempSync(join(tmpdir(), `acme-delegate-${options.name}-`));
  const secret = randomBytes(32).toString('base64');
  const key = { algorithm: 'hmac-sha256', name: 'xfr-key', secret };
  const primaryPort = await freePort();
  const ports = {} as Record<K, number>;
  for (const kind of options.kinds) ports[kind] = await freePort();
  const dbPath = join(dir, 'db.sqlite');
  options.seed?.(dbPath);
  const config = loadConfig({
    overrides: {
      'dns.zone': ZONE,
      'dns.listen': [`127.0.0.1:${primaryPort}`],
      'dns.secondaries': options.kinds.map((kind) => `127.0.0.1:${ports[kind]}`),
      'dns.tsig_keys': [`hmac-sha256:xfr-key:${secret}`],
      'dns.soa_refresh': '86400',
      'dns.soa_retry': '86400',
      'api.listen': '127.0.0.1:0',
      'api.registration': 'open',
      'store.path': dbPath,
      'store.bcrypt_cost': '4',
      ...options.overrides,
    },
  });
  const logLines: string[] = [];
  const logger = createLogger({ level: options.level ?? 'info', format: 'text', write: (line) => logLines.push(line) });
  const secondaries: RunningSecondary[] = [];
  t.teardown(async () => {
    await Promise.all(secondaries.map((s) => s.stop()));
    await options.current()?.close();
    if (t.passing()) rmSync(dir, { recursive: true, force: true });
    else t.comment(`kept ${dir}; primary log:\n${logLines.slice(-40).join('\n')}`);
  });
  const startSecondaries = (): void => {
    for (const kind of options.kinds) secondaries.push(startSecondary(kind, { dir: join(dir, kind), zone: ZONE, port: ports[kind], primaryPort, key }));
  };
  return { dir, config, key, primaryPort, ports, logger, logLines, secondaries, startSecondaries };
}
