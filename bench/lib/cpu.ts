// CPU time of a daemon and every process under it (workers included), from /proc/<pid>/stat utime + stime.

import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { processTree } from './rss.ts';

/** Kernel clock ticks per second for /proc times (USER_HZ; 100 on Linux unless told otherwise). */
export function clockTicksPerSecond(): number {
  try {
    const n = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());
    return Number.isFinite(n) && n > 0 ? n : 100;
  } catch {
    return 100;
  }
}

/** utime + stime of one process, in ticks; 0 when it is gone. */
export function processTicks(pid: number): number {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return 0;
  }
  // Fields after the command name (which may hold spaces or ')'): state is field 3, utime 14, stime 15.
  const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return Number(rest[11]) + Number(rest[12]);
}

/** CPU seconds used so far by `root` and its descendants. */
export function treeCpuSeconds(root: number, ticksPerSecond = clockTicksPerSecond()): number {
  let ticks = 0;
  for (const pid of processTree(root)) ticks += processTicks(pid);
  return ticks / ticksPerSecond;
}

/** Share of one core the tree used over `ms` of wall time, in percent. */
export async function measureCpuPercent(root: number, ms: number): Promise<number> {
  const hz = clockTicksPerSecond();
  const before = treeCpuSeconds(root, hz);
  const t0 = performance.now();
  await new Promise((r) => setTimeout(r, ms));
  const wall = (performance.now() - t0) / 1000;
  return ((treeCpuSeconds(root, hz) - before) / wall) * 100;
}
