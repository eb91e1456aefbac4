// The /proc CPU reader agrees with Node's own account of this process's CPU time.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { processTicks, treeCpuSeconds } from './cpu.ts';

test('CPU seconds of this process grow while it spins, as process.cpuUsage says', () => {
  const before = treeCpuSeconds(process.pid);
  const start = process.cpuUsage();
  let x = 0;
  // Spin on CPU time, not wall time: a loaded machine may hand this process little of either core.
  while ((process.cpuUsage(start).user + process.cpuUsage(start).system) / 1e6 < 0.3) x += Math.sqrt(x + 1);
  assert.ok(x > 0);
  const own = (process.cpuUsage(start).user + process.cpuUsage(start).system) / 1e6;
  const used = treeCpuSeconds(process.pid) - before;
  // /proc counts in clock ticks (10 ms); allow a few ticks either way.
  assert.ok(Math.abs(used - own) < 0.05, `/proc says ${used} s, process.cpuUsage ${own} s`);
  assert.equal(processTicks(2 ** 30), 0, 'a missing process counts nothing');
});
