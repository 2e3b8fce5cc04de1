// The bootstrap run: read-only discovery and planning first, then, once confirmed, accounts,
// credential files and DNS changes in an order that a later run can always finish.
import { join } from 'node:path';
import { publicNameServers } from '../dns/name-servers.js';
import { fulldomainOf } from '../accounts/fulldomain.js';
import { createAccountAdministration, type AccountAdministration } from '../accounts/administration.js';
import { createAccountService } from '../accounts/service.js';
import type { Config } from '../config/schema.js';
import { publicApiUrl } from '../config/load.js';
import { createBcryptPool, type BcryptPool } from '../crypto/bcrypt-pool.js';
import { AppError } from '../errors.js';
import { isAtOrBelow, normalizeName } from '../names/domain-name.js';
import { isLoopbackHost } from '../net/address.js';
import { applyAccounts, decideAccounts, skipBlocked, slotsOf, type AccountDecision, type SlotCredentials } from './accounts.js';
import { applyPlan } from './apply.js';
import type { CloudflareGateway } from './cloudflare-gateway.js';
import { checkOutDir, credentialFileContents, probeOutDir, readStorage, staleCredentialFiles, writeCredentialFiles, type StorageEntry } from './credential-files.js';
import type { CloudflareCredential } from './credential.js';
import { buildIntents } from './intents.js';
import { ddnsFileContents, readDdnsStorage } from './ddns-files.js';
import { certificateNames, ddnsNames, type CertificateName } from './names.js';
import { ensureTsigKeys, tsigFileContents, tsigFilesMissing, tsigKeyFileName, tsigStorageFileName } from './tsig-files.js';
import { computePlan, planHasChanges, type ExistingByName, type PlanStep } from './plan.js';
import { printable, renderAccountTable, renderPlanSummary, renderPlanTable } from './plan-table.js';
import type { ExistingRecord, Intent, Zone } from './records.js';
import { parentZoneOf } from './zones.js';
import { openConfiguredStore, readConfiguredAccounts } from '../store/open-configured.js';

export interface BootstrapOptions {
  readonly config: Config;
  readonly domains: readonly string[];
  /** Dynamic-DNS names (`--ddns`): NAME CNAME a ddns slot (docs/ddns.md). */
  readonly ddns?: readonly string[];
  readonly dryRun: boolean;
  readonly yes: boolean;
  readonly replace: boolean;
  readonly outDir?: string;
  readonly allowfrom: readonly string[];
  readonly caa?: { readonly issuer: string; readonly accountUri?: string };
  /** Give each name's account a TSIG key for DNS UPDATE and write it into the out folder. */
  readonly tsig?: boolean;
}

export interface BootstrapIo {
  /** The plan and results (already redacted by the caller). */
  readonly out: (text: string) => void;
  /** Notes, warnings and errors (already redacted by the caller). */
  readonly err: (text: string) => void;
  /** Asks y/N on a terminal; undefined when there is none to ask. */
  readonly confirm?: (question: string) => Promise<boolean>;
  readonly credential: CloudflareCredential;
  readonly gateway: CloudflareGateway;
}

/** Exit codes: 0 done (or nothing to do, or a dry run without conflicts), 1 failed or not confirmed, 3 conflicts left alone (or, in a dry run, that would be). */
export const exitConflicts = 3;

export async function runBootstrap(options: BootstrapOptions, io: BootstrapIo): Promise<number> {
  const names = checkRequest(options);
  const zones = await discover(options.config, io);
  const pool = createBcryptPool(1);
  try {
    const plan = await makePlan(options, names, zones, pool, io);
    render(plan, options, io);
    const stop = await stopBeforeChanges(plan, options, io);
    if (stop !== undefined) return stop;
    // Accounts, then files, then DNS. Files before DNS: a password exists only in memory until
    // written, and a run that fails later in Cloudflare must not lose it.
    const credentials = await registerAccounts(plan, options, pool, io);
    writeFiles(plan, credentials, options.outDir as string, io);
    if (options.tsig) writeTsigFiles(options, credentials, io);
    await applyDns(plan, credentials, options, io);
    return plan.conflicts ? conflictExit(io, plan.conflicts) : 0;
  } finally {
    await pool.close();
  }
}

