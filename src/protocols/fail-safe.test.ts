import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ScanResult } from '../core/types.ts';
import { MemoryLogger } from '../log/memory-logger.ts';
import { failedChecks, ScanFailSafe, withTimeout } from './fail-safe.ts';

const withSymbols = (groups: Record<string, string>) =>
  ({ symbols: Object.fromEntries(Object.entries(groups).map(([name, group]) => [name, { name, group, score: 0, weight: 0, options: [] }])) }) as unknown as ScanResult;

test('failedChecks lists the fail-group symbols only', () => {
  assert.deepEqual(failedChecks(withSymbols({ A_CHECK_FAIL: 'fail', B: 'b', C_CHECK_FAIL: 'fail' })), ['A_CHECK_FAIL', 'C_CHECK_FAIL']);
});

test('a refusing fail action replaces accepting answers only; an incident is two log lines', () => {
  const log = new MemoryLogger();
  const fs = new ScanFailSafe<string>({ protocol: 'demo', action: 'tempfail', failReply: 'T', refuses: true, log });
  assert.equal(fs.scanFailed('boom'), 'T');
  assert.equal(fs.inIncident, true);
  assert.equal(fs.checksFailed(['X_CHECK_FAIL'], 'ACCEPT', true), 'T');
  assert.equal(fs.checksFailed(['X_CHECK_FAIL'], 'REJECT', false), 'REJECT');
  fs.succeeded();
  fs.succeeded();
  assert.equal(fs.inIncident, false);
  assert.deepEqual(
    log.records.map((r) => [r.level, r.msg]),
    [
      ['warn', 'demo scan failed; answering the fail-safe action until scans succeed again'],
      ['info', 'demo scans succeed again; fail-safe incident over'],
    ],
  );
  assert.equal(log.records[0].fields.failAction, 'tempfail');
  assert.equal(log.records[1].fields.failedRequests, 3);
});

test('an accepting fail action leaves answers alone', () => {
  const fs = new ScanFailSafe<string>({ protocol: 'demo', action: 'accept', failReply: 'A', refuses: false, log: new MemoryLogger() });
  assert.equal(fs.checksFailed(['X'], 'ACCEPT', true), 'ACCEPT');
  assert.equal(fs.scanFailed('x'), 'A');
});

test('withTimeout: the value in time, an error naming the budget when late', async () => {
  assert.equal(await withTimeout(Promise.resolve(1), 50), 1);
  await assert.rejects(withTimeout(sleep(200), 20), /scan timed out after 20 ms/);
});
