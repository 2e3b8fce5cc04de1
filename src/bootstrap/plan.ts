// The plan: a pure diff between the records we want (intents) and what the Cloudflare zones
// hold. No network here, so every rule about conflicts and replacement is testable directly.
import { normalizeName } from '../names/domain-name.js';
import {
  canonicalContent,
  caaIssuer,
  sameCaaValue,
  type AddressIntent,
  type CaaIntent,
  type CnameIntent,
  type DelegationIntent,
  type DnsRecord,
  type ExistingRecord,
  type Intent,
  type Zone,
} from './records.js';

export type PlanAction = 'create' | 'update' | 'keep' | 'conflict' | 'delete';

export interface PlanStep {
  readonly action: PlanAction;
  readonly zone: Zone;
  /** create/update/keep: the record as it will be; conflict/delete: the record as it is. */
  readonly record: DnsRecord;
  /** The record in Cloudflare this step reads or changes (absent for create). */
  readonly existing?: ExistingRecord;
  readonly purpose: string;
  /** Why a step is a conflict, or what an update changes. */
  readonly note?: string;
}

export interface PlanOptions {
  /** Replace conflicting records we are allowed to replace (--replace). */
  readonly replace: boolean;
}

/** Records at one name, as listed from Cloudflare (any type). */
export type ExistingByName = ReadonlyMap<string, readonly ExistingRecord[]>;

/**
 * One step list for all intents, in a safe order: name-server addresses before the NS that
 * needs them, the delegation before the CNAMEs that point into it, CAA last. Within a name,
 * deletions come before the create they make room for.
 */
export function computePlan(intents: readonly Intent[], existing: ExistingByName, options: PlanOptions): PlanStep[] {
  const order: Intent['kind'][] = ['address', 'delegation', 'cname', 'caa'];
  const sorted = [...intents].sort((a, b) => order.indexOf(a.kind) - order.indexOf(b.kind));
  return sorted.flatMap((intent) => {
    const here = (existing.get(normalizeName(intent.name)) ?? []).filter((r) => r.zoneId === intent.zone.id);
    switch (intent.kind) {
      case 'cname':
        return planCname(intent, here, options);
      case 'delegation':
        return planDelegation(intent, here, options);
      case 'address':
        return planAddresses(intent, here, options);
      case 'caa':
        return planCaa(intent, here, options);
    }
  });
}

function wantedRecord(intent: Intent, type: string, content: string, proxied?: boolean): DnsRecord {
  return { name: normalizeName(intent.name), type, content: canonicalContent(type, content), ttl: intent.ttl, ...(proxied === undefined ? {} : { proxied }) };
}

/** keep when equal, update when only TTL or proxying differ. */
function keepOrUpdate(intent: Intent, wanted: DnsRecord, have: ExistingRecord): PlanStep {
  const differences: string[] = [];
  if (have.ttl !== wanted.ttl) differences.push(`ttl ${have.ttl} -> ${wanted.ttl}`);
  if (wanted.proxied !== undefined && have.proxied !== wanted.proxied) differences.push(`proxied ${String(have.proxied)} -> ${String(wanted.proxied)}`);
  if (differences.length === 0) return { action: 'keep', zone: intent.zone, record: wanted, existing: have, purpose: intent.purpose };
  return { action: 'update', zone: intent.zone, record: wanted, existing: have, purpose: intent.purpose, note: differences.join(', ') };
}

function conflictOrDelete(intent: Intent, have: ExistingRecord, why: string, options: PlanOptions): PlanStep {
  return options.replace
    ? { action: 'delete', zone: intent.zone, record: have, existing: have, purpose: intent.purpose, note: `replaced (--replace): ${why}` }
    : { action: 'conflict', zone: intent.zone, record: have, existing: have, purpose: intent.purpose, note: `${why}; left alone (--replace deletes it)` };
}

function planCname(intent: CnameIntent, all: readonly ExistingRecord[], options: PlanOptions): PlanStep[] {
  const here = intent.apex ? all.filter((r) => r.type === 'A' || r.type === 'AAAA' || r.type === 'CNAME') : all;
  const wanted = wantedRecord(intent, 'CNAME', intent.target, false);
  const ours = here.find((r) => r.type === 'CNAME' && r.content === wanted.content);
  const steps: PlanStep[] = [];
  let foreignCname: ExistingRecord | undefined;
  for (const have of here) {
    if (have === ours) continue;
    if (have.type === 'CNAME' && !ours && !foreignCname) {
      // A CNAME elsewhere (another delegation service, an old set-up): rewrite it in place
      // with --replace, so the name never goes without a CNAME.
      foreignCname = have;
      steps.push(
        options.replace
          ? { action: 'update', zone: intent.zone, record: wanted, existing: have, purpose: intent.purpose, note: `replaces CNAME to ${have.content} (--replace)` }
          : { action: 'conflict', zone: intent.zone, record: have, existing: have, purpose: intent.purpose, note: `CNAME points to ${have.content}, not to our slot; left alone (--replace rewrites it)` },
      );
      continue;
    }
    const why = have.type === 'TXT' ? 'a TXT here (e.g. from a DNS-provider hook) would shadow the CNAME' : `a ${have.type} cannot share its name with the CNAME`;
    steps.push(conflictOrDelete(intent, have, why, options));
  }
  const blocked = steps.some((s) => s.action === 'conflict');
  // Deletions first, so the create finds the name free.
  steps.sort((a, b) => Number(a.action !== 'delete') - Number(b.action !== 'delete'));
  if (ours) steps.unshift(keepOrUpdate(intent, wanted, ours));
  else if (!foreignCname && !blocked) steps.push({ action: 'create', zone: intent.zone, record: wanted, purpose: intent.purpose });
  return steps;
}

