#!/usr/bin/env node
// acme-delegate command line: dispatches to one module per command. Heavy commands
// (bootstrap loads the Cloudflare SDK) are imported only when used.
import { AppError } from './errors.js';

const usage = `Usage: acme-delegate <command> [options]

Commands:
  serve              run the DNS server and the HTTP API
  bootstrap          one-time set-up on Cloudflare: delegation, CNAMEs, accounts, credential files
  account            administer accounts: add, list, show, revoke, rotate, allowfrom, delete, audit
  check              is the delegation visible, does each CNAME reach its slot?
  import-acme-dns    move an acme-dns database (and config) over, credentials unchanged
  config-reference   print every config key with its default and meaning

Run \`acme-delegate <command> --help\` for a command's options.`;

type Command = (argv: string[]) => Promise<number>;

const commands: Record<string, () => Promise<Command>> = {
  serve: async () => (await import('./cli/serve-command.js')).runServeCommand,
  bootstrap: async () => (await import('./cli/bootstrap-command.js')).runBootstrapCommand,
  account: async () => (await import('./cli/account-command.js')).runAccountCommand,
  check: async () => (await import('./cli/check-command.js')).runCheckCommand,
  'import-acme-dns': async () => (await import('./cli/import-command.js')).runImportCommand,
  'config-reference': async () => (await import('./cli/config-reference-command.js')).runConfigReferenceCommand,
};

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '-h' || name === '--help' || name === 'help') {
    process.stdout.write(usage + '\n');
    return name === undefined ? 2 : 0;
  }
  const load = commands[name];
  if (!load) {
    process.stderr.write(`acme-delegate: unknown command "${name}"\n\n${usage}\n`);
    return 2;
  }
  try {
    return await (await load())(rest);
  } catch (error) {
    // Expected failures (bad config, bad flags) print one line; anything else is a bug.
    const known = error instanceof AppError || (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS');
    process.stderr.write(`acme-delegate ${name}: ${known ? (error as Error).message : String((error as Error).stack ?? error)}\n`);
    return known ? 2 : 1;
  }
}

process.exitCode = await main(process.argv.slice(2));