/** Everything decided before anything is changed; what is shown and then carried out. */
interface BootstrapPlan {
  readonly names: readonly CertificateName[];
  /** Bare name -> the names asked for it (e.g. the name and its wildcard). */
  readonly requested: ReadonlyMap<string, readonly string[]>;
  readonly zones: readonly Zone[];
  readonly decisions: readonly AccountDecision[];
  /** Names whose CNAME is blocked by a conflict left alone: no account change for them. */
  readonly blocked: ReadonlySet<string>;
  readonly existing: ExistingByName;
  readonly steps: readonly PlanStep[];
  readonly conflicts: number;
  readonly accountChanges: boolean;
  readonly serverUrl: string;
  /** Credentials of reused accounts, known before anything is written. */
  readonly reused: ReadonlyMap<string, SlotCredentials>;
  readonly staleFiles: readonly string[];
}

/** Bad input is told before the credential is used at all. */
function checkRequest(options: BootstrapOptions): CertificateName[] {
  const { config } = options;
  const certificates = certificateNames(options.domains);
  const dynamic = ddnsNames(options.ddns ?? []);
  const both = dynamic.filter((d) => certificates.some((c) => c.bare === d.bare)).map((d) => d.bare);
  if (both.length > 0) throw new AppError('usage', `${both.join(', ')}: both a certificate name and a --ddns name in one run; run bootstrap once for each`);
  const names = [...certificates, ...dynamic];
  if (names.length === 0) throw new AppError('usage', 'no certificate names: give --domain NAME (repeatable) or --domains-file FILE (or --ddns NAME for dynamic DNS)');
  if (!options.dryRun && !options.outDir) {
    throw new AppError('usage', '--out DIR is required (except with --dry-run): new passwords exist only once and must be written there');
  }
  if (options.outDir) checkOutDir(options.outDir);
  const inside = names.filter((n) => isAtOrBelow(n.bare, config.dns.zone));
  if (inside.length > 0) {
    throw new AppError('bad_domain', `${inside.map((n) => n.requested.join(', ')).join('; ')}: inside our own zone ${config.dns.zone}; certificate names must be outside it (its names are the challenge slots)`);
  }
  return names;
}

/** Reads only: what the credential may do, and the zones it sees. */
async function discover(config: Config, io: BootstrapIo): Promise<Zone[]> {
  const verification = await io.gateway.verify();
  io.err(`Cloudflare credential: ${verification.description}\n`);
  for (const w of verification.warnings) io.err(`warning: ${w}\n`);
  const zones = await io.gateway.listZones();
  // A config the delegation cannot be made from is a config error (exit 2), not a failure.
  if (config.dns.nsname === config.dns.zone && parentZoneOf(config.dns.zone, zones)) {
    throw new AppError(
      'config_invalid',
      `dns.nsname is ${config.dns.nsname}, the apex of our zone: Cloudflare refuses an NS and an A record on one label, so the name server needs its own name below the zone (e.g. --nsname ns.${config.dns.zone})`,
    );
  }
  return zones;
}

/** The records wanted for these slots; skipped names (no slot) get no CNAME. */
function intentsFor(options: BootstrapOptions, names: readonly CertificateName[], zones: readonly Zone[], slots: ReadonlyMap<string, string>) {
  const { config } = options;
  return buildIntents({
    zone: config.dns.zone,
    nsname: config.dns.nsname,
    nsAddresses: config.dns.ns_addresses,
    nameServers: publicNameServers(config),
    delegationTtl: Math.min(86400, Math.max(60, config.dns.default_ttl)),
    names,
    slots,
    zones,
    ...(options.caa ? { caa: options.caa } : {}),
  });
}

