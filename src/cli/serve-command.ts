// `acme-delegate serve`: runs DNS and the API until SIGINT/SIGTERM.
import { createLogger } from '../log.js';
import { startService } from '../service.js';
import { configFromOptions, configOptionsHelp, parseCommandFlags } from './config-options.js';

export const serveHelp = `Usage: acme-delegate serve [options]

Runs the authoritative DNS server for the delegated zone and the acme-dns compatible HTTP API.
With no options it runs on embedded defaults: zone auth.localhost, DNS on 127.0.0.1:5300
(UDP and TCP), API on http://127.0.0.1:8053, SQLite under ./data/.

Options:
${configOptionsHelp}
  -h, --help               show this help

SIGHUP (or a change of either file) reloads api.tls_cert and api.tls_key without a restart;
a bad new pair is logged and the current one stays in use.

Every config key can also be set from the environment as ACME_DELEGATE_<SECTION>_<KEY>,
e.g. ACME_DELEGATE_DNS_ZONE=auth.example.org. See \`acme-delegate config-reference\`.`;

export async function runServeCommand(argv: string[]): Promise<number> {
  const values = parseCommandFlags(argv, {}, serveHelp);
  if (values === undefined) return 0;
  const config = configFromOptions(values);
  const logger = createLogger({ level: config.log.level, format: config.log.format });
  const service = await startService(config, logger);
  // SIGHUP (systemd's ExecReload) picks up a renewed API certificate without a restart.
  const reloadTls = (): void => void service.reloadTls();
  process.on('SIGHUP', reloadTls);
  await new Promise<void>((resolve) => {
    const stop = (signal: string): void => {
      logger.info('stopping', { signal });
      resolve();
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  process.off('SIGHUP', reloadTls);
  await service.close();
  return 0;
}
