// `acme-delegate bootstrap`: parses flags, reads the Cloudflare credential from the
// environment, and runs the bootstrap with every line of output passed through a redactor.
// Loaded by main.ts with a dynamic import, so the Cloudflare SDK loads only for this command.
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline/promises';
import { parseArgs } from 'node:util';
import { normalizeAllowfrom } from '../accounts/service.js';
import { cloudflareEndpointNote, createCloudflareGateway } from '../bootstrap/cloudflare-gateway.js';
import { readCloudflareCredential } from '../bootstrap/credential.js';
import { parseDomainList } from '../bootstrap/names.js';
import { createRedactor } from '../bootstrap/redact.js';
import { runBootstrap } from '../bootstrap/run.js';
import { AppError } from '../errors.js';
import { normalizeName } from '../names/domain-name.js';
import { configFromOptions, configOptionSpecs, configOptionsHelp } from './config-options.js';
import { checkDatabaseFileIfPresent } from '../store/database-file.js';
import { describeFailure } from './exit-status.js';
import { actAsStoreOwner } from './run-as-owner.js';

const usage = `Usage: acme-delegate bootstrap --domain NAME [--domain NAME...] --out DIR [options]

Sets up Cloudflare for acme-delegate, once, with a powerful Cloudflare credential: delegates
our zone (NS + glue), registers one account per certificate name, points
_acme-challenge.<name> at its slot with a CNAME, and writes the client credentials into DIR.
It shows the plan first and changes nothing without --yes (or a "y" at the prompt).
Safe to re-run: a finished set-up plans only "keep"; an interrupted one is completed.

Cloudflare credential (environment only, never a flag; never printed or written):
  CLOUDFLARE_API_TOKEN     API token with Zone:Zone:Read and Zone:DNS:Edit (recommended)
  CLOUDFLARE_API_KEY       Global API Key, with CLOUDFLARE_EMAIL (warned about: it can do anything)
  CLOUDFLARE_ACCOUNT_ID    account of an account-owned token (cfat_...), to verify it
  CLOUDFLARE_BASE_URL      other API endpoint (proxy, emulator); read by the Cloudflare SDK;
                           https, or plain http to this machine only

Bootstrap options:
  -d, --domain NAME        certificate name, e.g. www.example.com or '*.example.com' (repeatable);
                           NAME and *.NAME share one account and one CNAME
  --domains-file FILE      more names, one a line ('#' starts a comment). Without --domain,
                           --domains-file and --ddns, the config's [bootstrap] domains and ddns
                           are used
  --ddns NAME              a dynamic-DNS name, e.g. home.example.com (repeatable): NAME CNAME a
                           ddns slot whose credential can set only that slot's A/AAAA; writes
                           ddns.json and ddclient/inadyn snippets into DIR. An A/AAAA already at
                           NAME is a conflict (--replace deletes it). See docs/ddns.md
  --tsig                   also give each name's account a TSIG key for DNS UPDATE (RFC 2136:
                           lego/Traefik/cert-manager/Caddy rfc2136, nsupdate); writes tsig.json
                           and tsig-NAME.key (an nsupdate key block) into DIR; a re-run keeps the
                           keys. See docs/rfc2136.md
  -o, --out DIR            where credential files go (mode 0600, a new folder 0700; default: the
                           config's [bootstrap] out); required unless --dry-run. Keep it: a re-run with the same DIR keeps the passwords,
                           without it the accounts get new passwords (rotate)
  -n, --dry-run            show the plan only; write nothing anywhere (no record, no account,
                           no database, no file)
  -y, --yes                apply the plan without asking
  --replace                replace conflicting records: a TXT at _acme-challenge.<name> (e.g. from
                           a DNS-provider hook), a CNAME there pointing elsewhere, records blocking
                           the delegation NS or the name server's address. Without it they are
                           shown as "conflict" and left alone (exit code 3), and a blocked name
                           gets no new account or password in that run
  --allowfrom CIDR         source networks allowed to update, for newly registered accounts
                           (repeatable; default: any)
  --caa-issuer DOMAIN      also create CAA "issue" (and "issuewild" for *.NAME) at each name for
                           this CA, e.g. letsencrypt.org
  --caa-accounturi URI     pin those CAA records to one ACME account (RFC 8657 accounturi), e.g.
                           https://acme-v02.api.letsencrypt.org/acme/acct/123456
  -h, --help               this help

Config (the same file and flags as "serve"; zone, nsname, ns-address, db and api-url matter here):
${configOptionsHelp}

Run by root on the service's database, it acts as the database's owner (setpriv), with the
same environment; --out must then be a folder that user can write.

Exit codes: 0 done, nothing to do, or a dry run without conflicts; 1 failed or not confirmed;
2 bad usage or config; 3 applied, but conflicting records were left alone (with --dry-run: the
plan has conflicts that would be left alone); 70 a bug (the stack is printed).
See docs/bootstrap.md.
`;

