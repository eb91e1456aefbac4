// Output helpers shared by `winnow classify` and `winnow learn`: back-pressure-aware stdout writes and one-line error texts with the stable code.

import { CommanderError } from 'commander';
import { isWinnowError } from '../errors.ts';
import { ConfigError } from '../config/load.ts';

/** Writes to stdout and waits for the pipe to drain when it is full, so a huge bulk run stays in bounded memory. */
export async function writeOut(data: string | Uint8Array): Promise<void> {
  if (process.stdout.write(data)) return;
  await new Promise<void>((resolve) => {
    const done = () => {
      process.stdout.off('drain', done);
      process.stdout.off('error', done);
      resolve();
    };
    process.stdout.once('drain', done);
    process.stdout.once('error', done);
  });
}

/** `message (CODE)` for our errors, the message for others; a config error keeps its per-key lines. */
export function errorText(err: unknown): string {
  if (err instanceof ConfigError) return `invalid configuration (${err.code}):\n${err.message}`;
  if (isWinnowError(err)) return `${err.message} (${err.code})`;
  return err instanceof Error ? err.message : String(err);
}

/** A commander exit override that turns usage errors into `code` (help and version still exit 0). */
export function usageExitCode(code: number): (err: CommanderError) => never {
  return (err) => {
    throw new CommanderError(err.exitCode === 0 ? 0 : code, err.code, err.message);
  };
}
