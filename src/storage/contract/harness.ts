// What a backend hands the contract suite: a way to open fresh, empty stores.

import type { Store, StoreLimits } from '../store.ts';

export interface StoreFactory {
  backend: 'memory' | 'sqlite' | 'redis';
  /** A fresh, empty store; the suite closes it. */
  open(limits?: Partial<StoreLimits>): Promise<Store>;
  /** Two fresh handles on one shared, empty database (one SQLite file, one Redis prefix); absent for per-process backends. */
  openPair?(): Promise<[Store, Store]>;
}

/** Opens a store, runs `fn`, closes the store even when `fn` fails. */
export async function withStore<T>(
  factory: StoreFactory,
  limits: Partial<StoreLimits>,
  fn: (store: Store) => Promise<T>,
): Promise<T> {
  const store = await factory.open(limits);
  try {
    return await fn(store);
  } finally {
    await store.close();
  }
}

export const DAY_MS = 86_400_000;
/** A fixed "now" so day arithmetic in tests is exact: 2024-03-01T12:00:00Z. */
export const T0 = Date.UTC(2024, 2, 1, 12);
