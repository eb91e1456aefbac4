// The shared storage contract: every backend registers these node:test tests with its own factory.

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { counterContract } from './counters.ts';
import { fuzzyContract } from './fuzzy.ts';
import { greylistContract } from './greylist.ts';
import type { StoreFactory } from './harness.ts';
import { historyContract } from './history.ts';
import { rateContract } from './rate.ts';
import { seriesContract } from './series.ts';
import { spamdContract } from './spamd.ts';
import { tokenContract } from './tokens.ts';
import { weightContract } from './weights.ts';

export type { StoreFactory } from './harness.ts';

export function storeContract(factory: StoreFactory): void {
  describe(`storage contract: ${factory.backend}`, () => {
    test('health reports the backend and a detail', async () => {
      const store = await factory.open();
      try {
        const h = await store.health();
        assert.equal(h.ok, true);
        assert.equal(h.backend, factory.backend);
        assert.ok(h.detail.length > 0);
      } finally {
        await store.close();
      }
    });
    counterContract(factory);
    historyContract(factory);
    tokenContract(factory);
    weightContract(factory);
    greylistContract(factory);
    rateContract(factory);
    fuzzyContract(factory);
    seriesContract(factory);
    spamdContract(factory);
  });
}