/** Accounts to reuse, rotate or register, the DNS steps, and whether the files are current. */
async function makePlan(options: BootstrapOptions, names: readonly CertificateName[], zones: readonly Zone[], pool: BcryptPool, io: BootstrapIo): Promise<BootstrapPlan> {
  const { config, outDir } = options;
  const requested = new Map(names.map((n) => [n.bare, n.requested] as const));
  const stored = outDir ? storedEntries(outDir, names) : new Map<string, StorageEntry>();
  const decided = await decideAccounts(names, readConfiguredAccounts(config), stored, (pw, hash) => pool.compare(pw, hash));

  const planned = intentsFor(options, names, zones, slotsOf(decided));
  for (const note of planned.notes) io.err(`note: ${note}\n`);
  if (planned.errors.length > 0) throw new AppError('bootstrap_invalid', planned.errors.join('\n'));
  const existing = await listExisting(planned.intents, io.gateway);
  const steps = computePlan(planned.intents, existing, { replace: options.replace });
  const blocked = new Set(names.filter((n) => steps.some((s) => s.action === 'conflict' && s.record.name === n.challengeName)).map((n) => n.bare));
  const decisions = skipBlocked(decided, blocked);

  const accountChanges = decisions.some((d) => d.kind === 'register' || d.kind === 'rotate');
  const serverUrl = publicApiUrl(config);
  for (const note of serverUrlNotes(config.api.public_url, serverUrl)) io.err(`note: ${note}\n`);
  const reused = reusedCredentials(decisions, config.dns.zone);
  // Files are only known in full once every password is; reused ones can be compared now.
  const staleFiles = !outDir
    ? []
    : accountChanges
      ? ['(credential files)']
      : reused.size === 0
        ? [] // every name skipped: nothing to write yet
        : [
            ...staleCredentialFiles(fileContents(outDir, reused, serverUrl, names, requested)),
            ...(options.tsig && tsigFilesMissing(outDir, [...reused.keys()]) ? [join(outDir, tsigStorageFileName)] : []),
          ];
  const conflicts = steps.filter((s) => s.action === 'conflict').length;
  return { names, requested, zones, decisions, blocked, existing, steps, conflicts, accountChanges, serverUrl, reused, staleFiles };
}

function render(plan: BootstrapPlan, options: BootstrapOptions, io: BootstrapIo): void {
  io.out(`Plan for ${plan.names.map((n) => n.requested.join(', ')).join('; ')} (zone ${options.config.dns.zone}, API ${plan.serverUrl})\n\n`);
  io.out(renderAccountTable(plan.decisions, plan.requested) + '\n\n');
  io.out(renderPlanTable(plan.steps) + '\n\n');
  io.out(renderPlanSummary(plan.steps) + '\n');
  if (options.outDir) io.out(plan.staleFiles.length ? `files: write credentials into ${options.outDir}\n` : `files: credentials in ${options.outDir} are up to date\n`);
}

/** The exit status when nothing is to be changed (nothing to do, a dry run, no confirmation); undefined to go on. */
async function stopBeforeChanges(plan: BootstrapPlan, options: BootstrapOptions, io: BootstrapIo): Promise<number | undefined> {
  if (!planHasChanges(plan.steps) && !plan.accountChanges && plan.staleFiles.length === 0) {
    io.out('\nNothing to change.\n');
    return plan.conflicts ? conflictExit(io, plan.conflicts) : 0;
  }
  if (options.dryRun) {
    io.out('\nDry run: nothing was changed (no Cloudflare record, no account, no file).\n');
    // The same answer as when there is nothing to change: conflicts in the plan are reported
    // whether or not other steps are pending.
    return plan.conflicts ? conflictExit(io, plan.conflicts) : 0;
  }
  if (options.yes) return undefined;
  if (!io.confirm) {
    io.err('not applied: confirm with --yes (standard input is not a terminal to ask on)\n');
    return 1;
  }
  if (!(await io.confirm('Apply this plan? [y/N] '))) {
    io.err('not applied: nothing was changed\n');
    return 1;
  }
  return undefined;
}

