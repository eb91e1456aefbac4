// Closed-loop load: N requests in flight over a list of inputs, timing each one.

import { performance } from 'node:perf_hooks';

export interface LoadResult {
  latenciesMs: number[];
  errors: number;
  /** The first few error messages, for the report. */
  errorSamples: string[];
  elapsedMs: number;
}

const MAX_ERROR_SAMPLES = 5;

/**
 * Runs `send` once per item with `concurrency` calls in flight: each slot starts its next item as soon as
 * its previous one finishes. A call that throws counts as an error; its time is not in the latencies.
 */
export async function runClosedLoop<T>(items: readonly T[], concurrency: number, send: (item: T) => Promise<void>): Promise<LoadResult> {
  const latenciesMs: number[] = [];
  const errorSamples: string[] = [];
  let errors = 0;
  let next = 0;
  const t0 = performance.now();
  const slot = async (): Promise<void> => {
    while (next < items.length) {
      const item = items[next++];
      const start = performance.now();
      try {
        await send(item);
        latenciesMs.push(performance.now() - start);
      } catch (err) {
        errors++;
        if (errorSamples.length < MAX_ERROR_SAMPLES) errorSamples.push(err instanceof Error ? err.message : String(err));
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, slot));
  return { latenciesMs, errors, errorSamples, elapsedMs: performance.now() - t0 };
}
