// Resident memory of a daemon and every process under it (workers included), sampled from /proc.

import { readdirSync, readFileSync } from 'node:fs';

/** How often the sampler reads /proc. */
export const RSS_SAMPLE_INTERVAL_MS = 200;
const KIB = 1024;

function readProcFile(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined; // The process ended between listing and reading.
  }
}

/** pid → parent pid for every process visible in /proc. */
function parentMap(): Map<number, number> {
  const parents = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = readProcFile(`/proc/${entry}/stat`);
    if (!stat) continue;
    // Fields after the command name, which is in parentheses and may itself contain spaces or ')'.
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    parents.set(Number(entry), Number(rest[1]));
  }
  return parents;
}

/** `root` and all its descendants. */
export function processTree(root: number): number[] {
  const parents = parentMap();
  const tree = new Set<number>([root]);
  let grew = true;
  while (grew) {
    grew = false;
    for (const [pid, ppid] of parents) {
      if (!tree.has(pid) && tree.has(ppid)) {
        tree.add(pid);
        grew = true;
      }
    }
  }
  return [...tree].filter((pid) => parents.has(pid));
}

/** Sum of VmRSS over the tree, in bytes. Shared pages of forked workers count once per process, as `ps` shows them. */
export function treeRssBytes(root: number): number {
  let total = 0;
  for (const pid of processTree(root)) {
    const status = readProcFile(`/proc/${pid}/status`);
    const m = status && /^VmRSS:\s+(\d+)\s+kB/m.exec(status);
    if (m) total += Number(m[1]) * KIB;
  }
  return total;
}

export interface RssSampler {
  /** Stops sampling; returns the peak seen, in bytes. */
  stop(): { peakBytes: number; samples: number };
}

export function sampleTreeRss(root: number, intervalMs = RSS_SAMPLE_INTERVAL_MS): RssSampler {
  let peak = 0;
  let samples = 0;
  const take = (): void => {
    peak = Math.max(peak, treeRssBytes(root));
    samples++;
  };
  take();
  const timer = setInterval(take, intervalMs);
  return {
    stop() {
      clearInterval(timer);
      take();
      return { peakBytes: peak, samples };
    },
  };
}