const bootstrapOptionSpecs = {
  ...configOptionSpecs,
  domain: { type: 'string', short: 'd', multiple: true },
  ddns: { type: 'string', multiple: true },
  'domains-file': { type: 'string', multiple: true },
  out: { type: 'string', short: 'o' },
  'dry-run': { type: 'boolean', short: 'n' },
  yes: { type: 'boolean', short: 'y' },
  replace: { type: 'boolean' },
  tsig: { type: 'boolean' },
  allowfrom: { type: 'string', multiple: true },
  'caa-issuer': { type: 'string' },
  'caa-accounturi': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** Where the command reads and writes; the process's own streams outside tests. */
export interface CommandIo {
  readonly env: NodeJS.ProcessEnv;
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  /** Asks y/N; absent when there is no terminal to ask on. */
  readonly confirm?: (question: string) => Promise<boolean>;
}

export function runBootstrapCommand(argv: string[]): Promise<number> {
  return runBootstrapCli(argv, {
    env: process.env,
    stdout: (text) => void process.stdout.write(text),
    stderr: (text) => void process.stderr.write(text),
    ...(process.stdin.isTTY ? { confirm: askOnTerminal } : {}),
  });
}

/**
 * The command with its input and output passed in. The Cloudflare SDK still takes
 * CLOUDFLARE_BASE_URL from the process environment, as it does for operators.
 */
export async function runBootstrapCli(argv: readonly string[], io: CommandIo): Promise<number> {
  // Built before anything can fail, so that no message, however it arises, shows the secret.
  const redact = createRedactor([io.env.CLOUDFLARE_API_TOKEN, io.env.CLOUDFLARE_API_KEY].filter((s): s is string => !!s?.trim()).map((s) => s.trim()));
  const out = (text: string): void => io.stdout(redact(text));
  const err = (text: string): void => io.stderr(redact(text));
  try {
    let parsed;
    try {
      parsed = parseArgs({ args: [...argv], options: bootstrapOptionSpecs, allowPositionals: false, strict: true });
    } catch (e) {
      // A stray word is not echoed: it may be a credential pasted on the command line, which
      // the redactor cannot know when it is not also in the environment.
      const message =
        (e as { code?: string }).code === 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL'
          ? 'unexpected argument (not repeated here): certificate names go after --domain, and the Cloudflare credential is read from the environment only (CLOUDFLARE_API_TOKEN); if that was a credential, it may now be in your shell history'
          : (e as Error).message;
      err(`acme-delegate bootstrap: ${message}\n\n${usage}`);
      return 2;
    }
    const values = parsed.values;
    if (values.help) {
      out(usage);
      return 0;
    }
    const config = configFromOptions(values, io.env);
    // Before anything is read or asked: root on the service's database runs all of it as the owner.
    const asOwner = actAsStoreOwner(config.store.path, io.env);
    if (asOwner !== undefined) return asOwner;
    // A database that cannot be ours is told before the credential is used at all.
    checkDatabaseFileIfPresent(config.store.path);
    const domains = [...(values.domain ?? [])];
    for (const file of values['domains-file'] ?? []) domains.push(...parseDomainList(readTextFile(file)));
    const ddns = [...(values.ddns ?? [])];
    // Names on the command line replace the config's lists rather than adding to them.
    if (domains.length === 0 && ddns.length === 0) {
      domains.push(...config.bootstrap.domains);
      ddns.push(...config.bootstrap.ddns);
    }
    const outDir = values.out ?? (config.bootstrap.out || undefined);
    const allowfrom = normalizeAllowfrom(values.allowfrom ?? []);
    const caa = caaOptions(values['caa-issuer'], values['caa-accounturi']);
    const { credential, notes } = readCloudflareCredential(io.env);
    for (const note of notes) err(`note: ${note}\n`);
    // The SDK takes the endpoint from the process environment; checked before any request.
    const endpoint = cloudflareEndpointNote(process.env);
    if (endpoint) err(`note: ${endpoint}\n`);
    const gateway = createCloudflareGateway(credential, { log: (line) => err(`${line}\n`) });
    return await runBootstrap(
      {
        config,
        domains,
        ddns,
        dryRun: values['dry-run'] ?? false,
        yes: values.yes ?? false,
        replace: values.replace ?? false,
        tsig: values.tsig ?? false,
        ...(outDir ? { outDir } : {}),
        allowfrom,
        ...(caa ? { caa } : {}),
      },
      { out, err, credential, gateway, ...(io.confirm ? { confirm: io.confirm } : {}) },
    );
  } catch (e) {
    const failure = describeFailure(e);
    err(`acme-delegate bootstrap: ${failure.message}\n`);
    return failure.status;
  }
}

function readTextFile(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (e) {
    throw new AppError('usage', `cannot read --domains-file ${file}: ${(e as Error).message}`);
  }
}

function caaOptions(issuer: string | undefined, accountUri: string | undefined): { issuer: string; accountUri?: string } | undefined {
  if (accountUri && !issuer) throw new AppError('usage', '--caa-accounturi needs --caa-issuer (the CA whose account it is)');
  if (!issuer) return undefined;
  if (!/^[a-z0-9.-]+\.[a-z]{2,}$/i.test(issuer.trim())) throw new AppError('usage', `--caa-issuer "${issuer}" is not a CA domain such as letsencrypt.org`);
  if (accountUri !== undefined) {
    let url: URL | undefined;
    try {
      url = new URL(accountUri);
    } catch {
      url = undefined;
    }
    if (!url || url.protocol !== 'https:' || /[\s;"]/.test(accountUri)) throw new AppError('usage', `--caa-accounturi "${accountUri}" is not an https ACME account URL`);
  }
  return { issuer: normalizeName(issuer), ...(accountUri ? { accountUri } : {}) };
}

/**
 * Asks y/N on the terminal. Anything but y/yes is a no, and so is no answer at all: Ctrl+D or
 * Ctrl+C at the prompt (readline rejects the question) or input that ends (the question would
 * otherwise never settle).
 */
export async function askOnTerminal(question: string, input: NodeJS.ReadableStream = process.stdin, output: NodeJS.WritableStream = process.stderr, terminal?: boolean): Promise<boolean> {
  const rl = createInterface({ input, output, ...(terminal === undefined ? {} : { terminal }) });
  try {
    const answer = await new Promise<string | undefined>((resolve) => {
      rl.question(question).then(resolve, () => resolve(undefined));
      rl.once('close', () => resolve(undefined));
    });
    if (answer === undefined) output.write('\n');
    return answer !== undefined && /^y(es)?$/i.test(answer.trim());
  } finally {
    rl.close();
  }
}
