// Loads the TOML config file, applies ACME_DELEGATE_* environment variables and command-line
// overrides, validates every key and returns one frozen, typed Config.
import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { Value } from '@sinclair/typebox/value';
import { ValueErrorType } from '@sinclair/typebox/errors';
import { parse as parseToml, TomlError } from 'smol-toml';
import { ConfigError } from '../errors.js';
import { isAtOrBelow, isHostName, normalizeName } from '../names/domain-name.js';
import { isIpAddress, parseCidr, parseHostPort } from '../net/address.js';
import { parseNameServerEntry } from '../dns/name-servers.js';
import { checkTransferConfig } from '../dns/transfer/settings.js';
import { configKeys, configSchema, configSections, type Config, type ConfigDraft, type KeySpec } from './schema.js';

export interface LoadOptions {
  /** Path of the TOML file; none means embedded defaults. */
  readonly file?: string;
  /** Environment to read ACME_DELEGATE_<SECTION>_<KEY> from. */
  readonly env?: NodeJS.ProcessEnv;
  /** "section.key" -> value from command-line flags; applied last. */
  readonly overrides?: Readonly<Record<string, string | readonly string[]>>;
  /** Folder that relative paths resolve against when there is no file (default: cwd). */
  readonly baseDir?: string;
}

type RawValue = unknown;

export function envName(spec: KeySpec): string {
  return `ACME_DELEGATE_${spec.section}_${spec.key}`.toUpperCase();
}

export function loadConfig(options: LoadOptions = {}): Config {
  const where = options.file ?? '(defaults)';
  const raw = options.file ? readTomlFile(options.file) : {};
  const baseDir = options.file ? dirname(resolve(options.file)) : (options.baseDir ?? process.cwd());
  rejectUnknownKeys(raw, where);

  const values: Record<string, Record<string, unknown>> = Object.fromEntries(configSections.map((section) => [section, {}]));
  for (const spec of configKeys) {
    const name = `${spec.section}.${spec.key}`;
    const fromFile = (raw[spec.section] as Record<string, RawValue> | undefined)?.[spec.key];
    const fromEnv = options.env?.[envName(spec)];
    const fromFlag = options.overrides?.[name];
    let value: unknown = spec.default;
    if (fromFile !== undefined) value = checkType(spec, fromFile, `${where}: ${name}`);
    if (fromEnv !== undefined) value = fromText(spec, fromEnv, `environment ${envName(spec)}`);
    if (fromFlag !== undefined) value = fromText(spec, fromFlag, `option for ${name}`);
    if (spec.type === 'path' && typeof value === 'string' && value !== '' && !isAbsolute(value)) {
      value = resolve(baseDir, value);
    }
    values[spec.section]![spec.key] = value;
  }
  // Every key was checked on its own above; this tells TypeScript the whole has the schema's shape.
  if (!Value.Check(configSchema, values)) throw new Error('config assembled with a key the schema does not hold');
  return deepFreeze(finish(values, where));
}

function readTomlFile(file: string): Record<string, RawValue> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError(`cannot read config file ${file}: ${(err as Error).message}`);
  }
  try {
    return parseToml(text) as Record<string, RawValue>;
  } catch (err) {
    if (err instanceof TomlError) {
      throw new ConfigError(`${file}:${err.line}:${err.column}: invalid TOML: ${err.message.split('\n')[0]}`);
    }
    throw new ConfigError(`${file}: invalid TOML: ${(err as Error).message}`);
  }
}

function rejectUnknownKeys(raw: Record<string, RawValue>, where: string): void {
  for (const [section, body] of Object.entries(raw)) {
    if (!(configSections as readonly string[]).includes(section)) {
      throw new ConfigError(`${where}: unknown section [${section}] (known: ${configSections.join(', ')})`);
    }
    if (typeof body !== 'object' || body === null || Array.isArray(body)) {
      throw new ConfigError(`${where}: "${section}" must be a [${section}] table`);
    }
    for (const key of Object.keys(body)) {
      if (!configKeys.some((s) => s.section === section && s.key === key)) {
        const known = configKeys.filter((s) => s.section === section).map((s) => s.key);
        throw new ConfigError(`${where}: unknown key ${section}.${key} (known in [${section}]: ${known.join(', ')})`);
      }
    }
  }
}

/** The value if the key's schema accepts it, else an error saying what the key wants. */
function checkType(spec: KeySpec, value: RawValue, where: string): unknown {
  const input = typeof value === 'bigint' ? Number(value) : value;
  const error = Value.Errors(spec.schema, input).First();
  if (error === undefined) return input;
  throw new ConfigError(`${where} must be ${wanted(spec, error.type)}, got ${JSON.stringify(input)}`);
}

function wanted(spec: KeySpec, error: ValueErrorType): string {
  if (error === ValueErrorType.IntegerMinimum) return `at least ${spec.min}`;
  if (error === ValueErrorType.IntegerMaximum) return `at most ${spec.max}`;
  switch (spec.type) {
    case 'string':
    case 'path':
      return 'a string';
    case 'enum':
      return `one of ${spec.values?.map((v) => `"${v}"`).join(', ')}`;
    case 'boolean':
      return 'true or false';
    case 'integer':
      return 'an integer';
    case 'string[]':
      return 'an array of strings';
  }
}

