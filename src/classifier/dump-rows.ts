// Validates the JSON-lines rows `winnow bayes load` reads: exactly the rows a store's dump writes, per model.

import { z } from 'zod';
import type { TokenDumpRow, WeightDumpRow } from '../storage/interfaces.ts';
import type { BayesModelName } from './service-types.ts';

const count = z.number().int().min(0);
const day = z.number().int();
const signatureRow = z.strictObject({ type: z.literal('signature'), sig: z.string().min(1), cls: z.enum(['spam', 'ham']), day });

const tokenRow = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('totals'), nspam: count, nham: count }),
  z.strictObject({ type: z.literal('token'), token: z.string().min(1), spam: count, ham: count, lastSeenDay: day }),
  signatureRow,
]);

const weightRow = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('totals'), nspam: count, nham: count, bias: z.number().finite() }),
  z.strictObject({ type: z.literal('weight'), bucket: z.number().int().min(0).max(2 ** 32 - 1), weight: z.number().finite(), lastDay: day }),
  signatureRow,
]);

export type DumpRow = TokenDumpRow | WeightDumpRow;

/** Parses one line; the error names the line number and what is wrong. */
export function parseDumpLine(model: BayesModelName, line: string, lineNo: number): DumpRow {
  let raw: unknown;
  try {
    raw = JSON.parse(line);
  } catch {
    throw new Error(`line ${lineNo}: not JSON`);
  }
  const r = (model === 'logistic' ? weightRow : tokenRow).safeParse(raw);
  if (!r.success) {
    const i = r.error.issues[0];
    throw new Error(`line ${lineNo}: not a ${model} dump row: ${i.path.join('.') || 'row'}: ${i.message}`);
  }
  return r.data;
}
