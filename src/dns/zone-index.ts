// The in-memory view of everything DNS serves: SOA, apex NS and glue, static records from config
// and one TXT RRset per ACME slot, A/AAAA per ddns slot. Built at start, then kept current by the store's change
// events (emitted synchronously after commit), so the query path never touches SQLite and an
// acknowledged update is visible before the API answers.
import ipaddr from 'ipaddr.js';
import type { Config } from '../config/schema.js';
import { ConfigError } from '../errors.js';
import type { AccountKind, Slot, SlotChange } from '../store/store.js';
import { RRType } from './constants.js';
import { asciiLower, isAtOrBelow } from '../names/domain-name.js';
import { parentName } from './names.js';
import type { RData, RRset } from './records.js';
import { createSlotEncoder, decodeSlotRecords, dottedName, wireKey } from './slot-records.js';
import { publicNameServers } from './name-servers.js';
import { parseStaticRecords } from './static-records.js';

/** What the rules need from a zone: exact lookups by lower-case name. */
export interface ZoneView {
  /** Lower-case apex name, no trailing dot. */
  readonly origin: string;
  /** The RRsets at a name, or undefined when the name holds no data (absent or empty non-terminal). */
  rrsets(name: string): ReadonlyMap<number, RRset> | undefined;
  /** True when the name holds data or has names below it (an empty non-terminal exists too). */
  exists(name: string): boolean;
  /** The apex SOA RRset with the current serial. */
  soa(): RRset;
  /** Bumped on every change to served data; caches of encoded answers compare it. */
  version(): number;
  /** The slots as the fast path reads them (src/dns/fast-answers.ts). */
  readonly slots: SlotTable;
}

/**
 * Slots keyed by the lower-case wire form of their labels below the apex ("\x24d420c923-…" for
 * d420c923-….<zone>), the bytes a query carries, so the fast path needs no name parsing.
 */
export interface SlotTable {
  /** The slot's records pre-encoded (src/dns/slot-records.ts: TXT, or A/AAAA for ddns); '' without values; undefined: no slot. */
  records(key: string): string | undefined;
  /** True when slots lie below this name (an empty non-terminal). */
  hasSlotsBelow(key: string): boolean;
  /**
   * Wire forms of the labels directly under the apex whose names the fast path leaves to the
   * rules: names of static records (CNAMEs, cuts, ...) and in-zone SOA mname/rname (whose
   * compression against the question the SOA template does not model).
   */
  readonly reservedTopLabels: readonly Buffer[];
}

export interface ZoneIndex extends ZoneView {
  serial(): number;
  /** Every RRset in canonical order (RFC 4034 §6.1), types ascending within a name: for AXFR. */
  enumerate(): RRset[];
  /** Stops following the store. */
  close(): void;
}

/** The part of Store the index uses; tests may pass a fake. */
export interface SlotSource {
  /** Read once at start, one slot at a time: a generator over the rows is enough (no full list needed). */
  listSlots(): Iterable<Slot>;
  serial(): number;
  on(event: 'change', listener: (change: SlotChange) => void): unknown;
  off(event: 'change', listener: (change: SlotChange) => void): unknown;
}

type Node = Map<number, RRset>;

