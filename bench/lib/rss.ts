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

export interface TreeMemory {
  /** Sum of VmRSS: pages shared by forked workers count once per process, as `ps` shows them. */
  rssBytes: number;
  /** Sum of PSS (shared pages split between their users), or undefined where /proc has no smaps_rollup. */
  pssBytes: number | undefined;
}

export function treeMemory(root: number): TreeMemory {
  let rss = 0;
  let pss: number | undefined = 0;
  for (const pid of processTree(root)) {
    const status = readProcFile(`/proc/${pid}/status`);
    const m = status && /^VmRSS:\s+(\d+)\s+kB/m.exec(status);
    if (!m) continue;
    rss += Number(m[1]) * KIB;
    const rollup = readProcFile(`/proc/${pid}/smaps_rollup`);
    const p = rollup && /^Pss:\s+(\d+)\s+kB/m.exec(rollup);
    pss = p && pss !== undefined ? pss + Number(p[1]) * KIB : undefined;
  }
  return { rssBytes: rss, pssBytes: pss };
}

export interface MemoryPeaks {
  peakRssBytes: number;
  peakPssBytes: number | undefined;
  samples: number;
}

export interface MemorySampler {
  /** Stops sampling and returns the peaks seen. */
  stop(): MemoryPeaks;
}

export function sampleTreeMemory(root: number, intervalMs = RSS_SAMPLE_INTERVAL_MS): MemorySampler {
  const peaks: MemoryPeaks = { peakRssBytes: 0, peakPssBytes: 0, samples: 0 };
  const take = (): void => {
    const m = treeMemory(root);
    peaks.peakRssBytes = Math.max(peaks.peakRssBytes, m.rssBytes);
    peaks.peakPssBytes = m.pssBytes === undefined || peaks.peakPssBytes === undefined ? undefined : Math.max(peaks.peakPssBytes, m.pssBytes);
    peaks.samples++;
  };
  take();
  const timer = setInterval(take, intervalMs);
  return {
    stop() {
      clearInterval(timer);
      take();
      return { ...peaks };
    },
  };
}
