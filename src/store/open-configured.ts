// The store as the config describes it: one place that maps [store] keys to Store options.
import type { Config } from '../config/schema.js';
import { Store, type Account } from './store.js';

export function openConfiguredStore(config: Config, options: { readonly create?: boolean } = {}): Store {
  return Store.open({
    path: config.store.path,
    valuesPerSlot: config.store.txt_values_per_slot,
    maxAgeSeconds: config.store.txt_max_age_seconds,
    ...(options.create === undefined ? {} : { create: options.create }),
  });
}

/** Every account, oldest first, read without writing anything: for planning, --dry-run and check. */
export function readConfiguredAccounts(config: Config): Account[] {
  const store = Store.openReadOnly({ path: config.store.path, valuesPerSlot: config.store.txt_values_per_slot, maxAgeSeconds: config.store.txt_max_age_seconds });
  try {
    return store.listAccounts();
  } finally {
    store.close();
  }
}

/** The zone serial in the store, read without writing anything: `check` compares secondaries to it. */
export function readConfiguredSerial(config: Config): number {
  const store = Store.openReadOnly({ path: config.store.path, valuesPerSlot: config.store.txt_values_per_slot, maxAgeSeconds: config.store.txt_max_age_seconds });
  try {
    return store.serial();
  } finally {
    store.close();
  }
}
