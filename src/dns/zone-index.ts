// The in-memory view of everything DNS serves: SOA, apex NS and glue, static records from config
// and one TXT RRset per account slot. Built at start, then kept current by the store's change
// events (emitted synchronously after commit), so the query path never touches SQLite and an
// acknowledged update is visible before the API answers.
import ipaddr from 'ipaddr.js';
import type { Config } from '../config/schema.js';
import { ConfigError } from '../errors.js';
import type { Slot, SlotChange } from '../store/store.js';
import { RRType } from './constants.js';
import { asciiLower, isAtOrBelow } from '../names/domain-name.js';
import { compareCanonical, parentName } from './names.js';
import type { RData, RRset } from './records.js';
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
  listSlots(): Slot[];
  serial(): number;
  on(event: 'change', listener: (change: SlotChange) => void): unknown;
  off(event: 'change', listener: (change: SlotChange) => void): unknown;
}

type Node = Map<number, RRset>;

export function createZoneIndex(config: Config, store: SlotSource): ZoneIndex {
  const dns = config.dns;
  const origin = dns.zone;
  const staticNodes = buildStaticNodes(config);
  /** Slot owner name -> its TXT RRset, or null while the slot has no value. */
  const slots = new Map<string, RRset | null>();
  /** Names with slots below them -> how many, so empty non-terminals come and go with slots. */
  const slotAncestors = new Map<string, number>();
  const nodes = new Map<string, Node>();
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

  const rebuildNode = (name: string): void => {
    const node: Node = new Map(staticNodes.get(name));
    const slot = slots.get(name);
    if (slot) {
      node.delete(RRType.CNAME); // a live slot wins over a conflicting static alias
      node.set(RRType.TXT, slot);
    }
    if (name === origin) node.set(RRType.SOA, soaRRset());
    if (node.size === 0) nodes.delete(name);
    else nodes.set(name, node);
  };

  const slotName = (subdomain: string): string => `${asciiLower(subdomain)}.${origin}`;

  const setSlot = (subdomain: string, values: readonly string[] | null): void => {
    const name = slotName(subdomain);
    const had = slots.has(name);
    if (values === null) {
      if (!had) return;
      slots.delete(name);
      adjustAncestors(name, -1);
    } else {
      slots.set(name, values.length === 0 ? null : txtRRset(name, values, dns.txt_ttl));
      if (!had) adjustAncestors(name, +1);
    }
    rebuildNode(name);
  };

  const adjustAncestors = (name: string, delta: number): void => {
    for (let n = parentName(name); n !== undefined && isAtOrBelow(n, origin); n = parentName(n)) {
      const count = (slotAncestors.get(n) ?? 0) + delta;
      if (count <= 0) slotAncestors.delete(n);
      else slotAncestors.set(n, count);
    }
  };

  for (const name of staticNodes.keys()) rebuildNode(name);
  for (const slot of store.listSlots()) setSlot(slot.subdomain, slot.values);
  rebuildNode(origin);

  const onChange = (change: SlotChange): void => {
    serial = change.serial;
    setSlot(change.subdomain, change.values);
    rebuildNode(origin);
    version++;
  };
  store.on('change', onChange);

  return {
    origin,
    rrsets: (name) => nodes.get(name),
    exists: (name) => nodes.has(name) || staticNames.has(name) || slots.has(name) || slotAncestors.has(name),
    soa: () => nodes.get(origin)?.get(RRType.SOA) ?? soaRRset(),
    version: () => version,
    serial: () => serial,
    enumerate: () =>
      [...nodes.keys()]
        .sort(compareCanonical)
        .flatMap((name) => [...(nodes.get(name) as Node).values()].sort((a, b) => a.type - b.type)),
    close: () => {
      store.off('change', onChange);
    },
  };
}

/** A slot's TXT RRset: one record per value, newest first, as the store gives them. */
export function txtRRset(name: string, values: readonly string[], ttl: number): RRset {
  return { name, type: RRType.TXT, ttl, rdata: values.map((v) => ({ type: RRType.TXT, strings: [Buffer.from(v, 'utf8')] })) };
}

/** Apex NS, glue for an in-zone nsname, and dns.records, merged into RRsets and checked. */
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

  add(dns.zone, dns.default_ttl, { type: RRType.NS, host: dns.nsname }, 'dns.nsname');
  if (isAtOrBelow(dns.nsname, dns.zone)) {
    dns.ns_addresses.forEach((address, i) => {
      const rdata: RData = address.includes(':') ? { type: RRType.AAAA, address: normalizeV6(address) } : { type: RRType.A, address };
      add(dns.nsname, dns.default_ttl, rdata, `dns.ns_addresses[${i}]`);
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