export function createZoneIndex(config: Config, store: SlotSource): ZoneIndex {
  const dns = config.dns;
  const origin = dns.zone;
  const suffix = `.${origin}`;
  /** Static names (config) only: a few entries whatever the number of accounts. */
  const staticNodes = buildStaticNodes(config);
  /** Slot key -> its encoded TXT records ('' while it has no value). */
  const slots = new Map<string, string>();
  /** Keys with slots below them -> how many, so empty non-terminals come and go with slots. */
  const slotAncestors = new Map<string, number>();
  const staticNames = new Set<string>();
  for (const name of staticNodes.keys()) {
    for (let n: string | undefined = name; n !== undefined && isAtOrBelow(n, origin); n = parentName(n)) staticNames.add(n);
  }
  let serial = store.serial();
  let version = 0;

  const soaRRset = (): RRset => ({
    name: origin,
    type: RRType.SOA,
    ttl: dns.default_ttl,
    rdata: [
      {
        type: RRType.SOA,
        mname: dns.nsname,
        rname: dns.nsadmin,
        serial,
        refresh: dns.soa_refresh,
        retry: dns.soa_retry,
        expire: dns.soa_expire,
        minimum: dns.negative_ttl,
      },
    ],
  });
  let soa = soaRRset();
  let apex: Node = new Map(staticNodes.get(origin)).set(RRType.SOA, soa);

  /** The key of a lower-case name strictly below the apex; undefined for any other name. */
  const encoder = createSlotEncoder(dns.txt_ttl, config.ddns.ttl);
  const keyOf = (name: string): string | undefined => (name.endsWith(suffix) ? encoder.key(name.slice(0, -suffix.length)) : undefined);

  const setSlot = (subdomain: string, values: readonly string[] | null, kind: AccountKind = 'acme'): void => {
    const labels = /[A-Z]/.test(subdomain) ? asciiLower(subdomain) : subdomain;
    const key = encoder.key(labels);
    // A name no query can carry (empty or over-long label, a char beyond one byte) cannot be served.
    if (key === undefined) return;
    const had = slots.has(key);
    if (values === null) {
      if (!had) return;
      slots.delete(key);
      adjustAncestors(labels, -1);
    } else {
      slots.set(key, kind === 'ddns' ? encoder.addresses(values) : encoder.records(values));
      if (!had) adjustAncestors(labels, +1);
    }
  };

  const adjustAncestors = (labels: string, delta: number): void => {
    if (!labels.includes('.')) return; // one label (a UUID): no empty non-terminal above it
    for (let n = parentName(labels); n !== undefined && n !== ''; n = parentName(n)) {
      const key = encoder.key(n) as string;
      const count = (slotAncestors.get(key) ?? 0) + delta;
      if (count <= 0) slotAncestors.delete(key);
      else slotAncestors.set(key, count);
    }
  };

  for (const slot of store.listSlots()) setSlot(slot.subdomain, slot.values, slot.kind);

  const onChange = (change: SlotChange): void => {
    serial = change.serial;
    setSlot(change.subdomain, change.values, change.kind);
    soa = soaRRset();
    apex = new Map(apex).set(RRType.SOA, soa);
    version++;
  };
  store.on('change', onChange);

  const rrsets = (name: string): ReadonlyMap<number, RRset> | undefined => {
    if (name === origin) return apex;
    const fixed = staticNodes.get(name);
    const key = keyOf(name);
    const served = key === undefined ? [] : decodeSlotRecords(name, slots.get(key) ?? '');
    if (served.length === 0) return fixed;
    const node: Node = new Map(fixed);
    node.delete(RRType.CNAME); // a live slot wins over a conflicting static alias
    for (const rrset of served) node.set(rrset.type, rrset);
    return node;
  };

  const slotTable: SlotTable = {
    records: (key) => slots.get(key),
    hasSlotsBelow: (key) => slotAncestors.has(key),
    reservedTopLabels: reservedTopLabels(config, [...staticNames]),
  };

  return {
    origin,
    rrsets,
    exists: (name) => {
      if (staticNames.has(name)) return true;
      const key = keyOf(name);
      return key !== undefined && (slots.has(key) || slotAncestors.has(key));
    },
    soa: () => soa,
    version: () => version,
    serial: () => serial,
    slots: slotTable,
    enumerate: () => {
      // Sorted by a key that orders like canonical DNS order; each maps to its slot key, or null
      // for a static name (whose node may also hold a slot).
      const originKey = canonicalSortKey(origin);
      const order = new Map<string, string | null>();
      for (const [key, records] of slots) if (records !== '') order.set(`${originKey}\0${canonicalSortKey(dottedName(key))}`, key);
      for (const name of staticNodes.keys()) order.set(canonicalSortKey(name), null);
      const out: RRset[] = [];
      for (const sortKey of [...order.keys()].sort()) {
        const name = sortKey.split('\0').reverse().join('.');
        const slotKey = order.get(sortKey);
        if (slotKey) out.push(...decodeSlotRecords(name, slots.get(slotKey) as string));
        else out.push(...[...(rrsets(name) as Node).values()].sort((a, b) => a.type - b.type));
      }
      return out;
    },
    close: () => {
      store.off('change', onChange);
    },
  };
}

/** See SlotTable.reservedTopLabels. */
function reservedTopLabels(config: Config, staticNames: readonly string[]): Buffer[] {
  const origin = config.dns.zone;
  const tops = new Set<string>();
  for (const name of [...staticNames, config.dns.nsname, config.dns.nsadmin]) {
    const lower = asciiLower(name);
    if (lower === origin || !isAtOrBelow(lower, origin)) continue;
    const below = lower.slice(0, -(origin.length + 1));
    tops.add(below.slice(below.lastIndexOf('.') + 1));
  }
  return [...tops].map((label) => Buffer.from(wireKey(label), 'latin1'));
}

