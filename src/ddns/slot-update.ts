// What a dynamic-DNS credential may name and change: its own slot, by the slot's full name or the
// name bootstrap delegated to it (the account's label), and only that slot's addresses.
import { fulldomainOf } from '../accounts/fulldomain.js';
import { isHostName, normalizeName } from '../names/domain-name.js';
import type { Account, SlotAddresses, Store } from '../store/store.js';

/** The names a ddns account answers to in dyndns2's `hostname`, normalised. */
export function slotHostnames(account: Account, zone: string): string[] {
  const names = [fulldomainOf(account.subdomain, zone)];
  const label = account.label === null ? '' : normalizeName(account.label);
  if (isHostName(label) && label.includes('.')) names.push(label);
  return names;
}

export interface AddressChange {
  readonly ipv4?: string | null;
  readonly ipv6?: string | null;
}

export interface SlotUpdateOutcome {
  /** "good" when DNS now serves something new, "nochg" when it already served this (nothing written). */
  readonly status: 'good' | 'nochg';
  readonly addresses: SlotAddresses;
}

/** Applies a change to the account's own slot through the store (journal, NOTIFY, workers follow). */
export function updateSlotAddresses(store: Store, account: Account, change: AddressChange, remote: string | null): SlotUpdateOutcome {
  const { changed, addresses } = store.setAddresses({ subdomain: account.subdomain, ...change, remote });
  return { status: changed ? 'good' : 'nochg', addresses };
}

/** IPv4 first, as answers and DNS list them. */
export function addressList(addresses: SlotAddresses): string[] {
  return [addresses.ipv4, addresses.ipv6].filter((a): a is string => a !== null);
}