/** Registers and rotates as decided; the database is opened (and so written) only then. */
async function registerAccounts(plan: BootstrapPlan, options: BootstrapOptions, pool: BcryptPool, io: BootstrapIo): Promise<ReadonlyMap<string, SlotCredentials>> {
  if (!plan.accountChanges) return plan.reused;
  const outDir = options.outDir as string;
  probeOutDir(outDir);
  const made = new Map<string, SlotCredentials>();
  try {
    return await withStore(options.config, pool, (admin) => applyAccounts(plan.decisions, admin, { allowfrom: options.allowfrom, zone: options.config.dns.zone }, made));
  } catch (err) {
    // Passwords made before the failure exist only in memory: save them, so that the next
    // run keeps those accounts instead of rotating them.
    if ([...made.keys()].some((bare) => !plan.reused.has(bare))) {
      writeCredentialFiles(outDir, fileContents(outDir, made, plan.serverUrl, plan.names, plan.requested));
      io.err(`stopped while registering accounts: the ${made.size} account(s) done so far are saved in ${outDir}; no Cloudflare record was changed; run the same command again to finish\n`);
    }
    throw err;
  }
}

function writeFiles(plan: BootstrapPlan, credentials: ReadonlyMap<string, SlotCredentials>, outDir: string, io: BootstrapIo): void {
  if (credentials.size === 0) return;
  const written = writeCredentialFiles(outDir, fileContents(outDir, credentials, plan.serverUrl, plan.names, plan.requested));
  io.out(`\nwrote ${written.files.length} files (mode 0600) into ${outDir}\n`);
  if (written.warning) io.err(`warning: ${written.warning}\n`);
}

/** Keys before DNS, like passwords: a key made now must be in a file before anything else can fail. */
function writeTsigFiles(options: BootstrapOptions, credentials: ReadonlyMap<string, SlotCredentials>, io: BootstrapIo): void {
  if (credentials.size === 0) return;
  const outDir = options.outDir as string;
  const keys = ensureTsigKeys(options.config, credentials);
  const written = writeCredentialFiles(outDir, tsigFileContents(outDir, keys));
  io.out(`wrote the TSIG keys of ${keys.size} account(s) for DNS UPDATE into ${outDir} (${tsigStorageFileName}, ${tsigKeyFileName('<name>')}; docs/rfc2136.md)\n`);
  if (written.warning) io.err(`warning: ${written.warning}\n`);
}

/** The DNS steps again with the final slots; skipped names keep only their conflicts. */
async function applyDns(plan: BootstrapPlan, credentials: ReadonlyMap<string, SlotCredentials>, options: BootstrapOptions, io: BootstrapIo): Promise<void> {
  const slots = new Map([...credentials].map(([bare, c]) => [bare, c.subdomain]));
  const intents = intentsFor(options, plan.names, plan.zones, slots).intents.filter((i) => i.kind !== 'cname' || !plan.blocked.has(i.name.replace(/^_acme-challenge\./, '')));
  const final = computePlan(intents, plan.existing, { replace: options.replace });
  try {
    const changed = await applyPlan(final, io.gateway, (line) => io.out(`${printable(line)}\n`));
    io.out(`done: ${changed} record changes applied\n`);
  } catch (err) {
    io.err('stopped midway: the changes above are in place; run the same command again to finish\n');
    throw err;
  }
}