/** Shared by the NS set and the address set: each wanted content kept, updated or created. */
function planSet(intent: Intent, types: readonly string[], wanted: readonly DnsRecord[], here: readonly ExistingRecord[], foreign: (r: ExistingRecord) => string | undefined, options: PlanOptions): PlanStep[] {
  const steps: PlanStep[] = [];
  const matched = new Set<ExistingRecord>();
  const creates: PlanStep[] = [];
  for (const record of wanted) {
    const have = here.find((r) => r.type === record.type && r.content === record.content && !matched.has(r));
    if (have) {
      matched.add(have);
      steps.push(keepOrUpdate(intent, record, have));
    } else {
      creates.push({ action: 'create', zone: intent.zone, record, purpose: intent.purpose });
    }
  }
  for (const have of here) {
    if (matched.has(have)) continue;
    const why = types.includes(have.type) ? `${have.type} ${have.content} is not ours` : foreign(have);
    if (why !== undefined) steps.push(conflictOrDelete(intent, have, why, options));
  }
  if (steps.some((s) => s.action === 'conflict')) return steps;
  return [...steps.filter((s) => s.action === 'delete'), ...steps.filter((s) => s.action !== 'delete'), ...creates];
}

function planDelegation(intent: DelegationIntent, here: readonly ExistingRecord[], options: PlanOptions): PlanStep[] {
  const wanted = intent.nameservers.map((ns) => wantedRecord(intent, 'NS', ns));
  // Cloudflare refuses NS next to any other type, and such a record would hide the delegation.
  return planSet(intent, ['NS'], wanted, here, (r) => `a ${r.type} cannot share its name with the delegation NS`, options);
}

function planAddresses(intent: AddressIntent, here: readonly ExistingRecord[], options: PlanOptions): PlanStep[] {
  const wanted = intent.addresses.map((a) => wantedRecord(intent, a.includes(':') ? 'AAAA' : 'A', a, false));
  const foreign = (r: ExistingRecord): string | undefined =>
    r.type === 'CNAME' || r.type === 'NS' ? `a ${r.type} at the name server's name hides its addresses` : undefined;
  return planSet(intent, ['A', 'AAAA'], wanted, here, foreign, options);
}

function planCaa(intent: CaaIntent, here: readonly ExistingRecord[], options: PlanOptions): PlanStep[] {
  const caa = { flags: 0, tag: intent.tag, value: intent.value };
  const wanted: DnsRecord = { name: normalizeName(intent.name), type: 'CAA', content: canonicalContent('CAA', '', caa), ttl: intent.ttl, caa };
  const cname = here.find((r) => r.type === 'CNAME');
  if (cname) {
    // Never touch someone's website CNAME for a CAA: that is not ours to replace.
    return [{ action: 'conflict', zone: intent.zone, record: cname, existing: cname, purpose: intent.purpose, note: `a CNAME to ${cname.content} allows no CAA here; set CAA at the CNAME's target instead (not replaced)` }];
  }
  const sameIssuer = here.filter((r) => r.type === 'CAA' && r.caa?.tag === intent.tag && caaIssuer(r.caa.value) === caaIssuer(intent.value));
  const exact = sameIssuer.find((r) => r.caa !== undefined && sameCaaValue(r.caa.value, intent.value));
  if (exact) return [keepOrUpdate(intent, wanted, exact)];
  const other = sameIssuer[0];
  if (other) {
    return [
      options.replace
        ? { action: 'update', zone: intent.zone, record: wanted, existing: other, purpose: intent.purpose, note: `replaces ${other.content} (--replace)` }
        : { action: 'conflict', zone: intent.zone, record: other, existing: other, purpose: intent.purpose, note: `CAA for the same issuer with other parameters; left alone (--replace rewrites it)` },
    ];
  }
  return [{ action: 'create', zone: intent.zone, record: wanted, purpose: intent.purpose }];
}

export function planCounts(steps: readonly PlanStep[]): Record<PlanAction, number> {
  const counts: Record<PlanAction, number> = { create: 0, update: 0, keep: 0, conflict: 0, delete: 0 };
  for (const step of steps) counts[step.action]++;
  return counts;
}

/** True when applying would change something in Cloudflare. */
export function planHasChanges(steps: readonly PlanStep[]): boolean {
  return steps.some((s) => s.action === 'create' || s.action === 'update' || s.action === 'delete');
}