/** Environment variables and flags are text: lists are comma-separated, numbers decimal. */
function fromText(spec: KeySpec, text: string | readonly string[], where: string): unknown {
  if (spec.type === 'string[]') {
    const items = typeof text === 'string' ? text.split(',').map((s) => s.trim()).filter((s) => s !== '') : [...text];
    return checkType(spec, items, where);
  }
  const single = typeof text === 'string' ? text : text[text.length - 1] ?? '';
  if (spec.type === 'integer') {
    if (!/^-?\d+$/.test(single.trim())) throw new ConfigError(`${where} must be an integer, got "${single}"`);
    return checkType(spec, Number(single), where);
  }
  if (spec.type === 'boolean') {
    if (!['true', 'false'].includes(single)) throw new ConfigError(`${where} must be true or false, got "${single}"`);
    return single === 'true';
  }
  return checkType(spec, single, where);
}

/** Cross-key rules and derived defaults. */
function finish(c: ConfigDraft, where: string): Config {
  const bad = (key: string, why: string): never => {
    throw new ConfigError(`${where}: ${key} ${why}`);
  };
  c.dns.zone = normalizeName(c.dns.zone);
  if (!isHostName(c.dns.zone)) bad('dns.zone', `"${c.dns.zone}" is not a domain name`);
  c.dns.nsname = normalizeName(c.dns.nsname || `ns.${c.dns.zone}`);
  if (!isHostName(c.dns.nsname)) bad('dns.nsname', `"${c.dns.nsname}" is not a domain name`);
  c.dns.nsadmin = normalizeName((c.dns.nsadmin || `hostmaster.${c.dns.zone}`).replace('@', '.'));
  if (!isHostName(c.dns.nsadmin)) bad('dns.nsadmin', `"${c.dns.nsadmin}" is not a mailbox in DNS form`);
  c.dns.ns_addresses.forEach((a, i) => isIpAddress(a) || bad(`dns.ns_addresses[${i}]`, `"${a}" is not an IP address`));
  if (c.dns.listen.length === 0) bad('dns.listen', 'needs at least one address');
  c.dns.listen.forEach((a, i) => tryParse(() => parseHostPort(a), `dns.listen[${i}]`, bad));
  tryParse(() => parseHostPort(c.api.listen), 'api.listen', bad);
  c.dns.nameservers.forEach((entry, i) => {
    const server = tryParse(() => parseNameServerEntry(entry), `dns.nameservers[${i}]`, bad);
    if (server.addresses.length === 0 && isAtOrBelow(server.host, c.dns.zone)) {
      bad(`dns.nameservers[${i}]`, `${server.host} is inside ${c.dns.zone}: give its addresses ("${server.host} ADDR") so the zone can carry its glue`);
    }
  });
  if (c.dns.hidden_primary && c.dns.nameservers.length === 0) bad('dns.hidden_primary', 'needs at least one entry in dns.nameservers to serve the zone');
  try {
    checkTransferConfig(c.dns);
  } catch (err) {
    throw new ConfigError(`${where}: ${(err as Error).message}`);
  }
  c.api.registration_allow.forEach((a, i) => tryParse(() => parseCidr(a), `api.registration_allow[${i}]`, bad));
  c.api.trusted_proxies.forEach((a, i) => tryParse(() => parseCidr(a), `api.trusted_proxies[${i}]`, bad));
  c.dns.rrl_exempt.forEach((a, i) => tryParse(() => parseCidr(a), `dns.rrl_exempt[${i}]`, bad));
  if (c.api.request_timeout_seconds < c.api.header_timeout_seconds) bad('api.request_timeout_seconds', 'must be at least api.header_timeout_seconds');
  if (c.api.path_prefix !== '') {
    c.api.path_prefix = c.api.path_prefix.replace(/\/+$/, '');
    if (!/^\/[A-Za-z0-9._~\-/]*$/.test(c.api.path_prefix)) bad('api.path_prefix', 'must start with "/" and hold only URL path characters');
  }
  if ((c.api.tls_cert === '') !== (c.api.tls_key === '')) bad('api.tls_cert', 'and api.tls_key must be set together');
  if (c.api.public_url !== '') {
    try {
      const url = new URL(c.api.public_url);
      if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error();
    } catch {
      bad('api.public_url', `"${c.api.public_url}" is not an http(s) URL`);
    }
    c.api.public_url = c.api.public_url.replace(/\/+$/, '');
  }
  return c;
}

function tryParse<T>(fn: () => T, key: string, bad: (key: string, why: string) => never): T {
  try {
    return fn();
  } catch (err) {
    return bad(key, (err as Error).message);
  }
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    for (const inner of Object.values(value)) deepFreeze(inner);
    Object.freeze(value);
  }
  return value;
}

/** The public base URL written into credential files. */
export function publicApiUrl(config: Config): string {
  if (config.api.public_url) return config.api.public_url;
  const scheme = config.api.tls_cert ? 'https' : 'http';
  const { host, port } = parseHostPort(config.api.listen);
  const shown = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host;
  return `${scheme}://${shown.includes(':') ? `[${shown}]` : shown}:${port}`;
}