/** The URL every client will call: worth a word when it is derived or unencrypted. */
export function serverUrlNotes(configured: string, serverUrl: string): string[] {
  const notes: string[] = [];
  if (!configured) notes.push(`api.public_url is not set, so the credential files say server_url ${serverUrl}; set it (or --api-url) to the URL your servers reach the API at`);
  const { protocol, hostname } = new URL(serverUrl);
  if (protocol === 'http:' && !isLoopbackHost(hostname)) {
    notes.push(`server_url ${serverUrl} is plain HTTP: the update passwords would cross the network unencrypted; use https`);
  }
  return notes;
}

function conflictExit(io: BootstrapIo, conflicts: number): number {
  io.err(`${conflicts} conflicting record(s) left alone: those names are not delegated yet; review them above and re-run with --replace to replace them\n`);
  return exitConflicts;
}

async function listExisting(intents: readonly Intent[], gateway: CloudflareGateway): Promise<Map<string, ExistingRecord[]>> {
  const wanted = new Map<string, Zone>();
  for (const i of intents) wanted.set(`${i.zone.id}\u0000${normalizeName(i.name)}`, i.zone);
  const byName = new Map<string, ExistingRecord[]>();
  for (const [key, zone] of wanted) {
    const name = key.split('\u0000')[1] as string;
    byName.set(name, [...(byName.get(name) ?? []), ...(await gateway.listRecords(zone, name))]);
  }
  return byName;
}

function reusedCredentials(decisions: readonly AccountDecision[], zone: string): Map<string, SlotCredentials> {
  const result = new Map<string, SlotCredentials>();
  for (const d of decisions) {
    if (d.kind === 'reuse') result.set(d.bare, { username: d.username, password: d.password, subdomain: d.subdomain, fulldomain: fulldomainOf(d.subdomain, zone) });
  }
  return result;
}

/** The stored credentials of each name, from its kind's file (acmedns.json or ddns.json). */
function storedEntries(outDir: string, names: readonly CertificateName[]): Map<string, StorageEntry> {
  const acme = readStorage(outDir).entries;
  const ddns = names.some((n) => n.kind === 'ddns') ? readDdnsStorage(outDir) : new Map<string, StorageEntry>();
  const stored = new Map<string, StorageEntry>();
  for (const { bare, kind } of names) {
    const entry = (kind === 'ddns' ? ddns : acme).get(bare);
    if (entry) stored.set(bare, entry);
  }
  return stored;
}

/** Every credential file with its text: ACME names' files and ddns names' files, each only when there are such names. */
function fileContents(
  outDir: string,
  credentials: ReadonlyMap<string, SlotCredentials>,
  serverUrl: string,
  names: readonly CertificateName[],
  requested: ReadonlyMap<string, readonly string[]>,
): Map<string, string> {
  const ddns = new Set(names.filter((n) => n.kind === 'ddns').map((n) => n.bare));
  const entries = [...storageEntries(credentials, serverUrl)];
  const acme = new Map(entries.filter(([bare]) => !ddns.has(bare)));
  const dynamic = new Map(entries.filter(([bare]) => ddns.has(bare)));
  return new Map([...(acme.size > 0 ? credentialFileContents(outDir, acme, requested) : []), ...(dynamic.size > 0 ? ddnsFileContents(outDir, dynamic) : [])]);
}

function storageEntries(credentials: ReadonlyMap<string, SlotCredentials>, serverUrl: string): Map<string, StorageEntry> {
  return new Map([...credentials].map(([bare, c]) => [bare, { fulldomain: c.fulldomain, subdomain: c.subdomain, username: c.username, password: c.password, server_url: serverUrl }]));
}

async function withStore<T>(config: Config, pool: BcryptPool, fn: (admin: AccountAdministration) => Promise<T>): Promise<T> {
  const store = openConfiguredStore(config);
  try {
    const accounts = createAccountService(store, pool, { zone: config.dns.zone, bcryptCost: config.store.bcrypt_cost });
    return await fn(createAccountAdministration({ store, accounts, zone: config.dns.zone, serverUrl: publicApiUrl(config) }));
  } finally {
    store.close();
  }
}

