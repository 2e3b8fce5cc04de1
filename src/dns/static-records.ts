// Parses config `dns.records` (zone-file lines) into typed records inside our zone. A bad line
// stops the server at start with the key, the index and the reason, like Knot or NSD would.
import { isIPv4, isIPv6 } from 'node:net';
import ipaddr from 'ipaddr.js';
import { ConfigError } from '../errors.js';
import { RRType } from './constants.js';
import { asciiLower, isAtOrBelow, isValidLabel } from '../names/domain-name.js';
import type { RData } from './records.js';
import { tokenize, type Token } from './zone-file-syntax.js';

export interface StaticRecord {
  readonly name: string;
  /** undefined: the config's default TTL applies. */
  readonly ttl: number | undefined;
  readonly rdata: RData;
}

const MAX_TTL = 2147483647; // RFC 2181 §8

/** Parses every line; the error names `dns.records[i]` and why. */
export function parseStaticRecords(lines: readonly string[], zone: string): StaticRecord[] {
  return lines.map((line, i) => {
    try {
      return parseStaticRecord(line, zone);
    } catch (err) {
      throw new ConfigError(`dns.records[${i}] ("${line}"): ${(err as Error).message}`);
    }
  });
}

/** One line: `<owner> [<ttl>] [IN] <type> <rdata...>` (TTL and class in either order). */
export function parseStaticRecord(line: string, zone: string): StaticRecord {
  const tokens = tokenize(line);
  const ownerToken = tokens.shift();
  if (!ownerToken) throw new Error('empty record');
  const name = asciiLower(qualify(text(ownerToken), zone, 'owner name'));
  if (!isAtOrBelow(name, zone)) throw new Error(`owner "${name}" is outside the zone "${zone}"`);

  let ttl: number | undefined;
  let sawClass = false;
  let typeToken: Token | undefined;
  while ((typeToken = tokens.shift())) {
    const word = text(typeToken);
    if (/^\d+$/.test(word) && ttl === undefined) {
      ttl = Number(word);
      if (ttl > MAX_TTL) throw new Error(`TTL ${word} is above ${MAX_TTL}`);
    } else if (/^IN$/i.test(word) && !sawClass) {
      sawClass = true;
    } else if (/^(CH|HS|CS|ANY|CLASS\d+)$/i.test(word)) {
      throw new Error(`class ${word} is not supported (only IN)`);
    } else {
      break;
    }
  }
  if (!typeToken) throw new Error('missing record type');
  const type = text(typeToken).toUpperCase();
  return { name, ttl, rdata: parseRdata(type, tokens, zone) };
}

function parseRdata(type: string, args: Token[], zone: string): RData {
  const want = (count: number, shape: string): void => {
    if (args.length !== count) throw new Error(`${type} needs ${shape}, got ${args.length} field(s)`);
  };
  switch (type) {
    case 'A': {
      want(1, 'one IPv4 address');
      const address = text(args[0]);
      if (!isIPv4(address)) throw new Error(`"${address}" is not an IPv4 address`);
      return { type: RRType.A, address };
    }
    case 'AAAA': {
      want(1, 'one IPv6 address');
      const address = text(args[0]);
      if (!isIPv6(address)) throw new Error(`"${address}" is not an IPv6 address`);
      // dns2 cannot encode "::ffff:1.2.3.4" forms; all eight groups always can be.
      return { type: RRType.AAAA, address: ipaddr.IPv6.parse(address).toNormalizedString() };
    }
    case 'NS':
      want(1, 'one host name');
      return { type: RRType.NS, host: qualify(text(args[0]), zone, 'NS host') };
    case 'CNAME':
      want(1, 'one target name');
      return { type: RRType.CNAME, target: qualify(text(args[0]), zone, 'CNAME target') };
    case 'MX': {
      want(2, 'a preference and an exchange host');
      return { type: RRType.MX, preference: integer(args[0], 'MX preference', 0xffff), exchange: qualify(text(args[1]), zone, 'MX exchange') };
    }
    case 'TXT': {
      if (args.length === 0) throw new Error('TXT needs at least one string');
      const strings = args.map((t) => {
        if (t.bytes.length > 255) throw new Error(`TXT string of ${t.bytes.length} bytes is over 255; split it into several quoted strings`);
        return t.bytes;
      });
      return { type: RRType.TXT, strings };
    }
    case 'CAA': {
      want(3, 'flags, a tag and a value (e.g. 0 issue "letsencrypt.org")');
      const flags = integer(args[0], 'CAA flags', 255);
      const tag = text(args[1]);
      if (!/^[A-Za-z0-9]{1,15}$/.test(tag)) throw new Error(`CAA tag "${tag}" must be 1-15 letters or digits`);
      const valueBytes = (args[2] as Token).bytes;
      if (!/^[\x20-\x7e]*$/.test(valueBytes.toString('latin1'))) throw new Error('CAA value must be printable ASCII');
      return { type: RRType.CAA, flags, tag, value: valueBytes.toString('latin1') };
    }
    case 'SOA':
      throw new Error('SOA comes from the dns.* settings, not from dns.records');
    default:
      throw new Error(`record type "${type}" is not supported (A, AAAA, NS, CNAME, MX, TXT, CAA)`);
  }
}

function text(token: Token | undefined): string {
  return token ? token.bytes.toString('latin1') : '';
}

function integer(token: Token | undefined, what: string, max: number): number {
  const word = text(token);
  if (!/^\d+$/.test(word) || Number(word) > max) throw new Error(`${what} "${word}" must be an integer from 0 to ${max}`);
  return Number(word);
}

/** "@" is the apex, "x." is absolute, "x" is relative to the zone; checks label syntax. */
function qualify(name: string, zone: string, what: string): string {
  let full: string;
  if (name === '@') full = zone;
  else if (name.endsWith('.')) full = name.slice(0, -1);
  else full = `${name}.${zone}`;
  if (full === '') throw new Error(`${what} may not be the root`);
  if (full.length > 253) throw new Error(`${what} "${name}" is longer than 253 characters`);
  for (const part of full.split('.')) {
    if (part === '*') throw new Error(`${what} "${name}": wildcards are not supported`);
    if (!isValidLabel(part)) throw new Error(`${what} "${name}" has an invalid label "${part}" (letters, digits, "-", "_", at most 63)`);
  }
  return full;
}
