// Command-line flags that override config keys; shared by `serve`, `bootstrap` and `account`.
import { parseArgs, type ParseArgsConfig } from 'node:util';
import type { Config } from '../config/schema.js';
import { loadConfig } from '../config/load.js';

type OptionSpecs = NonNullable<ParseArgsConfig['options']>;

interface ConfigFlag {
  readonly flag: string;
  readonly key: string;
  readonly multiple: boolean;
  readonly help: string;
}

const configFlags: readonly ConfigFlag[] = [
  { flag: 'zone', key: 'dns.zone', multiple: false, help: 'delegated zone we serve, e.g. auth.example.org' },
  { flag: 'nsname', key: 'dns.nsname', multiple: false, help: 'host name of this name server (default ns.<zone>)' },
  { flag: 'ns-address', key: 'dns.ns_addresses', multiple: true, help: 'public IP of this server, for NS glue (repeatable)' },
  { flag: 'dns-listen', key: 'dns.listen', multiple: true, help: 'DNS listen ADDR:PORT, UDP and TCP (repeatable)' },
  { flag: 'api-listen', key: 'api.listen', multiple: false, help: 'HTTP API listen ADDR:PORT' },
  { flag: 'api-url', key: 'api.public_url', multiple: false, help: 'public base URL of the API (server_url in credential files)' },
  { flag: 'secondary', key: 'dns.secondaries', multiple: true, help: 'secondary name server ADDR:PORT: may transfer the zone, gets NOTIFY (repeatable)' },
  { flag: 'tsig-key', key: 'dns.tsig_keys', multiple: true, help: 'TSIG key ALGORITHM:NAME:BASE64SECRET transfers must be signed with (repeatable)' },
  { flag: 'db', key: 'store.path', multiple: false, help: 'SQLite database file' },
  { flag: 'registration', key: 'api.registration', multiple: false, help: 'who may POST /register: open | allowlist | closed' },
  { flag: 'metrics-listen', key: 'metrics.listen', multiple: false, help: 'Prometheus /metrics listen ADDR:PORT (default off)' },
  { flag: 'log-level', key: 'log.level', multiple: false, help: 'debug | info | warn | error | silent' },
  { flag: 'log-format', key: 'log.format', multiple: false, help: 'auto | json | text' },
];

export const configOptionSpecs: OptionSpecs = {
  config: { type: 'string', short: 'c' },
  ...Object.fromEntries(configFlags.map((f) => [f.flag, { type: 'string', multiple: f.multiple }])),
};

export const configOptionsHelp = [
  '  -c, --config FILE        TOML config file (default: embedded defaults)',
  ...configFlags.map((f) => `  --${(f.flag + (f.multiple ? ' VALUE...' : ' VALUE')).padEnd(22)} ${f.help} [${f.key}]`),
].join('\n');

/** Loads the config named by --config, with environment variables and flags applied. */
export function configFromOptions(values: Record<string, unknown>, env: NodeJS.ProcessEnv = process.env): Config {
  const overrides: Record<string, string | string[]> = {};
  for (const f of configFlags) {
    const value = values[f.flag];
    if (value !== undefined) overrides[f.key] = value as string | string[];
  }
  const file = typeof values.config === 'string' ? values.config : undefined;
  return loadConfig({ file, env, overrides });
}

const helpFlag = { help: { type: 'boolean', short: 'h' } } as const;

interface CommandArgs<O extends OptionSpecs> {
  args: string[];
  options: typeof configOptionSpecs & O & typeof helpFlag;
  strict: true;
}

/**
 * A command's own flags plus the config flags and -h/--help, parsed strictly. undefined when
 * help was asked for (it has been printed): the command then exits 0.
 */
export function parseCommandFlags<O extends OptionSpecs>(
  argv: string[],
  options: O,
  help: string,
): ReturnType<typeof parseArgs<CommandArgs<O>>>['values'] | undefined {
  const { values } = parseArgs<CommandArgs<O>>({ args: argv, options: { ...configOptionSpecs, ...options, ...helpFlag }, strict: true });
  if ((values as { help?: boolean }).help) {
    process.stdout.write(help + '\n');
    return undefined;
  }
  return values;
}
