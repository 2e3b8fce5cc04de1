// The store as the config describes it: one place that maps [store] keys to Store options.
import type { Config } from '../config/schema.js';
import { Store, type Account, type StoreOptions } from './store.js';

function storeOptions(config: Config): StoreOptions {
  return { path: config.store.path, valuesPerSlot: config.store.txt_values_per_slot, maxAgeSeconds: config.store.txt_max_age_seconds };
}

export function openConfiguredStore(config: Config, options: { readonly create?: boolean } = {}): Store {
  return Store.open({ ...storeOptions(config), ...(options.create === undefined ? {} : { create: options.create }) });
}

/** The running server's database for reading only (a DNS worker loading its zone). */
export function openConfiguredServingReader(config: Config): Store {
  return Store.openServingReader(storeOptions(config));
}

/** Every account, oldest first, read without writing anything: for planning, --dry-run and check. */
export function readConfiguredAccounts(config: Config): Account[] {
  const store = Store.openReadOnly(storeOptions(config));
  try {
    return store.listAccounts();
  } finally {
    store.close();
  }
}

/** The zone serial in the store, read without writing anything: `check` compares secondaries to it. */
export function readConfiguredSerial(config: Config): number {
  const store = Store.openReadOnly(storeOptions(config));
  try {
    return store.serial();
  } finally {
    store.close();
  }
}
