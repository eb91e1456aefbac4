// CPU time used by a process group (a daemon and every worker it forked), read from /proc (Linux), for per-request CPU figures.

import { readdirSync, readFileSync } from 'node:fs';

/** Kernel clock ticks per second for utime/stime in /proc/PID/stat (USER_HZ, 100 on Linux). */
const CLOCK_TICKS_PER_S = 100;

interface ProcStat {
  pgid: number;
  /** utime + stime, in clock ticks. */
  ticks: number;
}

/** The fields of /proc/PID/stat this file needs; undefined when the process is gone (or off Linux). */
function procStat(pid: number | string): ProcStat | undefined {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
  } catch {
    return undefined;
  }
  // The command name may hold spaces and parentheses: fields are counted after the last ')'.
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // f[2] is the process group, f[11] utime and f[12] stime in clock ticks.
  return { pgid: Number(f[2]), ticks: Number(f[11]) + Number(f[12]) };
}

/** Milliseconds of user + system CPU used so far by process `pid` (undefined off Linux or when it is gone). */
export function processCpuMs(pid: number): number | undefined {
  const stat = procStat(pid);
  return stat && (stat.ticks * 1000) / CLOCK_TICKS_PER_S;
}

/** Milliseconds of user + system CPU used so far by the live processes of process group `pgid` (undefined off Linux). */
export function groupCpuMs(pgid: number): number | undefined {
  let pids: string[];
  try {
    pids = readdirSync('/proc').filter((d) => /^\d+$/.test(d));
  } catch {
    return undefined;
  }
  let ticks = 0;
  for (const pid of pids) {
    const stat = procStat(pid); // undefined: exited meanwhile
    if (stat?.pgid === pgid) ticks += stat.ticks;
  }
  return (ticks * 1000) / CLOCK_TICKS_PER_S;
}
