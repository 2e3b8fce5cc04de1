#!/usr/bin/env node
// acme-delegate command line: dispatches to one module per command. Heavy commands
// (bootstrap loads the Cloudflare SDK) are imported only when used.
import { describeFailure, exitStatus } from './cli/exit-status.js';

const usage = `Usage: acme-delegate <command> [options]

Commands:
  serve              run the DNS server and the HTTP API
  bootstrap          one-time set-up on Cloudflare: delegation, CNAMEs, accounts, credential files
  account            administer accounts: add, list, show, revoke, rotate, allowfrom, delete, audit
  check              is the delegation visible, does each CNAME reach its slot?
  import-acme-dns    move an acme-dns database (and config) over, credentials unchanged
  config-reference   print every config key with its default and meaning
  backup             copy the database while the server runs (a consistent online backup)
  restore            put a backup in place of the database (with the server stopped)

Run \`acme-delegate <command> --help\` for a command's options.
Exit status: 0 done, 1 failed (the message says why), 2 bad command line or config,
3 bootstrap left conflicting records alone, 70 a bug (the stack is printed).`;

type Command = (argv: string[]) => Promise<number>;

const commands: Record<string, () => Promise<Command>> = {
  serve: async () => (await import('./cli/serve-command.js')).runServeCommand,
  bootstrap: async () => (await import('./cli/bootstrap-command.js')).runBootstrapCommand,
  account: async () => (await import('./cli/account-command.js')).runAccountCommand,
  check: async () => (await import('./cli/check-command.js')).runCheckCommand,
  'import-acme-dns': async () => (await import('./cli/import-command.js')).runImportCommand,
  'config-reference': async () => (await import('./cli/config-reference-command.js')).runConfigReferenceCommand,
  backup: async () => (await import('./cli/backup-command.js')).runBackupCommand,
  restore: async () => (await import('./cli/restore-command.js')).runRestoreCommand,
};

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '-h' || name === '--help' || name === 'help') {
    process.stdout.write(usage + '\n');
    return name === undefined ? exitStatus.usage : exitStatus.ok;
  }
  const load = commands[name];
  if (!load) {
    process.stderr.write(`acme-delegate: unknown command "${name}"\n\n${usage}\n`);
    return exitStatus.usage;
  }
  try {
    return await (await load())(rest);
  } catch (error) {
    // Expected failures print one line; anything else is a bug and keeps its stack.
    const failure = describeFailure(error);
    process.stderr.write(`acme-delegate ${name}: ${failure.message}\n`);
    return failure.status;
  }
}

process.exitCode = await main(process.argv.slice(2));
