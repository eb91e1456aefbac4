// Pieces shared by the SQLite token and weight stores: signature lookups and pages, batched deletes and loads.

import { setImmediate as yieldToLoop } from 'node:timers/promises';
import type { DatabaseSync, StatementSync } from 'node:sqlite';
import type { TokenClass } from '../interfaces.ts';
import { PRUNE_BATCH } from '../rules.ts';
import { immediate } from './database.ts';

/** `lookup` is SELECT cls … WHERE ns = ? AND sig = ?. */
export function learnedClass(lookup: StatementSync, ns: string, sig: string): TokenClass | undefined {
  return (lookup.get(ns, sig) as { cls: TokenClass } | undefined)?.cls;
}

/**
 * Runs `step` (deletes at most PRUNE_BATCH rows, returns how many) in one short IMMEDIATE transaction per
 * batch until a batch comes back short, so writers are never locked out for long; returns the total.
 */
export async function deleteInBatches(db: DatabaseSync, step: () => number): Promise<number> {
  let total = 0;
  for (;;) {
    const n = immediate(db, step);
    total += n;
    if (n < PRUNE_BATCH) return total;
    await yieldToLoop();
  }
}

/** Keyset pages of `page` (sig, cls, day … WHERE ns = ? AND sig > ? ORDER BY sig LIMIT PRUNE_BATCH). */
export function* signatureRows(
  page: StatementSync,
  ns: string,
): Iterable<{ type: 'signature'; sig: string; cls: TokenClass; day: number }> {
  for (let after = ''; ; ) {
    const rows = page.all(ns, after) as { sig: string; cls: TokenClass; day: number }[];
    for (const r of rows) yield { type: 'signature', sig: r.sig, cls: r.cls, day: r.day };
    if (rows.length < PRUNE_BATCH) return;
    after = rows[rows.length - 1].sig;
  }
}

/** `users` is SELECT ns … ORDER BY ns. */
export function namespaces(users: StatementSync): string[] {
  return (users.all() as { ns: string }[]).map((r) => r.ns);
}

/**
 * Loads dump rows into namespace `ns`, one IMMEDIATE transaction per PRUNE_BATCH rows (each first running
 * `ensureNs`); `check` sees every row as it arrives, before it is queued. Returns the number of rows.
 */
export async function loadInBatches<R>(
  db: DatabaseSync,
  ns: string,
  rows: AsyncIterable<R> | Iterable<R>,
  ensureNs: StatementSync,
  write: (row: R) => void,
  check: (row: R) => void = () => {},
): Promise<number> {
  let n = 0;
  let batch: R[] = [];
  const flush = () => {
    const b = batch;
    batch = [];
    immediate(db, () => {
      ensureNs.run(ns);
      for (const r of b) write(r);
    });
  };
  for await (const row of rows) {
    check(row);
    n++;
    batch.push(row);
    if (batch.length >= PRUNE_BATCH) flush();
  }
  flush();
  return n;
}
