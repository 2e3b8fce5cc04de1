// Who may transfer the zone and whom we notify, read from [dns] once at start: secondaries
// ("ADDR:PORT" or "ADDR:PORT KEYNAME"), extra transfer CIDRs, and TSIG keys from the config, a key
// file or the environment. Errors name the key and the entry, never a secret.
import { readFileSync } from 'node:fs';
import type { Config } from '../../config/schema.js';
import { ConfigError } from '../../errors.js';
import { normalizeName } from '../../names/domain-name.js';
import { isIpAddress, parseCidr, parseHostPort, type Cidr } from '../../net/address.js';
import { parseTsigKey, type TsigKey } from '../tsig.js';

export interface Secondary {
  readonly host: string;
  readonly port: number;
  /** The key its NOTIFY is signed with; undefined: unsigned. */
  readonly key: TsigKey | undefined;
}

export interface TransferSettings {
  readonly keys: readonly TsigKey[];
  /** Sources allowed to ask for AXFR/IXFR: every secondary's address and transfer_allow. */
  readonly allow: readonly Cidr[];
  readonly secondaries: readonly Secondary[];
}

/** The entry "ADDR:PORT [KEYNAME]" split; throws with a reason. */
export function parseSecondaryEntry(text: string): { host: string; port: number; keyName: string | undefined } {
  const [address = '', keyName, ...rest] = text.trim().split(/\s+/);
  if (rest.length > 0) throw new Error(`"${text}" is not "ADDR:PORT" or "ADDR:PORT KEYNAME"`);
  const { host, port } = parseHostPort(address);
  if (!isIpAddress(host)) throw new Error(`"${host}" is not an IP address (a secondary is notified at its address)`);
  if (port === 0) throw new Error(`"${text}" needs a port other than 0`);
  return { host, port, keyName: keyName === undefined ? undefined : normalizeName(keyName) };
}

/** Checks the [dns] transfer keys without reading files (for config loading); throws on the first problem. */
export function checkTransferConfig(dns: Config['dns']): void {
  const names = new Set<string>();
  dns.tsig_keys.forEach((text, i) => {
    names.add(wrap(`dns.tsig_keys[${i}]`, () => parseTsigKey(text)).name);
  });
  dns.secondaries.forEach((text, i) => {
    const { keyName } = wrap(`dns.secondaries[${i}]`, () => parseSecondaryEntry(text));
    // A key named here may also come from tsig_key_file, which is read at start.
    if (keyName !== undefined && dns.tsig_key_file === '' && !names.has(keyName)) {
      throw new ConfigError(`dns.secondaries[${i}]: no TSIG key named "${keyName}" in dns.tsig_keys`);
    }
  });
  dns.transfer_allow.forEach((text, i) => wrap(`dns.transfer_allow[${i}]`, () => parseCidr(text)));
}

/** The settings the transfer front and the NOTIFY sender use; reads dns.tsig_key_file. */
export function transferSettings(config: Config): TransferSettings {
  const dns = config.dns;
  const keys: TsigKey[] = dns.tsig_keys.map((text, i) => wrap(`dns.tsig_keys[${i}]`, () => parseTsigKey(text)));
  if (dns.tsig_key_file !== '') keys.push(...readKeyFile(dns.tsig_key_file));
  const seen = new Set<string>();
  for (const key of keys) {
    if (seen.has(key.name)) throw new ConfigError(`TSIG key "${key.name}" is defined twice`);
    seen.add(key.name);
  }
  const secondaries = dns.secondaries.map((text, i): Secondary => {
    const entry = wrap(`dns.secondaries[${i}]`, () => parseSecondaryEntry(text));
    if (entry.keyName === undefined) return { host: entry.host, port: entry.port, key: keys.length === 1 ? keys[0] : undefined };
    const key = keys.find((k) => k.name === entry.keyName);
    if (!key) throw new ConfigError(`dns.secondaries[${i}]: no TSIG key named "${entry.keyName}"`);
    return { host: entry.host, port: entry.port, key };
  });
  const allow: Cidr[] = [
    ...secondaries.map((s) => parseCidr(s.host)),
    ...dns.transfer_allow.map((text, i) => wrap(`dns.transfer_allow[${i}]`, () => parseCidr(text))),
  ];
  return { keys, allow, secondaries };
}

function readKeyFile(path: string): TsigKey[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new ConfigError(`dns.tsig_key_file: cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? 'error'}`);
  }
  return text
    .split('\n')
    .map((line, i) => ({ line: line.replace(/#.*/, '').trim(), number: i + 1 }))
    .filter(({ line }) => line !== '')
    .map(({ line, number }) => wrap(`dns.tsig_key_file ${path}:${number}`, () => parseTsigKey(line)));
}

function wrap<T>(where: string, parse: () => T): T {
  try {
    return parse();
  } catch (err) {
    if (err instanceof ConfigError) throw err;
    throw new ConfigError(`${where}: ${(err as Error).message}`);
  }
}
