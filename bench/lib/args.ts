// Command-line value parsing shared by the bench scripts (node:util parseArgs gives strings).

/** A whole number option: `dflt` when absent; an error naming `--name` when not a whole number ≥ min. */
export function intArg(name: string, v: string | undefined, dflt: number, min: number): number {
  if (v === undefined) return dflt;
  const n = Number(v);
  if (!Number.isInteger(n) || n < min) throw new Error(`--${name} needs a whole number ≥ ${min}, got ${v}`);
  return n;
}