/**
 * A string that sorts like canonical DNS order (RFC 4034 §6.1): labels from the right, each as
 * lower-cased bytes, NUL between labels so a name sorts before the names below it.
 */
function canonicalSortKey(name: string): string {
  return name === '' ? '' : asciiLower(name).split('.').reverse().join('\0');
}

/** Apex NS set, glue for in-zone name servers, and dns.records, merged into RRsets and checked. */
function buildStaticNodes(config: Config): Map<string, Node> {
  const dns = config.dns;
  const nodes = new Map<string, Node>();
  const add = (name: string, ttl: number, rdata: RData, where: string): void => {
    let node = nodes.get(name);
    if (!node) nodes.set(name, (node = new Map()));
    const existing = node.get(rdata.type);
    if (!existing) {
      node.set(rdata.type, { name, type: rdata.type, ttl, rdata: [rdata] });
      return;
    }
    if (existing.ttl !== ttl) {
      throw new ConfigError(`${where}: TTL ${ttl} differs from ${existing.ttl} of the other ${name} records of this type (RFC 2181 §5.2)`);
    }
    if (existing.rdata.some((r) => sameRdata(r, rdata))) return;
    node.set(rdata.type, { ...existing, rdata: [...existing.rdata, rdata] });
  };

  // The NS set: this server unless it is a hidden primary, and dns.nameservers; glue for those inside the zone.
  for (const server of publicNameServers(config)) {
    const where = server.ours ? 'dns.nsname' : 'dns.nameservers';
    add(dns.zone, dns.default_ttl, { type: RRType.NS, host: server.host }, where);
    if (!isAtOrBelow(server.host, dns.zone)) continue;
    server.addresses.forEach((address, i) => {
      const rdata: RData = address.includes(':') ? { type: RRType.AAAA, address: normalizeV6(address) } : { type: RRType.A, address };
      add(server.host, dns.default_ttl, rdata, server.ours ? `dns.ns_addresses[${i}]` : `${where} (${server.host})`);
    });
  }
  parseStaticRecords(dns.records, dns.zone).forEach((record, i) => {
    const where = `dns.records[${i}]`;
    if (record.rdata.type === RRType.CNAME && record.name === dns.zone) throw new ConfigError(`${where}: a CNAME cannot sit at the zone apex`);
    add(record.name, record.ttl ?? dns.default_ttl, record.rdata, where);
    const node = nodes.get(record.name) as Node;
    if (node.has(RRType.CNAME) && node.size > 1) {
      throw new ConfigError(`${where}: ${record.name} has a CNAME and other records; a CNAME must be alone at its name (RFC 1034 §3.6.2)`);
    }
    if (node.has(RRType.CNAME) && (node.get(RRType.CNAME) as RRset).rdata.length > 1) {
      throw new ConfigError(`${where}: ${record.name} has more than one CNAME`);
    }
  });
  return nodes;
}

/** Eight explicit groups: the form dns2's AAAA encoder handles for every input. */
function normalizeV6(address: string): string {
  return ipaddr.IPv6.parse(address).toNormalizedString();
}

function sameRdata(a: RData, b: RData): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** A slot's TXT RRset: one record per value, newest first, as the store gives them. */
export function txtRRset(name: string, values: readonly string[], ttl: number): RRset {
  return { name, type: RRType.TXT, ttl, rdata: values.map((v) => ({ type: RRType.TXT, strings: [Buffer.from(v, 'utf8')] })) };
}

/** A ddns slot's A and AAAA RRsets (addresses in any valid form). */
export function addressRRsets(name: string, addresses: readonly string[], ttl: number): RRset[] {
  const v4 = addresses.filter((a) => !a.includes(':')).map((address): RData => ({ type: RRType.A, address }));
  const v6 = addresses.filter((a) => a.includes(':')).map((address): RData => ({ type: RRType.AAAA, address: normalizeV6(address) }));
  return [
    ...(v4.length > 0 ? [{ name, type: RRType.A, ttl, rdata: v4 }] : []),
    ...(v6.length > 0 ? [{ name, type: RRType.AAAA, ttl, rdata: v6 }] : []),
  ];
}
