// Runs bogofilter (when installed) on the same split as winnow: bulk learn, bulk classify with spamicities, and an optional online pass.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { Message } from './corpus.ts';

export const BOGOFILTER = process.env.BOGOFILTER ?? 'bogofilter';
/** Files per bogofilter invocation, so the argument list stays well under the kernel's limit. */
const FILES_PER_CALL = 1000;
/** bogofilter exits 0 spam, 1 ham, 2 unsure, 3 error. */
const EXIT_ERROR = 3;

export interface BogoScore {
  probability: number;
  verdict: 'spam' | 'ham' | 'unsure';
}

export function bogofilterAvailable(): boolean {
  const r = spawnSync(BOGOFILTER, ['-V'], { encoding: 'utf8' });
  return r.status === 0 || r.status === 2 || /bogofilter version/.test(r.stdout + r.stderr);
}

function chunks<T>(xs: readonly T[], n: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < xs.length; i += n) out.push(xs.slice(i, i + n));
  return out;
}

function run(args: string[]): string {
  const r = spawnSync(BOGOFILTER, args, { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (r.status === null || r.status >= EXIT_ERROR) throw new Error(`bogofilter ${args.slice(0, 4).join(' ')}: ${r.stderr || r.error}`);
  return r.stdout;
}

const VERDICTS: Record<string, BogoScore['verdict']> = { S: 'spam', H: 'ham', U: 'unsure' };

export class Bogofilter {
  readonly dir = mkdtempSync(join(tmpdir(), 'winnow-bogo-'));

  /** Registers every message with its true class (-s / -n in bulk mode); returns milliseconds. */
  learn(msgs: readonly Message[]): number {
    const t0 = performance.now();
    for (const [flag, isSpam] of [['-s', true], ['-n', false]] as const) {
      const paths = msgs.filter((m) => m.isSpam === isSpam).map((m) => m.path);
      for (const c of chunks(paths, FILES_PER_CALL)) run(['-d', this.dir, flag, '-B', ...c]);
    }
    return performance.now() - t0;
  }

  /** Terse bulk classification (-T -B): one "path verdict spamicity" line per file. */
  classify(msgs: readonly Message[]): { scores: Map<string, BogoScore>; ms: number } {
    const scores = new Map<string, BogoScore>();
    const t0 = performance.now();
    for (const c of chunks(msgs.map((m) => m.path), FILES_PER_CALL)) {
      for (const line of run(['-d', this.dir, '-T', '-B', ...c]).split('\n')) {
        const m = /^(.*) ([SHU]) (\S+)$/.exec(line);
        if (m) scores.set(m[1], { verdict: VERDICTS[m[2]], probability: Number(m[3]) });
      }
    }
    return { scores, ms: performance.now() - t0 };
  }

  /** Classify, then train on the true label, one message at a time in the given order. */
  online(msgs: readonly Message[]): BogoScore[] {
    const out: BogoScore[] = [];
    for (const m of msgs) {
      // Before the first learn there is no database and bogofilter refuses to classify: no opinion.
      if (!existsSync(join(this.dir, 'wordlist.db'))) {
        out.push({ verdict: 'unsure', probability: 0.5 });
        run(['-d', this.dir, m.isSpam ? '-s' : '-n', '-I', m.path]);
        continue;
      }
      const line = run(['-d', this.dir, '-T', '-I', m.path]).trim();
      const r = /([SHU]) (\S+)$/.exec(line);
      out.push(r ? { verdict: VERDICTS[r[1]], probability: Number(r[2]) } : { verdict: 'unsure', probability: 0.5 });
      run(['-d', this.dir, m.isSpam ? '-s' : '-n', '-I', m.path]);
    }
    return out;
  }

  close(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}
