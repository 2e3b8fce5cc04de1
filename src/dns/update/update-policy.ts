// What an account's key may change, as BIND's `update-policy { grant KEY name SLOT TXT; }` (for a
// ddns account: `... SLOT A AAAA;`): the update section is prescanned in order (RFC 2136 §3.4.1:
// NOTZONE, FORMERR) and each record is checked against the grant (REFUSED), then turned into
// steps on the slot's TXT values or addresses. Pure.
import { txtPattern } from '../../crypto/secrets.js';
import { checkSlotAddress } from '../../ddns/address-rules.js';
import type { SlotAddresses } from '../../store/store.js';
import { Rcode, RRClass, RRType } from '../constants.js';
import type { SlotEditStep } from '../../store/store.js';
import { inZone } from './prerequisites.js';
import type { UpdateRecord } from './update-message.js';

export interface SlotGrant {
  readonly origin: string;
  /** The one name the key may change: the account's slot. */
  readonly slot: string;
}

export interface AddressGrant extends SlotGrant {
  /** ddns.allow_private_addresses: non-public addresses are accepted too. */
  readonly allowPrivate: boolean;
}

export interface Refusal {
  readonly ok: false;
  readonly rcode: number;
  readonly reason: string;
}

export type UpdatePlan = { readonly ok: true; readonly steps: readonly SlotEditStep[] } | Refusal;

/** One step on a ddns slot's addresses (one per family: an added A replaces the slot's A). */
export type AddressStep =
  | { readonly op: 'add'; readonly family: 4 | 6; readonly address: string }
  | { readonly op: 'delete'; readonly family: 4 | 6; readonly address: string }
  | { readonly op: 'clear'; readonly family: 4 | 6 };

export type AddressPlan = { readonly ok: true; readonly steps: readonly AddressStep[] } | Refusal;

const META_TYPES: ReadonlySet<number> = new Set([RRType.ANY, RRType.AXFR, RRType.IXFR, 253, 254]);

export function planUpdate(updates: readonly UpdateRecord[], grant: SlotGrant): UpdatePlan {
  return planSlotEdits(updates, grant, txtSlot);
}

/** The same for a ddns account: A and AAAA at its slot, public addresses unless allowed. */
export function planAddressUpdate(updates: readonly UpdateRecord[], grant: AddressGrant): AddressPlan {
  return planSlotEdits(updates, grant, addressSlot(grant.allowPrivate));
}

/** What differs between kinds of slot; the walk over the update section (planSlotEdits) is shared. */
interface SlotKind<RRset, Value, Step> {
  /** The RRset a record's type names at this slot, or null: that type has no place here. */
  rrsetOf(type: number): RRset | null;
  /** Why a record of another type is refused: "type N <onlyTypes>". */
  readonly onlyTypes: string;
  /** Deleting one RRset, or (`all`) every RRset at the slot. */
  clear(rrset: RRset | 'all'): Step[];
  /** The value a record holds, or null when it cannot be stored here. */
  valueOf(rdata: Buffer, rrset: RRset, deleting: boolean): Value | null;
  /** Why an added record whose value cannot be stored is refused. */
  notAValue(rrset: RRset): string;
  edit(op: 'add' | 'delete', rrset: RRset, value: Value): Step;
}

const txtSlot: SlotKind<'TXT', string, SlotEditStep> = {
  rrsetOf: (type) => (type === RRType.TXT ? 'TXT' : null),
  onlyTypes: 'at the slot (only TXT)',
  // Deleting every RRset at the slot touches only its TXT: nothing else lives there.
  clear: () => [{ op: 'clear' }],
  valueOf: (rdata) => acmeValue(rdata),
  notAValue: () => 'a TXT value that is not an ACME challenge (43 characters of base64url)',
  edit: (op, _txt, value) => ({ op, value }),
};

function addressSlot(allowPrivate: boolean): SlotKind<4 | 6, string, AddressStep> {
  return {
    rrsetOf: (type) => (type === RRType.A ? 4 : type === RRType.AAAA ? 6 : null),
    onlyTypes: 'at a ddns slot (only A and AAAA)',
    clear: (family) => (family === 'all' ? [{ op: 'clear', family: 4 }, { op: 'clear', family: 6 }] : [{ op: 'clear', family }]),
    // Any address the slot could hold may be deleted; only allowed ones added.
    valueOf: (rdata, family, deleting) => addressOf(rdata, family, deleting || allowPrivate),
    notAValue: (family) => `an ${family === 4 ? 'A' : 'AAAA'} record that is not a public unicast address`,
    edit: (op, family, address) => ({ op, family, address }),
  };
}

