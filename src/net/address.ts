// Parsing of listen addresses and CIDR lists, and matching a client address against them.
import ipaddr from 'ipaddr.js';

export interface HostPort {
  readonly host: string;
  readonly port: number;
}

/** "127.0.0.1:53", "[::1]:53" or "localhost:53" into host and port; throws with a reason. */
export function parseHostPort(text: string): HostPort {
  const bracketed = /^\[([^\]]+)\]:(\d+)$/.exec(text);
  const plain = /^([^:[\]]+):(\d+)$/.exec(text);
  const match = bracketed ?? plain;
  if (!match) throw new Error(`"${text}" is not ADDR:PORT (IPv6 in brackets: "[::1]:53")`);
  const host = match[1] as string;
  const port = Number(match[2]);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`port of "${text}" is out of range`);
  if (bracketed && !ipaddr.IPv6.isValid(host)) throw new Error(`"${host}" is not an IPv6 address`);
  return { host, port };
}

export function formatHostPort({ host, port }: HostPort): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

export function isIpAddress(text: string): boolean {
  return ipaddr.isValid(text) && (ipaddr.IPv4.isValidFourPartDecimal(text) || ipaddr.IPv6.isValid(text));
}

/**
 * True for names and addresses that stay on this machine: "localhost", 127.0.0.0/8, ::1 and
 * ::ffff:127.x; IPv6 may come in brackets, as URL host names do ("[::1]").
 */
export function isLoopbackHost(host: string): boolean {
  if (host === 'localhost') return true;
  const address = host.replace(/^\[(.*)\]$/, '$1');
  return ipaddr.isValid(address) && ipaddr.process(address).range() === 'loopback';
}

export type Cidr = [ipaddr.IPv4 | ipaddr.IPv6, number];

/**
 * A CIDR, or a bare address meaning a single host. IPv6 may come in brackets, as some
 * acme-dns clients send it ("[2001:db8::]/32"). Throws on anything else.
 */
export function parseCidr(text: string): Cidr {
  const unbracketed = text.trim().replace(/^\[([^\]]*)\]/, '$1');
  if (unbracketed.includes('/')) {
    const [addr, bits] = unbracketed.split('/') as [string, string];
    if (!/^\d{1,3}$/.test(bits) || !isIpAddress(addr)) throw new Error(`"${text}" is not a CIDR`);
    return ipaddr.parseCIDR(`${addr}/${bits}`);
  }
  if (!isIpAddress(unbracketed)) throw new Error(`"${text}" is not a CIDR`);
  const addr = ipaddr.parse(unbracketed);
  return [addr, addr.kind() === 'ipv4' ? 32 : 128];
}

/** Canonical text of a CIDR ("10.0.0.0/8", "2001:db8::/32"). */
export function formatCidr([addr, bits]: Cidr): string {
  return `${addr.toString()}/${bits}`;
}

/** Parses an address, turning IPv4-mapped IPv6 ("::ffff:1.2.3.4") into IPv4. */
export function parseClientAddress(text: string): ipaddr.IPv4 | ipaddr.IPv6 | undefined {
  if (!ipaddr.isValid(text)) return undefined;
  return ipaddr.process(text);
}

export function addressInCidrs(address: string, cidrs: readonly Cidr[]): boolean {
  const addr = parseClientAddress(address);
  if (!addr) return false;
  return cidrs.some(([net, bits]) => addr.kind() === net.kind() && addr.match(net, bits));
}

/**
 * The client network an address belongs to, as a short key: "v4:<prefix>/<bits>" or
 * "v6:<prefix>/<bits>". Rate limits count per network, since one host of IPv6 holds a /64 or
 * more, and IPv4-mapped IPv6 counts as IPv4. Undefined for text that is not an address.
 */
export function clientNetwork(address: string, ipv4Bits: number, ipv6Bits: number): string | undefined {
  const value = ipv4ToInt(address);
  if (value !== undefined) {
    const masked = ipv4Bits === 0 ? 0 : (value & (0xffffffff << (32 - ipv4Bits))) >>> 0;
    return `v4:${masked.toString(16)}/${ipv4Bits}`;
  }
  const parsed = parseClientAddress(address);
  if (!parsed) return undefined;
  if (parsed.kind() === 'ipv4') return clientNetwork(parsed.toString(), ipv4Bits, ipv6Bits);
  const bytes = parsed.toByteArray();
  let key = 'v6:';
  for (let bit = 0; bit < ipv6Bits; bit += 8) {
    const keep = Math.min(8, ipv6Bits - bit);
    const byte = (bytes[bit / 8] as number) & (0xff << (8 - keep)) & 0xff;
    key += byte.toString(16).padStart(2, '0');
  }
  return `${key}/${ipv6Bits}`;
}

/**
 * Dotted-quad IPv4 as an unsigned 32-bit number, without an ipaddr object, a split or a regular
 * expression: RRL calls this per datagram. Strict: four decimal parts of 1-3 digits, each <= 255.
 */
export function ipv4ToInt(text: string): number | undefined {
  if (text.length < 7 || text.length > 15) return undefined;
  let value = 0;
  let part = 0;
  let digits = 0;
  let dots = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x2e) {
      if (digits === 0 || ++dots > 3) return undefined;
      value = value * 256 + part;
      part = 0;
      digits = 0;
    } else if (c >= 0x30 && c <= 0x39 && digits < 3) {
      part = part * 10 + (c - 0x30);
      digits++;
      if (part > 255) return undefined;
    } else {
      return undefined;
    }
  }
  return dots === 3 && digits > 0 ? value * 256 + part : undefined;
}

/**
 * A matcher for a fixed CIDR list, fast for IPv4 (integer compare) since it runs per datagram;
 * other addresses go through ipaddr.
 */
export function cidrMatcher(cidrs: readonly Cidr[]): (address: string) => boolean {
  const v4 = cidrs
    .filter(([net]) => net.kind() === 'ipv4')
    .map(([net, bits]) => {
      const mask = bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0;
      return { base: ((ipv4ToInt(net.toString()) ?? 0) & mask) >>> 0, mask };
    });
  return (address) => {
    const value = ipv4ToInt(address);
    if (value !== undefined) return v4.some(({ base, mask }) => ((value & mask) >>> 0) === base);
    return addressInCidrs(address, cidrs);
  };
}
