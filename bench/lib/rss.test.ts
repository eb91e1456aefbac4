// Tests of process-tree memory sampling against real child processes.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { processTree, sampleTreeMemory, treeMemory } from './rss.ts';

describe('process tree memory', () => {
  it('finds a child and its grandchild and sums their memory', async () => {
    // A shell whose child sleeps: two processes under the shell's pid.
    const child = spawn('sh', ['-c', 'sleep 30 & wait'], { stdio: 'ignore' });
    try {
      await new Promise((r) => setTimeout(r, 300));
      const tree = processTree(child.pid!);
      assert.ok(tree.includes(child.pid!));
      assert.ok(tree.length >= 2, `tree ${tree.join(',')} lacks the sleep`);
      const own = treeMemory(child.pid!);
      const single = treeMemory(process.pid);
      assert.ok(own.rssBytes > 0);
      assert.ok(single.rssBytes > 0);
      const sampler = sampleTreeMemory(child.pid!, 50);
      await new Promise((r) => setTimeout(r, 120));
      const peaks = sampler.stop();
      assert.ok(peaks.samples >= 3);
      assert.ok(peaks.peakRssBytes >= own.rssBytes * 0.5);
    } finally {
      child.kill('SIGKILL');
      await once(child, 'exit');
    }
  });

  it('reports nothing for a pid that does not exist', () => {
    assert.deepEqual(processTree(2 ** 22 + 12345), []);
    assert.equal(treeMemory(2 ** 22 + 12345).rssBytes, 0);
  });
});