/** Each record in order: refused, or turned into steps on the slot by its class (RFC 2136 §2.5). */
function planSlotEdits<RRset, Value, Step>(updates: readonly UpdateRecord[], grant: SlotGrant, kind: SlotKind<RRset, Value, Step>): { readonly ok: true; readonly steps: readonly Step[] } | Refusal {
  const steps: Step[] = [];
  for (const u of updates) {
    const refused = refuseOutsideGrant(u, grant);
    if (refused) return refused;
    if (u.class === RRClass.ANY && u.type === RRType.ANY) {
      steps.push(...kind.clear('all'));
      continue;
    }
    const rrset = kind.rrsetOf(u.type);
    if (rrset === null) return refuse(Rcode.REFUSED, `type ${u.type} ${kind.onlyTypes}`);
    if (u.class === RRClass.ANY) {
      steps.push(...kind.clear(rrset));
      continue;
    }
    const deleting = u.class === RRClass.NONE;
    const value = kind.valueOf(u.rdata, rrset, deleting);
    if (deleting) {
      // A value that cannot be stored is not there to delete: a no-op, as for any absent record.
      if (value !== null) steps.push(kind.edit('delete', rrset, value));
      continue;
    }
    if (value === null) return refuse(Rcode.REFUSED, kind.notAValue(rrset));
    steps.push(kind.edit('add', rrset, value));
  }
  return { ok: true, steps };
}

/** The slot's addresses after the steps, in order. */
export function applyAddressSteps(current: SlotAddresses, steps: readonly AddressStep[]): SlotAddresses {
  let next = current;
  for (const step of steps) {
    const key = step.family === 4 ? 'ipv4' : 'ipv6';
    if (step.op === 'add') next = { ...next, [key]: step.address };
    else if (step.op === 'clear' || next[key] === step.address) next = { ...next, [key]: null };
  }
  return next;
}

function addressOf(rdata: Buffer, family: 4 | 6, anyRange: boolean): string | null {
  if (rdata.length !== (family === 4 ? 4 : 16)) return null;
  const text = family === 4 ? [...rdata].join('.') : (rdata.toString('hex').match(/.{4}/g) as string[]).join(':');
  const verdict = checkSlotAddress(text, anyRange);
  return verdict.ok ? verdict.value.address : null;
}

/** What refuses a record whatever its type: outside the zone, malformed, or not the key's slot. */
function refuseOutsideGrant(u: UpdateRecord, grant: SlotGrant): Refusal | null {
  if (!inZone(u.name, grant.origin)) return refuse(Rcode.NOTZONE, 'a record outside the zone');
  const form = prescan(u);
  if (form) return refuse(Rcode.FORMERR, form);
  if (u.name !== grant.slot) return refuse(Rcode.REFUSED, `${u.name} is not the key's slot`);
  return null;
}

/** RFC 2136 §3.4.1.2: the form each class demands. */
function prescan(u: UpdateRecord): string | null {
  if (u.class === RRClass.IN) return META_TYPES.has(u.type) ? 'a meta type added' : null;
  if (u.class === RRClass.ANY) {
    if (u.ttl !== 0 || u.rdata.length !== 0) return 'an RRset deletion with a TTL or data';
    return META_TYPES.has(u.type) && u.type !== RRType.ANY ? 'a meta type deleted' : null;
  }
  if (u.class === RRClass.NONE) {
    if (u.ttl !== 0) return 'a record deletion with a TTL';
    return META_TYPES.has(u.type) ? 'a meta type deleted' : null;
  }
  return `class ${u.class}`;
}

/** The value of a TXT rdata holding one ACME challenge string, else null. */
function acmeValue(rdata: Buffer): string | null {
  if (rdata.length !== 44 || rdata[0] !== 43) return null;
  const value = rdata.toString('latin1', 1);
  return txtPattern.test(value) ? value : null;
}

function refuse(rcode: number, reason: string): Refusal {
  return { ok: false, rcode, reason };
}
