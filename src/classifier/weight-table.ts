// In-memory copy of one namespace's logistic weights (bulk classify and batched learning read it instead of the store).

import type { TokenNamespace, WeightStore } from '../storage/interfaces.ts';
import { WEIGHT_EPSILON } from '../storage/weight-rules.ts';

/**
 * Up to this hash width the table is one dense Float64Array over every bucket: 2^22 × 8 bytes = 32 MiB at
 * most, whatever the store holds, and a lookup is one array index. Wider models use a Map (memory grows
 * with the stored buckets instead: about 50 bytes each).
 */
export const DENSE_MAX_BITS = 22;

export interface WeightTable {
  get(bucket: number): number;
  /** Adds `delta`; a weight that ends within WEIGHT_EPSILON of zero becomes 0, as the stores delete it. */
  add(bucket: number, delta: number): void;
  /** Sets a weight read from the store (a scan may deliver a bucket twice). */
  set(bucket: number, weight: number): void;
  /** Buckets held with a non-zero weight. */
  readonly size: number;
}

class DenseTable implements WeightTable {
  readonly #w: Float64Array;
  #size = 0;
  constructor(bits: number) {
    this.#w = new Float64Array(2 ** bits);
  }
  get(bucket: number): number {
    return this.#w[bucket];
  }
  add(bucket: number, delta: number): void {
    const before = this.#w[bucket];
    let w = before + delta;
    if (Math.abs(w) < WEIGHT_EPSILON) w = 0;
    this.#w[bucket] = w;
    this.#size += (w !== 0 ? 1 : 0) - (before !== 0 ? 1 : 0);
  }
  set(bucket: number, weight: number): void {
    this.#size += (weight !== 0 ? 1 : 0) - (this.#w[bucket] !== 0 ? 1 : 0);
    this.#w[bucket] = weight;
  }
  get size(): number {
    return this.#size;
  }
}

class SparseTable implements WeightTable {
  readonly #w = new Map<number, number>();
  get(bucket: number): number {
    return this.#w.get(bucket) ?? 0;
  }
  add(bucket: number, delta: number): void {
    const w = (this.#w.get(bucket) ?? 0) + delta;
    if (Math.abs(w) < WEIGHT_EPSILON) this.#w.delete(bucket);
    else this.#w.set(bucket, w);
  }
  set(bucket: number, weight: number): void {
    if (weight === 0) this.#w.delete(bucket);
    else this.#w.set(bucket, weight);
  }
  get size(): number {
    return this.#w.size;
  }
}

export function createWeightTable(bits: number): WeightTable {
  return bits <= DENSE_MAX_BITS ? new DenseTable(bits) : new SparseTable();
}

export interface WeightSnapshot {
  table: WeightTable;
  bias: number;
  nspam: number;
  nham: number;
}

/**
 * Reads a namespace's weights from the store (totals first, then a scan: another writer's learns in between may
 * be half seen, as with any read during learning). Buckets at or above 2^bits (left by a model that was
 * configured wider) are never asked for by this model and are skipped.
 */
export async function loadWeights(store: WeightStore, ns: TokenNamespace, bits: number): Promise<WeightSnapshot> {
  const { bias, nspam, nham } = await store.read([], ns);
  const out: WeightSnapshot = { table: createWeightTable(bits), bias, nspam, nham };
  const limit = 2 ** bits;
  for await (const page of store.scan(ns)) {
    const { buckets, weights } = page;
    for (let i = 0; i < buckets.length; i++) if (buckets[i] < limit) out.table.set(buckets[i], weights[i]);
  }
  return out;
}
